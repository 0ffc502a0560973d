import { validateResource, type QueryTypes } from '@medplum/core';
import type {
  CarePlan,
  Communication,
  CommunicationRequest,
  MeasureReport,
  Patient,
  Resource,
  ResourceType,
} from '@medplum/fhirtypes';
import type { MockClient } from '@medplum/mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../src/bots/kpiRollup';
import { installClock } from '../../src/bots/runtime';
import { CS, EXT } from '../../src/engine/codes';
import { mediumFor } from '../../src/engine/planning/resources';
import { MEASURE_REPORT_ID_SYSTEM, measureReportKey } from '../../src/fhir/kpi';
import {
  addSecondPractice,
  filedUnder,
  medplumWithPractice,
  secrets,
  syntheticPatient,
} from '../fixtures/medplum';

// 09:00 in Chicago on the 20th: the bot rolls up Thursday 2026-11-19 (Chicago), 06:00Z to 06:00Z.
const NOW = new Date('2026-11-20T15:00:00Z');
const DAY = '2026-11-19';
const REM = 'https://careloop.health/fhir/PlanDefinition/appointment-reminders|1.0.0';
const NS = 'https://careloop.health/fhir/PlanDefinition/no-show-recovery|1.0.0';

let medplum: MockClient;
let organization: string;
let uninstall: () => void;

beforeEach(async () => {
  ({ medplum, organization } = await medplumWithPractice());
  uninstall = installClock({ now: () => NOW });
});
afterEach(() => uninstall());

async function run(input?: unknown) {
  return handler(medplum, {
    bot: { reference: 'Bot/kpi-rollup' },
    contentType: 'application/json',
    input,
    secrets: secrets({ CARELOOP_ORGANIZATION: organization }),
  } as never);
}

async function create<T extends Resource>(resource: T): Promise<T> {
  return medplum.createResource(resource);
}

async function enrolment(
  workflow: string,
  purpose: string,
  patient: string,
  end?: { status: 'completed' | 'revoked'; outcome: string; at: string },
): Promise<CarePlan> {
  return create<CarePlan>({
    resourceType: 'CarePlan',
    status: end?.status ?? 'active',
    intent: 'plan',
    instantiatesCanonical: [workflow],
    category: [{ coding: [{ system: CS.purpose, code: purpose }] }],
    subject: { reference: patient },
    period: { start: '2026-11-18T15:00:00Z', ...(end ? { end: end.at } : {}) },
    ...(end
      ? { extension: [{ url: EXT.outcome, valueCoding: { system: CS.outcome, code: end.outcome } }] }
      : {}),
  });
}

async function message(
  plan: CarePlan,
  sent: string,
  status: Communication['status'] = 'completed',
): Promise<Communication> {
  const request = await create<CommunicationRequest>({
    resourceType: 'CommunicationRequest',
    status: 'completed',
    basedOn: [{ reference: `CarePlan/${plan.id}` }],
    medium: [mediumFor('sms')],
    subject: plan.subject,
  });
  return create<Communication>({
    resourceType: 'Communication',
    status,
    // Only the request: the bot must find the CarePlan through it.
    basedOn: [{ reference: `CommunicationRequest/${request.id}` }],
    medium: request.medium,
    subject: plan.subject,
    sent,
    extension: [{ url: EXT.deliveryStatus, valueCode: status === 'not-done' ? 'undelivered' : 'delivered' }],
  });
}

async function reports(): Promise<MeasureReport[]> {
  return medplum.searchResources('MeasureReport', { _count: '1000' });
}

function counts(all: readonly MeasureReport[], key: string): [number, number] | undefined {
  const report = all.find((r) =>
    r.identifier?.some((i) => i.system === MEASURE_REPORT_ID_SYSTEM && i.value === key),
  );
  const pop = (code: string): number =>
    report?.group?.[0]?.population?.find((p) => p.code?.coding?.[0]?.code === code)?.count ?? -1;
  return report ? [pop('numerator'), pop('denominator')] : undefined;
}

