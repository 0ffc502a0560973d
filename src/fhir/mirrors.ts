/**
 * Patient and Appointment mirrors: Medplum copies of the EHR's records, matched by the EHR's identifiers
 * and written with conditional updates. The EHR stays the source of truth for what it owns (demographics,
 * times, status); Careloop keeps what it learns itself (a patient's confirmation not yet written back, a
 * language or time zone the EHR does not send). Writing the same input twice is a no-op: nothing changed
 * means no write and no new version, so the Subscriptions on Appointment do not fire for nothing.
 */

import { deepEquals, getStatus, OperationOutcomeError } from '@medplum/core';
import type { MedplumClient, WithId } from '@medplum/core';
import type {
  Appointment,
  AppointmentParticipant,
  Extension,
  Identifier,
  Meta,
  Patient,
} from '@medplum/fhirtypes';
import { EXT } from '../engine';
import {
  EHR_PARTICIPANT_STATUS_EXT,
  ehrIdIdentifier,
  identifierKey,
  identifierSearch,
  logicalReference,
  MIRROR_TAG,
  parseEhrReference,
  uniqueIdentifiers,
  type ParticipantActor,
} from './mirrorIdentifiers';

/** Where the mirrored data comes from. */
export interface EhrSystem {
  /** The EHR's FHIR base URL; absent for an HL7 v2 feed, which has no logical ids. */
  readonly base?: string;
  /** The practice Organization (`Organization/<id>`) the mirrors belong to, for `meta.accounts`. */
  readonly organization?: string;
  /**
   * `fhir` (default): the input is the whole record, so what it lacks is gone from the EHR too.
   * `hl7v2`: an empty field means "not sent", so the mirror keeps what it has for it.
   */
  readonly feed?: 'fhir' | 'hl7v2';
}

/** What an upsert did. */
export type MirrorOutcome = 'created' | 'updated' | 'unchanged';

/** The mirror as stored, with what the upsert did. */
export interface MirrorResult<T> {
  readonly resource: WithId<T>;
  /** `Patient/<id>` or `Appointment/<id>` in Medplum. */
  readonly reference: string;
  readonly outcome: MirrorOutcome;
  /** Things worth a look that did not stop the write (several mirrors matched, for one). */
  readonly warnings: readonly string[];
}

/** Raised for EHR input that cannot be mirrored (no identifier, no patient); the message says why. */
export class MirrorInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MirrorInputError';
  }
}

// Another writer (a reply bot confirming the visit) may update the mirror between our read and write;
// If-Match catches it and we merge again from the fresh copy.
const MAX_ATTEMPTS = 3;

/** Creates or updates the Patient mirror of `ehrPatient`. */
export async function upsertPatientMirror(
  medplum: MedplumClient,
  ehrPatient: Patient,
  ehrSystem: EhrSystem,
): Promise<MirrorResult<Patient>> {
  const identifiers = mirrorIdentifiers(ehrPatient, ehrSystem);
  return upsertMirror(medplum, 'Patient', identifiers, (existing) =>
    patientMirror(ehrPatient, identifiers, existing, ehrSystem),
  );
}

/**
 * Creates or updates the Appointment mirror of `ehrAppointment`, pointing its patient participant at
 * `patientMirrorRef` (`Patient/<id>` in Medplum). Other participants (practitioners, locations) are not
 * mirrored: they become logical references (EHR identifier and display).
 */
export async function upsertAppointmentMirror(
  medplum: MedplumClient,
  ehrAppointment: Appointment,
  ehrSystem: EhrSystem,
  patientMirrorRef: string,
): Promise<MirrorResult<Appointment>> {
  if (!/^Patient\/[A-Za-z0-9.-]{1,64}$/.test(patientMirrorRef)) {
    throw new MirrorInputError(`patient mirror reference "${patientMirrorRef}" is not Patient/<id>`);
  }
  if (patientParticipantIndex(ehrAppointment, ehrSystem) < 0) {
    throw new MirrorInputError(`${describe(ehrAppointment)} has no patient participant`);
  }
  const identifiers = mirrorIdentifiers(ehrAppointment, ehrSystem);
  return upsertMirror(medplum, 'Appointment', identifiers, (existing) =>
    appointmentMirror(ehrAppointment, identifiers, existing, ehrSystem, patientMirrorRef),
  );
}

