/**
 * Finding the Medplum copy of an EHR record the app was launched with. The sync bot stamps every mirror
 * with an `ehr-id` identifier (EHR base + logical id); when the EHR and Medplum are one store (the
 * sandbox) the record simply has the same id.
 */

import type { MedplumClient } from '@medplum/core';
import type { Appointment, Patient } from '@medplum/fhirtypes';
import { ehrIdIdentifier, identifierSearch } from '../mirrorIdentifiers';

/** Where to look for a mirror. */
export interface MirrorLookup {
  /** The EHR's FHIR base URL (`iss`). */
  readonly ehrBase: string;
  /** True when EHR and Medplum share one store, so the EHR id is also the Medplum id. */
  readonly sharesEhrStore: boolean;
}

async function readIfExists<T extends Patient | Appointment>(
  medplum: MedplumClient,
  type: T['resourceType'],
  id: string,
): Promise<T | undefined> {
  try {
    return (await medplum.readResource(type, id)) as T;
  } catch (err) {
    // Only "not there" means not found; anything else (network, 401) is the caller's to show.
    if (/not found|gone|404|410/i.test((err as Error).message)) {
      return undefined;
    }
    throw err;
  }
}

async function findMirror<T extends Patient | Appointment>(
  medplum: MedplumClient,
  type: T['resourceType'],
  ehrId: string,
  lookup: MirrorLookup,
): Promise<T | undefined> {
  const found = await medplum.searchResources(
    type,
    { identifier: identifierSearch([ehrIdIdentifier(lookup.ehrBase, type, ehrId)]), _count: '2' },
    { cache: 'no-cache' },
  );
  if (found[0]) {
    return found[0] as T;
  }
  return lookup.sharesEhrStore ? readIfExists<T>(medplum, type, ehrId) : undefined;
}

/** The Medplum Patient mirroring EHR patient `ehrId`, or undefined when none exists yet. */
export function findPatientMirror(
  medplum: MedplumClient,
  ehrId: string,
  lookup: MirrorLookup,
): Promise<Patient | undefined> {
  return findMirror<Patient>(medplum, 'Patient', ehrId, lookup);
}

/** The Medplum Appointment mirroring EHR appointment `ehrId`, or undefined when none exists yet. */
export function findAppointmentMirror(
  medplum: MedplumClient,
  ehrId: string,
  lookup: MirrorLookup,
): Promise<Appointment | undefined> {
  return findMirror<Appointment>(medplum, 'Appointment', ehrId, lookup);
}
