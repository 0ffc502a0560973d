/**
 * The answers the carrier rules require even to a patient who opted out (CTIA; FCC 24-24 allows one
 * confirmation text): the confirmation of that opt-out and the answer to HELP. When the webhook answers
 * at once they go out in its TwiML; when a bot finishes the message later they are queued, and by the
 * time dispatch sends them the opt-out they confirm is on record. This tells the send-time check which
 * queued replies those are.
 */

import type { CommunicationRequest, Consent } from '@medplum/fhirtypes';
import { EXT } from '../codes';

const LEGACY_REASON = /^reply \(([a-z-]+)\)(?: to (\S+))?$/;

/** Why a queued reply is sent (its reply-purpose, or what its schedule reason says), if it is a reply. */
export function replyPurposeOf(request: CommunicationRequest): string | undefined {
  const code = request.extension?.find((e) => e.url === EXT.replyPurpose)?.valueCode;
  if (code) return code;
  // Replies queued before the reply-purpose extension say it in words: "reply (help) to Communication/1".
  for (const e of request.extension ?? []) {
    const m = e.url === EXT.scheduleReason ? LEGACY_REASON.exec(e.valueString ?? '') : null;
    if (m) return m[1];
  }
  return undefined;
}

/** The inbound message a queued reply answers (`Communication/<id>`), if it says. */
function answers(request: CommunicationRequest): string | undefined {
  const about = request.about?.find((a) => a.reference?.startsWith('Communication/'))?.reference;
  if (about) return about;
  for (const e of request.extension ?? []) {
    const m = e.url === EXT.scheduleReason ? LEGACY_REASON.exec(e.valueString ?? '') : null;
    if (m?.[2]) return m[2];
  }
  return undefined;
}

/**
 * Whether `request` may go although `deny` (the patient's opt-out on record) forbids messages on its
 * channel: a HELP answer always; an opt-out confirmation only when it answers the very message that
 * caused that opt-out, so it is the one confirmation of it and never a way around an older opt-out.
 */
export function answersDespiteOptOut(request: CommunicationRequest, deny: Consent | undefined): boolean {
  const purpose = replyPurposeOf(request);
  if (purpose === 'help') return true;
  if (purpose !== 'opt-out-confirmation' || !deny) return false;
  const source = deny.extension?.find((e) => e.url === EXT.consentSource)?.valueReference?.reference;
  const answered = answers(request);
  return source !== undefined && answered !== undefined && source === answered;
}
