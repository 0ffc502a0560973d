/** The project secrets every sandbox bot gets, in Medplum's shape (`event.secrets`). */

import type { BotSecrets } from '../../bots/runtime';

/** What the secrets are made from. */
export interface SandboxSecretValues {
  readonly organization: string;
  readonly baseUrl: string;
  readonly twilio: { readonly accountSid: string; readonly authToken: string; readonly from: string };
  /** The public webhook URL of the inbound-message bot (SMS replies and keypad answers). */
  readonly inboundWebhookUrl: string;
  /** The public webhook URL of the delivery-status bot. */
  readonly statusWebhookUrl: string;
}

/**
 * The secrets the bots read (grep `Secret(` in src/bots and src/channels): the practice, the Twilio
 * account pointed at the sandbox's stand-in (dispatch sends through it and reads its message log; the
 * watchdog reads statuses no callback reached from it, and skips that without the account), and each
 * webhook bot's own public URL, which its signature check covers. EHR_* are not set: EHR sync does not run in the sandbox (one store for EHR and Medplum).
 */
export function sandboxSecrets(values: SandboxSecretValues): BotSecrets {
  const entries: Record<string, string> = {
    CARELOOP_ORGANIZATION: values.organization,
    TWILIO_ACCOUNT_SID: values.twilio.accountSid,
    TWILIO_AUTH_TOKEN: values.twilio.authToken,
    TWILIO_FROM_NUMBER: values.twilio.from,
    TWILIO_API_BASE_URL: `${values.baseUrl}/twilio`,
    // As a registered 10DLC campaign would allow: a long code's default of one segment a second makes
    // the start-up backlog of ~100 reminders take minutes to reach the phone page.
    TWILIO_SENDER_RATE: '25',
    // Status callbacks of texts and calls alike go to the delivery-status bot.
    TWILIO_STATUS_CALLBACK_URL: values.statusWebhookUrl,
    STATUS_WEBHOOK_URL: values.statusWebhookUrl,
    INBOUND_WEBHOOK_URL: values.inboundWebhookUrl,
    // Keypad answers (the calls' Gather action) are replies: the inbound bot reads `Digits`.
    TWILIO_VOICE_CALLBACK_URL: values.inboundWebhookUrl,
  };
  return Object.fromEntries(
    Object.entries(entries).map(([name, valueString]) => [name, { name, valueString }]),
  );
}
