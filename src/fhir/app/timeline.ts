/**
 * A plan's timeline: every step of one enrolment as the panel shows it — scheduled (with the policy
 * reasons it moved), sent, delivered, replied (with the understood intent), skipped (with why), tasks it
 * created, and the outcome. Pure: built from resources already loaded.
 */

import type { CarePlan, Communication, CommunicationRequest, Task } from '@medplum/fhirtypes';
import { channelOf, CS, EXT, taskLabel, type Channel } from '../../engine';

/** One event on a plan's timeline. */
export interface TimelineItem {
  readonly kind:
    'scheduled' | 'paused' | 'sent' | 'delivered' | 'failed' | 'replied' | 'skipped' | 'task' | 'outcome';
  /** ISO instant it happened or is due. */
  readonly at?: string;
  readonly title: string;
  readonly channel?: Channel;
  readonly text?: string;
  /** Policy reasons and other explanations, in words. */
  readonly reasons: readonly string[];
  /** A stable key for React lists. */
  readonly key: string;
}

const OUTCOME_LABELS: Record<string, string> = {
  confirmed: 'Appointment confirmed',
  'cancelled-by-patient': 'Cancelled by the patient',
  'reschedule-requested': 'Patient asked to reschedule',
  rescheduled: 'Rescheduled',
  'ready-to-schedule': 'Ready to schedule',
  completed: 'Completed',
  'opted-out': 'Patient opted out',
  'no-response': 'No response',
  escalated: 'Handed to staff',
  suppressed: 'Suppressed',
  'stopped-by-staff': 'Stopped by staff',
  'survey-completed': 'Survey completed',
  'appointment-cancelled': 'Appointment cancelled',
  'no-show': 'No-show',
};

/** Words for an enrolment outcome code. */
export function outcomeLabel(code: string): string {
  return OUTCOME_LABELS[code] ?? code;
}

/** The outcome code a finished plan carries, if any. */
export function planOutcome(plan: CarePlan): string | undefined {
  return plan.extension?.find((e) => e.url === EXT.outcome)?.valueCoding?.code;
}

/** The reasons the planner and dispatcher recorded on a request or task. */
export function scheduleReasons(resource: { extension?: { url: string; valueString?: string }[] }): string[] {
  return (resource.extension ?? [])
    .filter((e) => e.url === EXT.scheduleReason)
    .map((e) => e.valueString ?? '');
}

function refersTo(list: readonly { reference?: string }[] | undefined, ref: string): boolean {
  return list?.some((r) => r.reference === ref) ?? false;
}

const INTENT_LABELS: Record<string, string> = {
  confirm: 'confirm',
  cancel: 'cancel',
  reschedule: 'reschedule',
  'opt-out': 'opt out',
  'opt-in': 'opt in',
  help: 'help',
  question: 'question',
  urgent: 'urgent',
  unknown: 'not understood',
};

/** Words for a reply intent code. */
export function intentLabel(code: string | undefined): string {
  return code ? (INTENT_LABELS[code] ?? code) : 'not classified';
}