/** The identifiers a mirror is matched by: the EHR's business identifiers plus its `ehr-id`. */
export function mirrorIdentifiers(resource: Patient | Appointment, ehrSystem: EhrSystem): Identifier[] {
  const own = (resource.identifier ?? []).filter((i) => identifierKey(i));
  const ehrId =
    ehrSystem.base && resource.id
      ? [ehrIdIdentifier(ehrSystem.base, resource.resourceType, resource.id)]
      : [];
  // ehr-id first: it is the one conditional update keys on, and it never changes for a record.
  const identifiers = uniqueIdentifiers(
    [...ehrId, ...own].map(({ system, value, type, use }) => ({
      ...(use ? { use } : {}),
      ...(type ? { type } : {}),
      system,
      value,
    })),
  );
  if (identifiers.length === 0) {
    throw new MirrorInputError(
      `${describe(resource)} has neither an id nor an identifier to match a mirror by`,
    );
  }
  return identifiers;
}

function describe(resource: Patient | Appointment): string {
  return resource.id ? `${resource.resourceType}/${resource.id}` : `an EHR ${resource.resourceType}`;
}

async function upsertMirror<T extends Patient | Appointment>(
  medplum: MedplumClient,
  resourceType: T['resourceType'],
  identifiers: readonly Identifier[],
  build: (existing: WithId<T> | undefined) => T,
): Promise<MirrorResult<T>> {
  const primary = identifiers[0] as Identifier;
  for (let attempt = 1; ; attempt++) {
    const matches = (await medplum.searchResources(
      resourceType,
      { identifier: identifierSearch(identifiers), _count: '10' },
      { cache: 'no-cache' },
    )) as unknown as WithId<T>[];
    const warnings: string[] = [];
    if (matches.length === 0) {
      // Conditional update on the primary identifier: a concurrent run creating the same record
      // matches this one instead of making a second mirror.
      const created = await medplum.upsertResource(build(undefined), {
        identifier: identifierSearch([primary]),
      });
      return { resource: created, reference: `${resourceType}/${created.id}`, outcome: 'created', warnings };
    }
    const existing = pickMatch(matches, primary);
    if (matches.length > 1) {
      warnings.push(
        `${matches.length} ${resourceType} mirrors share an identifier (${matches.map((m) => m.id).join(', ')}); updated ${existing.id}`,
      );
    }
    const next = build(existing);
    if (sameContent(next, existing)) {
      return {
        resource: existing,
        reference: `${resourceType}/${existing.id}`,
        outcome: 'unchanged',
        warnings,
      };
    }
    try {
      const version = existing.meta?.versionId;
      const updated = await medplum.updateResource(
        { ...next, id: existing.id },
        version ? { headers: { 'If-Match': `W/"${version}"` } } : undefined,
      );
      return { resource: updated, reference: `${resourceType}/${updated.id}`, outcome: 'updated', warnings };
    } catch (err) {
      if (attempt < MAX_ATTEMPTS && err instanceof OperationOutcomeError && getStatus(err.outcome) === 412) {
        continue;
      }
      throw err;
    }
  }
}

function pickMatch<T extends Patient | Appointment>(matches: WithId<T>[], primary: Identifier): WithId<T> {
  const key = identifierKey(primary);
  const byPrimary = matches.find((m) => m.identifier?.some((i) => identifierKey(i) === key));
  return byPrimary ?? (matches[0] as WithId<T>);
}

// What a write would change: server-kept meta (version, lastUpdated, author) is not ours to compare.
function contentOf(resource: Patient | Appointment): unknown {
  const { meta, ...rest } = resource;
  return clean({ ...rest, meta: { accounts: meta?.accounts, tag: meta?.tag } });
}

function sameContent(a: Patient | Appointment, b: Patient | Appointment): boolean {
  return deepEquals(contentOf(a), contentOf(b));
}

// JSON round trip drops undefined properties, which deepEquals would otherwise count as differences.
function clean<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

function mirrorMeta(existing: Meta | undefined, ehrSystem: EhrSystem): Meta {
  const accounts = [...(existing?.accounts ?? [])];
  if (ehrSystem.organization && !accounts.some((a) => a.reference === ehrSystem.organization)) {
    accounts.push({ reference: ehrSystem.organization });
  }
  const tag = [...(existing?.tag ?? [])];
  if (!tag.some((t) => t.system === MIRROR_TAG.system && t.code === MIRROR_TAG.code)) {
    tag.push({ ...MIRROR_TAG });
  }
  return { ...existing, ...(accounts.length > 0 ? { accounts } : {}), tag };
}

