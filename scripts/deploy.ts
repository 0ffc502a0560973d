/**
 * Deploys Careloop into a Medplum project, idempotently (a second run updates, never duplicates):
 *
 *   npm run deploy -- --dry-run                 # print every resource and action; no network
 *   npm run deploy                              # deploy everything
 *   npm run deploy -- careloop-dispatch         # one bot (with its policy and Subscriptions)
 *   npm run deploy -- --allow-missing           # skip bots whose bundle is not built
 *
 * Environment: MEDPLUM_BASE_URL, MEDPLUM_CLIENT_ID, MEDPLUM_CLIENT_SECRET (a project-admin
 * ClientApplication), CARELOOP_ORGANIZATION (`Organization/<id>`, the practice), CARELOOP_APP_URL (where
 * the SMART app is served), optional CARELOOP_BOT_RUNTIME (`awslambda`, the default, or `vmcontext`).
 *
 * Steps, in order (docs/deploy.md explains each):
 *   library        the workflow library transaction (conditional PUT by canonical url)
 *   bots           each Bot found by name (`Bot?name=`), created through `admin/projects/:id/bot` so it gets
 *                  its ProjectMembership, then updated to the definition in fhir-resources/bots/bots/
 *   code           the bundle from `npm run build:bots` saved as the Bot's source and posted to
 *                  `Bot/:id/$deploy` (as `medplum bot deploy` does)
 *   policies       AccessPolicies and the SMART ClientApplication, found by their deployment tag
 *   memberships    each bot's ProjectMembership gets its AccessPolicy with `current_organization`
 *   subscriptions  last, so the first event a bot sees finds it with its code and its policy
 */

import { ContentType, MedplumClient, normalizeErrorString, OperationOutcomeError } from '@medplum/core';
import type {
  AccessPolicy,
  Bot,
  Bundle,
  ClientApplication,
  Coding,
  OperationOutcome,
  Project,
  ProjectMembership,
  ProjectMembershipAccess,
  Resource,
  Subscription,
} from '@medplum/fhirtypes';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CARELOOP_BASE } from '../src/engine/codes';
import { libraryTransactionBundle, loadLibraryResources } from '../src/fhir/library';
import { distPath, readMedplumConfig, REPO_ROOT, type MedplumConfig } from './build-bots';

/** `fhir-resources/bots/` of this repository. */
export const BOT_RESOURCES_ROOT: string = fileURLToPath(new URL('../fhir-resources/bots/', import.meta.url));

/** Tag system marking what this script manages; the code is the resource's name and is how it is found again. */
export const DEPLOY_TAG_SYSTEM = `${CARELOOP_BASE}/deployment`;

/** Medplum's Subscription extensions this deployment relies on. */
export const SUBSCRIPTION_EXT = {
  interaction: 'https://medplum.com/fhir/StructureDefinition/subscription-supported-interaction',
  criteria: 'https://medplum.com/fhir/StructureDefinition/fhir-path-criteria-expression',
} as const;

/** The AccessPolicy parameter every Careloop policy is written against (the practice's Organization). */
export const ORGANIZATION_PARAMETER = 'current_organization';

/** The coordinator policy: assigned to people (see docs/deploy.md), not to a bot. */
export const COORDINATOR_POLICY = 'careloop-coordinator';

/** Project secrets a bot cannot run without (warned about when missing; the bot would fail with BotConfigError). */
export const BOT_SECRETS: Readonly<Record<string, readonly string[]>> = {
  'careloop-dispatch': ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM_NUMBER'],
  // Webhook bots check Twilio's signature against their own public URL, so they must be told it.
  'careloop-inbound-message': ['TWILIO_AUTH_TOKEN', 'INBOUND_WEBHOOK_URL'],
  'careloop-delivery-status': ['TWILIO_AUTH_TOKEN', 'STATUS_WEBHOOK_URL'],
  'careloop-ehr-sync': ['EHR_FHIR_BASE', 'EHR_CLIENT_ID', 'EHR_PRIVATE_KEY'],
};

/**
 * Project secrets a bot runs without, with one of its steps off (warned about when missing, apart from the
 * required ones). They go together: a bot that finds the account SID needs the rest, or fails with
 * BotConfigError.
 */
export const BOT_OPTIONAL_SECRETS: Readonly<
  Record<string, { readonly secrets: readonly string[]; readonly without: string }>
> = {
  // The watchdog reads Twilio's current status of texts and calls whose status callback never arrived.
  'careloop-watchdog': {
    secrets: ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM_NUMBER'],
    without: 'skips the delivery-status reconcile',
  },
};

/** Read by every bot: the practice's Organization (`Organization/<id>`). */
export const COMMON_SECRETS: readonly string[] = ['CARELOOP_ORGANIZATION'];

/** Project features the bots need: bots at all, Cron triggers, and email for the email channel. */
export const REQUIRED_FEATURES: readonly string[] = ['bots', 'cron', 'email'];

