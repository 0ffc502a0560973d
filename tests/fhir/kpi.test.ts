import { validateResource } from '@medplum/core';
import type { CarePlan, Communication, CommunicationRequest, Consent } from '@medplum/fhirtypes';
import { beforeAll, describe, expect, it } from 'vitest';
import { CS, EXT } from '../../src/engine/codes';
import { mediumFor } from '../../src/engine/planning/resources';
import { buildConsent } from '../../src/engine/policy/consent';
import type { Channel } from '../../src/engine/workflow/types';
import {
  KPI_WORKFLOW_EXT,
  MEASURE_REPORT_DAY_SYSTEM,
  MEASURE_REPORT_ID_SYSTEM,
  computeKpis,
  dayWindow,
  measureReportConditionalUrl,
  measureReportKey,
  previousDay,
  toMeasureReports,
  type KpiInput,
  type KpiMeasure,
  type KpiRow,
} from '../../src/fhir/kpi';
import { indexFhirDefinitions } from '../fixtures/fhirDefinitions';

beforeAll(() => indexFhirDefinitions());

// ---- builders (synthetic data only) ----

const ZONE = 'America/Chicago';
const DAY = '2026-11-19';
// 2026-11-19 in Chicago (UTC-6 in November): 06:00Z to 06:00Z the next day.
const PERIOD = { start: '2026-11-19T06:00:00.000Z', end: '2026-11-20T06:00:00.000Z' };
const wf = (name: string): string => `https://careloop.health/fhir/PlanDefinition/${name}|1.0.0`;
const REM = wf('appointment-reminders');
const FB = wf('feedback-survey');
const NS = wf('no-show-recovery');

function plan(
  id: string,
  workflow: string,
  purpose: string,
  patient: string,
  end?: { status: 'completed' | 'revoked'; outcome: string; at: string },
): CarePlan {
  return {
    resourceType: 'CarePlan',
    id,
    status: end?.status ?? 'active',
    intent: 'plan',
    instantiatesCanonical: [workflow],
    category: [{ coding: [{ system: CS.purpose, code: purpose }] }],
    subject: { reference: `Patient/${patient}` },
    period: { start: '2026-11-10T15:00:00.000Z', ...(end ? { end: end.at } : {}) },
    ...(end
      ? { extension: [{ url: EXT.outcome, valueCoding: { system: CS.outcome, code: end.outcome } }] }
      : {}),
  };
}

function request(id: string, planId: string, patient: string, channel: Channel): CommunicationRequest {
  return {
    resourceType: 'CommunicationRequest',
    id,
    status: 'completed',
    basedOn: [{ reference: `CarePlan/${planId}` }],
    medium: [mediumFor(channel)],
    subject: { reference: `Patient/${patient}` },
  };
}

function outbound(
  id: string,
  req: CommunicationRequest,
  sent: string,
  opts: { status?: Communication['status']; delivery?: string; planOnMessage?: boolean } = {},
): Communication {
  return {
    resourceType: 'Communication',
    id,
    // As the dispatcher writes it: the request, then the request's own basedOn (the CarePlan).
    basedOn: [
      { reference: `CommunicationRequest/${req.id}` },
      ...(opts.planOnMessage === false ? [] : (req.basedOn ?? [])),
    ],
    status: opts.status ?? 'completed',
    medium: req.medium,
    subject: req.subject,
    recipient: req.subject ? [req.subject] : [],
    sent,
    extension: [{ url: EXT.deliveryStatus, valueCode: opts.delivery ?? 'delivered' }],
  };
}

function reply(id: string, patient: string, answers: string, received: string): Communication {
  return {
    resourceType: 'Communication',
    id,
    status: 'completed',
    sender: { reference: `Patient/${patient}` },
    subject: { reference: `Patient/${patient}` },
    inResponseTo: [{ reference: `Communication/${answers}` }],
    received,
    extension: [{ url: EXT.replyIntent, valueCode: 'confirm' }],
  };
}

function optOut(
  id: string,
  patient: string,
  at: string,
  opts: { channel?: Channel; source?: string } = {},
): Consent {
  const consent = buildConsent({
    patient: { reference: `Patient/${patient}` },
    channel: opts.channel ?? 'sms',
    decision: 'deny',
    at,
    reason: 'replied STOP',
    ...(opts.source ? { source: { reference: `Communication/${opts.source}` } } : {}),
  });
  if (!opts.channel && consent.provision) {
    delete consent.provision.code; // a general opt-out: every channel
  }
  return { ...consent, id };
}

