/**
 * Replies a bot cannot send itself (it is not answering a webhook) become immediate CommunicationRequests
 * for the dispatch bot: same send-time checks (opt-out, quiet hours, caps) as every other message, and a
 * deterministic identifier so a retried bot run matches the request it already made.
 */

import type { CarePlan, CommunicationRequest, Reference } from '@medplum/fhirtypes';
import { CARELOOP_BASE, CS, EXT, ID_SYSTEM, identifier, mediumFor, type Transition } from '../engine';

/**
 * Marks a CommunicationRequest as a reply to the patient (a thank-you, an acknowledgement) and names what
 * it answers. Replies are exempt from the frequency caps and do not count towards them
 * (docs/compliance.md): the patient wrote first, and a reply held until tomorrow answers nobody.
 */
export const REPLY_TO_EXT = `${CARELOOP_BASE}/StructureDefinition/reply-to`;

/** Whether a request is a reply to the patient (see REPLY_TO_EXT). */
export function isReplyRequest(r: CommunicationRequest): boolean {
  return (
    r.extension?.some(
      (e) =>
        e.url === REPLY_TO_EXT ||
        // Replies queued before the marker existed say so in their schedule reason.
        (e.url === EXT.scheduleReason && e.valueString?.startsWith('reply (') === true),
    ) ?? false
  );
}

/** Where the replies come from and what they belong to. */
export interface ReplyRequestArgs {
  /** The enrolment the replies belong to, if any; its purpose becomes the requests' category. */
  readonly carePlan?: CarePlan;
  /** `Patient/<id>`. */
  readonly patientRef: string;
  /** The current instant, ISO 8601: the replies are due at once. */
  readonly now: string;
  /**
   * A key unique to what is being answered (e.g. `survey:QuestionnaireResponse/123`); reply `i` gets
   * `<key>:reply:<i>`. Never contains `|`.
   */
  readonly key: string;
  /** Purpose when there is no enrolment (caps count per purpose). */
  readonly purpose?: string;
  /** The practice Organization that sends (`Organization/<id>`). */
  readonly sender?: string;
  /** What the replies answer (the QuestionnaireResponse or inbound Communication): the requests' `about`. */
  readonly inResponseTo?: Reference;
}

/**
 * One active CommunicationRequest per engine reply, due now. The enrolment is named by `groupIdentifier`
 * (as its planned messages are) rather than `basedOn`: dispatch revokes a request whose based-on plan has
 * ended or holds it while the plan is paused, and the transition that produces a reply often ends or pauses
 * the plan (a survey completes it, an urgent message puts it on hold) — yet the reply must still go. Not
 * being based on the plan also keeps replies out of the outreach KPIs, like every other acknowledgement.
 */
export function replyRequests(
  transition: Pick<Transition, 'replies'>,
  args: ReplyRequestArgs,
): CommunicationRequest[] {
  if (args.key.includes('|')) {
    throw new Error(`replyRequests: key "${args.key}" contains "|"; it would never match its own identifier`);
  }
  const enrolment = args.carePlan?.identifier?.find((i) => i.system === ID_SYSTEM.enrolment && i.value);
  const planPurpose = args.carePlan?.category?.find((c) => c.coding?.some((x) => x.system === CS.purpose));
  const purpose =
    planPurpose ?? (args.purpose ? { coding: [{ system: CS.purpose, code: args.purpose }] } : undefined);
  const patient = { reference: args.patientRef as `Patient/${string}` };
  return transition.replies.map((reply, i) => ({
    resourceType: 'CommunicationRequest',
    language: reply.language,
    extension: [
      {
        url: REPLY_TO_EXT,
        ...(args.inResponseTo ? { valueReference: args.inResponseTo } : { valueBoolean: true }),
      },
      // Read at send time: an opt-out confirmation and a HELP answer go even though the patient opted out.
      { url: EXT.replyPurpose, valueCode: reply.purpose },
      {
        url: EXT.scheduleReason,
        valueString: `reply (${reply.purpose})${args.inResponseTo?.reference ? ` to ${args.inResponseTo.reference}` : ''}`,
      },
    ],
    identifier: [identifier('request', `${args.key}:reply:${i}`)],
    ...(enrolment ? { groupIdentifier: { system: enrolment.system, value: enrolment.value } } : {}),
    status: 'active',
    ...(purpose ? { category: [purpose] } : {}),
    priority: 'asap',
    medium: [mediumFor(reply.channel)],
    subject: patient,
    recipient: [patient],
    ...(args.sender ? { sender: { reference: args.sender as `Organization/${string}` } } : {}),
    ...(args.inResponseTo ? { about: [args.inResponseTo] } : {}),
    occurrenceDateTime: args.now,
    authoredOn: args.now,
    payload: [{ contentString: reply.text }],
  }));
}
