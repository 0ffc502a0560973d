/**
 * The reporting day: a calendar day in the practice's time zone. Messages go out inside quiet hours in
 * the patient's zone, so a local midnight almost never falls between a message and its reply, where
 * UTC midnight (evening in the Americas) would split a day's work across two reports.
 */

import { DateTime, IANAZone } from 'luxon';

/** A local day as instants: `start` 00:00 and `end` the last millisecond (with the zone's offset), `next` the following 00:00 in UTC. */
export interface DayWindow {
  readonly day: string;
  readonly start: string;
  readonly end: string;
  readonly next: string;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function checkZone(zone: string): void {
  if (!IANAZone.isValidZone(zone)) {
    throw new Error(`"${zone}" is not a known IANA time zone`);
  }
}

function zoned(instant: string, zone: string): DateTime {
  checkZone(zone);
  const dt = DateTime.fromISO(instant, { setZone: true });
  if (!dt.isValid) {
    throw new Error(`"${instant}" is not an ISO 8601 date-time`);
  }
  return dt.setZone(zone);
}

/** The local calendar day (YYYY-MM-DD) of an instant in `zone`. */
export function dayOf(instant: string, zone: string): string {
  return zoned(instant, zone).toISODate() ?? '';
}

/** The instants bounding a local day; throws on a malformed day or an unknown zone. */
export function dayWindow(day: string, zone: string): DayWindow {
  checkZone(zone);
  const start = DAY.test(day) ? DateTime.fromISO(day, { zone }) : undefined;
  if (!start?.isValid || start.toISODate() !== day) {
    throw new Error(`"${day}" is not a calendar day (YYYY-MM-DD) in ${zone}`);
  }
  // Calendar arithmetic, not 24 h: a DST day is 23 or 25 hours long.
  const next = start.plus({ days: 1 });
  return {
    day,
    start: start.toISO() ?? '',
    end: next.minus({ milliseconds: 1 }).toISO() ?? '',
    next: next.toUTC().toISO() ?? '',
  };
}

/** The local day before the one `now` falls on. */
export function previousDay(now: Date, zone: string): string {
  return zoned(now.toISOString(), zone).minus({ days: 1 }).toISODate() ?? '';
}