// Bot fields this deployment owns: an update sets exactly these and removes the ones a file dropped,
// while keeping what Medplum manages (sourceCode, executableCode, meta).
const BOT_MANAGED_FIELDS = [
  'description',
  'runtimeVersion',
  'timeout',
  'cronString',
  'cronTiming',
  'publicWebhook',
  'auditEventTrigger',
  'auditEventDestination',
  'system',
  'runAsUser',
  'category',
] as const;

// Kept on update: a ClientApplication's secrets are issued by the server, never by this repository.
const CLIENT_SERVER_FIELDS = ['secret', 'retiringSecret'] as const;

const PLACEHOLDER = /\{\{([A-Z][A-Z0-9_]*)\}\}/g;
const BOT_BY_NAME = /^Bot\?name=([\w.-]+)$/;

/** The deployable resources of `fhir-resources/bots/`, one folder per type. */
export interface BotResources {
  readonly bots: readonly Bot[];
  readonly subscriptions: readonly Subscription[];
  readonly accessPolicies: readonly AccessPolicy[];
  readonly clientApplications: readonly ClientApplication[];
}

const FOLDERS: Record<keyof BotResources, string> = {
  bots: 'Bot',
  subscriptions: 'Subscription',
  accessPolicies: 'AccessPolicy',
  clientApplications: 'ClientApplication',
};

function folderOf(key: keyof BotResources): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/**
 * Reads `fhir-resources/bots/{bots,subscriptions,access-policies,client-applications}/*.json`.
 * Throws naming the file when one is not JSON or holds another resource type than its folder.
 */
export function loadBotResources(root: string = BOT_RESOURCES_ROOT): BotResources {
  const read = <T extends Resource>(key: keyof BotResources): T[] => {
    const dir = join(root, folderOf(key));
    const names = existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.json')) : [];
    return names.sort().map((name) => {
      const path = join(dir, name);
      let parsed: unknown;
      try {
        parsed = JSON.parse(readFileSync(path, 'utf8'));
      } catch (err) {
        throw new Error(`${path}: not valid JSON (${(err as Error).message})`, { cause: err });
      }
      if ((parsed as Resource | null)?.resourceType !== FOLDERS[key]) {
        throw new Error(`${path}: expected a ${FOLDERS[key]}`);
      }
      return parsed as T;
    });
  };
  return {
    bots: read<Bot>('bots'),
    subscriptions: read<Subscription>('subscriptions'),
    accessPolicies: read<AccessPolicy>('accessPolicies'),
    clientApplications: read<ClientApplication>('clientApplications'),
  };
}

/** How a bot is started. */
export type BotTrigger =
  | {
      readonly kind: 'subscription';
      readonly subscription: string;
      readonly criteria: string;
      readonly interaction: string;
      readonly expression?: string;
    }
  | { readonly kind: 'cron'; readonly cronString: string }
  | { readonly kind: 'webhook' }
  | { readonly kind: 'execute' };

/** One bot of the plan. */
export interface PlannedBot {
  readonly name: string;
  readonly source: string;
  readonly dist: string;
  readonly triggers: readonly BotTrigger[];
  /** The AccessPolicy (same name as the bot) its ProjectMembership gets. */
  readonly accessPolicy: string;
  /** Project secrets it cannot run without. */
  readonly secrets: readonly string[];
  /** Project secrets it runs without, and what it leaves out then (BOT_OPTIONAL_SECRETS). */
  readonly optionalSecrets?: { readonly secrets: readonly string[]; readonly without: string };
}

/** The deployment steps, in the order they run. */
export const STEPS = ['library', 'bots', 'code', 'policies', 'memberships', 'subscriptions'] as const;

/** One step's name. */
export type DeployStep = (typeof STEPS)[number];

/** One thing the deployment does. */
export interface PlanAction {
  readonly step: DeployStep;
  readonly resourceType: string;
  readonly name: string;
  /** How the existing resource is found (what makes a rerun an update). */
  readonly match: string;
  readonly detail: string;
  /** The body to write, placeholders filled and symbolic references (`Bot?name=`) still symbolic. */
  readonly resource?: Resource;
}

/** Everything a deployment will do, computed without any network call. */
export interface DeploymentPlan {
  readonly actions: readonly PlanAction[];
  readonly bots: readonly PlannedBot[];
  readonly library: Bundle;
  /** `Organization/<id>` for the policies' `current_organization`, when known. */
  readonly organization?: string;
  /** Environment placeholders (`{{NAME}}`) with no value: a real deployment refuses to start. */
  readonly unresolved: readonly string[];
  readonly warnings: readonly string[];
}

/** Inputs of `planDeployment`; `env` is only read for placeholders and CARELOOP_* settings. */
export interface PlanInput {
  readonly library: Bundle;
  readonly resources: BotResources;
  readonly config: MedplumConfig;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Deploy only these bots (their policies and Subscriptions); the library, coordinator policy and app always. */
  readonly only?: readonly string[];
}