/** The timeline of one plan, oldest first. Step titles come from `stepTitle` when the definition is known. */
export function planTimeline(
  plan: CarePlan,
  records: {
    readonly requests: readonly CommunicationRequest[];
    readonly communications: readonly Communication[];
    readonly tasks: readonly Task[];
  },
  stepTitle: (stepId: string) => string | undefined = () => undefined,
): TimelineItem[] {
  const planRef = `CarePlan/${plan.id ?? ''}`;
  const items: TimelineItem[] = [];
  const requests = records.requests.filter((r) => refersTo(r.basedOn, planRef));
  for (const r of requests) {
    const stepId = r.extension?.find((e) => e.url === EXT.stepId)?.valueString;
    const title = (stepId && stepTitle(stepId)) || (stepId ? stepId.replace(/-/g, ' ') : 'Message');
    const channel = channelOf(r);
    const base = { title, ...(channel ? { channel } : {}), text: r.payload?.[0]?.contentString ?? '' };
    const reasons = scheduleReasons(r);
    if (r.status === 'active' || r.status === 'on-hold' || r.status === 'draft') {
      items.push({
        ...base,
        kind: plan.status === 'on-hold' ? 'paused' : 'scheduled',
        ...(r.occurrenceDateTime ? { at: r.occurrenceDateTime } : {}),
        reasons,
        key: `req-${r.id ?? ''}`,
      });
      continue;
    }
    if (r.status === 'revoked' || r.status === 'entered-in-error') {
      items.push({
        ...base,
        kind: 'skipped',
        ...(r.occurrenceDateTime ? { at: r.occurrenceDateTime } : {}),
        reasons: [r.statusReason?.text ?? reasons.at(-1) ?? 'skipped'],
        key: `req-${r.id ?? ''}`,
      });
      continue;
    }
    const sent = records.communications.find((c) =>
      refersTo(c.basedOn, `CommunicationRequest/${r.id ?? ''}`),
    );
    const at = sent?.sent ?? r.occurrenceDateTime;
    items.push({ ...base, kind: 'sent', ...(at ? { at } : {}), reasons, key: `sent-${r.id ?? ''}` });
    const delivery = sent?.extension?.find((e) => e.url === EXT.deliveryStatus)?.valueCode;
    if (delivery === 'delivered' || delivery === 'read') {
      items.push({
        ...base,
        kind: 'delivered',
        ...(sent?.meta?.lastUpdated ? { at: sent.meta.lastUpdated } : at ? { at } : {}),
        reasons: [],
        key: `dlv-${r.id ?? ''}`,
      });
    } else if (delivery === 'failed' || delivery === 'undelivered' || sent?.status === 'not-done') {
      items.push({
        ...base,
        kind: 'failed',
        ...(at ? { at } : {}),
        reasons: [sent?.statusReason?.text ?? `delivery ${delivery ?? 'failed'}`],
        key: `fail-${r.id ?? ''}`,
      });
    }
  }
  for (const c of records.communications) {
    const fromPatient = c.sender?.reference?.startsWith('Patient/') ?? false;
    if (!fromPatient || !refersTo(c.basedOn, planRef)) {
      continue;
    }
    const intent = c.extension?.find((e) => e.url === EXT.replyIntent)?.valueCode;
    const channel = channelOf(c);
    items.push({
      kind: 'replied',
      ...((c.received ?? c.sent) ? { at: c.received ?? c.sent } : {}),
      title: `Patient replied: ${intentLabel(intent)}`,
      ...(channel ? { channel } : {}),
      text: c.payload?.[0]?.contentString ?? '',
      reasons: [],
      key: `reply-${c.id ?? ''}`,
    });
  }
  for (const t of records.tasks) {
    if (!refersTo(t.basedOn, planRef)) {
      continue;
    }
    const kind = t.code?.coding?.find((c) => c.system === CS.taskKind)?.code;
    items.push({
      kind: 'task',
      ...((t.authoredOn ?? t.executionPeriod?.start) ? { at: t.authoredOn ?? t.executionPeriod?.start } : {}),
      title: `Task: ${t.code?.text ?? (kind ? taskLabel(kind) : 'work for staff')} (${t.status})`,
      text: t.description ?? '',
      reasons: scheduleReasons(t),
      key: `task-${t.id ?? ''}`,
    });
  }
  items.sort((a, b) => instant(a.at) - instant(b.at));
  // The outcome closes the timeline even when steps it cancelled were due later.
  const outcome = planOutcome(plan);
  if (outcome || plan.status === 'completed' || plan.status === 'revoked') {
    const at = plan.period?.end ?? plan.meta?.lastUpdated;
    items.push({
      kind: 'outcome',
      ...(at ? { at } : {}),
      title: outcome ? outcomeLabel(outcome) : `Plan ${plan.status}`,
      reasons: plan.note?.map((n) => n.text).filter((t): t is string => Boolean(t)) ?? [],
      key: `outcome-${plan.id ?? ''}`,
    });
  }
  return items;
}

/** Plans in the order the panel lists them: active and paused first, then the most recently changed. */
export function orderPlans(plans: readonly CarePlan[]): CarePlan[] {
  const rank = (p: CarePlan): number => (p.status === 'active' ? 0 : p.status === 'on-hold' ? 1 : 2);
  return [...plans].sort(
    (a, b) =>
      rank(a) - rank(b) ||
      (b.meta?.lastUpdated ?? b.created ?? '').localeCompare(a.meta?.lastUpdated ?? a.created ?? ''),
  );
}

// Times carry the patient's offset, so compare instants, not strings.
function instant(at: string | undefined): number {
  const ms = at ? Date.parse(at) : Number.NaN;
  return Number.isNaN(ms) ? Number.POSITIVE_INFINITY : ms;
}
