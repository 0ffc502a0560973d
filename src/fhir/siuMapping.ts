/**
 * HL7 v2 SIU (scheduling) messages as FHIR: the PID as a Patient, the SCH with its AIS/AIG/AIL/AIP
 * resource groups as an Appointment, the trigger event as the appointment's status. Pure: no I/O, time
 * zone passed in. Bad input raises Hl7InputError with the ACK code and the field at fault.
 */

import type { Hl7Message, Hl7Segment } from '@medplum/core';
import type { Appointment, AppointmentParticipant, Patient, PatientCommunication } from '@medplum/fhirtypes';
import { CARELOOP_BASE, normalizeLanguage } from '../engine';
import {
  ceToCodeableConcept,
  comp,
  cxToIdentifier,
  eiToIdentifier,
  first,
  HL7_ERROR,
  Hl7InputError,
  identifierSystem,
  parseHl7Date,
  parseHl7Timestamp,
  repetitions,
  xadToAddress,
  xcnDisplay,
  xpnToHumanName,
  xtnToContactPoint,
  type IdentifierSystemMap,
} from './hl7v2';

/** The SIU trigger events Careloop handles. */
export type SiuEvent = 'S12' | 'S13' | 'S14' | 'S15' | 'S17' | 'S26';

const EVENTS = new Set<string>(['S12', 'S13', 'S14', 'S15', 'S17', 'S26']);

/** An SIU message read as FHIR. */
export interface SiuContent {
  readonly event: SiuEvent;
  /** MSH-10, echoed in the ACK. */
  readonly controlId: string;
  readonly patient: Patient;
  /** The patient participant is `{ actor: { type: 'Patient' } }`: the caller points it at the mirror. */
  readonly appointment: Appointment;
}

/** What reading an SIU message needs to know. */
export interface SiuOptions {
  /** IANA zone for timestamps without an offset. */
  readonly timeZone: string;
  /** Assigning authority → FHIR identifier system, so HL7 and FHIR feeds name a record alike. */
  readonly identifierSystems?: Readonly<Record<string, string>>;
}

// SCH-25 filler status codes (HL7 table 0278) for the events that do not fix the status themselves.
const FILLER_STATUS: Readonly<Record<string, Appointment['status']>> = {
  BOOKED: 'booked',
  OVERBOOK: 'booked',
  PENDING: 'pending',
  WAITLIST: 'waitlist',
  STARTED: 'arrived',
  COMPLETE: 'fulfilled',
  NOSHOW: 'noshow',
  CANCELLED: 'cancelled',
  DELETED: 'cancelled',
  DC: 'cancelled',
};

/** Reads an SIU message; throws Hl7InputError (AR for a message we do not take, AE for bad content). */
export function siuToFhir(message: Hl7Message, options: SiuOptions): SiuContent {
  const msh = message.getSegment('MSH');
  if (!msh) {
    throw new Hl7InputError('the message has no MSH segment', {
      ackCode: 'AR',
      hl7ErrorCode: HL7_ERROR.segmentSequence,
      location: 'MSH',
    });
  }
  const type = msh.getComponent(9, 1).toUpperCase();
  const event = msh.getComponent(9, 2).toUpperCase();
  if (type !== 'SIU') {
    throw new Hl7InputError(`message type ${type || '(empty)'} is not SIU`, {
      ackCode: 'AR',
      hl7ErrorCode: HL7_ERROR.unsupportedMessageType,
      location: 'MSH^1^9',
    });
  }
  if (!EVENTS.has(event)) {
    throw new Hl7InputError(
      `SIU event ${event || '(empty)'} is not handled (S12, S13, S14, S15, S17, S26 are)`,
      {
        ackCode: 'AR',
        hl7ErrorCode: HL7_ERROR.unsupportedEventCode,
        location: 'MSH^1^9',
      },
    );
  }
  const map: IdentifierSystemMap = {
    ...(options.identifierSystems ? { systems: options.identifierSystems } : {}),
    sendingFacility: msh.getComponent(4, 1) || msh.getComponent(3, 1),
  };
  const sch = required(message, 'SCH');
  const pid = required(message, 'PID');
  return {
    event: event as SiuEvent,
    controlId: msh.getField(10)?.toString() ?? '',
    patient: patientOf(message, pid, map),
    appointment: appointmentOf(message, event as SiuEvent, sch, map, options.timeZone),
  };
}