/** The tag that marks a managed resource and finds it again. */
export function deployTag(name: string): Coding {
  return { system: DEPLOY_TAG_SYSTEM, code: name };
}

/** The search that finds a managed resource by its tag. */
export function tagQuery(name: string): string {
  return `${DEPLOY_TAG_SYSTEM}|${name}`;
}

function withTag<T extends Resource>(resource: T, name: string): T {
  const others = (resource.meta?.tag ?? []).filter((t) => t.system !== DEPLOY_TAG_SYSTEM);
  return { ...resource, meta: { ...resource.meta, tag: [...others, deployTag(name)] } };
}

function fillPlaceholders<T>(value: T, env: PlanInput['env'], unresolved: Set<string>): T {
  const json = JSON.stringify(value).replace(PLACEHOLDER, (whole, name: string) => {
    const v = env?.[name]?.trim();
    if (!v) {
      unresolved.add(name);
      return whole;
    }
    // Values land inside JSON strings; a URL must not end in the slash the templates already add.
    return JSON.stringify(v.replace(/\/+$/, '')).slice(1, -1);
  });
  return JSON.parse(json) as T;
}

/** A Subscription has no name, so its file carries the deployment tag whose code names it. */
export function subscriptionName(s: Subscription): string {
  const name = s.meta?.tag?.find((t) => t.system === DEPLOY_TAG_SYSTEM)?.code;
  if (!name || !/^[\w.-]+$/.test(name)) {
    throw new Error(
      `Subscription "${s.criteria ?? '?'}" has no meta.tag with system ${DEPLOY_TAG_SYSTEM} and its name as code`,
    );
  }
  return name;
}

/** The bot a Subscription's `channel.endpoint` names (`Bot?name=<bot>`). */
export function subscriptionBot(s: Subscription): string {
  const match = BOT_BY_NAME.exec(s.channel?.endpoint ?? '');
  if (!match?.[1]) {
    throw new Error(
      `Subscription ${subscriptionName(s)}: channel.endpoint must be "Bot?name=<bot name>", got "${s.channel?.endpoint ?? ''}"`,
    );
  }
  return match[1];
}

function extensionValue(s: Subscription, url: string): string | undefined {
  const e = s.extension?.find((x) => x.url === url);
  return e?.valueCode ?? e?.valueString;
}

function requireUnique(kind: string, names: readonly (string | undefined)[]): void {
  const seen = new Set<string>();
  for (const n of names) {
    if (!n) throw new Error(`a ${kind} has no name`);
    if (seen.has(n)) throw new Error(`two ${kind}s are named "${n}"`);
    seen.add(n);
  }
}

function describeTrigger(t: BotTrigger): string {
  switch (t.kind) {
    case 'subscription':
      return `Subscription ${t.subscription}: ${t.criteria} on ${t.interaction}`;
    case 'cron':
      return `Cron "${t.cronString}" (UTC)`;
    case 'webhook':
      return 'public webhook POST /webhook/<ProjectMembership id>';
    case 'execute':
      return 'Bot/$execute only (Medplum Agent channel or API)';
  }
}

/**
 * The deployment plan: every resource with the action and the lookup that keeps a rerun idempotent.
 * Pure: no network and no file access. Throws when the definitions disagree (a configured bot without a Bot
 * resource or AccessPolicy, a Subscription naming an unknown bot, duplicate names).
 */
