import { MedplumClient, validateResource } from '@medplum/core';
import type {
  Bundle,
  CarePlan,
  Communication,
  CommunicationRequest,
  MeasureReport,
  Resource,
  Task,
} from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CS, EXT, ID_SYSTEM } from '../../src/engine';
import { computeKpis, dayWindow, measureReportKey, rollUpDay } from '../../src/fhir/kpi';
import { MEASURE_REPORT_DAY_SYSTEM, MEASURE_REPORT_ID_SYSTEM } from '../../src/fhir/kpi/measures';
import { threadKey } from '../../src/fhir/threads';
import { OPEN_STATUSES, QUEUE_COUNTS, queueCountParams, WORKFLOW_TAG_SYSTEM } from '../../src/fhir/worklist';
import { generateHistory, kpiResources, reportDays } from '../../src/sandbox/history';
import { DEFAULT_PRACTICE_SEED, generatePractice, MAIN_PRACTICE } from '../../src/sandbox/practice';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/start';
import { indexFhirDefinitions } from '../fixtures/fhirDefinitions';
import { devToken, fhirFetch, removeDataDir, startTestSandbox, tempDataDir, TEST_NOW } from './helpers';

const ORG = `Organization/${MAIN_PRACTICE.organization}`;
const practice = generatePractice({ seed: DEFAULT_PRACTICE_SEED, now: TEST_NOW });
const history = generateHistory({ practice, seed: DEFAULT_PRACTICE_SEED, now: TEST_NOW });
const resources: Resource[] = (history.entry ?? []).flatMap((e) => (e.resource ? [e.resource] : []));
const ofType = <T extends Resource>(type: T['resourceType']): T[] =>
  resources.filter((r): r is T => r.resourceType === type);

/** Open tasks a worklist headline count would find (same status, code and tag as its search). */
function headline(id: string): number {
  const count = QUEUE_COUNTS.find((c) => c.id === id);
  if (!count) throw new Error(`no headline count ${id}`);
  const params = queueCountParams(count);
  const statuses = (params.get('status') ?? '').split(',');
  const [system, code] = (params.get('code') ?? '').split('|');
  const tag = params.get('_tag')?.split('|');
  return ofType<Task>('Task').filter(
    (t) =>
      statuses.includes(t.status) &&
      t.code?.coding?.some((c) => c.system === system && c.code === code) &&
      (!tag || t.meta?.tag?.some((x) => x.system === tag[0] && x.code === tag[1])),
  ).length;
}

