/** Placing one automated call through Twilio's Calls API. */

import { isE164 } from './phone';
import { rejected, type SendResult } from './sendResult';
import type { TwilioConfig } from './twilioConfig';
import { postTwilioForm, type FetchImpl } from './twilioRest';

/** One outbound call whose script is inline TwiML (see `voiceReminderTwiml`). */
export interface VoiceCall {
  /** Recipient in E.164; anything else is refused before a request is made. */
  readonly to: string;
  readonly twiml: string;
  /**
   * Call status callback; defaults to the config's `statusCallbackUrl` (the delivery-status bot, which maps
   * call statuses). Never the Gather action URL: the inbound bot would read a call's end as a reply.
   */
  readonly statusCallback?: string;
}

/** Twilio's limit on the `Twiml` parameter. */
export const MAX_TWIML_CHARS = 4000;

/**
 * Places a call: `POST …/Calls.json` with To, From, Twiml and, when a status callback URL is known,
 * StatusCallback for the `completed` event (which carries busy / no-answer / failed outcomes). Key presses
 * go elsewhere: to the `<Gather action>` inside the TwiML (the inbound bot).
 */
export async function placeCall(
  cfg: TwilioConfig,
  call: VoiceCall,
  fetchImpl?: FetchImpl,
): Promise<SendResult> {
  if (!isE164(call.to)) {
    return rejected('recipient is not a valid E.164 phone number; no call was placed', {
      invalidNumber: true,
    });
  }
  if (call.twiml.trim() === '' || call.twiml.length > MAX_TWIML_CHARS) {
    return rejected(`call script must be 1 to ${MAX_TWIML_CHARS} characters of TwiML; no call was placed`);
  }
  const statusCallback = call.statusCallback ?? cfg.statusCallbackUrl;
  return postTwilioForm(
    cfg,
    'Calls.json',
    {
      To: call.to,
      From: cfg.from,
      Twiml: call.twiml,
      StatusCallback: statusCallback,
      StatusCallbackEvent: statusCallback ? 'completed' : undefined,
    },
    fetchImpl,
  );
}
