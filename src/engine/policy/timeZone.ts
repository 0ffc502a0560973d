/** Which time zone a patient's messages are timed in. */

import type { Patient } from '@medplum/fhirtypes';
import { DateTime } from 'luxon';
import { EXT } from '../codes';

/** The zone used for a patient and, when it is not the patient's own, why. */
export interface ResolvedTimeZone {
  readonly zone: string;
  readonly source: 'patient' | 'practice';
  readonly reason?: string;
}

/** True when `zone` is an IANA zone this runtime knows. */
export function isValidTimeZone(zone: string): boolean {
  return DateTime.now().setZone(zone).isValid;
}

/**
 * The patient's zone (FHIR `tz-code` extension on the Patient), else the practice's. An unknown zone on
 * the patient is not trusted: quiet hours computed in the wrong zone would break the law, so we fall back
 * and say so.
 */
export function resolveTimeZone(patient: Patient, practiceZone: string): ResolvedTimeZone {
  const code = patient.extension?.find((e) => e.url === EXT.timeZone)?.valueCode;
  if (code && isValidTimeZone(code)) {
    return { zone: code, source: 'patient' };
  }
  const reason = code
    ? `patient time zone "${code}" is not a known IANA zone; using the practice's (${practiceZone})`
    : `patient has no time zone; using the practice's (${practiceZone})`;
  return { zone: practiceZone, source: 'practice', reason };
}
