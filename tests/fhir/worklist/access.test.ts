/**
 * Coordinators see only their organization's work: the worklist's own searches (page and counts) and
 * saves, run against the sandbox's Medplum-compatible API as two coordinators of two practices, go
 * through the coordinator AccessPolicy the sandbox enforces (src/sandbox/smart/fhirAccess.ts).
 */

import { MedplumClient } from '@medplum/core';
import type { Patient, Task } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_FILTER,
  QUEUE_COUNTS,
  claimTask,
  queueCountParams,
  saveTask,
  worklistSearchParams,
  type WorklistViewer,
} from '../../../src/fhir/worklist';
import { MAIN_PRACTICE, SECOND_PRACTICE } from '../../../src/sandbox/practice';
import type { RunningSandbox } from '../../../src/sandbox/start';
import { devToken, pkcePair, removeDataDir, startTestSandbox, tempDataDir } from '../../sandbox/helpers';
import { task } from './fixtures';

const NOW = new Date('2026-11-30T15:00:00Z');

/** An EHR token for `practitioner` (standalone launch through the picker form). */
async function ehrToken(sandbox: RunningSandbox, practitioner: string): Promise<string> {
  const { verifier, challenge } = await pkcePair();
  const redirectUri = `${sandbox.baseUrl}/app/`;
  const submitted = await fetch(`${sandbox.baseUrl}/oauth2/authorize`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      response_type: 'code',
      client_id: 'careloop-sandbox-app',
      redirect_uri: redirectUri,
      scope: 'openid fhirUser',
      state: 'worklist-access-test-state-0123456789',
      aud: sandbox.urls.ehrFhir,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      practitioner,
    }),
    redirect: 'manual',
  });
  const code = new URL(submitted.headers.get('location') ?? '').searchParams.get('code') ?? '';
  const response = await fetch(sandbox.urls.tokenEndpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: redirectUri,
      client_id: 'careloop-sandbox-app',
      code_verifier: verifier,
    }),
  });
  return ((await response.json()) as { access_token: string }).access_token;
}

function client(sandbox: RunningSandbox): MedplumClient {
  return new MedplumClient({
    baseUrl: `${sandbox.baseUrl}/`,
    cacheTime: 0,
    fetch: (url: string, init?: RequestInit) => fetch(url, init),
  });
}

/** A Medplum login for a coordinator, by token exchange as the app does. */
async function coordinator(sandbox: RunningSandbox, practitioner: string): Promise<MedplumClient> {
  const medplum = client(sandbox);
  await medplum.exchangeExternalAccessToken(await ehrToken(sandbox, practitioner), 'careloop-smart-app');
  return medplum;
}

function patientOf(sandbox: RunningSandbox, organization: string): Patient {
  const found = sandbox.store
    .all()
    .find(
      (r): r is Patient =>
        r.resourceType === 'Patient' && (r.meta?.accounts ?? []).some((a) => a.reference === organization),
    );
  if (!found) throw new Error(`no patient of ${organization}`);
  return found;
}

describe('worklist access: each coordinator sees and changes only their organization’s tasks', () => {
  const dataDir = tempDataDir();
  let sandbox: RunningSandbox;
  let lakesideTasks: Task[];
  let riverbendTasks: Task[];
  const lakesideOrg = `Organization/${MAIN_PRACTICE.organization}`;
  const riverbendOrg = `Organization/${SECOND_PRACTICE.organization}`;

  beforeAll(async () => {
    sandbox = await startTestSandbox(dataDir);
    const service = client(sandbox);
    service.setAccessToken(await devToken(sandbox));
    const make = async (org: string, n: number): Promise<Task[]> => {
      const p = patientOf(sandbox, org);
      const out: Task[] = [];
      for (let i = 0; i < n; i++) {
        const t = task({
          kind: 'call-patient',
          workflow: 'no-show-recovery',
          patient: p.id ?? '',
          due: new Date(NOW.getTime() + (i - 1) * 3_600_000).toISOString(),
          key: `access-${org}-${i}`,
        });
        out.push(
          await service.createResource<Task>({
            ...t,
            meta: { ...t.meta, accounts: [{ reference: org }] },
          }),
        );
      }
      return out;
    };
    lakesideTasks = await make(lakesideOrg, 3);
    riverbendTasks = await make(riverbendOrg, 2);
  }, 120_000);
  afterAll(async () => {
    await sandbox?.stop();
    removeDataDir(dataDir);
  });

  const viewer: WorklistViewer = { queues: [], now: NOW };
  const noShowFilter = { ...DEFAULT_FILTER, workflow: 'no-show-recovery' };
  const noShowCount = QUEUE_COUNTS.find((c) => c.id === 'no-show-calls');

  it('pages and counts only the coordinator’s organization', async () => {
    const lakeside = await coordinator(sandbox, `Practitioner/${MAIN_PRACTICE.coordinator}`);
    const riverbend = await coordinator(sandbox, `Practitioner/${SECOND_PRACTICE.coordinator}`);
    const seenByLakeside = await lakeside.search('Task', worklistSearchParams(noShowFilter, viewer));
    const seenByRiverbend = await riverbend.search('Task', worklistSearchParams(noShowFilter, viewer));
    const ids = (b: typeof seenByLakeside): string[] =>
      (b.entry ?? []).flatMap((e) => (e.resource?.resourceType === 'Task' ? [e.resource.id ?? ''] : []));
    expect(ids(seenByLakeside).sort()).toEqual(lakesideTasks.map((t) => t.id).sort());
    expect(ids(seenByRiverbend).sort()).toEqual(riverbendTasks.map((t) => t.id).sort());
    expect(seenByLakeside.total).toBe(3);
    if (!noShowCount) throw new Error('no no-show count');
    expect((await lakeside.search('Task', queueCountParams(noShowCount))).total).toBe(3);
    expect((await riverbend.search('Task', queueCountParams(noShowCount))).total).toBe(2);
  });

  it('lets a coordinator claim their own task with If-Match and not another practice’s', async () => {
    const lakeside = await coordinator(sandbox, `Practitioner/${MAIN_PRACTICE.coordinator}`);
    const mine = await lakeside.readResource('Task', lakesideTasks[0]?.id ?? '');
    const saved = await saveTask(
      lakeside,
      claimTask(mine, { reference: `Practitioner/${MAIN_PRACTICE.coordinator}` }, NOW.toISOString()),
    );
    expect(saved.owner?.reference).toBe(`Practitioner/${MAIN_PRACTICE.coordinator}`);
    await expect(lakeside.readResource('Task', riverbendTasks[0]?.id ?? '')).rejects.toThrow(/not found/i);
    const theirs = riverbendTasks[0] as Task;
    await expect(
      saveTask(
        lakeside,
        claimTask(theirs, { reference: `Practitioner/${MAIN_PRACTICE.coordinator}` }, NOW.toISOString()),
      ),
    ).rejects.toThrow();
    const stored = sandbox.store.all().find((r) => r.resourceType === 'Task' && r.id === theirs.id) as Task;
    expect(stored.owner).toBeUndefined();
  });
});
