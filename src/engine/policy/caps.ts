/** Frequency caps per patient and purpose (TCPA exemption: one message a day, three a week). */

import { DateTime } from 'luxon';

/** An outbound message already sent or scheduled, as far as caps are concerned. */
export interface OutboundRecord {
  /** ISO instant it was sent or is scheduled. */
  readonly at: string;
  /** Workflow purpose it served (`reminder`, `billing`, ...). */
  readonly purpose: string;
  readonly channel?: string;
}

/** Why an instant breaks a cap, or undefined when it does not. */
export function capViolation(
  at: DateTime,
  purpose: string,
  records: readonly OutboundRecord[],
  caps: { perDay: number; perWeek: number },
  zone: string,
): 'day' | 'week' | undefined {
  const local = at.setZone(zone);
  const same = records.filter((r) => r.purpose === purpose).map((r) => DateTime.fromISO(r.at, { zone }));
  const day = local.toISODate();
  if (same.filter((d) => d.toISODate() === day).length >= caps.perDay) {
    return 'day';
  }
  // Rolling 7 days: the busiest 7-day window [s, s + 7d) containing `at` must still have room for one
  // more. As s slides right, the count only rises when a later message enters, so the busiest windows
  // start at the earliest s or just where a later message enters.
  const week = 7 * 24 * 3_600_000;
  const t = local.toMillis();
  const times = same.map((d) => d.toMillis()).filter((m) => Math.abs(m - t) < week);
  const starts = [t - week + 1, ...times.filter((m) => m > t).map((m) => m - week + 1)];
  for (const s of starts) {
    const count = times.filter((m) => m >= s && m < s + week).length;
    if (count >= caps.perWeek) {
      return 'week';
    }
  }
  return undefined;
}