function required(message: Hl7Message, name: string): Hl7Segment {
  const segment = message.getSegment(name);
  if (!segment) {
    throw new Hl7InputError(`the SIU message has no ${name} segment`, {
      ackCode: 'AE',
      hl7ErrorCode: HL7_ERROR.segmentSequence,
      location: name,
    });
  }
  return segment;
}

function patientOf(message: Hl7Message, pid: Hl7Segment, map: IdentifierSystemMap): Patient {
  const identifiers = repetitions(message, pid, 3)
    .map((rep) => cxToIdentifier(rep, map))
    .filter((i) => i !== undefined);
  if (identifiers.length === 0) {
    throw new Hl7InputError('PID-3 has no patient identifier', {
      ackCode: 'AE',
      hl7ErrorCode: HL7_ERROR.requiredFieldMissing,
      location: 'PID^1^3',
    });
  }
  // The MRN first: it is the identifier the mirror is keyed on for an HL7-only patient.
  identifiers.sort((a, b) => rank(a) - rank(b));
  const name = repetitions(message, pid, 5)
    .map(xpnToHumanName)
    .filter((n) => n !== undefined);
  const birth = first(message, pid, 7)[0] ?? '';
  const birthDate = birth ? parseHl7Date(birth) : undefined;
  if (birth && !birthDate) {
    throw new Hl7InputError('PID-7 date of birth is not an HL7 date', {
      ackCode: 'AE',
      hl7ErrorCode: HL7_ERROR.dataTypeError,
      location: 'PID^1^7',
    });
  }
  const gender = genderOf(first(message, pid, 8)[0] ?? '');
  const address = repetitions(message, pid, 11)
    .map(xadToAddress)
    .filter((a) => a !== undefined);
  const telecom = [
    ...repetitions(message, pid, 13).map((rep) => xtnToContactPoint(rep, 'home')),
    ...repetitions(message, pid, 14).map((rep) => xtnToContactPoint(rep, 'work')),
  ].filter((t) => t !== undefined);
  const communication = languageOf(first(message, pid, 15));
  const deathIndicator = (first(message, pid, 30)[0] ?? '').toUpperCase();
  const deathDate = first(message, pid, 29)[0];
  const died = deathDate ? parseHl7Timestamp(deathDate, 'UTC') : undefined;
  return {
    resourceType: 'Patient',
    identifier: identifiers,
    ...(name.length > 0 ? { name } : {}),
    ...(telecom.length > 0 ? { telecom } : {}),
    ...(address.length > 0 ? { address } : {}),
    ...(birthDate ? { birthDate } : {}),
    ...(gender ? { gender } : {}),
    ...(communication ? { communication: [communication] } : {}),
    ...(died
      ? { deceasedDateTime: died.iso }
      : deathIndicator === 'Y'
        ? { deceasedBoolean: true }
        : deathIndicator === 'N'
          ? { deceasedBoolean: false }
          : {}),
  };
}

function rank(identifier: { type?: { coding?: { code?: string }[] } }): number {
  return identifier.type?.coding?.[0]?.code === 'MR' ? 0 : 1;
}

function genderOf(code: string): Patient['gender'] | undefined {
  switch (code.toUpperCase()) {
    case 'F':
      return 'female';
    case 'M':
      return 'male';
    case 'O':
    case 'A':
    case 'N':
      return 'other';
    case 'U':
      return 'unknown';
    default:
      return undefined;
  }
}

// PID-15 is a CE whose code may be ISO 639-1 or -2 ('en', 'ENG', 'spa') or a local code with a name.
function languageOf(rep: readonly string[]): PatientCommunication | undefined {
  const code = comp(rep, 1);
  const text = comp(rep, 2);
  const bcp47 = code ? normalizeLanguage(code.toLowerCase()) : undefined;
  if (!bcp47 && !text) {
    return undefined;
  }
  return {
    language: {
      ...(bcp47 ? { coding: [{ system: 'urn:ietf:bcp:47', code: bcp47 }] } : {}),
      ...(text || code ? { text: text || code } : {}),
    },
    preferred: true,
  };
}

function statusOf(event: SiuEvent, sch: Hl7Segment): Appointment['status'] {
  if (event === 'S15' || event === 'S17') return 'cancelled';
  if (event === 'S26') return 'noshow';
  const filler = sch.getComponent(25, 1).toUpperCase();
  return FILLER_STATUS[filler] ?? 'booked';
}

