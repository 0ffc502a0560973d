/**
 * The KPI roll-up as a pure function: resources in, one row per measure, workflow, channel and day out.
 * No clock and no network: the numerators count the evidence (replies, answers, failures) present in the
 * input, so the caller decides "as of when" by what it loads, and the same input always gives the same rows.
 */

import type { CarePlan, Communication, CommunicationRequest, Consent, Task } from '@medplum/fhirtypes';
import type { Channel } from '../../engine/workflow/types';
import { dayOf, dayWindow } from './days';
import {
  answers,
  carePlanRefOf,
  consentChannels,
  consentSource,
  endedAt,
  hasFailed,
  isInbound,
  isOptOut,
  isOutboundMessage,
  keyOf,
  messageChannel,
  messagePatient,
  outcomeOf,
  purposeOf,
  refKey,
  requestsOf,
  workflowOf,
} from './facts';
import { KPI_MEASURES, type KpiMeasure } from './measures';

/** What the roll-up reads. Duplicates (the same resource from two searches) are harmless. */
export interface KpiInput {
  /** Enrolments: those that ended in the period, and those the period's messages belong to. */
  readonly carePlans: readonly CarePlan[];
  /** The requests the period's messages were sent for (to find their enrolment and channel). */
  readonly requests: readonly CommunicationRequest[];
  /** Outbound messages sent in the period and the replies received since it began. */
  readonly communications: readonly Communication[];
  /** Communication Consents dated since the period began. */
  readonly consents: readonly Consent[];
  /** Accepted so a caller can pass what it loaded; no 1.0.0 measure reads Tasks. */
  readonly tasks?: readonly Task[];
  /** ISO 8601 instants; `start` inclusive, `end` exclusive. */
  readonly period: { readonly start: string; readonly end: string };
  /** IANA zone whose calendar days the rows are per (the practice's); default UTC. */
  readonly timeZone?: string;
}

/** One KPI value: numerator over denominator for a measure, workflow, channel and day. */
export interface KpiRow {
  readonly measure: KpiMeasure;
  /** The workflow's PlanDefinition canonical, url|version, as the enrolment's CarePlan names it. */
  readonly workflow: string;
  /** The workflow purpose (CarePlan category). */
  readonly purpose: string;
  /** The channel; absent on the all-channel row (a unit that used two channels counts once there). */
  readonly channel?: Channel;
  /** YYYY-MM-DD in the input's time zone. */
  readonly day: string;
  /** The day as instants with the zone's offset: 00:00 to the last millisecond. */
  readonly period: { readonly start: string; readonly end: string };
  readonly numerator: number;
  /** Always at least 1: a day, workflow and channel with nothing to measure has no row. */
  readonly denominator: number;
}

// Outcomes where the loop closed with the intended next step (see the follow-up completion Measure).
const COMPLETING = new Set([
  'confirmed',
  'rescheduled',
  'ready-to-schedule',
  'completed',
  'survey-completed',
]);

interface Context {
  readonly workflow: string;
  readonly purpose: string;
  readonly day: string;
}

interface Message extends Context {
  readonly key: string;
  readonly planKey: string;
  readonly plan: CarePlan;
  readonly channel?: Channel;
  readonly failed: boolean;
  readonly patient?: string;
}

interface Cell extends Context {
  readonly measure: KpiMeasure;
  readonly channel?: Channel;
  /** Unit (enrolment, patient or message) → counted in the numerator. */
  readonly units: Map<string, boolean>;
}

/** Counts each unit once per cell; a unit is in the numerator if any of its evidence says so. */
class Tally {
  private readonly cells = new Map<string, Cell>();

  count(measure: KpiMeasure, ctx: Context, channel: Channel | undefined, unit: string, hit: boolean): void {
    const key = [measure, ctx.workflow, channel ?? '', ctx.day].join('\u0000');
    let cell = this.cells.get(key);
    if (!cell) {
      cell = {
        measure,
        workflow: ctx.workflow,
        purpose: ctx.purpose,
        day: ctx.day,
        ...(channel ? { channel } : {}),
        units: new Map(),
      };
      this.cells.set(key, cell);
    }
    cell.units.set(unit, (cell.units.get(unit) ?? false) || hit);
  }

  rows(zone: string): KpiRow[] {
    const windows = new Map<string, { start: string; end: string }>();
    const windowOf = (day: string): { start: string; end: string } => {
      let w = windows.get(day);
      if (!w) {
        const { start, end } = dayWindow(day, zone);
        w = { start, end };
        windows.set(day, w);
      }
      return w;
    };
    return [...this.cells.values()]
      .sort(
        (a, b) =>
          a.day.localeCompare(b.day) ||
          KPI_MEASURES.indexOf(a.measure) - KPI_MEASURES.indexOf(b.measure) ||
          a.workflow.localeCompare(b.workflow) ||
          (a.channel ?? '').localeCompare(b.channel ?? ''),
      )
      .map((cell) => ({
        measure: cell.measure,
        workflow: cell.workflow,
        purpose: cell.purpose,
        ...(cell.channel ? { channel: cell.channel } : {}),
        day: cell.day,
        period: windowOf(cell.day),
        numerator: [...cell.units.values()].filter(Boolean).length,
        denominator: cell.units.size,
      }));
  }
}

function byKey<T extends { resourceType: string; id?: string }>(resources: readonly T[]): Map<string, T> {
  const map = new Map<string, T>();
  for (const r of resources) {
    const key = keyOf(r);
    if (key) map.set(key, r);
  }
  return map;
}