export function planDeployment(input: PlanInput): DeploymentPlan {
  const { resources, config, env } = input;
  const configBots = config.bots ?? [];
  requireUnique(
    'Bot',
    resources.bots.map((b) => b.name),
  );
  requireUnique(
    'AccessPolicy',
    resources.accessPolicies.map((p) => p.name),
  );
  requireUnique(
    'ClientApplication',
    resources.clientApplications.map((c) => c.name),
  );
  requireUnique('Subscription', resources.subscriptions.map(subscriptionName));

  const botByName = new Map(resources.bots.map((b) => [b.name as string, b]));
  const policyByName = new Map(resources.accessPolicies.map((p) => [p.name as string, p]));
  for (const c of configBots) {
    if (!botByName.has(c.name)) throw new Error(`medplum.config.json bot ${c.name} has no Bot resource`);
  }
  for (const name of botByName.keys()) {
    if (!configBots.some((c) => c.name === name)) {
      throw new Error(`Bot ${name} is not listed in medplum.config.json`);
    }
    if (!policyByName.has(name)) throw new Error(`Bot ${name} has no AccessPolicy named ${name}`);
  }
  for (const s of resources.subscriptions) {
    const bot = subscriptionBot(s);
    if (!botByName.has(bot)) throw new Error(`Subscription ${subscriptionName(s)} names unknown bot ${bot}`);
  }
  const unknownOnly = (input.only ?? []).filter((n) => !botByName.has(n));
  if (unknownOnly.length) throw new Error(`unknown bot(s): ${unknownOnly.join(', ')}`);
  const selected = configBots.filter((c) => !input.only?.length || input.only.includes(c.name));

  const unresolved = new Set<string>();
  const warnings: string[] = [];
  const runtime = env?.CARELOOP_BOT_RUNTIME?.trim();
  if (runtime && runtime !== 'awslambda' && runtime !== 'vmcontext') {
    throw new Error(`CARELOOP_BOT_RUNTIME must be awslambda or vmcontext, got "${runtime}"`);
  }
  const organization = env?.CARELOOP_ORGANIZATION?.trim() || undefined;
  if (organization && !/^Organization\/[\w.-]+$/.test(organization)) {
    throw new Error(`CARELOOP_ORGANIZATION must look like Organization/<id>, got "${organization}"`);
  }
  if (!organization) {
    warnings.push(
      'CARELOOP_ORGANIZATION is not set: bot memberships cannot get their AccessPolicy (it is parameterized by current_organization)',
    );
  }

  const actions: PlanAction[] = [];
  const library = input.library;
  actions.push({
    step: 'library',
    resourceType: 'Bundle',
    name: 'workflow library',
    match: 'conditional PUT <Type>?url=<canonical> per entry',
    detail: `transaction of ${library.entry?.length ?? 0} resources (${[
      ...new Set((library.entry ?? []).map((e) => e.resource?.resourceType)),
    ].join(', ')})`,
    resource: library,
  });

  const bots: PlannedBot[] = [];
  for (const c of selected) {
    const file = botByName.get(c.name) as Bot;
    const desired = fillPlaceholders(
      withTag({ ...file, ...(runtime ? { runtimeVersion: runtime as Bot['runtimeVersion'] } : {}) }, c.name),
      env,
      unresolved,
    );
    const triggers: BotTrigger[] = [];
    for (const s of resources.subscriptions.filter((x) => subscriptionBot(x) === c.name)) {
      const expression = extensionValue(s, SUBSCRIPTION_EXT.criteria);
      triggers.push({
        kind: 'subscription',
        subscription: subscriptionName(s),
        criteria: s.criteria,
        interaction: extensionValue(s, SUBSCRIPTION_EXT.interaction) ?? 'create, update and delete',
        ...(expression ? { expression } : {}),
      });
    }
    if (desired.cronString) triggers.push({ kind: 'cron', cronString: desired.cronString });
    if (desired.publicWebhook) triggers.push({ kind: 'webhook' });
    if (triggers.length === 0) triggers.push({ kind: 'execute' });
    bots.push({
      name: c.name,
      source: c.source,
      dist: distPath(c),
      triggers,
      accessPolicy: c.name,
      secrets: [...COMMON_SECRETS, ...(BOT_SECRETS[c.name] ?? [])],
      ...(BOT_OPTIONAL_SECRETS[c.name] ? { optionalSecrets: BOT_OPTIONAL_SECRETS[c.name] } : {}),
    });
    actions.push({
      step: 'bots',
      resourceType: 'Bot',
      name: c.name,
      match: `Bot?name=${c.name}`,
      detail: `create (POST admin/projects/:project/bot, which adds its ProjectMembership) or update; runtime ${desired.runtimeVersion ?? 'server default'}, timeout ${desired.timeout ?? 'default'} s, started by ${[...new Set(triggers.map((t) => t.kind))].join(', ')}`,
      resource: desired,
    });
  }
  for (const b of bots) {
    actions.push({
      step: 'code',
      resourceType: 'Bot',
      name: b.name,
      match: `Bot?name=${b.name}`,
      detail: `POST Bot/:id/$deploy with ${b.dist} (built from ${b.source})`,
    });
  }

  const policyNames = [COORDINATOR_POLICY, ...bots.map((b) => b.name)];
  for (const name of policyNames) {
    const policy = policyByName.get(name);
    if (!policy) throw new Error(`no AccessPolicy named ${name}`);
    actions.push({
      step: 'policies',
      resourceType: 'AccessPolicy',
      name,
      match: `AccessPolicy?_tag=${tagQuery(name)}`,
      detail: `${name === COORDINATOR_POLICY ? 'coordinators (assign to people)' : `bot ${name}`}: ${(
        policy.resource ?? []
      )
        .map(
          (r) => `${r.resourceType} ${(r.interaction ?? (r.readonly ? ['read-only'] : ['all'])).join('/')}`,
        )
        .join(', ')}`,
      resource: fillPlaceholders(withTag(policy, name), env, unresolved),
    });
  }
  for (const app of resources.clientApplications) {
    const name = app.name as string;
    const body = fillPlaceholders(withTag(app, name), env, unresolved);
    actions.push({
      step: 'policies',
      resourceType: 'ClientApplication',
      name,
      match: `ClientApplication?_tag=${tagQuery(name)}`,
      detail: `SMART app: redirect ${(body.redirectUris ?? []).join(', ')}, launch ${body.launchUri ?? '-'}, PKCE ${body.pkceOptional ? 'optional' : 'required'}`,
      resource: body,
    });
  }

  for (const b of bots) {
    actions.push({
      step: 'memberships',
      resourceType: 'ProjectMembership',
      name: b.name,
      match: `ProjectMembership?profile=Bot/:id`,
      detail: organization
        ? `access = AccessPolicy ${b.accessPolicy} with current_organization = ${organization} (needs a project admin)`
        : `skipped: CARELOOP_ORGANIZATION not set`,
    });
  }

  for (const s of resources.subscriptions) {
    const bot = subscriptionBot(s);
    if (!bots.some((b) => b.name === bot)) continue;
    const name = subscriptionName(s);
    actions.push({
      step: 'subscriptions',
      resourceType: 'Subscription',
      name,
      match: `Subscription?_tag=${tagQuery(name)}`,
      detail: `${s.criteria} on ${extensionValue(s, SUBSCRIPTION_EXT.interaction) ?? 'any interaction'} → Bot ${bot}`,
      resource: fillPlaceholders(withTag(s, name), env, unresolved),
    });
  }

  if (unresolved.size) {
    warnings.push(`not set: ${[...unresolved].sort().join(', ')} (used as {{NAME}} in fhir-resources/bots)`);
  }
  return { actions, bots, library, organization, unresolved: [...unresolved].sort(), warnings };
}