// ---- the dataset ----
//
// Reminders (REM), day 2026-11-19 in Chicago:
//   e1 (p1)  sms m1 delivered 15:00Z, p1 replies 15:05Z                     -> responded
//   e2 (p2)  sms m2 sent 16:00Z (no reply); email m3 16:00Z, reply the NEXT
//            day (Nov 20 15:00Z) -> still counts for the 19th               -> responded (email only)
//   e3 (p3)  sms m4 FAILED 20:00Z; voice m5 20:30Z, no reply; p3 opts out of
//            sms at 21:00Z, entered by staff (no source reply)               -> no reply; sms not reached
//   e4 (p4)  sms m6 at 05:30Z = Nov 18 23:30 in Chicago, reply 06:30Z       -> previous day: not counted
//   e5 (p5)  sms m7 17:00Z (basedOn the request only), STOP reply 17:01Z,
//            Consent caused by it; plan ends 17:01Z outcome opted-out       -> responded, opted out
//   e9 (p6)  ended 19:00Z confirmed (no message today)
//   e10 (p4) revoked 19:00Z rescheduled = appointment moved: superseded, left out
//   noise:   m11 entered-in-error, ack1 (outbound without a request)
// Feedback (FB):
//   e6 (p1)  survey sms m8 18:00Z, answered next day; plan ends Nov 20 14:00Z survey-completed
//   e7 (p6)  survey sms m9 18:00Z, no answer
//   e8 (p2)  survey email m10 18:00Z FAILED                                 -> not a survey sent
// No-show recovery (NS), all ended:
//   n1 (p3) 12:00Z completed rescheduled; n2 (p4) 13:00Z REVOKED rescheduled (missed visit moved: a
//   recovery); n3 (p6) 22:00Z completed no-response; n4 (p1) Nov 20 07:00Z = Nov 20 01:00 local: next day.

const plans = {
  e1: plan('e1', REM, 'reminder', 'p1'),
  e2: plan('e2', REM, 'reminder', 'p2'),
  e3: plan('e3', REM, 'reminder', 'p3'),
  e4: plan('e4', REM, 'reminder', 'p4'),
  e5: plan('e5', REM, 'reminder', 'p5', {
    status: 'completed',
    outcome: 'opted-out',
    at: '2026-11-19T17:01:00Z',
  }),
  e9: plan('e9', REM, 'reminder', 'p6', {
    status: 'completed',
    outcome: 'confirmed',
    at: '2026-11-19T19:00:00Z',
  }),
  e10: plan('e10', REM, 'reminder', 'p4', {
    status: 'revoked',
    outcome: 'rescheduled',
    at: '2026-11-19T19:00:00Z',
  }),
  e6: plan('e6', FB, 'feedback', 'p1', {
    status: 'completed',
    outcome: 'survey-completed',
    at: '2026-11-20T14:00:00Z',
  }),
  e7: plan('e7', FB, 'feedback', 'p6'),
  e8: plan('e8', FB, 'feedback', 'p2'),
  n1: plan('n1', NS, 'no-show-recovery', 'p3', {
    status: 'completed',
    outcome: 'rescheduled',
    at: '2026-11-19T12:00:00Z',
  }),
  n2: plan('n2', NS, 'no-show-recovery', 'p4', {
    status: 'revoked',
    outcome: 'rescheduled',
    at: '2026-11-19T13:00:00Z',
  }),
  n3: plan('n3', NS, 'no-show-recovery', 'p6', {
    status: 'completed',
    outcome: 'no-response',
    at: '2026-11-19T22:00:00Z',
  }),
  n4: plan('n4', NS, 'no-show-recovery', 'p1', {
    status: 'completed',
    outcome: 'rescheduled',
    at: '2026-11-20T07:00:00Z',
  }),
};

const req = {
  r1: request('cr1', 'e1', 'p1', 'sms'),
  r2: request('cr2', 'e2', 'p2', 'sms'),
  r3: request('cr3', 'e2', 'p2', 'email'),
  r4: request('cr4', 'e3', 'p3', 'sms'),
  r5: request('cr5', 'e3', 'p3', 'voice'),
  r6: request('cr6', 'e4', 'p4', 'sms'),
  r7: request('cr7', 'e5', 'p5', 'sms'),
  r8: request('cr8', 'e6', 'p1', 'sms'),
  r9: request('cr9', 'e7', 'p6', 'sms'),
  r10: request('cr10', 'e8', 'p2', 'email'),
};

