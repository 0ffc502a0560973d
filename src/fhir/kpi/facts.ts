/**
 * What the KPIs read off single resources: which Communications are outbound workflow messages or patient
 * replies, whether a message failed, which enrolment a message belongs to, how an enrolment ended.
 * Pure readers; the rules behind them are the Measure definitions (docs/kpis.md).
 */

import type { CarePlan, Communication, CommunicationRequest, Consent, Reference } from '@medplum/fhirtypes';
import { CS, EXT } from '../../engine/codes';
import { channelOf } from '../../engine/planning/resources';
import { isCommunicationConsent } from '../../engine/policy/consent';
import type { Channel } from '../../engine/workflow/types';

/** `Type/id` of a reference, whatever base URL or `_history` suffix it carries. */
export function refKey(reference: string | undefined): string | undefined {
  const match = /([A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[^/]+)?$/.exec(reference ?? '');
  return match ? `${match[1]}/${match[2]}` : undefined;
}

/** `Type/id` of a stored resource. */
export function keyOf(resource: { resourceType: string; id?: string }): string | undefined {
  return resource.id ? `${resource.resourceType}/${resource.id}` : undefined;
}

function refsOfType(refs: readonly Reference[] | undefined, type: string): string[] {
  return (refs ?? []).flatMap((r) => {
    const key = refKey(r.reference);
    return key?.startsWith(`${type}/`) ? [key] : [];
  });
}

/** A reply from the patient: the inbound bot writes the Patient as `sender`. */
export function isInbound(c: Communication): boolean {
  return refKey(c.sender?.reference)?.startsWith('Patient/') ?? false;
}

// Neither was ever in front of the patient: a record made by mistake, or a send cancelled at the provider.
const IGNORED_STATUS = new Set(['entered-in-error', 'stopped']);

/**
 * A workflow message: outbound and based on a CommunicationRequest (a planned step). Acknowledgements and
 * staff replies are conversation, not outreach, and stay out of every KPI.
 */
export function isOutboundMessage(c: Communication): boolean {
  return (
    !isInbound(c) &&
    !IGNORED_STATUS.has(c.status) &&
    refsOfType(c.basedOn, 'CommunicationRequest').length > 0 &&
    typeof c.sent === 'string'
  );
}

const FAILED_DELIVERY = new Set(['failed', 'undelivered']);

/** The message did not reach the patient: not-done, or the provider's last word was failed/undelivered. */
export function hasFailed(c: Communication): boolean {
  // The status-callback bot keeps the two in step; either one is enough, so a lag in the other is harmless.
  const delivery = c.extension?.find((e) => e.url === EXT.deliveryStatus)?.valueCode;
  return c.status === 'not-done' || FAILED_DELIVERY.has(delivery ?? '');
}

/** The CommunicationRequests a Communication was sent for. */
export function requestsOf(c: Communication): string[] {
  return refsOfType(c.basedOn, 'CommunicationRequest');
}

/** The CarePlan a Communication names directly (the dispatcher copies the request's `basedOn`). */
export function carePlanRefOf(resource: { basedOn?: Reference[] }): string | undefined {
  return refsOfType(resource.basedOn, 'CarePlan')[0];
}

/** The channel a message went on: its own medium, else its request's. */
export function messageChannel(c: Communication, request?: CommunicationRequest): Channel | undefined {
  return channelOf(c) ?? (request ? channelOf(request) : undefined);
}

/** The outbound message a reply answers. */
export function answers(reply: Communication): string | undefined {
  return refsOfType(reply.inResponseTo, 'Communication')[0];
}

/** When a reply arrived (`received`, else `sent`). */
export function replyTime(reply: Communication): string | undefined {
  return reply.received ?? reply.sent;
}

/** The patient a message was for. */
export function messagePatient(c: Communication, plan: CarePlan): string | undefined {
  return (
    refsOfType(c.subject ? [c.subject] : [], 'Patient')[0] ??
    refsOfType(c.recipient, 'Patient')[0] ??
    refsOfType(plan.subject ? [plan.subject] : [], 'Patient')[0]
  );
}

/** The workflow an enrolment runs: its `instantiatesCanonical` (url|version). */
export function workflowOf(plan: CarePlan): string | undefined {
  return plan.instantiatesCanonical?.[0];
}

/** The enrolment's workflow purpose (CarePlan.category in CS.purpose). */
export function purposeOf(plan: CarePlan): string {
  return (
    plan.category?.flatMap((c) => c.coding ?? []).find((c) => c.system === CS.purpose)?.code ?? 'unknown'
  );
}

/** The enrolment's outcome code, if one was recorded. */
export function outcomeOf(plan: CarePlan): string | undefined {
  const coding = plan.extension?.find((e) => e.url === EXT.outcome)?.valueCoding;
  return coding?.system === CS.outcome ? coding.code : undefined;
}

/** When the enrolment ended, if it did: completed or revoked, at `period.end`. */
export function endedAt(plan: CarePlan): string | undefined {
  return plan.status === 'completed' || plan.status === 'revoked' ? plan.period?.end : undefined;
}

/** An opt-out: a deny communication Consent in force or superseded (a later opt-in does not undo it). */
export function isOptOut(c: Consent): boolean {
  return (
    isCommunicationConsent(c) &&
    c.provision?.type === 'deny' &&
    (c.status === 'active' || c.status === 'inactive')
  );
}

/** The channels a Consent names; empty means every channel. */
export function consentChannels(c: Consent): string[] {
  return (c.provision?.code ?? []).flatMap((cc) =>
    (cc.coding ?? []).filter((x) => x.system === CS.channel).map((x) => x.code ?? ''),
  );
}

/** The Communication that caused a Consent (the consent-source extension), if any. */
export function consentSource(c: Consent): string | undefined {
  const ref = c.extension?.find((e) => e.url === EXT.consentSource)?.valueReference?.reference;
  const key = refKey(ref);
  return key?.startsWith('Communication/') ? key : undefined;
}
