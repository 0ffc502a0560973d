/** Which time zone a patient's messages are timed in. */

import type { Patient } from '@medplum/fhirtypes';
import { DateTime } from 'luxon';
import { EXT } from '../codes';
import { SINGLE_ZONE_STATES } from './stateTimeZones';

/** The zone used for a patient and, when it is not the patient's own, why. */
export interface ResolvedTimeZone {
  readonly zone: string;
  readonly source: 'patient' | 'address' | 'practice';
  readonly reason?: string;
}

/** True when `zone` is an IANA zone this runtime knows. */
export function isValidTimeZone(zone: string): boolean {
  return DateTime.now().setZone(zone).isValid;
}

/**
 * The patient's zone (FHIR `tz-code` extension on the Patient); else the zone of the state in their home
 * address when that state lies in one zone; else the practice's. An unknown zone on the patient is not
 * trusted: quiet hours computed in the wrong zone would break the law, so we fall back and say so.
 */
export function resolveTimeZone(patient: Patient, practiceZone: string): ResolvedTimeZone {
  const code = patient.extension?.find((e) => e.url === EXT.timeZone)?.valueCode;
  if (code && isValidTimeZone(code)) {
    return { zone: code, source: 'patient' };
  }
  const problem = code ? `patient time zone "${code}" is not a known IANA zone` : 'patient has no time zone';
  const state = homeState(patient);
  const stateZone = state ? SINGLE_ZONE_STATES[state] : undefined;
  if (stateZone) {
    return { zone: stateZone, source: 'address', reason: `${problem}; using ${state}'s (${stateZone})` };
  }
  const why = state ? `; ${state} spans several zones, so` : ';';
  return {
    zone: practiceZone,
    source: 'practice',
    reason: `${problem}${why} using the practice's (${practiceZone})`,
  };
}

/** The state (USPS code) of the patient's current home address, else of any current address. */
function homeState(patient: Patient): string | undefined {
  const current = (patient.address ?? []).filter((a) => !a.period?.end && a.use !== 'old');
  const address = current.find((a) => a.use === 'home' && a.state) ?? current.find((a) => a.state);
  return address?.state?.trim().toUpperCase() || undefined;
}