// p1 and p2 on reminders: p1's sms delivered and answered after midnight, p2's failed; a no-show
// recovery plan ended rescheduled on the day; a message on the 20th that the 19th must not see.
async function seed(filed: Partial<Patient> = {}): Promise<{ recovery: CarePlan }> {
  const p1 = `Patient/${(await create(syntheticPatient(filed))).id}`;
  const p2 = `Patient/${(await create(syntheticPatient({ ...filed, name: [{ given: ['Bo'], family: 'Testpatient' }] }))).id}`;
  const e1 = await enrolment(REM, 'reminder', p1);
  const e2 = await enrolment(REM, 'reminder', p2);
  const m1 = await message(e1, '2026-11-19T16:00:00Z');
  await message(e2, '2026-11-19T16:00:00Z', 'not-done');
  await message(e1, '2026-11-20T14:00:00Z');
  await create<Communication>({
    resourceType: 'Communication',
    status: 'completed',
    sender: { reference: p1 },
    subject: { reference: p1 },
    inResponseTo: [{ reference: `Communication/${m1.id}` }],
    received: '2026-11-20T07:00:00Z',
  });
  const recovery = await enrolment(NS, 'no-show-recovery', p2, {
    status: 'completed',
    outcome: 'rescheduled',
    at: '2026-11-19T18:00:00Z',
  });
  return { recovery };
}

const key = (measure: Parameters<typeof measureReportKey>[0]['measure'], workflow: string, channel?: 'sms') =>
  measureReportKey({ measure, workflow, day: DAY, ...(channel ? { channel } : {}) }, organization);