function appointmentOf(
  message: Hl7Message,
  event: SiuEvent,
  sch: Hl7Segment,
  map: IdentifierSystemMap,
  zone: string,
): Appointment {
  const filler = eiToIdentifier(first(message, sch, 2), map);
  const placer = eiToIdentifier(first(message, sch, 1), map);
  // The filler (the scheduling system) owns the appointment; its id is the stable key.
  const identifier = [filler, placer].filter((i) => i !== undefined);
  if (identifier.length === 0) {
    throw new Hl7InputError(
      'SCH-2 (filler appointment id) and SCH-1 (placer appointment id) are both empty',
      {
        ackCode: 'AE',
        hl7ErrorCode: HL7_ERROR.requiredFieldMissing,
        location: 'SCH^1^2',
      },
    );
  }
  const timing = timingOf(message, sch, zone);
  if (!timing.start && (event === 'S12' || event === 'S13' || event === 'S14')) {
    throw new Hl7InputError(`an ${event} must carry the appointment start (SCH-11.4, TQ1-7 or AIS-4)`, {
      ackCode: 'AE',
      hl7ErrorCode: HL7_ERROR.requiredFieldMissing,
      location: 'SCH^1^11',
    });
  }
  const status = statusOf(event, sch);
  const appointmentType = ceToCodeableConcept(first(message, sch, 8));
  const reason = status === 'cancelled' ? ceToCodeableConcept(first(message, sch, 6)) : undefined;
  const serviceType = message
    .getAllSegments('AIS')
    .map((ais) => ceToCodeableConcept(first(message, ais, 3)))
    .filter((c) => c !== undefined);
  const participant: AppointmentParticipant[] = [
    // HL7 SIU does not carry the patient's own answer: needs-action until they give one.
    { actor: { type: 'Patient' }, status: 'needs-action' },
    ...resourceParticipants(message, map),
  ];
  return {
    resourceType: 'Appointment',
    identifier,
    status,
    ...(reason ? { cancelationReason: reason } : {}),
    ...(timing.start ? { start: timing.start } : {}),
    ...(timing.end ? { end: timing.end } : {}),
    ...(timing.minutes !== undefined ? { minutesDuration: timing.minutes } : {}),
    ...(appointmentType ? { appointmentType } : {}),
    ...(serviceType.length > 0 ? { serviceType } : {}),
    participant,
  };
}

function resourceParticipants(message: Hl7Message, map: IdentifierSystemMap): AppointmentParticipant[] {
  const out: AppointmentParticipant[] = [];
  for (const aip of message.getAllSegments('AIP')) {
    const rep = first(message, aip, 3);
    const id = comp(rep, 1);
    const display = xcnDisplay(rep);
    if (!id && !display) continue;
    const role = ceToCodeableConcept(first(message, aip, 4));
    out.push({
      ...(role ? { type: [role] } : {}),
      actor: {
        type: 'Practitioner',
        ...(id
          ? {
              identifier: {
                system: practitionerSystem(rep, map),
                value: id,
              },
            }
          : {}),
        ...(display ? { display } : {}),
      },
      status: 'accepted',
    });
  }
  for (const ail of message.getAllSegments('AIL')) {
    const rep = first(message, ail, 3);
    const parts = [comp(rep, 4, 1), comp(rep, 1), comp(rep, 2), comp(rep, 3)];
    const display = comp(rep, 9) || [comp(rep, 1), comp(rep, 2)].filter(Boolean).join(' ') || undefined;
    if (!parts.some(Boolean)) continue;
    out.push({
      actor: {
        type: 'Location',
        identifier: { system: localSystem(map, 'location'), value: parts.join('^') },
        ...(display ? { display } : {}),
      },
      status: 'accepted',
    });
  }
  for (const aig of message.getAllSegments('AIG')) {
    const rep = first(message, aig, 3);
    const id = comp(rep, 1);
    const display = comp(rep, 2) || undefined;
    if (!id && !display) continue;
    out.push({
      actor: {
        ...(id ? { identifier: { system: localSystem(map, 'resource'), value: id } } : {}),
        ...(display ? { display } : {}),
      },
      status: 'accepted',
    });
  }
  return out;
}

// XCN-9 is the assigning authority of a practitioner id (NPI, a local provider number).
function practitionerSystem(rep: readonly string[], map: IdentifierSystemMap): string {
  const namespace = comp(rep, 9, 1);
  if (namespace.toUpperCase() === 'NPI') return 'http://hl7.org/fhir/sid/us-npi';
  return identifierSystem({ namespace, universalId: comp(rep, 9, 2), universalIdType: comp(rep, 9, 3) }, map);
}