/** The plan as the dry run prints it. */
export function formatPlan(plan: DeploymentPlan): string {
  const lines: string[] = ['Bots and their triggers:'];
  const width = Math.max(...plan.bots.map((b) => b.name.length), 4);
  for (const b of plan.bots) {
    b.triggers.forEach((t, i) => {
      lines.push(`  ${(i === 0 ? b.name : '').padEnd(width)}  ${describeTrigger(t)}`);
      if (t.kind === 'subscription' && t.expression)
        lines.push(`  ${''.padEnd(width)}    where ${t.expression}`);
    });
  }
  for (const step of STEPS) {
    const actions = plan.actions.filter((a) => a.step === step);
    if (!actions.length) continue;
    lines.push('', `Step ${STEPS.indexOf(step) + 1}: ${step}`);
    for (const a of actions) {
      lines.push(`  ${a.resourceType} ${a.name}`, `      find: ${a.match}`, `      do:   ${a.detail}`);
    }
  }
  if (plan.warnings.length) {
    lines.push('', 'Warnings:', ...plan.warnings.map((w) => `  - ${w}`));
  }
  return lines.join('\n');
}

/** What `applyDeployment` did. */
export interface DeployResult {
  readonly created: string[];
  readonly updated: string[];
  /** What this client could not do, with what a person has to do instead. */
  readonly manual: string[];
  readonly warnings: string[];
  readonly bots: { name: string; id: string; membership?: string; webhookUrl?: string }[];
}

/** Options of `applyDeployment`. */
export interface ApplyOptions {
  /** The project the Bots are created in (`admin/projects/:id/bot`). */
  readonly projectId: string;
  /** Reads a built bundle; default reads the file under the repository root. */
  readonly readCode?: (dist: string) => string;
  readonly log?: (line: string) => void;
}

function isForbidden(err: unknown): boolean {
  return (
    err instanceof OperationOutcomeError &&
    (err.outcome.issue ?? []).some((i) => i.code === 'forbidden' || i.code === 'login')
  );
}

async function findOne<T extends Resource>(
  medplum: MedplumClient,
  resourceType: T['resourceType'],
  query: Record<string, string>,
  exact: (r: T) => boolean,
  label: string,
): Promise<T | undefined> {
  const found = (
    await medplum.searchResources(resourceType, { ...query, _count: '20' }, { cache: 'no-cache' })
  )
    .map((r) => r as unknown as T)
    .filter(exact);
  if (found.length > 1) {
    throw new Error(`${label}: ${found.length} resources match; remove the extra ones, then deploy again`);
  }
  return found[0];
}

function hasTag(r: Resource, name: string): boolean {
  return (r.meta?.tag ?? []).some((t) => t.system === DEPLOY_TAG_SYSTEM && t.code === name);
}

function checkOutcome(label: string, result: unknown): void {
  const outcome = result as OperationOutcome | undefined;
  if (outcome?.resourceType === 'OperationOutcome') {
    const bad = (outcome.issue ?? []).filter((i) => i.severity === 'error' || i.severity === 'fatal');
    if (bad.length) {
      throw new Error(`${label}: ${bad.map((i) => i.details?.text ?? i.diagnostics ?? i.code).join('; ')}`);
    }
  }
}

