/** Sending one SMS through Twilio's Messages API. */

import { isE164 } from './phone';
import { rejected, type SendResult } from './sendResult';
import type { TwilioConfig } from './twilioConfig';
import { postTwilioForm, type FetchImpl } from './twilioRest';

/** One outbound text. */
export interface SmsMessage {
  /** Recipient in E.164; anything else is refused before a request is made. */
  readonly to: string;
  readonly body: string;
  /** Per-message status callback; defaults to the config's `statusCallbackUrl`. */
  readonly statusCallback?: string;
}

/** Twilio refuses longer bodies (error 21617). */
export const MAX_SMS_BODY_CHARS = 1600;

/**
 * Sends an SMS: `POST {apiBaseUrl}/2010-04-01/Accounts/{sid}/Messages.json` with To, From (or
 * MessagingServiceSid), Body and StatusCallback. A bad recipient or body is rejected without a request.
 * Does not retry: a retry after a timeout could text the patient twice, so the caller decides.
 */
export async function sendSms(
  cfg: TwilioConfig,
  message: SmsMessage,
  fetchImpl?: FetchImpl,
): Promise<SendResult> {
  if (!isE164(message.to)) {
    return rejected('recipient is not a valid E.164 phone number; nothing was sent', { invalidNumber: true });
  }
  if (message.body.trim() === '') {
    return rejected('message body is empty; nothing was sent');
  }
  if (message.body.length > MAX_SMS_BODY_CHARS) {
    return rejected(
      `message body is ${message.body.length} characters; Twilio accepts at most ${MAX_SMS_BODY_CHARS}`,
    );
  }
  return postTwilioForm(
    cfg,
    'Messages.json',
    {
      To: message.to,
      ...(cfg.messagingServiceSid ? { MessagingServiceSid: cfg.messagingServiceSid } : { From: cfg.from }),
      Body: message.body,
      StatusCallback: message.statusCallback ?? cfg.statusCallbackUrl,
    },
    fetchImpl,
  );
}