const communications: Communication[] = [
  outbound('m1', req.r1, '2026-11-19T15:00:00Z'),
  reply('rep1', 'p1', 'm1', '2026-11-19T15:05:00Z'),
  outbound('m2', req.r2, '2026-11-19T16:00:00Z', { status: 'in-progress', delivery: 'sent' }),
  outbound('m3', req.r3, '2026-11-19T16:00:00Z'),
  reply('rep3', 'p2', 'm3', '2026-11-20T15:00:00Z'),
  outbound('m4', req.r4, '2026-11-19T20:00:00Z', { status: 'not-done', delivery: 'undelivered' }),
  outbound('m5', req.r5, '2026-11-19T20:30:00Z'),
  outbound('m6', req.r6, '2026-11-19T05:30:00Z'),
  reply('rep6', 'p4', 'm6', '2026-11-19T06:30:00Z'),
  outbound('m7', req.r7, '2026-11-19T17:00:00Z', { planOnMessage: false }),
  reply('rep7', 'p5', 'm7', '2026-11-19T17:01:00Z'),
  outbound('m8', req.r8, '2026-11-19T18:00:00Z'),
  reply('rep8', 'p1', 'm8', '2026-11-20T14:00:00Z'),
  outbound('m9', req.r9, '2026-11-19T18:00:00Z'),
  outbound('m10', req.r10, '2026-11-19T18:00:00Z', { status: 'not-done', delivery: 'failed' }),
  outbound('m11', req.r1, '2026-11-19T15:30:00Z', { status: 'entered-in-error' }),
  {
    resourceType: 'Communication',
    id: 'ack1',
    status: 'completed',
    basedOn: [{ reference: 'CarePlan/e1' }],
    medium: [mediumFor('sms')],
    subject: { reference: 'Patient/p1' },
    sent: '2026-11-19T15:06:00Z',
  },
];

const consents: Consent[] = [
  optOut('c3', 'p3', '2026-11-19T21:00:00Z', { channel: 'sms' }),
  optOut('c5', 'p5', '2026-11-19T17:01:00Z', { channel: 'sms', source: 'rep7' }),
];

const INPUT: KpiInput = {
  carePlans: Object.values(plans),
  requests: Object.values(req),
  communications,
  consents,
  period: PERIOD,
  timeZone: ZONE,
};

function pick(
  rows: readonly KpiRow[],
  measure: KpiMeasure,
  workflow: string,
  channel?: Channel,
): [number, number] | undefined {
  const row = rows.find((r) => r.measure === measure && r.workflow === workflow && r.channel === channel);
  return row ? [row.numerator, row.denominator] : undefined;
}