/** Sets `key` from the EHR: a FHIR feed replaces (absent = removed), an HL7 feed only fills what it sent. */
function take<T extends object, K extends keyof T>(
  target: T,
  key: K,
  value: T[K] | undefined,
  partial: boolean,
): void {
  const empty = value === undefined || (Array.isArray(value) && value.length === 0);
  if (!empty) {
    target[key] = value as T[K];
  } else if (!partial) {
    // Left undefined; clean() drops the property before the resource is compared or written.
    target[key] = undefined as T[K];
  }
}

function patientMirror(
  ehr: Patient,
  identifiers: readonly Identifier[],
  existing: Patient | undefined,
  ehrSystem: EhrSystem,
): Patient {
  const partial = ehrSystem.feed === 'hl7v2';
  const next: Patient = existing ? clean(existing) : { resourceType: 'Patient' };
  // Identifiers accumulate: the FHIR feed and the HL7 feed each add theirs, so either matches later.
  next.identifier = uniqueIdentifiers([...(existing?.identifier ?? []), ...identifiers]);
  take(next, 'active', ehr.active, partial);
  take(next, 'name', ehr.name, partial);
  next.telecom = partial ? mergeTelecom(existing?.telecom, ehr.telecom) : ehr.telecom;
  if (!next.telecom?.length) delete next.telecom;
  take(next, 'address', ehr.address, partial);
  take(next, 'birthDate', ehr.birthDate, partial);
  take(next, 'gender', ehr.gender, partial);
  if (ehr.deceasedBoolean !== undefined || ehr.deceasedDateTime !== undefined || !partial) {
    delete next.deceasedBoolean;
    delete next.deceasedDateTime;
    take(next, 'deceasedBoolean', ehr.deceasedBoolean, true);
    take(next, 'deceasedDateTime', ehr.deceasedDateTime, true);
  }
  // Language and time zone may come from the patient rather than the EHR: keep ours when the EHR is silent.
  take(next, 'communication', ehr.communication, true);
  const zone = ehr.extension?.find((e) => e.url === EXT.timeZone);
  if (zone) {
    next.extension = [...(next.extension ?? []).filter((e) => e.url !== EXT.timeZone), zone];
  }
  next.meta = mirrorMeta(existing?.meta, ehrSystem);
  return clean(next);
}

// An HL7 message speaks for the kinds of contact point it carries (home phone, work phone); others stay.
function mergeTelecom(existing: Patient['telecom'], incoming: Patient['telecom']): Patient['telecom'] {
  if (!incoming?.length) {
    return existing;
  }
  const kinds = new Set(incoming.map((t) => `${t.system ?? ''}|${t.use ?? ''}`));
  return [...(existing ?? []).filter((t) => !kinds.has(`${t.system ?? ''}|${t.use ?? ''}`)), ...incoming];
}

/** The EHR logical id of the appointment's patient (its first patient participant), if it has one. */
export function ehrPatientId(appointment: Appointment, ehrBase: string): string | undefined {
  const index = patientParticipantIndex(appointment, { base: ehrBase });
  const target = parseEhrReference(appointment.participant?.[index]?.actor?.reference, ehrBase);
  return target?.type === 'Patient' ? target.id : undefined;
}

/** Index of the EHR appointment's patient participant (the first one), or -1. */
function patientParticipantIndex(appointment: Appointment, ehrSystem: EhrSystem): number {
  return (appointment.participant ?? []).findIndex(
    (p) =>
      p.actor?.type === 'Patient' ||
      parseEhrReference(p.actor?.reference, ehrSystem.base)?.type === 'Patient',
  );
}

