/** The outcome of one send attempt on any channel. */

/**
 * What a sender reports. Provider failures are results, never exceptions, so a bot can record them on the
 * Communication and decide: `retryable` says whether the same request may succeed later, `retryAfterMs`
 * how long the provider asked us to wait, and the flags say when a number or address must not be used
 * again. `maybeSent` marks failures (timeouts, 5xx) where the provider may have accepted the message
 * anyway: retrying can duplicate it.
 */
export type SendResult =
  | { ok: true; providerId: string; status: string }
  | {
      ok: false;
      retryable: boolean;
      reason: string;
      code?: number;
      httpStatus?: number;
      retryAfterMs?: number;
      optedOut?: boolean;
      landline?: boolean;
      invalidNumber?: boolean;
      invalidAddress?: boolean;
      maybeSent?: boolean;
    };

/** A failed SendResult. */
export type SendFailure = Extract<SendResult, { ok: false }>;

/** A failure found before any request was made: never retryable, nothing was sent. */
export function rejected(reason: string, flags: Partial<SendFailure> = {}): SendFailure {
  return { ok: false, retryable: false, reason, ...flags };
}