describe('computeKpis on a dataset counted by hand', () => {
  const rows = computeKpis(INPUT);

  it('response rate: enrolments reached that day that got a reply, whenever the reply came', () => {
    expect(pick(rows, 'response-rate', REM)).toEqual([3, 4]); // e1, e2 (email, next day), e5 of e1 e2 e3 e5
    expect(pick(rows, 'response-rate', REM, 'sms')).toEqual([2, 3]); // e1, e5 of e1 e2 e5 (e3's sms failed)
    expect(pick(rows, 'response-rate', REM, 'email')).toEqual([1, 1]); // e2
    expect(pick(rows, 'response-rate', REM, 'voice')).toEqual([0, 1]); // e3
    expect(pick(rows, 'response-rate', FB)).toEqual([1, 2]); // e6 of e6 e7 (e8's survey failed)
    expect(pick(rows, 'response-rate', FB, 'sms')).toEqual([1, 2]);
    expect(pick(rows, 'response-rate', FB, 'email')).toBeUndefined(); // only a failed message: no row
    expect(pick(rows, 'response-rate', NS)).toBeUndefined(); // no messages that day
  });

  it('follow-up completion: enrolments ended that day with a completing outcome', () => {
    expect(pick(rows, 'follow-up-completion-rate', REM)).toEqual([1, 2]); // e9 confirmed; e5 opted out; e10 superseded
    expect(pick(rows, 'follow-up-completion-rate', NS)).toEqual([2, 3]); // n1, n2 of n1 n2 n3
    expect(pick(rows, 'follow-up-completion-rate', FB)).toBeUndefined(); // e6 ended the next local day
  });

  it('survey completion: feedback enrolments whose survey reached the patient, answered', () => {
    expect(pick(rows, 'survey-completion-rate', FB)).toEqual([1, 2]); // e6 of e6 e7
  });

  it('no-show recovery: recovery enrolments ended that day as rescheduled', () => {
    expect(pick(rows, 'no-show-recovery-rate', NS)).toEqual([2, 3]); // n1, n2 (moved) of n1 n2 n3
  });

  it('opt-out rate: patients reached who opted out, by the reply that caused it or the day and channel', () => {
    expect(pick(rows, 'opt-out-rate', REM)).toEqual([1, 4]); // p5 of p1 p2 p3 p5
    expect(pick(rows, 'opt-out-rate', REM, 'sms')).toEqual([1, 3]); // p5 of p1 p2 p5
    expect(pick(rows, 'opt-out-rate', REM, 'email')).toEqual([0, 1]); // p2
    // p3 opted out of sms only; they were reached by voice alone (their sms failed).
    expect(pick(rows, 'opt-out-rate', REM, 'voice')).toEqual([0, 1]);
    expect(pick(rows, 'opt-out-rate', FB)).toEqual([0, 2]); // p1 p6
  });

  it('delivery failure: outbound messages sent that day that failed', () => {
    expect(pick(rows, 'delivery-failure-rate', REM)).toEqual([1, 6]); // m4 of m1 m2 m3 m4 m5 m7
    expect(pick(rows, 'delivery-failure-rate', REM, 'sms')).toEqual([1, 4]); // m4 of m1 m2 m4 m7
    expect(pick(rows, 'delivery-failure-rate', REM, 'email')).toEqual([0, 1]);
    expect(pick(rows, 'delivery-failure-rate', REM, 'voice')).toEqual([0, 1]);
    expect(pick(rows, 'delivery-failure-rate', FB)).toEqual([1, 3]); // m10 of m8 m9 m10
    expect(pick(rows, 'delivery-failure-rate', FB, 'sms')).toEqual([0, 2]);
    expect(pick(rows, 'delivery-failure-rate', FB, 'email')).toEqual([1, 1]);
  });

  it('has nothing else: 23 rows, all on the Chicago day, with the day as instants', () => {
    expect(rows).toHaveLength(23);
    expect(new Set(rows.map((r) => r.day))).toEqual(new Set([DAY]));
    expect(rows[0]?.period).toEqual({
      start: '2026-11-19T00:00:00.000-06:00',
      end: '2026-11-19T23:59:59.999-06:00',
    });
    expect(rows.every((r) => r.denominator > 0 && r.numerator <= r.denominator)).toBe(true);
    expect(rows.find((r) => r.workflow === FB)?.purpose).toBe('feedback');
  });

  it('gives the same rows whatever the order, and counts a resource loaded twice once', () => {
    const shuffled: KpiInput = {
      ...INPUT,
      carePlans: [...INPUT.carePlans].reverse(),
      communications: [...communications, ...communications].reverse(),
      consents: [...consents, ...consents],
    };
    expect(computeKpis(shuffled)).toEqual(rows);
  });
});