function appointmentMirror(
  ehr: Appointment,
  identifiers: readonly Identifier[],
  existing: Appointment | undefined,
  ehrSystem: EhrSystem,
  patientMirrorRef: string,
): Appointment {
  const partial = ehrSystem.feed === 'hl7v2';
  const next: Appointment = existing
    ? clean(existing)
    : { resourceType: 'Appointment', status: ehr.status, participant: [] };
  next.identifier = uniqueIdentifiers([...(existing?.identifier ?? []), ...identifiers]);
  next.status = ehr.status;
  take(next, 'cancelationReason', ehr.cancelationReason, partial);
  const rescheduled =
    !!existing?.start && !!ehr.start && Date.parse(existing.start) !== Date.parse(ehr.start);
  // An HL7 message repeating the start without a length says nothing new about the slot.
  const sameSlotNoLength =
    partial &&
    !!existing?.start &&
    !!ehr.start &&
    !rescheduled &&
    !ehr.end &&
    ehr.minutesDuration === undefined;
  if ((ehr.start || !partial) && !sameSlotNoLength) {
    // Start, end and duration describe one slot: take them together, or an old end outlives a new start.
    delete next.start;
    delete next.end;
    delete next.minutesDuration;
    take(next, 'start', ehr.start, true);
    take(next, 'end', ehr.end, true);
    take(next, 'minutesDuration', ehr.minutesDuration, true);
  }
  take(next, 'appointmentType', ehr.appointmentType, partial);
  take(next, 'serviceType', ehr.serviceType, partial);

  const ehrParticipants = ehr.participant ?? [];
  const patientIndex = patientParticipantIndex(ehr, ehrSystem);
  const others = ehrParticipants
    .filter((_, i) => i !== patientIndex)
    .map((p) => otherParticipant(p, ehrSystem))
    .filter((p): p is AppointmentParticipant => p !== undefined);
  const existingPatient = existing?.participant?.find((p) => p.actor?.reference === patientMirrorRef);
  const existingOthers = existing?.participant?.filter((p) => p.actor?.reference !== patientMirrorRef) ?? [];
  const patient = patientParticipant(
    ehrParticipants[patientIndex],
    existingPatient,
    ehrSystem,
    patientMirrorRef,
    rescheduled,
  );
  next.participant = [patient, ...(partial && others.length === 0 ? existingOthers : others)];
  next.meta = mirrorMeta(existing?.meta, ehrSystem);
  return clean(next);
}

/**
 * The patient's participation, merged three ways: the EHR's status now, the EHR's status last time
 * (kept in an extension) and the mirror's. A local confirmation survives a sync until the EHR itself
 * changes the status or moves the visit; a confirmation of the old time means nothing for the new one.
 */
function patientParticipant(
  ehr: AppointmentParticipant | undefined,
  existing: AppointmentParticipant | undefined,
  ehrSystem: EhrSystem,
  patientMirrorRef: string,
  rescheduled: boolean,
): AppointmentParticipant {
  // SIU carries no patient answer (its placeholder is always needs-action): an HL7 message must not
  // undo a confirmation the FHIR feed or a reply recorded on a shared mirror.
  const ehrStatus = ehrSystem.feed === 'hl7v2' ? undefined : ehr?.status;
  const lastEhrStatus = existing?.extension?.find((e) => e.url === EHR_PARTICIPANT_STATUS_EXT)?.valueCode;
  let status: AppointmentParticipant['status'];
  if (!existing || rescheduled) {
    status = ehrStatus ?? 'needs-action';
  } else if (ehrStatus && ehrStatus !== lastEhrStatus) {
    status = ehrStatus;
  } else {
    status = existing.status;
  }
  const ehrRef = parseEhrReference(ehr?.actor?.reference, ehrSystem.base);
  const actor: ParticipantActor = {
    reference: patientMirrorRef,
    ...(ehrRef && ehrSystem.base
      ? { identifier: ehrIdIdentifier(ehrSystem.base, ehrRef.type, ehrRef.id) }
      : existing?.actor?.identifier
        ? { identifier: existing.actor.identifier }
        : {}),
  };
  const extension: Extension[] = [
    ...(existing?.extension ?? []).filter((e) => e.url !== EHR_PARTICIPANT_STATUS_EXT),
    ...(ehrStatus
      ? [{ url: EHR_PARTICIPANT_STATUS_EXT, valueCode: ehrStatus }]
      : lastEhrStatus
        ? [{ url: EHR_PARTICIPANT_STATUS_EXT, valueCode: lastEhrStatus }]
        : []),
  ];
  return {
    ...(extension.length > 0 ? { extension } : {}),
    ...((ehr?.type ?? existing?.type) ? { type: ehr?.type ?? existing?.type } : {}),
    actor,
    ...((ehr?.required ?? existing?.required) ? { required: ehr?.required ?? existing?.required } : {}),
    status,
  };
}

// Practitioners and locations are not mirrored; a reference into the EHR would dangle in Medplum.
function otherParticipant(
  p: AppointmentParticipant,
  ehrSystem: EhrSystem,
): AppointmentParticipant | undefined {
  const target = parseEhrReference(p.actor?.reference, ehrSystem.base);
  const identifier =
    target && ehrSystem.base ? ehrIdIdentifier(ehrSystem.base, target.type, target.id) : p.actor?.identifier;
  const actor = logicalReference(identifier, p.actor?.display, target?.type ?? p.actor?.type);
  if (!actor && !p.type) {
    return undefined;
  }
  return {
    ...(p.type ? { type: p.type } : {}),
    ...(actor ? { actor } : {}),
    ...(p.required ? { required: p.required } : {}),
    status: p.status,
    ...(p.period ? { period: p.period } : {}),
  };
}