function instant(value: string, name: string): number {
  const t = Date.parse(value);
  if (Number.isNaN(t)) {
    throw new Error(`computeKpis: period.${name} "${value}" is not an ISO 8601 date-time`);
  }
  return t;
}

/** The all-channel cell always; the channel's cell too when the message names one. */
function channelsOf(m: Message): (Channel | undefined)[] {
  return m.channel ? [undefined, m.channel] : [undefined];
}

/**
 * Computes every KPI for the period: rows per measure, workflow, channel (and all channels) and local day,
 * sorted by day, measure, workflow and channel. Definitions: fhir-resources/measures/, docs/kpis.md.
 * Throws when the period or the time zone cannot be read.
 */
export function computeKpis(input: KpiInput): KpiRow[] {
  const zone = input.timeZone ?? 'UTC';
  const from = instant(input.period.start, 'start');
  const to = instant(input.period.end, 'end');
  dayOf(input.period.start, zone); // a bad zone fails here even when there is nothing to count
  const inPeriod = (t: string | undefined): t is string => {
    const at = t === undefined ? NaN : Date.parse(t);
    return at >= from && at < to;
  };
  const plans = byKey(input.carePlans);
  const requests = byKey(input.requests);
  const communications = [...byKey(input.communications).values()];
  const tally = new Tally();

  // Replies: which outbound messages got one, and which message each reply answers.
  const answered = new Set<string>();
  const replyAnswers = new Map<string, string>();
  for (const c of communications) {
    const message = isInbound(c) ? answers(c) : undefined;
    if (message) {
      answered.add(message);
      replyAnswers.set(keyOf(c) ?? '', message);
    }
  }

  const messages: Message[] = [];
  for (const c of communications) {
    if (!isOutboundMessage(c) || !inPeriod(c.sent)) continue;
    const request = requestsOf(c)
      .map((r) => requests.get(r))
      .find((r) => r !== undefined);
    const planKey = carePlanRefOf(c) ?? (request ? carePlanRefOf(request) : undefined);
    const plan = planKey ? plans.get(planKey) : undefined;
    const workflow = plan ? workflowOf(plan) : undefined;
    // A message whose enrolment is unknown cannot be put in a workflow's report.
    if (!plan || !planKey || !workflow) continue;
    const channel = messageChannel(c, request);
    const patient = messagePatient(c, plan);
    messages.push({
      key: keyOf(c) ?? '',
      planKey,
      plan,
      workflow,
      purpose: purposeOf(plan),
      day: dayOf(c.sent, zone),
      failed: hasFailed(c),
      ...(channel ? { channel } : {}),
      ...(patient ? { patient } : {}),
    });
  }

  // Opt-outs caused by a reply belong to the message replied to; the rest to the patient's day.
  const optOutMessages = new Set<string>();
  const looseOptOuts: { patient: string; day: string; channels: string[] }[] = [];
  for (const consent of input.consents) {
    if (!isOptOut(consent)) continue;
    const source = consentSource(consent);
    const message = source ? replyAnswers.get(source) : undefined;
    if (message) {
      optOutMessages.add(message);
      continue;
    }
    const patient = refKey(consent.patient?.reference);
    if (patient && consent.dateTime) {
      looseOptOuts.push({ patient, day: dayOf(consent.dateTime, zone), channels: consentChannels(consent) });
    }
  }
  const optedOut = (m: Message): boolean =>
    optOutMessages.has(m.key) ||
    looseOptOuts.some(
      (o) =>
        o.patient === m.patient &&
        o.day === m.day &&
        (o.channels.length === 0 || (m.channel !== undefined && o.channels.includes(m.channel))),
    );

  for (const m of messages) {
    for (const channel of channelsOf(m)) {
      tally.count('delivery-failure-rate', m, channel, m.key, m.failed);
    }
    // Engagement is measured on messages that reached the patient; failures have their own rate.
    if (m.failed) continue;
    for (const channel of channelsOf(m)) {
      tally.count('response-rate', m, channel, m.planKey, answered.has(m.key));
      if (m.patient) {
        tally.count('opt-out-rate', m, channel, m.patient, optedOut(m));
      }
    }
    if (m.purpose === 'feedback') {
      tally.count(
        'survey-completion-rate',
        m,
        undefined,
        m.planKey,
        outcomeOf(m.plan) === 'survey-completed',
      );
    }
  }

  for (const [planKey, plan] of plans) {
    const end = endedAt(plan);
    const workflow = workflowOf(plan);
    if (!inPeriod(end) || !workflow) continue;
    const ctx: Context = { workflow, purpose: purposeOf(plan), day: dayOf(end, zone) };
    const outcome = outcomeOf(plan) ?? '';
    // Revoked as "rescheduled" = the appointment moved and a new enrolment took over; for no-show
    // recovery, moving the missed visit to a new time is the recovery itself.
    const superseded =
      plan.status === 'revoked' && outcome === 'rescheduled' && ctx.purpose !== 'no-show-recovery';
    if (!superseded) {
      tally.count('follow-up-completion-rate', ctx, undefined, planKey, COMPLETING.has(outcome));
    }
    if (ctx.purpose === 'no-show-recovery') {
      tally.count('no-show-recovery-rate', ctx, undefined, planKey, outcome === 'rescheduled');
    }
  }

  return tally.rows(zone);
}