describe('computeKpis edge cases', () => {
  it('returns no rows for no data: a zero denominator is no row, not a score of 0', () => {
    expect(computeKpis({ ...INPUT, carePlans: [], requests: [], communications: [], consents: [] })).toEqual(
      [],
    );
  });

  it('reports only delivery failure for a day whose messages all failed', () => {
    const rows = computeKpis({
      ...INPUT,
      carePlans: [plans.e3],
      communications: communications.filter((c) => c.id === 'm4'),
      consents: [],
    });
    expect(rows.map((r) => [r.measure, r.channel ?? 'all', r.numerator, r.denominator])).toEqual([
      ['delivery-failure-rate', 'all', 1, 1],
      ['delivery-failure-rate', 'sms', 1, 1],
    ]);
  });

  it('counts a reply after midnight for the day the message went out, and never for the reply day', () => {
    const nextDay = computeKpis({
      ...INPUT,
      period: { start: PERIOD.end, end: '2026-11-21T06:00:00.000Z' },
    });
    // rep3 and rep8 arrived on the 20th, but the messages they answer were sent on the 19th.
    expect(nextDay.filter((r) => r.measure === 'response-rate')).toEqual([]);
    expect(pick(nextDay, 'no-show-recovery-rate', NS)).toEqual([1, 1]); // n4 ended 01:00 local on the 20th
  });

  it('moves the day boundary with the time zone', () => {
    const utc = computeKpis({
      ...INPUT,
      timeZone: 'UTC',
      period: { start: '2026-11-19T00:00:00Z', end: '2026-11-20T00:00:00Z' },
    });
    // m6 (05:30Z) belongs to the UTC 19th, and so does its reply: e4 joins the sms cohort.
    expect(pick(utc, 'response-rate', REM, 'sms')).toEqual([3, 4]);
    expect(utc[0]?.period.start).toBe('2026-11-19T00:00:00.000Z');
  });

  it('attributes an opt-out caused by a reply to the workflow replied to only', () => {
    const stopToReminder = optOut('c1', 'p1', '2026-11-19T15:05:00Z', { source: 'rep1' });
    const rows = computeKpis({ ...INPUT, consents: [stopToReminder] });
    expect(pick(rows, 'opt-out-rate', REM)).toEqual([1, 4]);
    expect(pick(rows, 'opt-out-rate', FB)).toEqual([0, 2]); // p1 got the survey too, but answered the reminder
  });

  it('counts an opt-out without a reply for every workflow that reached the patient that day', () => {
    const staffEntered = optOut('c1', 'p1', '2026-11-19T23:00:00Z'); // no channel: all channels
    const rows = computeKpis({ ...INPUT, consents: [staffEntered] });
    expect(pick(rows, 'opt-out-rate', REM)).toEqual([1, 4]);
    expect(pick(rows, 'opt-out-rate', FB)).toEqual([1, 2]);
    const nextDay = optOut('c2', 'p1', '2026-11-20T15:00:00Z');
    expect(pick(computeKpis({ ...INPUT, consents: [nextDay] }), 'opt-out-rate', REM)).toEqual([0, 4]);
  });

  it('sees a delivery failure reported later when the day is computed again', () => {
    const later = communications.map((c) =>
      c.id === 'm1'
        ? { ...c, status: 'not-done' as const, extension: [{ url: EXT.deliveryStatus, valueCode: 'failed' }] }
        : c,
    );
    const rows = computeKpis({ ...INPUT, communications: later });
    expect(pick(rows, 'delivery-failure-rate', REM, 'sms')).toEqual([2, 4]);
    expect(pick(rows, 'response-rate', REM, 'sms')).toEqual([1, 2]); // e1 no longer reached by sms
  });

  it('refuses a period or a zone it cannot read', () => {
    expect(() => computeKpis({ ...INPUT, period: { start: 'yesterday', end: PERIOD.end } })).toThrow(
      /period\.start "yesterday"/,
    );
    expect(() => computeKpis({ ...INPUT, timeZone: 'Mars/Olympus' })).toThrow(/Mars\/Olympus/);
    expect(() =>
      computeKpis({ ...INPUT, communications: [], carePlans: [], timeZone: 'Mars/Olympus' }),
    ).toThrow(/not a known IANA time zone/);
  });
});

describe('days', () => {
  it('bounds a local day, including a 25-hour DST day', () => {
    expect(dayWindow('2026-11-01', ZONE)).toEqual({
      day: '2026-11-01',
      start: '2026-11-01T00:00:00.000-05:00',
      end: '2026-11-01T23:59:59.999-06:00',
      next: '2026-11-02T06:00:00.000Z',
    });
    expect(() => dayWindow('2026-02-30', ZONE)).toThrow(/not a calendar day/);
  });

  it('finds the previous local day, not the previous UTC day', () => {
    // 03:00Z on the 20th is still the 19th in Chicago.
    expect(previousDay(new Date('2026-11-20T03:00:00Z'), ZONE)).toBe('2026-11-18');
    expect(previousDay(new Date('2026-11-20T03:00:00Z'), 'UTC')).toBe('2026-11-19');
  });
});

const LAKESIDE = 'Organization/lakeside';

