/**
 * The policy check at send time. Planning happened days ago; since then the patient may have opted out,
 * the appointment may have moved or been confirmed, the plan may have been paused. This decides, for one
 * due request, whether it goes now, waits, or is revoked — and says why.
 */

import type { Appointment, CarePlan, CommunicationRequest, Consent, Patient } from '@medplum/fhirtypes';
import { DateTime } from 'luxon';
import { CS, EXT } from '../codes';
import { capViolation, type OutboundRecord } from '../policy/caps';
import { consentFor } from '../policy/consent';
import { contactAddresses } from '../policy/contact';
import type { PracticeSettings } from '../policy/settings';
import { fitSendWindow, sendWindowFor } from '../policy/sendWindow';
import { appointmentStates, patientSuppression, stepSuppression } from '../policy/suppression';
import { resolveTimeZone } from '../policy/timeZone';
import { channelOf } from '../planning/resources';
import { answersDespiteOptOut } from './complianceReplies';
import type { Channel, WorkflowDefinition } from '../workflow/types';

/** What to do with a due request. */
export type SendDecision =
  | { readonly action: 'send'; readonly channel: Channel; readonly to: string; readonly text: string }
  | { readonly action: 'defer'; readonly until: string; readonly reason: string }
  | { readonly action: 'revoke'; readonly reason: string }
  /** The plan is paused (on hold): leave the request as it is. */
  | { readonly action: 'hold'; readonly reason: string };

/** Everything the check reads; the caller loads it in bulk for a page of requests. */
export interface SendCheckInput {
  readonly request: CommunicationRequest;
  readonly carePlan?: CarePlan;
  readonly definition?: WorkflowDefinition;
  readonly patient?: Patient;
  readonly appointment?: Appointment;
  readonly consents: readonly Consent[];
  /** Messages of this patient already sent (and sent earlier in this run), for caps. */
  readonly sent: readonly OutboundRecord[];
  readonly practice: PracticeSettings;
  readonly now: string;
}

/** Decides what to do with one due request. */
export function sendTimeCheck(input: SendCheckInput): SendDecision {
  const { request, carePlan, patient, practice } = input;
  if (!patient) {
    return { action: 'revoke', reason: 'patient record not found' };
  }
  if (
    carePlan &&
    (carePlan.status === 'completed' ||
      carePlan.status === 'revoked' ||
      carePlan.status === 'entered-in-error')
  ) {
    return { action: 'revoke', reason: `plan ended (${carePlan.status})` };
  }
  if (carePlan?.status === 'on-hold') {
    return { action: 'hold', reason: 'plan is paused' };
  }
  const suppressed = patientSuppression(patient);
  if (suppressed) {
    return { action: 'revoke', reason: suppressed };
  }
  const channel = channelOf(request);
  const text = request.payload?.[0]?.contentString;
  if (!channel || !text) {
    return { action: 'revoke', reason: 'request has no channel or no text' };
  }
  const purpose =
    request.category?.flatMap((c) => c.coding ?? []).find((c) => c.system === CS.purpose)?.code ?? 'unknown';
  const stepId = request.extension?.find((e) => e.url === EXT.stepId)?.valueString;
  const step = input.definition?.steps.find((s) => s.id === stepId);

  if (input.appointment) {
    const stopped = stepSuppression(
      step?.stopWhen ?? [],
      appointmentStates(input.appointment, `Patient/${patient.id ?? ''}`),
    );
    if (stopped) {
      return { action: 'revoke', reason: stopped };
    }
    const start = input.appointment.start ? Date.parse(input.appointment.start) : undefined;
    const nominal = request.extension?.find((e) => e.url === EXT.nominalTime)?.valueDateTime;
    if (start !== undefined && nominal && Date.parse(nominal) < start && Date.parse(input.now) >= start) {
      return { action: 'revoke', reason: 'the appointment has already started' };
    }
  }

  const basis = input.definition?.consentBasis ?? 'healthcare-exemption';
  const consent = consentFor(input.consents, channel, purpose, basis);
  if (!consent.allowed && !answersDespiteOptOut(request, consent.consent)) {
    return { action: 'revoke', reason: consent.reason ?? `${channel} not allowed` };
  }
  const address = contactAddresses(patient, input.now)
    .filter((a) => a.channel === channel)
    .sort((a, b) => a.rank - b.rank)[0];
  if (!address) {
    return { action: 'revoke', reason: `the patient no longer has an address for ${channel}` };
  }

  const zone = resolveTimeZone(patient, practice.timeZone).zone;
  const now = DateTime.fromISO(input.now).setZone(zone);
  const { window, label } = sendWindowFor(patient, practice);
  const fit = fitSendWindow(now, zone, window);
  if (fit.moved) {
    return {
      action: 'defer',
      until: fit.at.toUTC().toISO() ?? input.now,
      reason: `${label}: waits for ${window.start} ${zone}`,
    };
  }
  const cap = capViolation(now, purpose, input.sent, practice.caps, zone);
  if (cap) {
    const next = fitSendWindow(now.plus({ days: 1 }).startOf('day'), zone, window).at;
    return {
      action: 'defer',
      until: next.toUTC().toISO() ?? input.now,
      reason: `cap of ${cap === 'day' ? `${practice.caps.perDay} a day` : `${practice.caps.perWeek} in 7 days`} for ${purpose} messages reached at send time`,
    };
  }
  return { action: 'send', channel, to: address.address, text };
}
