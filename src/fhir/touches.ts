/**
 * Counting "touches": the planned messages of an enrolment that went out since the patient last answered
 * anything. The watchdog hands the count to the engine's `no-response` event, which decides (with the
 * workflow's `no-response-escalation` rule) whether a person should call.
 */

import type { CarePlan, Communication, QuestionnaireResponse } from '@medplum/fhirtypes';

// Delivered, or sent with no delivery report yet: email and many carriers never report "delivered".
const WENT_OUT = new Set(['completed', 'in-progress']);

/** True for a message from the patient (the inbound bot records the Patient as `sender`). */
export function isFromPatient(c: Communication): boolean {
  return c.sender?.reference?.startsWith('Patient/') ?? false;
}

/** True for a planned message of this enrolment that went out: outbound, from a request, based on the plan. */
export function isTouchOf(c: Communication, planRef: string): boolean {
  return (
    !isFromPatient(c) &&
    WENT_OUT.has(c.status) &&
    c.sent !== undefined &&
    (c.basedOn ?? []).some((r) => r.reference === planRef) &&
    // Replies and acknowledgements are not based on a planned request of the plan: they are not outreach.
    (c.basedOn ?? []).some((r) => r.reference?.startsWith('CommunicationRequest/'))
  );
}

/**
 * The enrolment's touches after the patient's last answer — any message from the patient (whatever plan it
 * was filed under) or any completed questionnaire. A touch counts once the patient has had `answerWindowMs`
 * to answer it, so a call task never races a reply to a message sent a minute ago.
 */
export function unansweredTouches(args: {
  readonly carePlan: CarePlan;
  /** The plan's Communications (outbound and inbound), plus any other messages from its patient. */
  readonly communications: readonly Communication[];
  /** The patient's completed QuestionnaireResponses, if the workflow asks questionnaires. */
  readonly responses?: readonly QuestionnaireResponse[];
  readonly now: Date;
  readonly answerWindowMs: number;
}): number {
  const planRef = `CarePlan/${args.carePlan.id ?? ''}`;
  const patientRef = args.carePlan.subject?.reference;
  const answers = [
    ...args.communications
      .filter((c) => isFromPatient(c) && c.sender?.reference === patientRef)
      .map((c) => c.received ?? c.sent ?? c.meta?.lastUpdated),
    ...(args.responses ?? [])
      .filter((r) => r.subject?.reference === patientRef && r.status === 'completed')
      .map((r) => r.authored ?? r.meta?.lastUpdated),
  ]
    .map((t) => Date.parse(t ?? ''))
    .filter((t) => !Number.isNaN(t));
  const lastAnswer = answers.length ? Math.max(...answers) : Number.NEGATIVE_INFINITY;
  const answerable = args.now.getTime() - args.answerWindowMs;
  const seen = new Set<string>();
  return args.communications.filter((c) => {
    const sent = Date.parse(c.sent ?? '');
    // The same Communication can come back from two searches (by plan and by sender).
    if (!isTouchOf(c, planRef) || seen.has(c.id ?? '') || sent <= lastAnswer || sent > answerable) {
      return false;
    }
    seen.add(c.id ?? '');
    return true;
  }).length;
}
