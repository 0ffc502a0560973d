/** Times as a person in the patient's zone reads them. */
import { DateTime } from 'luxon';

/** "Tue 3 Dec, 08:00 EST" for an ISO instant in `zone`; the input as given when it cannot be read. */
export function formatInZone(iso: string | undefined, zone: string): string {
  if (!iso) {
    return 'no time set';
  }
  const t = DateTime.fromISO(iso, { setZone: true });
  if (!t.isValid) {
    return iso;
  }
  return t.setZone(zone).toFormat('ccc d LLL yyyy, HH:mm ZZZZ');
}

/** A date of birth's age in whole years at `now`, or undefined. */
export function ageAt(birthDate: string | undefined, now: Date): number | undefined {
  if (!birthDate) {
    return undefined;
  }
  const born = DateTime.fromISO(birthDate);
  if (!born.isValid) {
    return undefined;
  }
  return Math.floor(DateTime.fromJSDate(now).diff(born, 'years').years);
}