describe('kpi-rollup bot', () => {
  it('rolls up the previous Chicago day into valid MeasureReports for the practice', async () => {
    await seed();
    const summary = await run();
    expect(summary.day).toBe(DAY);
    expect(summary.timeZone).toBe('America/Chicago');
    expect(summary.period).toEqual({
      start: '2026-11-19T00:00:00.000-06:00',
      end: '2026-11-19T23:59:59.999-06:00',
    });
    const all = await reports();
    expect(all).toHaveLength(summary.reports);
    expect(summary.created).toBe(summary.reports);
    expect(counts(all, key('response-rate', REM))).toEqual([1, 1]); // p2's message failed
    expect(counts(all, key('response-rate', REM, 'sms'))).toEqual([1, 1]);
    expect(counts(all, key('delivery-failure-rate', REM))).toEqual([1, 2]);
    expect(counts(all, key('opt-out-rate', REM))).toEqual([0, 1]);
    expect(counts(all, key('no-show-recovery-rate', NS))).toEqual([1, 1]);
    expect(counts(all, key('follow-up-completion-rate', NS))).toEqual([1, 1]);
    // 2 response + 2 opt-out + 2 delivery (all, sms) for reminders; follow-up and recovery for no-show.
    expect(all).toHaveLength(8);
    for (const report of all) {
      expect(() => validateResource(report)).not.toThrow();
      expect(report.reporter?.reference).toBe(organization);
      expect(report.date).toBe(NOW.toISOString());
    }
  });

  it('running twice yields the same MeasureReports, updated in place', async () => {
    await seed();
    await run();
    const first = await reports();
    const second = await run();
    expect(second.created).toBe(0);
    expect(second.updated).toBe(first.length);
    expect(second.deleted).toBe(0);
    const again = await reports();
    expect(again.map((r) => r.id).sort()).toEqual(first.map((r) => r.id).sort());
    const strip = (r: MeasureReport): unknown => ({ ...r, meta: undefined });
    expect(again.map(strip).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual(
      first.map(strip).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    );
  });

  it('cleans up after two runs at once on a store whose conditional update is not atomic', async () => {
    await seed();
    // MockClient's conditional update is a search then a create, so two interleaved runs can both
    // create; the next run keeps one report per key and deletes the copies.
    await Promise.all([run(), run()]);
    const next = await run();
    expect(next.created).toBe(0);
    const all = await reports();
    expect(all).toHaveLength(8);
    expect(new Set(all.map((r) => r.identifier?.[0]?.value)).size).toBe(8);
  });

  it('reads every page by following link[next]', async () => {
    await seed();
    const original = medplum.search.bind(medplum);
    let pages = 0;
    // One resource a page, with a next link, as a server with many results would answer.
    medplum.search = ((type: ResourceType, query?: QueryTypes) => {
      const params = new URLSearchParams(query as URLSearchParams);
      const offset = Number(params.get('_offset') ?? '0');
      params.set('_count', '1');
      return original(type, params).then((bundle) => {
        pages++;
        if ((bundle.total ?? 0) > offset + 1) {
          params.set('_offset', String(offset + 1));
          bundle.link = [{ relation: 'next', url: `https://example.com/fhir/R4/${type}?${params}` }];
        }
        return bundle;
      });
    }) as typeof medplum.search;
    const summary = await run();
    // Pages read: 2 messages + 1 reply + 1 ended plan + 2 requests and 2 plans by _id (one page each
    // instead of one search each) + the 2 patients by _id (these resources are filed under no practice,
    // so their patients decide whose they are); plus the empty consent and stored-report searches.
    expect(summary.searches).toBe(10);
    expect(pages).toBe(12);
    medplum.search = original;
    expect(summary.loaded.communications).toBe(3); // the two messages of the day and the reply
    const all = await reports();
    expect(all).toHaveLength(8);
    expect(counts(all, key('delivery-failure-rate', REM))).toEqual([1, 2]);
  });

  it('deletes a report of the day that a re-run no longer produces', async () => {
    const { recovery } = await seed();
    await run();
    expect(counts(await reports(), key('no-show-recovery-rate', NS))).toEqual([1, 1]);
    await medplum.updateResource<CarePlan>({ ...recovery, status: 'entered-in-error' });
    const summary = await run();
    expect(summary.deleted).toBe(2);
    const all = await reports();
    expect(counts(all, key('no-show-recovery-rate', NS))).toBeUndefined();
    expect(all).toHaveLength(6);
  });

  it('restates a given day from the input, and refuses a day that has not ended', async () => {
    await seed();
    const earlier = await run({ day: '2026-11-18' });
    expect(earlier.reports).toBe(0);
    await expect(run({ day: '2026-11-20' })).rejects.toThrow(/has not ended yet/);
    await expect(run({ day: 20261119 })).rejects.toThrow(/input\.day must be a string/);
    await expect(run({ day: '19/11/2026' })).rejects.toThrow(/not a calendar day/);
  });

  it('falls back to UTC days without a practice', async () => {
    await seed();
    const summary = await handler(medplum, {
      bot: { reference: 'Bot/kpi-rollup' },
      contentType: 'application/json',
      input: undefined,
      secrets: {},
    } as never);
    expect(summary.timeZone).toBe('UTC');
    expect(summary.day).toBe(DAY);
    expect((await reports()).every((r) => r.reporter === undefined)).toBe(true);
  });
});

describe('kpi-rollup bot in a project holding several practices', () => {
  it("counts only its own practice's resources, reports as that practice, and leaves the other's reports alone", async () => {
    const riverbend = await addSecondPractice(medplum);
    await seed(filedUnder(organization));
    // Riverbend: one patient (filed by managingOrganization only) reminded on the same day, and the
    // message failed; one more message filed under Riverbend by its accounts, to a patient filed nowhere.
    const p3 = `Patient/${(await create(syntheticPatient({ ...filedUnder(riverbend, 'managing-organization'), name: [{ given: ['Cy'], family: 'Testpatient' }] }))).id}`;
    await message(await enrolment(REM, 'reminder', p3), '2026-11-19T18:00:00Z', 'not-done');
    const p4 = `Patient/${(await create(syntheticPatient({ name: [{ given: ['Di'], family: 'Testpatient' }] }))).id}`;
    const filedMessage = await message(
      await enrolment(REM, 'reminder', p4),
      '2026-11-19T18:00:00Z',
      'not-done',
    );
    await medplum.updateResource({
      ...filedMessage,
      meta: { ...filedMessage.meta, accounts: [{ reference: riverbend as `Organization/${string}` }] },
    });

    const ours = await run();
    expect(ours.loaded.communications).toBe(3); // Lakeside's two messages of the day and the reply
    const lakeside = await reports();
    expect(lakeside).toHaveLength(8);
    expect(lakeside.every((r) => r.reporter?.reference === organization)).toBe(true);
    expect(counts(lakeside, key('delivery-failure-rate', REM))).toEqual([1, 2]);
    expect(counts(lakeside, key('response-rate', REM))).toEqual([1, 1]); // p2's message failed

    const theirs = await handler(medplum, {
      bot: { reference: 'Bot/kpi-rollup' },
      contentType: 'application/json',
      input: undefined,
      secrets: secrets({ CARELOOP_ORGANIZATION: riverbend }),
    } as never);
    expect(theirs.timeZone).toBe('America/Los_Angeles');
    expect(theirs.loaded.communications).toBe(2); // p3's and the one filed under Riverbend
    const all = await reports();
    const theirReports = all.filter((r) => r.reporter?.reference === riverbend);
    const riverbendKey = measureReportKey(
      { measure: 'delivery-failure-rate', workflow: REM, day: DAY },
      riverbend,
    );
    expect(counts(theirReports, riverbendKey)).toEqual([2, 2]);
    // Lakeside's reports of the day are still there, unchanged by Riverbend's run.
    const lakesideAfter = all.filter((r) => r.reporter?.reference === organization);
    expect(lakesideAfter.map((r) => r.meta?.versionId).sort()).toEqual(
      lakeside.map((r) => r.meta?.versionId).sort(),
    );
    expect(counts(lakesideAfter, key('delivery-failure-rate', REM))).toEqual([1, 2]);
  });
});
