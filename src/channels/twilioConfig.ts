/** Twilio account settings and how a bot reads them from its secrets. */

import { BotConfigError, optionalSecret, requireSecret, type BotSecrets } from '../bots/runtime';
import { isE164 } from './phone';

/** Everything the Twilio REST calls need; built by `twilioConfigFromSecrets` or by hand in tests. */
export interface TwilioConfig {
  /** Account SID, `AC` + 32 hex digits. */
  readonly accountSid: string;
  /** Auth token: signs REST calls (HTTP Basic) and verifies webhook signatures. */
  readonly authToken: string;
  /** REST base URL without a trailing slash; the sandbox points this at its Twilio stand-in. */
  readonly apiBaseUrl: string;
  /** E.164 sender number for SMS (unless a messaging service is set) and the caller ID for voice. */
  readonly from: string;
  /** When set, SMS go through this messaging service (`MG…`) instead of `From`. */
  readonly messagingServiceSid?: string;
  /** Delivery-status callback for SMS and calls alike (the delivery-status bot's webhook URL). */
  readonly statusCallbackUrl?: string;
  /**
   * The `<Gather action>` of reminder calls: where key presses go (the inbound bot's webhook URL). Call
   * status callbacks do not go here but to `statusCallbackUrl`.
   */
  readonly voiceCallbackUrl?: string;
  /** Per-request timeout in ms; defaults to 10 000 (a bot run is time-bounded). */
  readonly timeoutMs?: number;
  /**
   * Segments per second the sender may send (a 10DLC campaign's or a toll-free number's agreed limit);
   * without it the pacer uses the sender kind's default (a long code: 1 a second).
   */
  readonly senderRate?: number;
}

/** The public Twilio REST endpoint. */
export const TWILIO_API_BASE_URL = 'https://api.twilio.com';

const ACCOUNT_SID = /^AC[0-9a-fA-F]{32}$/;
const MESSAGING_SERVICE_SID = /^MG[0-9a-fA-F]{32}$/;
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * True for an https URL, or plain http to this machine (the sandbox). Credentials, query and fragment are
 * refused for a base URL because the request paths are appended to it.
 */
export function isAllowedTwilioUrl(value: string, opts: { base: boolean }): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.username || url.password) return false;
  if (opts.base && (url.search || url.hash)) return false;
  if (url.protocol === 'https:') return true;
  return url.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname);
}

function checkedUrl(secrets: BotSecrets | undefined, name: string, base: boolean): string | undefined {
  const value = optionalSecret(secrets, name)?.trim();
  if (value === undefined) return undefined;
  if (!isAllowedTwilioUrl(value, { base })) {
    throw new BotConfigError(
      `bot secret ${name} must be an https URL (http is allowed only for localhost or 127.0.0.1)` +
        (base ? ' without query or fragment' : ''),
    );
  }
  return base ? value.replace(/\/+$/, '') : value;
}

/**
 * Reads and checks the Twilio secrets: TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN, TWILIO_FROM_NUMBER, and the
 * optional TWILIO_API_BASE_URL, TWILIO_MESSAGING_SERVICE_SID, TWILIO_STATUS_CALLBACK_URL,
 * TWILIO_VOICE_CALLBACK_URL, TWILIO_SENDER_RATE. Throws BotConfigError naming the secret; the token's value is never echoed.
 */
export function twilioConfigFromSecrets(secrets: BotSecrets | undefined): TwilioConfig {
  const accountSid = requireSecret(secrets, 'TWILIO_ACCOUNT_SID').trim();
  if (!ACCOUNT_SID.test(accountSid)) {
    throw new BotConfigError('bot secret TWILIO_ACCOUNT_SID must be "AC" followed by 32 hex digits');
  }
  const authToken = requireSecret(secrets, 'TWILIO_AUTH_TOKEN').trim();
  const from = requireSecret(secrets, 'TWILIO_FROM_NUMBER').trim();
  if (!isE164(from)) {
    throw new BotConfigError(
      'bot secret TWILIO_FROM_NUMBER must be a valid E.164 number such as +13125550100',
    );
  }
  const messagingServiceSid = optionalSecret(secrets, 'TWILIO_MESSAGING_SERVICE_SID')?.trim();
  if (messagingServiceSid !== undefined && !MESSAGING_SERVICE_SID.test(messagingServiceSid)) {
    throw new BotConfigError(
      'bot secret TWILIO_MESSAGING_SERVICE_SID must be "MG" followed by 32 hex digits',
    );
  }
  const config: TwilioConfig = {
    accountSid,
    authToken,
    apiBaseUrl: checkedUrl(secrets, 'TWILIO_API_BASE_URL', true) ?? TWILIO_API_BASE_URL,
    from,
  };
  const rateText = optionalSecret(secrets, 'TWILIO_SENDER_RATE')?.trim();
  const senderRate = rateText === undefined ? undefined : Number(rateText);
  if (senderRate !== undefined && !(Number.isFinite(senderRate) && senderRate > 0 && senderRate <= 1000)) {
    throw new BotConfigError(
      'bot secret TWILIO_SENDER_RATE must be a number of segments per second (0–1000)',
    );
  }
  const statusCallbackUrl = checkedUrl(secrets, 'TWILIO_STATUS_CALLBACK_URL', false);
  const voiceCallbackUrl = checkedUrl(secrets, 'TWILIO_VOICE_CALLBACK_URL', false);
  return {
    ...config,
    ...(messagingServiceSid !== undefined && { messagingServiceSid }),
    ...(statusCallbackUrl !== undefined && { statusCallbackUrl }),
    ...(voiceCallbackUrl !== undefined && { voiceCallbackUrl }),
    ...(senderRate !== undefined && { senderRate }),
  };
}