describe('sandbox history', () => {
  it('is the same for the same seed and time, and different for another seed', () => {
    const again = generateHistory({ practice, seed: DEFAULT_PRACTICE_SEED, now: TEST_NOW });
    expect(JSON.stringify(again)).toBe(JSON.stringify(history));
    const other = generateHistory({ practice, seed: DEFAULT_PRACTICE_SEED + 1, now: TEST_NOW });
    expect(JSON.stringify(other)).not.toBe(JSON.stringify(history));
  });

  it('is a transaction of PUTs with unique ids, all in the main practice, referring only to stored resources', () => {
    expect(history.type).toBe('transaction');
    const keys = new Set<string>();
    for (const e of history.entry ?? []) {
      const r = e.resource as Resource & { id: string };
      expect(e.request).toEqual({ method: 'PUT', url: `${r.resourceType}/${r.id}` });
      expect(keys.has(`${r.resourceType}/${r.id}`)).toBe(false);
      keys.add(`${r.resourceType}/${r.id}`);
      expect(r.meta?.accounts?.map((a) => a.reference)).toEqual([ORG]);
    }
    const practiceKeys = new Set(
      (practice.entry ?? []).map((e) => `${e.resource?.resourceType ?? ''}/${e.resource?.id ?? ''}`),
    );
    const json = JSON.stringify(history);
    expect(json).not.toContain('urn:uuid:');
    const refs = [...json.matchAll(/"reference":"([A-Za-z]+\/[^"]+)"/g)].map((m) => m[1] ?? '');
    const dangling = refs.filter((r) => !keys.has(r) && !practiceKeys.has(r));
    expect(dangling).toEqual([]);
  });

  it('covers eight weeks: enrolments of every appointment workflow, messages, replies, opt-outs, surveys', () => {
    const purposes = new Set(
      ofType<CarePlan>('CarePlan').flatMap(
        (p) => p.category?.flatMap((c) => c.coding?.map((x) => x.code)) ?? [],
      ),
    );
    for (const p of ['reminder', 'no-show-recovery', 'follow-up', 'feedback', 'recall']) {
      expect(purposes).toContain(p);
    }
    const comms = ofType<Communication>('Communication');
    const outbound = comms.filter((c) => c.sent && !c.sender?.reference?.startsWith('Patient/'));
    const inbound = comms.filter((c) => c.sender?.reference?.startsWith('Patient/'));
    expect(outbound.length).toBeGreaterThan(300);
    expect(inbound.length).toBeGreaterThan(30);
    const earliest = Math.min(...outbound.map((c) => Date.parse(c.sent ?? '')));
    expect(earliest).toBeGreaterThanOrEqual(TEST_NOW.getTime() - 56 * 86_400_000);
    expect(Math.max(...comms.map((c) => Date.parse(c.sent ?? c.received ?? '') || 0))).toBeLessThan(
      TEST_NOW.getTime(),
    );
    // Provider ids are Twilio-like and most messages were delivered; a few were not.
    const sids = outbound.flatMap(
      (c) => c.identifier?.filter((i) => i.system === ID_SYSTEM.providerMessage).map((i) => i.value) ?? [],
    );
    expect(sids.length).toBeGreaterThan(200);
    for (const sid of sids) expect(sid).toMatch(/^(SM|CA)[0-9a-f]{32}$/);
    const delivery = (c: Communication): string | undefined =>
      c.extension?.find((e) => e.url === EXT.deliveryStatus)?.valueCode;
    const messages = outbound.filter((c) => c.basedOn?.length);
    const delivered = messages.filter((c) => delivery(c) === 'delivered').length;
    const failed = messages.filter((c) => ['failed', 'undelivered'].includes(delivery(c) ?? '')).length;
    expect(delivered / messages.length).toBeGreaterThan(0.9);
    expect(failed).toBeGreaterThan(0);
    // Every reply's intent was read by the engine; there are confirmations, reschedules and opt-outs.
    const intents = new Set(
      inbound.map((c) => c.extension?.find((e) => e.url === EXT.replyIntent)?.valueCode),
    );
    for (const i of ['confirm', 'reschedule', 'opt-out']) expect(intents).toContain(i);
    expect(ofType('Consent').length).toBeGreaterThan(0);
    expect(ofType('QuestionnaireResponse').length).toBeGreaterThan(0);
    const outcomes = new Set(
      ofType<CarePlan>('CarePlan').map(
        (p) => p.extension?.find((e) => e.url === EXT.outcome)?.valueCoding?.code,
      ),
    );
    for (const o of ['confirmed', 'no-show', 'survey-completed', 'ready-to-schedule', 'rescheduled']) {
      expect(outcomes).toContain(o);
    }
  });

  it('leaves nothing for dispatch to send late: every request due before now was sent or revoked', () => {
    const late = ofType<CommunicationRequest>('CommunicationRequest').filter(
      (r) => r.status === 'active' && Date.parse(r.occurrenceDateTime ?? '') < TEST_NOW.getTime(),
    );
    expect(late).toEqual([]);
  });

  it('puts every message in its patient’s thread, with one header per patient', () => {
    const comms = ofType<Communication>('Communication');
    const headers = comms.filter((c) => !c.partOf);
    for (const h of headers) {
      expect(h.identifier).toEqual([
        { system: ID_SYSTEM.thread, value: threadKey(h.subject?.reference ?? '') },
      ]);
    }
    expect(new Set(headers.map((h) => h.subject?.reference)).size).toBe(headers.length);
    const headerIds = new Set(headers.map((h) => `Communication/${h.id ?? ''}`));
    for (const c of comms.filter((x) => x.partOf)) {
      const header = comms.find((h) => `Communication/${h.id ?? ''}` === c.partOf?.[0]?.reference);
      expect(headerIds.has(c.partOf?.[0]?.reference ?? '')).toBe(true);
      expect(header?.subject?.reference).toBe(c.subject?.reference);
    }
  });

  it('opens the worklist on a realistic backlog: ~10 no-show calls, ~12 ready to schedule, 2–3 low scores', () => {
    expect(headline('no-show-calls')).toBeGreaterThanOrEqual(8);
    expect(headline('no-show-calls')).toBeLessThanOrEqual(12);
    expect(headline('ready-to-schedule')).toBeGreaterThanOrEqual(10);
    expect(headline('ready-to-schedule')).toBeLessThanOrEqual(14);
    expect(headline('survey')).toBeGreaterThanOrEqual(2);
    expect(headline('survey')).toBeLessThanOrEqual(3);
    // Older work was done: completed tasks carry who did it and when.
    const done = ofType<Task>('Task').filter((t) => t.status === 'completed');
    expect(done.length).toBeGreaterThan(10);
    for (const t of done) {
      expect(Date.parse(t.executionPeriod?.end ?? '')).toBeLessThan(TEST_NOW.getTime());
      expect(t.note?.at(-1)?.authorReference?.reference).toMatch(/^Practitioner\//);
    }
    // Open no-show calls belong to the front-office queue.
    const calls = ofType<Task>('Task').filter(
      (t) =>
        (OPEN_STATUSES as readonly string[]).includes(t.status) &&
        t.meta?.tag?.some((x) => x.system === WORKFLOW_TAG_SYSTEM && x.code === 'no-show-recovery') &&
        t.code?.coding?.some((c) => c.system === CS.taskKind && c.code === 'call-patient'),
    );
    for (const t of calls) {
      expect(t.performerType?.[0]?.coding?.[0]?.code).toBe('front-office');
      expect(t.owner?.reference).toBe(`CareTeam/${MAIN_PRACTICE.queues['front-office']}`);
    }
  });

  it('has the roll-up’s MeasureReports for each of the 56 days, equal to a recount with computeKpis', () => {
    const reports = ofType<MeasureReport>('MeasureReport');
    const days = reportDays(TEST_NOW, 'America/Chicago', 56);
    const reported = new Set(reports.map((r) => r.period?.start?.slice(0, 10)));
    expect(reported.size).toBeGreaterThan(45);
    const input = kpiResources([
      ...(practice.entry ?? []).flatMap((e) => (e.resource?.resourceType === 'Consent' ? [e.resource] : [])),
      ...resources.filter((r) => r.resourceType !== 'MeasureReport'),
    ]);
    const key = (r: MeasureReport): string =>
      r.identifier?.find((i) => i.system === MEASURE_REPORT_ID_SYSTEM)?.value ?? '';
    const counts = (r: MeasureReport): number[] => (r.group?.[0]?.population ?? []).map((p) => p.count ?? -1);
    // The recount: computeKpis itself over each local day, keyed as the roll-up keys its reports.
    const recount = new Map(
      days.flatMap((d) => {
        const w = dayWindow(d, 'America/Chicago');
        return computeKpis({
          ...input,
          period: { start: w.start, end: w.next },
          timeZone: 'America/Chicago',
        }).map((row) => [measureReportKey(row, ORG), [row.numerator, row.denominator]] as const);
      }),
    );
    expect(reports.length).toBe(recount.size);
    for (const r of reports) {
      expect(recount.get(key(r))).toEqual(counts(r));
      expect(r.reporter?.reference).toBe(ORG);
    }
    const measures = new Set(reports.map((r) => r.measure?.split('|')[0]?.split('/').at(-1)));
    for (const m of [
      'response-rate',
      'follow-up-completion-rate',
      'survey-completion-rate',
      'no-show-recovery-rate',
      'opt-out-rate',
      'delivery-failure-rate',
    ]) {
      expect(measures).toContain(m);
    }
  });

  it('validates against the FHIR R4 definitions', () => {
    indexFhirDefinitions();
    const problems: string[] = [];
    for (const r of resources) {
      try {
        validateResource(r);
      } catch (err) {
        problems.push(`${r.resourceType}/${r.id}: ${(err as Error).message}`);
      }
    }
    expect(problems.slice(0, 5)).toEqual([]);
  });
});

describe('a started sandbox', () => {
  let dir: string;
  let sandbox: RunningSandbox;
  let token: string;

  beforeAll(async () => {
    dir = tempDataDir();
    sandbox = await startTestSandbox(dir, { history: true });
    token = await devToken(sandbox);
  }, 60_000);

  afterAll(async () => {
    await sandbox.stop();
    removeDataDir(dir);
  });

  const count = async (path: string): Promise<number> => {
    const res = await fhirFetch(`${sandbox.urls.medplumFhir}/${path}`, token);
    expect(res.status).toBe(200);
    return ((await res.json()) as Bundle).total ?? -1;
  };

  it('serves the history: the worklist counts, the reports and the threads', async () => {
    expect(sandbox.seeded).toBe(true);
    expect(sandbox.startupMs).toBeLessThan(20_000);
    for (const id of ['no-show-calls', 'ready-to-schedule', 'survey']) {
      const headlineCount = QUEUE_COUNTS.find((c) => c.id === id);
      if (!headlineCount) throw new Error(`no headline count ${id}`);
      expect(await count(`Task?${queueCountParams(headlineCount).toString()}`)).toBe(headline(id));
    }
    expect(await count('MeasureReport?_summary=count')).toBe(ofType('MeasureReport').length);
    expect(
      await count(`Communication?identifier=${encodeURIComponent(ID_SYSTEM.thread)}|&_summary=count`),
    ).toBe(ofType<Communication>('Communication').filter((c) => !c.partOf).length);
    expect(await count(`CarePlan?_summary=count`)).toBe(ofType('CarePlan').length);
  });

  it('holds the reports the kpi-rollup bot writes: its roll-up of a day over the served resources changes no count', async () => {
    const medplum = new MedplumClient({
      baseUrl: `${sandbox.baseUrl}/`,
      cacheTime: 0,
      fetch: (url: string, init?: RequestInit) => fetch(url, init),
    });
    medplum.setAccessToken(token);
    const population = (r: MeasureReport): string =>
      JSON.stringify([r.measure, r.extension, r.period, r.group?.[0]?.population?.map((p) => p.count)]);
    const days = reportDays(TEST_NOW, 'America/Chicago', 56);
    for (const day of [days[3], days[20], days[41], days[51]] as string[]) {
      const before = ofType<MeasureReport>('MeasureReport').filter((r) =>
        r.identifier?.some((i) => i.value === day),
      );
      expect(before.length).toBeGreaterThan(0);
      const summary = await rollUpDay(medplum, {
        day,
        timeZone: 'America/Chicago',
        now: sandbox.clock.now(),
        reporter: { reference: ORG as `Organization/${string}` },
      });
      expect(summary).toMatchObject({ reports: before.length, created: 0, deleted: 0 });
      const after = await medplum.searchResources('MeasureReport', {
        identifier: `${MEASURE_REPORT_DAY_SYSTEM}|${day}`,
        _count: '1000',
      });
      expect(after.map(population).sort()).toEqual(before.map(population).sort());
    }
  });
});

describe('a started sandbox with its bots', () => {
  let dir: string;
  let sandbox: RunningSandbox;

  afterAll(async () => {
    await sandbox.stop();
    removeDataDir(dir);
  });

  it('leaves the history as it is through the start-up reconcile (no bot reacts to it)', async () => {
    dir = tempDataDir();
    let reconciled: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (reconciled = resolve));
    sandbox = await startTestSandbox(dir, {
      bots: true,
      history: true,
      log: (line) => {
        if (line.startsWith('start-up reconcile')) reconciled();
      },
    });
    await done;
    const token = await devToken(sandbox);
    for (const type of ['CarePlan', 'Task', 'CommunicationRequest'] as const) {
      const mine = new Map(ofType(type).map((r) => [r.id, JSON.stringify({ ...r, meta: undefined })]));
      const served: Resource[] = [];
      let url: string | undefined = `${sandbox.urls.medplumFhir}/${type}?_count=1000`;
      while (url) {
        const page = (await (await fhirFetch(url, token)).json()) as Bundle;
        served.push(...(page.entry ?? []).flatMap((e) => (e.resource ? [e.resource] : [])));
        url = page.link?.find((l) => l.relation === 'next')?.url;
      }
      const changed = served
        .filter((r) => mine.has(r.id))
        .filter((r) => JSON.stringify({ ...r, meta: undefined }) !== mine.get(r.id))
        .map((r) => `${r.resourceType}/${r.id ?? ''}`);
      expect(served.filter((r) => mine.has(r.id))).toHaveLength(mine.size);
      expect(changed).toEqual([]);
    }
  }, 90_000);
});

describe('which starts get the history', () => {
  it('npm start (no pinned time) seeds it on first start only; a start at a pinned time does not unless asked', async () => {
    const dirs = [tempDataDir(), tempDataDir()];
    const lines: string[] = [];
    try {
      const live = await startSandbox({
        port: 0,
        dataDir: dirs[0],
        app: 'none',
        bots: false,
        log: (line) => lines.push(line),
      });
      await live.stop();
      expect(lines.some((l) => l.startsWith('sandbox: loaded eight weeks of Careloop history'))).toBe(true);
      lines.length = 0;
      const again = await startSandbox({
        port: 0,
        dataDir: dirs[0],
        app: 'none',
        bots: false,
        log: (line) => lines.push(line),
      });
      await again.stop();
      expect(again.seeded).toBe(false);
      expect(lines.some((l) => l.includes('Careloop history'))).toBe(false);
      const pinned = await startTestSandbox(dirs[1] ?? '');
      const token = await devToken(pinned);
      const res = await fhirFetch(`${pinned.urls.medplumFhir}/MeasureReport?_summary=count`, token);
      expect(((await res.json()) as Bundle).total).toBe(0);
      await pinned.stop();
    } finally {
      dirs.forEach(removeDataDir);
    }
  }, 90_000);
});