/** Merges the managed Bot fields of `desired` over `existing`, dropping managed fields the file no longer sets. */
export function mergeBot(existing: Bot, desired: Bot): Bot {
  const managed = new Set<string>(BOT_MANAGED_FIELDS);
  const kept = Object.fromEntries(Object.entries(existing).filter(([key]) => !managed.has(key)));
  const wanted = Object.fromEntries(
    BOT_MANAGED_FIELDS.filter((f) => desired[f] !== undefined).map((f) => [f, desired[f]]),
  );
  return {
    ...(kept as Bot),
    ...wanted,
    name: desired.name,
    meta: { ...existing.meta, tag: desired.meta?.tag ?? [] },
  };
}

/**
 * Carries out a plan against a Medplum project. Creates what is missing and updates what exists (found by
 * name or deployment tag), so it can be run again after any change or after a failure part-way.
 * Throws on the first failure; what it could not do for lack of rights is returned in `manual`.
 */
export async function applyDeployment(
  medplum: MedplumClient,
  plan: DeploymentPlan,
  options: ApplyOptions,
): Promise<DeployResult> {
  if (plan.unresolved.length) {
    throw new Error(
      `set ${plan.unresolved.join(', ')} first (run with --dry-run to see where they are used)`,
    );
  }
  const log = options.log ?? ((): void => undefined);
  const readCode =
    options.readCode ?? ((dist: string): string => readFileSync(resolve(REPO_ROOT, dist), 'utf8'));
  const result: DeployResult = { created: [], updated: [], manual: [], warnings: [], bots: [] };
  const botIds = new Map<string, string>();
  const savedBots = new Map<string, Bot>();
  const policyIds = new Map<string, string>();
  const byStep = (step: DeployStep): PlanAction[] => plan.actions.filter((a) => a.step === step);

  // Read every bundle before writing anything, so a missing build stops the run before it starts.
  const code = new Map(plan.bots.map((b) => [b.name, readCode(b.dist)]));

  for (const a of byStep('library')) {
    log(`library: ${a.detail}`);
    const response = await medplum.executeBatch(a.resource as Bundle);
    const failed = (response.entry ?? []).filter((e) => !e.response?.status?.startsWith('2'));
    if (failed.length) {
      throw new Error(
        `library: ${failed.length} entries failed: ${failed
          .map((e) => `${e.response?.status ?? '?'} ${normalizeErrorString(e.response?.outcome)}`)
          .join('; ')}`,
      );
    }
  }

  for (const a of byStep('bots')) {
    const desired = a.resource as Bot;
    let bot = await findOne<Bot>(medplum, 'Bot', { name: a.name }, (b) => b.name === a.name, `Bot ${a.name}`);
    if (!bot) {
      let created: Bot;
      try {
        created = (await medplum.post(`admin/projects/${options.projectId}/bot`, {
          name: a.name,
          description: desired.description,
          runtimeVersion: desired.runtimeVersion,
        })) as Bot;
      } catch (err) {
        if (isForbidden(err)) {
          throw new Error(
            `Bot ${a.name}: creating a bot needs a project-admin client (${normalizeErrorString(err)})`,
            {
              cause: err,
            },
          );
        }
        throw err;
      }
      bot = await medplum.readResource('Bot', created.id as string);
      result.created.push(`Bot/${bot.id} ${a.name}`);
    } else {
      result.updated.push(`Bot/${bot.id} ${a.name}`);
    }
    const saved = await medplum.updateResource(mergeBot(bot, desired));
    botIds.set(a.name, saved.id as string);
    savedBots.set(a.name, saved);
    log(`bot ${a.name}: Bot/${saved.id}`);
  }

  for (const a of byStep('code')) {
    const planned = plan.bots.find((b) => b.name === a.name);
    const id = botIds.get(a.name);
    const saved = savedBots.get(a.name);
    if (!planned || !id || !saved) throw new Error(`Bot ${a.name}: not created before its code`);
    // The `.cjs` name tells Medplum the module format outright instead of leaving it to its heuristics.
    const filename = `${basename(planned.dist).replace(/\.[cm]?js$/, '')}.cjs`;
    const bundle = code.get(a.name) as string;
    // The bundle also becomes the Bot's source: otherwise Medplum's bot editor shows the placeholder code
    // the bot was created with, and its Deploy button would replace Careloop's bot with it.
    const sourceCode = await medplum.createAttachment({
      data: bundle,
      filename,
      contentType: ContentType.JAVASCRIPT,
    });
    await medplum.updateResource({ ...saved, sourceCode });
    const outcome = await medplum.post(medplum.fhirUrl('Bot', id, '$deploy'), { code: bundle, filename });
    checkOutcome(`Bot ${a.name} $deploy`, outcome);
    log(`code ${a.name}: deployed ${planned.dist}`);
  }

  for (const a of byStep('policies')) {
    const desired = a.resource as AccessPolicy | ClientApplication;
    const existing = await findOne<AccessPolicy | ClientApplication>(
      medplum,
      desired.resourceType,
      { _tag: tagQuery(a.name) },
      (r) => hasTag(r, a.name),
      `${a.resourceType} ${a.name}`,
    );
    let saved: AccessPolicy | ClientApplication;
    if (!existing) {
      saved = await medplum.createResource(desired);
      result.created.push(`${a.resourceType}/${saved.id} ${a.name}`);
    } else {
      const body: Resource = {
        ...desired,
        id: existing.id,
        meta: { ...existing.meta, tag: desired.meta?.tag },
      };
      if (existing.resourceType === 'ClientApplication' && body.resourceType === 'ClientApplication') {
        for (const f of CLIENT_SERVER_FIELDS) if (existing[f] !== undefined) body[f] = existing[f];
      }
      saved = (await medplum.updateResource(body)) as AccessPolicy | ClientApplication;
      result.updated.push(`${a.resourceType}/${saved.id} ${a.name}`);
    }
    if (saved.resourceType === 'AccessPolicy') policyIds.set(a.name, saved.id as string);
    log(`${a.resourceType} ${a.name}: ${a.resourceType}/${saved.id}`);
  }

  for (const a of byStep('memberships')) {
    const botId = botIds.get(a.name) as string;
    const entry: { name: string; id: string; membership?: string; webhookUrl?: string } = {
      name: a.name,
      id: botId,
    };
    result.bots.push(entry);
    let membership: ProjectMembership | undefined;
    try {
      membership = await findOne<ProjectMembership>(
        medplum,
        'ProjectMembership',
        { profile: `Bot/${botId}` },
        (m) => m.profile?.reference === `Bot/${botId}`,
        `ProjectMembership of Bot ${a.name}`,
      );
    } catch (err) {
      if (!isForbidden(err)) throw err;
      result.manual.push(
        `Bot ${a.name}: this client cannot read ProjectMemberships; a project admin must give the bot's membership AccessPolicy ${a.name} with parameter current_organization`,
      );
      continue;
    }
    if (!membership) {
      result.manual.push(
        `Bot ${a.name}: has no ProjectMembership (created outside admin/projects/:id/bot?); add it in the Medplum app's Admin > Bots, then deploy again`,
      );
      continue;
    }
    entry.membership = membership.id;
    const bot = plan.actions.find((x) => x.step === 'bots' && x.name === a.name)?.resource as Bot | undefined;
    if (bot?.publicWebhook) {
      entry.webhookUrl = new URL(`webhook/${membership.id}`, medplum.getBaseUrl()).toString();
    }
    if (!plan.organization) {
      result.manual.push(
        `Bot ${a.name}: set CARELOOP_ORGANIZATION and deploy again to give it AccessPolicy ${a.name}`,
      );
      continue;
    }
    const access: ProjectMembershipAccess[] = [
      {
        policy: { reference: `AccessPolicy/${policyIds.get(a.name) as string}`, display: a.name },
        parameter: [{ name: ORGANIZATION_PARAMETER, valueReference: { reference: plan.organization } }],
      },
    ];
    // The deployment owns bot memberships: a stale `accessPolicy` would be merged with `access` and widen it.
    const updated: ProjectMembership = { ...membership, access };
    delete updated.accessPolicy;
    try {
      await medplum.updateResource(updated);
      result.updated.push(`ProjectMembership/${membership.id} ${a.name}`);
      log(`membership ${a.name}: AccessPolicy ${a.name}`);
    } catch (err) {
      if (!isForbidden(err)) throw err;
      result.manual.push(
        `Bot ${a.name}: a project admin must set ProjectMembership/${membership.id}.access to AccessPolicy ${a.name} with current_organization = ${plan.organization}`,
      );
    }
  }

  for (const a of byStep('subscriptions')) {
    const desired = a.resource as Subscription;
    const botName = subscriptionBot(desired);
    const botId =
      botIds.get(botName) ??
      (await findOne<Bot>(medplum, 'Bot', { name: botName }, (b) => b.name === botName, `Bot ${botName}`))
        ?.id;
    if (!botId) throw new Error(`Subscription ${a.name}: Bot ${botName} does not exist; deploy it first`);
    const body: Subscription = { ...desired, channel: { ...desired.channel, endpoint: `Bot/${botId}` } };
    const existing = await findOne<Subscription>(
      medplum,
      'Subscription',
      { _tag: tagQuery(a.name) },
      (r) => hasTag(r, a.name),
      `Subscription ${a.name}`,
    );
    if (existing) {
      await medplum.updateResource({
        ...body,
        id: existing.id,
        meta: { ...existing.meta, tag: body.meta?.tag },
      });
      result.updated.push(`Subscription/${existing.id} ${a.name}`);
    } else {
      const saved = await medplum.createResource(body);
      result.created.push(`Subscription/${saved.id} ${a.name}`);
    }
    log(`subscription ${a.name}: → Bot/${botId}`);
  }

  result.warnings.push(...(await projectWarnings(medplum, options.projectId, plan)));
  return result;
}

