/** Facts about a patient and appointment that conditions and templates need. */

import type { Appointment, Patient } from '@medplum/fhirtypes';
import { DateTime } from 'luxon';

/** Age in whole years at `now`, or undefined without a birth date. */
export function ageInYears(patient: Patient, now: string): number | undefined {
  if (!patient.birthDate) {
    return undefined;
  }
  const birth = DateTime.fromISO(patient.birthDate, { zone: 'utc' });
  if (!birth.isValid) {
    return undefined;
  }
  return Math.floor(DateTime.fromISO(now, { zone: 'utc' }).diff(birth, 'years').years);
}

const VIRTUAL_CODES = new Set(['VR', 'virtual', 'telehealth', 'video']);

/**
 * True for a virtual visit: an appointment type, service type or category coded `VR` (v3 ActCode,
 * virtual encounter) or named telehealth/video.
 */
export function isTelehealth(appointment: Appointment | undefined): boolean {
  if (!appointment) {
    return false;
  }
  const concepts = [
    appointment.appointmentType,
    ...(appointment.serviceType ?? []),
    ...(appointment.serviceCategory ?? []),
  ];
  return concepts.some(
    (cc) =>
      cc?.coding?.some((c) => c.code !== undefined && VIRTUAL_CODES.has(c.code)) ||
      /tele|video|virtual/i.test(cc?.text ?? ''),
  );
}

/** The appointment's end, or its start plus its duration, or its start. */
export function appointmentEnd(appointment: Appointment): string | undefined {
  if (appointment.end) {
    return appointment.end;
  }
  if (!appointment.start) {
    return undefined;
  }
  const start = DateTime.fromISO(appointment.start);
  return start.plus({ minutes: appointment.minutesDuration ?? 0 }).toISO() ?? undefined;
}
