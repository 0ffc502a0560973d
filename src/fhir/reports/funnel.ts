/**
 * The funnel per workflow — sent → delivered → replied → completed — counted in enrolments from the
 * underlying resources with the KPI roll-up's own readers (src/fhir/kpi/facts.ts), so a stage means what
 * the Measures mean: "delivered" is reached (not reported failed), "replied" a patient reply to one of the
 * enrolment's messages, "completed" an ended enrolment with an outcome the follow-up completion Measure
 * counts. Completion can come without a text reply (a phone call, a booking at the desk), so "completed"
 * is counted among the enrolments messaged and may exceed "replied".
 */

import type { CarePlan, Communication, CommunicationRequest } from '@medplum/fhirtypes';
import {
  answers,
  carePlanRefOf,
  endedAt,
  hasFailed,
  isInbound,
  isOutboundMessage,
  keyOf,
  outcomeOf,
  purposeOf,
  requestsOf,
} from '../kpi/facts';

/** Outcomes that close the loop (the follow-up completion Measure's numerator, docs/kpis.md). */
export const COMPLETING_OUTCOMES: readonly string[] = [
  'confirmed',
  'rescheduled',
  'ready-to-schedule',
  'completed',
  'survey-completed',
];

/** What the funnel reads. */
export interface FunnelInput {
  readonly carePlans: readonly CarePlan[];
  readonly requests: readonly CommunicationRequest[];
  readonly communications: readonly Communication[];
  /** Outbound messages count when `sent` is in [start, end). */
  readonly period: { readonly start: string; readonly end: string };
}

/** One workflow's funnel, in enrolments messaged in the period. */
export interface Funnel {
  /** Workflow purpose code. */
  readonly workflow: string;
  readonly sent: number;
  readonly delivered: number;
  readonly replied: number;
  readonly completed: number;
}

/** The stages in order, for tables and charts. */
export const FUNNEL_STAGES = ['sent', 'delivered', 'replied', 'completed'] as const;

/** A funnel stage. */
export type FunnelStage = (typeof FUNNEL_STAGES)[number];

/** Funnels per workflow purpose, sorted by purpose. */
export function computeFunnels(input: FunnelInput): Funnel[] {
  const from = Date.parse(input.period.start);
  const to = Date.parse(input.period.end);
  const plans = new Map(input.carePlans.flatMap((p) => (keyOf(p) ? [[keyOf(p) as string, p] as const] : [])));
  const requestPlan = new Map(
    input.requests.flatMap((r) =>
      keyOf(r) && carePlanRefOf(r) ? [[keyOf(r) as string, carePlanRefOf(r) as string] as const] : [],
    ),
  );
  const answered = new Set(input.communications.filter(isInbound).flatMap((c) => answers(c) ?? []));
  const stages = new Map<string, { sent: boolean; delivered: boolean; replied: boolean }>();
  for (const c of input.communications) {
    const sent = c.sent ? Date.parse(c.sent) : NaN;
    if (!isOutboundMessage(c) || !(sent >= from && sent < to)) continue;
    const planKey =
      carePlanRefOf(c) ??
      requestsOf(c)
        .map((r) => requestPlan.get(r))
        .find((p) => p !== undefined);
    if (!planKey || !plans.has(planKey)) continue;
    const s = stages.get(planKey) ?? { sent: true, delivered: false, replied: false };
    const reached = !hasFailed(c);
    s.delivered ||= reached;
    s.replied ||= reached && answered.has(keyOf(c) ?? '');
    stages.set(planKey, s);
  }
  const funnels = new Map<string, { sent: number; delivered: number; replied: number; completed: number }>();
  for (const [planKey, s] of stages) {
    const plan = plans.get(planKey) as CarePlan;
    const f = funnels.get(purposeOf(plan)) ?? { sent: 0, delivered: 0, replied: 0, completed: 0 };
    const outcome = outcomeOf(plan);
    f.sent++;
    if (s.delivered) f.delivered++;
    if (s.replied) f.replied++;
    if (endedAt(plan) !== undefined && outcome !== undefined && COMPLETING_OUTCOMES.includes(outcome)) {
      f.completed++;
    }
    funnels.set(purposeOf(plan), f);
  }
  return [...funnels.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([workflow, f]) => ({ workflow, ...f }));
}

/** Where a funnel loses the most patients: the step with the largest drop from the stage before. */
export function biggestDrop(f: Funnel): { from: FunnelStage; to: FunnelStage; lost: number } | undefined {
  let best: { from: FunnelStage; to: FunnelStage; lost: number } | undefined;
  for (let i = 1; i < FUNNEL_STAGES.length; i++) {
    const from = FUNNEL_STAGES[i - 1] as FunnelStage;
    const to = FUNNEL_STAGES[i] as FunnelStage;
    const lost = f[from] - f[to];
    if (lost > 0 && (!best || lost > best.lost)) {
      best = { from, to, lost };
    }
  }
  return best;
}