/** Missing project features and secrets, as warnings (a client that cannot read the Project gets one line). */
async function projectWarnings(
  medplum: MedplumClient,
  projectId: string,
  plan: DeploymentPlan,
): Promise<string[]> {
  let project: Project;
  try {
    project = await medplum.readResource('Project', projectId);
  } catch (err) {
    return [
      `could not read Project/${projectId} to check features and secrets (${normalizeErrorString(err)})`,
    ];
  }
  const warnings: string[] = [];
  const features = new Set<string>(project.features ?? []);
  const missingFeatures = REQUIRED_FEATURES.filter((f) => !features.has(f));
  if (missingFeatures.length) {
    warnings.push(`Project features missing: ${missingFeatures.join(', ')} (a super admin enables them)`);
  }
  const secrets = new Set((project.secret ?? []).map((s) => s.name));
  const missing = [...new Set(plan.bots.flatMap((b) => b.secrets))].filter((s) => !secrets.has(s));
  if (missing.length) warnings.push(`Project secrets not set: ${missing.join(', ')}`);
  for (const b of plan.bots) {
    if (!b.optionalSecrets) continue;
    const all = b.optionalSecrets.secrets;
    const unset = all.filter((s) => !secrets.has(s));
    // Named once: a secret another bot of the plan requires is already in the warning above.
    const fresh = unset.filter((s) => !missing.includes(s));
    if (!fresh.length) continue;
    warnings.push(
      unset.length === all.length
        ? `Optional project secrets not set: ${fresh.join(', ')}; ${b.name} ${b.optionalSecrets.without}`
        : `Project secrets ${all.join(', ')} go together, and ${fresh.join(', ')} not set: ${b.name} needs all of them or none`,
    );
  }
  return warnings;
}