// Location and resource codes are the sender's own; scope them by sending facility.
function localSystem(map: IdentifierSystemMap, kind: 'location' | 'resource'): string {
  return `${CARELOOP_BASE}/identifier/hl7/${encodeURIComponent(map.sendingFacility || 'unknown')}/${kind}`;
}

// Where each resource segment carries its start date/time.
const RESOURCE_START_FIELD: Readonly<Record<string, number>> = { AIS: 4, AIG: 8, AIL: 6, AIP: 6 };

// SCH-11 (TQ, up to v2.5) or TQ1 (v2.6+) hold the slot; resource segments repeat the start.
function timingOf(
  message: Hl7Message,
  sch: Hl7Segment,
  zone: string,
): { start?: string; end?: string; minutes?: number } {
  const tq = first(message, sch, 11);
  const tq1 = message.getSegment('TQ1');
  const resourceStart = Object.entries(RESOURCE_START_FIELD)
    .flatMap(([name, field]) => message.getAllSegments(name).map((s) => first(message, s, field)[0] ?? ''))
    .find(Boolean);
  const startRaw = comp(tq, 4) || (tq1 ? (first(message, tq1, 7)[0] ?? '') : '') || resourceStart || '';
  const endRaw = comp(tq, 5) || (tq1 ? (first(message, tq1, 8)[0] ?? '') : '');
  const start = startRaw ? instant(startRaw, zone, 'SCH^1^11') : undefined;
  const end = endRaw ? instant(endRaw, zone, 'SCH^1^11') : undefined;
  let minutes =
    durationMinutes(comp(tq, 3)) ??
    durationMinutes(first(message, sch, 9)[0] ?? '', comp(first(message, sch, 10), 1)) ??
    (tq1 ? durationMinutes(comp(first(message, tq1, 6), 1), comp(first(message, tq1, 6), 2)) : undefined);
  if (start && end) {
    minutes = Math.round((Date.parse(end) - Date.parse(start)) / 60_000);
    if (minutes <= 0) {
      throw new Hl7InputError('the appointment ends before it starts', {
        ackCode: 'AE',
        hl7ErrorCode: HL7_ERROR.dataTypeError,
        location: 'SCH^1^11',
      });
    }
  }
  const computedEnd =
    end ??
    (start && minutes !== undefined
      ? new Date(Date.parse(start) + minutes * 60_000).toISOString().replace('.000Z', 'Z')
      : undefined);
  return {
    ...(start ? { start } : {}),
    ...(computedEnd ? { end: computedEnd } : {}),
    ...(minutes !== undefined ? { minutes } : {}),
  };
}

function instant(raw: string, zone: string, location: string): string {
  const parsed = parseHl7Timestamp(raw, zone);
  if (!parsed) {
    throw new Hl7InputError(`"${raw}" is not an HL7 timestamp that exists in ${zone}`, {
      ackCode: 'AE',
      hl7ErrorCode: HL7_ERROR.dataTypeError,
      location,
    });
  }
  if (parsed.precision !== 'minute' && parsed.precision !== 'second') {
    throw new Hl7InputError(`appointment time "${raw}" has no time of day`, {
      ackCode: 'AE',
      hl7ErrorCode: HL7_ERROR.dataTypeError,
      location,
    });
  }
  return parsed.iso;
}

// TQ-3 durations look like "M30", "H1", "S1800" or a bare number of minutes; SCH-9/10 give number and unit.
function durationMinutes(value: string, unit?: string): number | undefined {
  const m = /^([SMHDW])?(\d+(?:\.\d+)?)$/i.exec(value.trim());
  if (!m?.[2]) return undefined;
  const amount = Number(m[2]);
  const u = (m[1] ?? unitLetter(unit) ?? 'M').toUpperCase();
  const factor: Record<string, number> = { S: 1 / 60, M: 1, H: 60, D: 1440, W: 10080 };
  const minutes = Math.round(amount * (factor[u] ?? 1));
  return minutes > 0 ? minutes : undefined;
}

function unitLetter(unit: string | undefined): string | undefined {
  const u = (unit ?? '').toLowerCase();
  if (u === '') return undefined;
  if (u.startsWith('s')) return 'S';
  if (u === 'h' || u.startsWith('hr') || u.startsWith('hour')) return 'H';
  if (u === 'd' || u.startsWith('day')) return 'D';
  if (u.startsWith('w')) return 'W';
  return 'M';
}
