/** How Twilio's REST failures map onto SendResult. */

import { botClock } from '../bots/runtime';
import { redactNumbers } from './phone';
import type { SendFailure } from './sendResult';

/** Twilio error codes the bots act on (https://www.twilio.com/docs/api/errors). */
export const TWILIO_ERROR = {
  /** Too many concurrent requests for the account. */
  tooManyRequests: 20429,
  /** The 'To' number is not a valid phone number. */
  invalidTo: 21211,
  /** Voice: the phone number does not appear to be valid. */
  invalidPhoneNumber: 21217,
  /** The recipient replied STOP: sending to them fails until they reply START. */
  optedOut: 21610,
  /** The 'To' number is not a mobile number (cannot receive SMS). */
  notMobile: 21614,
} as const;

interface TwilioErrorBody {
  code?: number;
  message?: string;
}

function errorBody(text: string): TwilioErrorBody {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null) return {};
    const { code, message } = parsed as Record<string, unknown>;
    return {
      ...(typeof code === 'number' && { code }),
      ...(typeof message === 'string' && { message }),
    };
  } catch {
    return {};
  }
}

/** Retry-After as milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3); undefined when absent or unreadable. */
export function parseRetryAfter(
  header: string | null,
  nowMs: number = botClock().now().getTime(),
): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const value = header.trim();
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** Classifies a non-2xx answer from the Twilio REST API. */
export function classifyHttpFailure(
  httpStatus: number,
  bodyText: string,
  retryAfter: string | null,
): SendFailure {
  const { code, message } = errorBody(bodyText);
  const detail = message ? `: ${redactNumbers(message).slice(0, 300)}` : '';
  const base = {
    httpStatus,
    ...(code !== undefined && { code }),
  };
  const label = `Twilio ${code ?? `HTTP ${httpStatus}`}${detail}`;

  if (httpStatus === 429 || code === TWILIO_ERROR.tooManyRequests) {
    const retryAfterMs = parseRetryAfter(retryAfter);
    return {
      ok: false,
      retryable: true,
      reason: `${label} (rate limited; pace this sender)`,
      ...base,
      ...(retryAfterMs !== undefined && { retryAfterMs }),
    };
  }
  if (code === TWILIO_ERROR.optedOut) {
    return { ok: false, retryable: false, optedOut: true, reason: `${label} (recipient opted out)`, ...base };
  }
  if (code === TWILIO_ERROR.notMobile) {
    return { ok: false, retryable: false, landline: true, reason: `${label} (not a mobile number)`, ...base };
  }
  if (code === TWILIO_ERROR.invalidTo || code === TWILIO_ERROR.invalidPhoneNumber) {
    return { ok: false, retryable: false, invalidNumber: true, reason: `${label} (invalid number)`, ...base };
  }
  if (httpStatus >= 500) {
    // A 5xx can come after Twilio queued the message (gateway timeouts): the caller must know a retry
    // might duplicate it.
    return { ok: false, retryable: true, maybeSent: true, reason: `${label} (provider error)`, ...base };
  }
  return { ok: false, retryable: false, reason: label, ...base };
}

// Failures where the connection was never made: Twilio cannot have seen the request.
const NEVER_CONNECTED = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);

function errorName(error: unknown): string {
  return typeof error === 'object' && error !== null && 'name' in error ? String(error.name) : '';
}

/** Classifies a fetch that never produced a response: timeouts, aborted or refused connections. */
export function classifyNetworkFailure(error: unknown, timeoutMs: number): SendFailure {
  const name = errorName(error);
  if (name === 'TimeoutError' || name === 'AbortError') {
    // The request left; Twilio may have accepted it before we stopped waiting.
    return {
      ok: false,
      retryable: true,
      maybeSent: true,
      reason: `Twilio did not answer within ${timeoutMs} ms`,
    };
  }
  const cause = error instanceof Error ? error.cause : undefined;
  const causeCode =
    typeof cause === 'object' && cause !== null && 'code' in cause ? String(cause.code) : undefined;
  const message = error instanceof Error ? error.message : String(error);
  return {
    ok: false,
    retryable: true,
    reason: `network error calling Twilio (${message}${causeCode ? `, ${causeCode}` : ''})`,
    ...(causeCode === undefined || !NEVER_CONNECTED.has(causeCode) ? { maybeSent: true } : {}),
  };
}
