/**
 * How a Medplum mirror names the EHR record it copies. Business identifiers (MRN, appointment CSN) are
 * kept as the EHR sends them; on top, every record read over FHIR gets an `ehr-id` identifier built from
 * the EHR's base URL and logical id, so a record without business identifiers still matches next time.
 */

import type { AppointmentParticipant, Coding, Identifier } from '@medplum/fhirtypes';
import { CARELOOP_BASE } from '../engine';

/** Identifier system whose value is `<ehrBase>/<Type>/<id>`: the EHR's own logical id, made global. */
export const EHR_ID_SYSTEM = `${CARELOOP_BASE}/identifier/ehr-id`;

/** Tag on every mirror, so reconcile passes can find mirrors without a scan of the whole project. */
export const MIRROR_TAG: Readonly<Required<Pick<Coding, 'system' | 'code'>>> = {
  system: `${CARELOOP_BASE}/CodeSystem/mirror-source`,
  code: 'ehr',
};

/**
 * Extension on the patient's Appointment.participant: the participant status the EHR last reported.
 * Comparing it with `participant.status` tells a local confirmation (still to be written back) from the
 * EHR's own value.
 */
export const EHR_PARTICIPANT_STATUS_EXT = `${CARELOOP_BASE}/StructureDefinition/ehr-participant-status`;

/** The base URL without a trailing slash, so `https://ehr/fhir` and `https://ehr/fhir/` name one EHR. */
export function normalizeBase(base: string): string {
  return base.trim().replace(/\/+$/, '');
}

/** The `ehr-id` identifier for a resource the EHR serves at `<ehrBase>/<type>/<id>`. */
export function ehrIdIdentifier(ehrBase: string, type: string, id: string): Identifier {
  return { system: EHR_ID_SYSTEM, value: `${normalizeBase(ehrBase)}/${type}/${id}` };
}

/** The EHR logical id of a mirror of `type` from `ehrBase`, read back from its `ehr-id` identifier. */
export function ehrIdOf(
  identifiers: readonly Identifier[] | undefined,
  ehrBase: string,
  type: string,
): string | undefined {
  const prefix = `${normalizeBase(ehrBase)}/${type}/`;
  const value = identifiers?.find((i) => i.system === EHR_ID_SYSTEM && i.value?.startsWith(prefix))?.value;
  return value ? value.slice(prefix.length) || undefined : undefined;
}

/**
 * The type and id a reference in an EHR resource points at, when it points into the same EHR: relative
 * (`Patient/123`) or absolute under `ehrBase`. A reference to another server, a contained resource or a
 * bare identifier gives undefined.
 */
export function parseEhrReference(
  reference: string | undefined,
  ehrBase: string | undefined,
): { type: string; id: string } | undefined {
  if (!reference || reference.startsWith('#')) {
    return undefined;
  }
  let path = reference;
  if (/^[a-z][a-z0-9+.-]*:/i.test(reference)) {
    const base = ehrBase ? `${normalizeBase(ehrBase)}/` : undefined;
    if (!base || !reference.startsWith(base)) {
      return undefined;
    }
    path = reference.slice(base.length);
  }
  // A versioned reference (Patient/1/_history/2) still names Patient/1.
  const match = /^([A-Z][A-Za-z]+)\/([A-Za-z0-9.-]{1,64})(?:\/_history\/[^/]+)?$/.exec(path);
  return match?.[1] && match[2] ? { type: match[1], id: match[2] } : undefined;
}

/** `system|value`, the key identifiers are compared and searched by. */
export function identifierKey(identifier: Identifier): string | undefined {
  return identifier.system && identifier.value ? `${identifier.system}|${identifier.value}` : undefined;
}

// FHIR search escapes `,`, `|`, `$` and `\` inside a token value.
function escapeSearchValue(value: string): string {
  return value.replace(/[\\,|$]/g, (c) => `\\${c}`);
}

/** The `identifier` search value matching any of `identifiers` (an OR list). */
export function identifierSearch(identifiers: readonly Identifier[]): string {
  return identifiers
    .filter((i) => i.system && i.value)
    .map((i) => `${escapeSearchValue(i.system ?? '')}|${escapeSearchValue(i.value ?? '')}`)
    .join(',');
}

/** Identifiers with system and value, first occurrence of each `system|value` kept. */
export function uniqueIdentifiers(identifiers: readonly Identifier[]): Identifier[] {
  const seen = new Set<string>();
  const out: Identifier[] = [];
  for (const identifier of identifiers) {
    const key = identifierKey(identifier);
    if (key && !seen.has(key)) {
      seen.add(key);
      out.push(identifier);
    }
  }
  return out;
}

/** A participant actor: who or what takes part in an appointment. */
export type ParticipantActor = NonNullable<AppointmentParticipant['actor']>;

const ACTOR_TYPES = new Set<string>([
  'Patient',
  'Practitioner',
  'PractitionerRole',
  'RelatedPerson',
  'Device',
  'HealthcareService',
  'Location',
]);

/** A logical reference to an EHR resource Careloop does not mirror (a practitioner, a location). */
export function logicalReference(
  identifier: Identifier | undefined,
  display: string | undefined,
  type: string | undefined,
): ParticipantActor | undefined {
  if (!identifier && !display) {
    return undefined;
  }
  return {
    ...(type && ACTOR_TYPES.has(type) ? { type: type as ParticipantActor['type'] } : {}),
    ...(identifier ? { identifier } : {}),
    ...(display ? { display } : {}),
  };
}
