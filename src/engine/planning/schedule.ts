/**
 * Timing: from a step's definition to the instants its occurrences are due, and the rules that move or
 * skip them (late planning, quiet hours, caps, the lead before an appointment). Each rule explains itself
 * in the words the preview and the audit trail show.
 */

import type { DateTime } from 'luxon';
import { capViolation, type OutboundRecord } from '../policy/caps';
import type { SendWindow } from '../policy/settings';
import { atLocalTime, fitSendWindow } from '../policy/sendWindow';
import { shift } from '../workflow/duration';
import type { WorkflowStep } from '../workflow/types';

/** The instants a workflow's offsets are measured from. */
export interface Anchors {
  readonly start?: DateTime;
  readonly end?: DateTime;
  readonly enrolledAt: DateTime;
}

/** One occurrence of one step with its nominal time. */
export interface Occurrence {
  readonly step: WorkflowStep;
  readonly index: number;
  readonly nominal: DateTime;
}

/** The occurrences of every step, each at the time the definition asks for, in the patient's zone. */
export function occurrencesOf(steps: readonly WorkflowStep[], anchors: Anchors, zone: string): Occurrence[] {
  const out: Occurrence[] = [];
  for (const step of steps) {
    const { anchor, offset, repeat, timeOfDay } = step.timing;
    const from =
      anchor === 'after-enrolment'
        ? anchors.enrolledAt
        : anchor === 'after-end'
          ? (anchors.end ?? anchors.start)
          : anchors.start;
    if (!from) {
      continue;
    }
    // Offsets are applied in the patient's zone so calendar days keep their wall-clock time across DST.
    const base = shift(from.setZone(zone), offset, anchor === 'before-start' ? -1 : 1);
    const count = repeat?.count ?? 1;
    for (let i = 0; i < count; i++) {
      let at = repeat
        ? shift(base, { ...repeat.every, value: repeat.every.value * i, ms: repeat.every.ms * i })
        : base;
      if (timeOfDay) {
        at = atLocalTime(at, timeOfDay);
      }
      out.push({ step, index: i, nominal: at });
    }
  }
  return out.sort((a, b) => a.nominal.toMillis() - b.nominal.toMillis());
}

/** Formats an instant for a reason: the time alone when on the same local day as `other`, else day and time. */
export function describeTime(t: DateTime, other?: DateTime): string {
  const time = `${pad(t.hour)}:${pad(t.minute)}`;
  if (other && t.hasSame(other, 'day')) {
    return time;
  }
  // Reasons are English audit text; fixed names avoid an Intl lookup for every planned message.
  return `${WEEKDAYS[t.weekday - 1] ?? ''} ${t.day} ${MONTHS[t.month - 1] ?? ''} ${time}`;
}

const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function pad(n: number): string {
  return String(n).padStart(2, '0');
}

/** The outcome of timing one occurrence. */
export type TimingDecision =
  | { readonly ok: true; readonly at: DateTime; readonly reasons: string[] }
  | { readonly ok: false; readonly at?: DateTime; readonly reasons: string[] };

const LATE_WINDOW_MS = 24 * 3_600_000;

/**
 * Where a step that came due before planning stands (the documented rule in
 * docs/workflow-definitions.md): pulled in to now if allowed and not superseded, else skipped.
 */
export function lateDecision(
  occ: Occurrence,
  now: DateTime,
  supersededBy: Occurrence | undefined,
): TimingDecision {
  if (occ.nominal >= now) {
    return { ok: true, at: occ.nominal, reasons: [] };
  }
  const due = describeTime(occ.nominal, now);
  if (occ.step.timing.latePolicy === 'skip') {
    return {
      ok: false,
      at: occ.nominal,
      reasons: [`skipped: was due ${due}, before the enrolment was planned`],
    };
  }
  if (supersededBy) {
    return {
      ok: false,
      at: occ.nominal,
      reasons: [`skipped: was due ${due}; "${supersededBy.step.title}" is also due and replaces it`],
    };
  }
  if (occ.step.timing.anchor !== 'before-start' && now.toMillis() - occ.nominal.toMillis() > LATE_WINDOW_MS) {
    return { ok: false, at: occ.nominal, reasons: [`skipped: was due ${due}, more than a day ago`] };
  }
  return { ok: true, at: now, reasons: [`pulled in to ${describeTime(now, occ.nominal)}: was due ${due}`] };
}

/** Constraints that fit a message time into the rules. */
export interface MessageRules {
  readonly zone: string;
  readonly window: SendWindow;
  readonly windowLabel: string;
  readonly purpose: string;
  readonly caps: { perDay: number; perWeek: number };
  readonly records: readonly OutboundRecord[];
  /** Must go before this instant (lead before the appointment), if set. */
  readonly deadline?: DateTime;
  /** The next occurrence of this plan: a message moved onto or past it is redundant. */
  readonly next?: { readonly at: DateTime; readonly title: string };
}

const MAX_DEFERRAL_DAYS = 14;

/**
 * Moves a message into quiet hours and under the caps. A cap breach skips the message when a later step
 * of the plan follows (it would only crowd it), and otherwise defers it to the next allowed day.
 */
export function fitMessage(start: DateTime, rules: MessageRules): TimingDecision {
  const reasons: string[] = [];
  let at: DateTime = start.setZone(rules.zone);
  for (let day = 0; day <= MAX_DEFERRAL_DAYS; day++) {
    const fit = fitSendWindow(at, rules.zone, rules.window);
    if (fit.moved) {
      reasons.push(
        `moved from ${describeTime(at, fit.at)} to ${describeTime(fit.at, at)}: ${rules.windowLabel} (${rules.window.start}–${rules.window.end} ${rules.zone})`,
      );
      at = fit.at;
    }
    const tooLate = limitBreach(at, rules);
    if (tooLate) {
      return { ok: false, at, reasons: [...reasons, tooLate] };
    }
    const cap = capViolation(at, rules.purpose, rules.records, rules.caps, rules.zone);
    if (!cap) {
      return { ok: true, at, reasons };
    }
    const capText =
      cap === 'day'
        ? `cap of ${rules.caps.perDay} ${rules.purpose} message a day reached`
        : `cap of ${rules.caps.perWeek} ${rules.purpose} messages in 7 days reached`;
    if (rules.next) {
      return { ok: false, at, reasons: [...reasons, `skipped: ${capText}; "${rules.next.title}" follows`] };
    }
    const nextDay = atLocalTime(at.plus({ days: 1 }), rules.window.start);
    reasons.push(`deferred from ${describeTime(at, nextDay)} to ${describeTime(nextDay, at)}: ${capText}`);
    at = nextDay;
  }
  return { ok: false, at, reasons: [...reasons, `skipped: no allowed day within ${MAX_DEFERRAL_DAYS} days`] };
}

function limitBreach(at: DateTime, rules: MessageRules): string | undefined {
  if (rules.deadline && at > rules.deadline) {
    return `skipped: ${describeTime(at)} is too close to the appointment (must go by ${describeTime(rules.deadline, at)})`;
  }
  if (rules.next && at >= rules.next.at) {
    return `skipped: moving it to ${describeTime(at)} would reach "${rules.next.title}"`;
  }
  return undefined;
}
