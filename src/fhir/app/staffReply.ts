/**
 * A staff reply to a patient. It is not sent from the browser: it becomes a CommunicationRequest due now,
 * which the dispatch bot claims and re-checks at send time like any planned message (quiet hours in the
 * patient's zone, opt-out, caps). The same check runs here first so the user is told at once why a reply
 * would be held, deferred or refused.
 */

import type { MedplumClient } from '@medplum/core';
import type {
  Communication,
  CommunicationRequest,
  Consent,
  Patient,
  Practitioner,
  PractitionerRole,
  Reference,
} from '@medplum/fhirtypes';
import {
  CS,
  EXT,
  identifier,
  ifNoneExist,
  mediumFor,
  sendTimeCheck,
  type Channel,
  type OutboundRecord,
  type PracticeSettings,
  type SendDecision,
} from '../../engine';
import { REPLY_TO_EXT } from '../replyRequests';

/** Staff replies count under this purpose (caps and reports), as replies outside a workflow do. */
export const STAFF_REPLY_PURPOSE = 'follow-up';

/** What a staff reply needs. */
export interface StaffReplyInput {
  readonly patient: Patient;
  readonly channel: Channel;
  readonly text: string;
  readonly practice: PracticeSettings;
  readonly now: Date;
  readonly by?: Reference<Practitioner | PractitionerRole>;
  /** A unique key for this reply (idempotency of the create). */
  readonly key: string;
  /** Step id recorded on the request, for the timeline. */
  readonly stepId?: string;
  /**
   * The patient's message this answers (see `messageToAnswer`). A reply is exempt from the frequency
   * caps, as the bots' replies are: the patient wrote first.
   */
  readonly inResponseTo?: Reference<Communication>;
}

/** How long a patient's message counts as waiting for a staff answer. */
export const ANSWER_WINDOW_MS = 72 * 60 * 60_000;

/** The patient's latest message, when it came in the last three days: what a staff reply now answers. */
export function messageToAnswer(
  communications: readonly Communication[],
  now: Date,
): Reference<Communication> | undefined {
  let latest: { at: number; id: string } | undefined;
  for (const c of communications) {
    const at = Date.parse(c.received ?? c.sent ?? '');
    if (!c.id || !c.sender?.reference?.startsWith('Patient/') || Number.isNaN(at)) continue;
    if (!latest || at > latest.at) latest = { at, id: c.id };
  }
  const age = latest ? now.getTime() - latest.at : Number.POSITIVE_INFINITY;
  return latest && age >= 0 && age <= ANSWER_WINDOW_MS
    ? { reference: `Communication/${latest.id}` }
    : undefined;
}

/** Builds the CommunicationRequest for a staff reply, due now. */
export function buildStaffReply(input: StaffReplyInput): CommunicationRequest {
  const patientRef: Reference<Patient> = { reference: `Patient/${input.patient.id ?? ''}` };
  const now = input.now.toISOString();
  return {
    resourceType: 'CommunicationRequest',
    extension: [
      { url: EXT.stepId, valueString: input.stepId ?? 'staff-reply' },
      ...(input.inResponseTo ? [{ url: REPLY_TO_EXT, valueReference: input.inResponseTo }] : []),
    ],
    identifier: [identifier('request', `staff-reply:${input.key}`)],
    status: 'active',
    category: [{ coding: [{ system: CS.purpose, code: STAFF_REPLY_PURPOSE }], text: 'Staff reply' }],
    priority: 'routine',
    medium: [mediumFor(input.channel)],
    subject: patientRef,
    recipient: [patientRef],
    ...(input.practice.organization
      ? { sender: { reference: input.practice.organization as `Organization/${string}` } }
      : {}),
    ...(input.by ? { requester: input.by } : {}),
    occurrenceDateTime: now,
    authoredOn: now,
    payload: [{ contentString: input.text }],
  };
}

/** What would happen to the reply if it were sent now, in the dispatcher's own terms. */
export function checkStaffReply(
  input: StaffReplyInput,
  context: { consents: readonly Consent[]; sent: readonly OutboundRecord[] },
): SendDecision {
  return sendTimeCheck({
    request: buildStaffReply(input),
    patient: input.patient,
    consents: context.consents,
    // As the dispatcher does: a reply to the patient is not held by the caps (it has no send history).
    sent: input.inResponseTo ? [] : context.sent,
    practice: input.practice,
    now: input.now.toISOString(),
  });
}

/** Creates the reply request once (a double click or a retry makes one request). */
export async function queueStaffReply(
  medplum: MedplumClient,
  input: StaffReplyInput,
): Promise<CommunicationRequest> {
  if (!input.text.trim()) {
    throw new Error('Write a message first');
  }
  const request = buildStaffReply(input);
  return medplum.createResourceIfNoneExist(request, ifNoneExist('request', `staff-reply:${input.key}`));
}
