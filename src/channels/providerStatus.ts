/**
 * Asking Twilio for the current status of one text or call we sent, by its SID. The watchdog uses it for
 * messages whose status callbacks may have been dropped: Twilio can call back ("sent", "delivered", a
 * fast "failed") before dispatch has recorded the message, and such a callback finds nothing to update.
 * Twilio's current status is at least as far along as any callback it already made, so one read after
 * the record exists settles what was missed.
 */

import type { TwilioConfig } from './twilioConfig';
import { getTwilioResource, type FetchImpl } from './twilioRest';

/** What Twilio says now, shaped like the status callback it stands for (so the same logic reads it). */
export type ProviderStatus =
  | { readonly known: true; readonly callback: Readonly<Record<string, string>> }
  | { readonly known: false; readonly reason: string };

const MESSAGE_SID = /^(SM|MM)[0-9a-fA-F]{32}$/;
const CALL_SID = /^CA[0-9a-fA-F]{32}$/;

/**
 * Reads `Messages/{sid}.json` (SMS) or `Calls/{sid}.json` (voice) and returns the status as callback
 * parameters: `MessageSid`, `MessageStatus`, `ErrorCode` for a text; `CallSid`, `CallStatus` for a call.
 * Anything Twilio cannot answer (HTTP error, timeout, odd body, a SID that is not Twilio's) is "not
 * known", never a throw.
 */
export async function fetchDeliveryStatus(
  cfg: TwilioConfig,
  sent: { readonly channel: 'sms' | 'voice'; readonly sid: string },
  fetchImpl?: FetchImpl,
): Promise<ProviderStatus> {
  const sms = sent.channel === 'sms';
  if (!(sms ? MESSAGE_SID : CALL_SID).test(sent.sid)) {
    return {
      known: false,
      reason: `"${sent.sid.slice(0, 40)}" is not a Twilio ${sms ? 'message' : 'call'} SID`,
    };
  }
  const answer = await getTwilioResource(cfg, sms ? 'Messages' : 'Calls', sent.sid, fetchImpl);
  if (answer instanceof Error) return { known: false, reason: answer.message };
  const { status, error_code: errorCode } = (answer ?? {}) as { status?: unknown; error_code?: unknown };
  if (typeof status !== 'string' || status === '') {
    return { known: false, reason: 'Twilio answered without a status' };
  }
  const code = typeof errorCode === 'number' || typeof errorCode === 'string' ? String(errorCode) : '';
  return {
    known: true,
    callback: sms
      ? { MessageSid: sent.sid, MessageStatus: status, ...(code ? { ErrorCode: code } : {}) }
      : { CallSid: sent.sid, CallStatus: status, ...(code ? { ErrorCode: code } : {}) },
  };
}
