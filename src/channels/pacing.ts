/**
 * Per-sender pacing. Carriers cap how fast one number may send (US long code ~1 segment/s, toll-free ~3/s,
 * short code ~100/s; a 10DLC campaign has its own per-carrier limit), and Twilio answers bursts with
 * HTTP 429 / error 20429 or queues them until they expire (30001). Spacing sends per sender keeps every
 * message inside its number's throughput. Pure: the caller passes the time and does the waiting.
 */

/** Kinds of sender with different carrier throughput. */
export type SenderKind = 'long-code' | 'toll-free' | 'short-code';

/** Default throughput in segments per second for each kind of sender. */
export const DEFAULT_SENDER_RATES: Readonly<Record<SenderKind, number>> = {
  'long-code': 1,
  'toll-free': 3,
  'short-code': 100,
};

// NANP toll-free area codes.
const TOLL_FREE = /^\+1(800|833|844|855|866|877|888)\d{7}$/;

/** Guesses a sender's kind from its shape: 5–6 digits is a short code, +1 8xx toll-free, else a long code. */
export function senderKind(sender: string): SenderKind {
  if (/^\d{5,6}$/.test(sender)) return 'short-code';
  if (TOLL_FREE.test(sender)) return 'toll-free';
  return 'long-code';
}

/** Pacing options: per-kind defaults and exact rates for particular senders (a 10DLC campaign's limit). */
export interface SenderPacerOptions {
  readonly defaults?: Partial<Record<SenderKind, number>>;
  /** Sender (number, short code or messaging service SID) → segments per second. */
  readonly rates?: Readonly<Record<string, number>>;
}

function checkRate(rate: number, what: string): number {
  if (!Number.isFinite(rate) || rate <= 0)
    throw new RangeError(`${what} must be a positive number of segments/s`);
  return rate;
}

/**
 * Tracks, per sender, when it is next free. `reserve` books the next slot for a message of `segments`
 * segments and says how long to wait before sending it; bookings are first come, first served.
 */
export class SenderPacer {
  private readonly nextFreeMs = new Map<string, number>();
  private readonly defaults: Record<SenderKind, number>;
  private readonly rates: ReadonlyMap<string, number>;

  constructor(options: SenderPacerOptions = {}) {
    this.defaults = { ...DEFAULT_SENDER_RATES, ...options.defaults };
    for (const [kind, rate] of Object.entries(this.defaults)) checkRate(rate, `default rate for ${kind}`);
    this.rates = new Map(
      Object.entries(options.rates ?? {}).map(([sender, rate]) => [
        sender,
        checkRate(rate, `rate for ${sender}`),
      ]),
    );
  }

  /** Segments per second allowed for a sender. */
  rateFor(sender: string): number {
    return this.rates.get(sender) ?? this.defaults[senderKind(sender)];
  }

  /** Books a slot and returns the ms to wait before sending (0 when the sender is idle). */
  reserve(sender: string, segments: number, nowMs: number): number {
    if (!Number.isInteger(segments) || segments < 1)
      throw new RangeError('segments must be a positive integer');
    if (!Number.isFinite(nowMs)) throw new RangeError('nowMs must be a finite time in ms');
    const start = Math.max(nowMs, this.nextFreeMs.get(sender) ?? nowMs);
    this.nextFreeMs.set(sender, start + (segments * 1000) / this.rateFor(sender));
    return start - nowMs;
  }
}