interface CliArgs {
  readonly dryRun: boolean;
  readonly allowMissing: boolean;
  readonly only: string[];
}

function parseArgs(argv: readonly string[]): CliArgs {
  const only: string[] = [];
  let dryRun = false;
  let allowMissing = false;
  for (const arg of argv) {
    if (arg === '--dry-run') dryRun = true;
    else if (arg === '--allow-missing') allowMissing = true;
    else if (arg.startsWith('--')) throw new Error(`unknown option ${arg}`);
    else only.push(arg);
  }
  return { dryRun, allowMissing, only };
}

function requireEnv(name: string): string {
  const value = process.env[name]?.trim();
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const config = readMedplumConfig(resolve(REPO_ROOT, 'medplum.config.json'));
  const resources = loadBotResources();
  const library = libraryTransactionBundle(loadLibraryResources());
  let only = args.only;
  const notBuilt = (config.bots ?? [])
    .filter((b) => !only.length || only.includes(b.name))
    .filter((b) => !existsSync(resolve(REPO_ROOT, distPath(b))));
  if (notBuilt.length && args.allowMissing) {
    const skip = new Set(notBuilt.map((b) => b.name));
    only = (config.bots ?? [])
      .map((b) => b.name)
      .filter((n) => !skip.has(n) && (!args.only.length || args.only.includes(n)));
    console.log(`Skipping bots with no bundle: ${[...skip].join(', ')}`);
    if (!only.length) throw new Error('no bot bundle is built: run npm run build:bots');
  }
  const plan = planDeployment({ library, resources, config, env: process.env, only });

  if (args.dryRun) {
    console.log(formatPlan(plan));
    if (notBuilt.length && !args.allowMissing) {
      console.log(`\nNot built yet (npm run build:bots): ${notBuilt.map((b) => distPath(b)).join(', ')}`);
    }
    console.log('\nDry run: nothing was sent.');
    return;
  }
  if (notBuilt.length && !args.allowMissing) {
    throw new Error(
      `not built: ${notBuilt.map((b) => distPath(b)).join(', ')}; run npm run build:bots (or deploy with --allow-missing)`,
    );
  }

  const baseUrl = requireEnv('MEDPLUM_BASE_URL');
  const medplum = new MedplumClient({ baseUrl, cacheTime: 0 });
  await medplum.startClientLogin(requireEnv('MEDPLUM_CLIENT_ID'), requireEnv('MEDPLUM_CLIENT_SECRET'));
  const projectId = medplum.getProject()?.id;
  if (!projectId) throw new Error('the client login did not name a project');
  console.log(`Deploying to ${baseUrl} (Project/${projectId})`);

  const result = await applyDeployment(medplum, plan, { projectId, log: (line) => console.log(`  ${line}`) });
  console.log(`\nCreated ${result.created.length}, updated ${result.updated.length}.`);
  for (const b of result.bots) {
    console.log(`  ${b.name}: Bot/${b.id}${b.webhookUrl ? `  webhook ${b.webhookUrl}` : ''}`);
  }
  for (const w of result.warnings) console.log(`Warning: ${w}`);
  for (const m of result.manual) console.log(`To do by hand: ${m}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error(`deploy failed: ${normalizeErrorString(err)}`);
    process.exitCode = 1;
  });
}