describe('toMeasureReports', () => {
  const rows = computeKpis(INPUT);
  const reports = toMeasureReports(rows, {
    generatedAt: '2026-11-20T08:00:00.000Z',
    reporter: { reference: LAKESIDE },
  });

  it('writes one valid R4 summary report per row', () => {
    expect(reports).toHaveLength(rows.length);
    for (const report of reports) {
      expect(() => validateResource(report)).not.toThrow();
      expect(report.status).toBe('complete');
      expect(report.type).toBe('summary');
      expect(report.subject).toBeUndefined();
      expect(report.reporter?.reference).toBe('Organization/lakeside');
      expect(report.date).toBe('2026-11-20T08:00:00.000Z');
    }
  });

  it('carries the counts, the score, the measure, the day and the workflow and channel', () => {
    const report = reports.find((r) =>
      r.identifier?.some(
        (i) => i.value === measureReportKey({ measure: 'response-rate', workflow: REM, day: DAY }, LAKESIDE),
      ),
    );
    expect(report?.measure).toBe('https://careloop.health/fhir/Measure/response-rate|1.0.0');
    expect(report?.period).toEqual({
      start: '2026-11-19T00:00:00.000-06:00',
      end: '2026-11-19T23:59:59.999-06:00',
    });
    const group = report?.group?.[0];
    expect(group?.population?.map((p) => [p.code?.coding?.[0]?.code, p.count])).toEqual([
      ['numerator', 3],
      ['denominator', 4],
    ]);
    expect(group?.measureScore?.value).toBe(0.75);
    expect(report?.extension).toEqual([
      { url: KPI_WORKFLOW_EXT, valueCanonical: REM },
      { url: EXT.purpose, valueCode: 'reminder' },
    ]);
    const smsKey = measureReportKey(
      { measure: 'response-rate', workflow: REM, channel: 'sms', day: DAY },
      LAKESIDE,
    );
    const sms = reports.find((r) => r.identifier?.[0]?.value === smsKey);
    expect(sms?.extension?.[2]).toEqual({ url: EXT.channel, valueCode: 'sms' });
    expect(sms?.group?.[0]?.measureScore?.value).toBe(0.6667);
    expect(
      reports.find((r) => r.measure?.includes('opt-out-rate'))?.improvementNotation?.coding?.[0]?.code,
    ).toBe('decrease');
  });

  it('keys each report deterministically, so a re-run finds it', () => {
    const row = { measure: 'opt-out-rate', workflow: REM, channel: 'sms', day: DAY } as const;
    expect(measureReportKey(row)).toBe(
      'opt-out-rate/https://careloop.health/fhir/PlanDefinition/appointment-reminders%7C1.0.0/sms/2026-11-19',
    );
    // A practice's report is keyed with the practice, so two practices' roll-ups never update each other's.
    const key = measureReportKey(row, LAKESIDE);
    expect(key).toBe(
      'opt-out-rate/https://careloop.health/fhir/PlanDefinition/appointment-reminders%7C1.0.0/sms/2026-11-19/Organization/lakeside',
    );
    const report = reports.find((r) => r.identifier?.[0]?.value === key);
    expect(report?.identifier).toEqual([
      { system: MEASURE_REPORT_ID_SYSTEM, value: key },
      { system: MEASURE_REPORT_DAY_SYSTEM, value: DAY },
    ]);
    expect(report && measureReportConditionalUrl(report)).toBe(
      `MeasureReport?identifier=${encodeURIComponent(`${MEASURE_REPORT_ID_SYSTEM}|${key}`)}`,
    );
    const keys = reports.map((r) => r.identifier?.[0]?.value);
    expect(new Set(keys).size).toBe(keys.length);
    const again = toMeasureReports(computeKpis(INPUT), {
      generatedAt: '2026-11-21T08:00:00.000Z',
      reporter: { reference: LAKESIDE },
    });
    expect(again.map((r) => r.identifier)).toEqual(reports.map((r) => r.identifier));
  });

  it('writes no report for a zero denominator', () => {
    const empty: KpiRow = {
      measure: 'response-rate',
      workflow: REM,
      purpose: 'reminder',
      day: DAY,
      period: { start: PERIOD.start, end: PERIOD.end },
      numerator: 0,
      denominator: 0,
    };
    expect(toMeasureReports([empty], { generatedAt: '2026-11-20T08:00:00.000Z' })).toEqual([]);
  });
});
