/**
 * Reading HL7 v2 data types into FHIR (CX, EI, XPN, XTN, XAD, CE/CWE, TS/DTM) and building ACKs. Medplum's
 * `Hl7Message` (in @medplum/core; @medplum/hl7 adds the MLLP transport) splits a message into segments,
 * fields, repetitions and components but leaves escape sequences and types to us.
 */

import { Hl7Message, Hl7Segment } from '@medplum/core';
import type { Address, CodeableConcept, ContactPoint, HumanName, Identifier } from '@medplum/fhirtypes';
import { DateTime } from 'luxon';
import { CARELOOP_BASE, toE164 } from '../engine';

/** HL7 table 0357 error codes used in ERR-3. */
export const HL7_ERROR = {
  segmentSequence: '100',
  requiredFieldMissing: '101',
  dataTypeError: '102',
  tableValueNotFound: '103',
  unsupportedMessageType: '200',
  unsupportedEventCode: '201',
  applicationInternalError: '207',
} as const;

const HL7_ERROR_TEXT: Readonly<Record<string, string>> = {
  '100': 'Segment sequence error',
  '101': 'Required field missing',
  '102': 'Data type error',
  '103': 'Table value not found',
  '200': 'Unsupported message type',
  '201': 'Unsupported event code',
  '207': 'Application internal error',
};

/** Input we cannot use: the ACK code to answer with, the table 0357 code, where, and a message. */
export class Hl7InputError extends Error {
  readonly ackCode: 'AE' | 'AR';
  readonly hl7ErrorCode: string;
  /** Error location (ERR-2): segment, sequence, field, e.g. `PID^1^3`. */
  readonly location: string | undefined;

  constructor(message: string, details: { ackCode: 'AE' | 'AR'; hl7ErrorCode: string; location?: string }) {
    super(message);
    this.name = 'Hl7InputError';
    this.ackCode = details.ackCode;
    this.hl7ErrorCode = details.hl7ErrorCode;
    this.location = details.location;
  }
}

/** How identifiers' assigning authorities become FHIR identifier systems. */
export interface IdentifierSystemMap {
  /** Assigning authority namespace id or universal id → FHIR system, to match the EHR's FHIR identifiers. */
  readonly systems?: Readonly<Record<string, string>>;
  /** MSH-4 sending facility: scopes identifiers that name no assigning authority. */
  readonly sendingFacility?: string;
}

/** Decodes HL7 escape sequences (\F\ \S\ \T\ \R\ \E\, \.br\, \Xhh\); unknown ones are dropped. */
export function unescapeHl7(value: string, message: Hl7Message): string {
  if (!value.includes(message.context.escapeCharacter)) {
    return value;
  }
  const c = message.context;
  const e = c.escapeCharacter.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
  return value.replace(new RegExp(`${e}([^${e}]*)${e}`, 'g'), (_, seq: string) => {
    switch (seq) {
      case 'F':
        return c.fieldSeparator;
      case 'S':
        return c.componentSeparator;
      case 'T':
        return c.subcomponentSeparator;
      case 'R':
        return c.repetitionSeparator;
      case 'E':
        return c.escapeCharacter;
      case '.br':
        return '\n';
      default:
        if (/^X([0-9A-Fa-f]{2})+$/.test(seq)) {
          return Buffer.from(seq.slice(1), 'hex').toString('latin1');
        }
        return '';
    }
  });
}

/** A field's repetitions, each a list of components (subcomponents still joined by `&`), unescaped. */
export function repetitions(message: Hl7Message, segment: Hl7Segment | undefined, field: number): string[][] {
  const f = segment?.getField(field);
  if (!f) {
    return [];
  }
  return f.components
    .map((rep) => rep.map((component) => component.trim()))
    .filter((rep) => rep.some((component) => component !== '' && component !== '""'))
    .map((rep) =>
      rep.map((component) =>
        component
          .split(message.context.subcomponentSeparator)
          .map((s) => unescapeHl7(s, message))
          .join(message.context.subcomponentSeparator),
      ),
    );
}

/** The first repetition of a field. */
export function first(message: Hl7Message, segment: Hl7Segment | undefined, field: number): string[] {
  return repetitions(message, segment, field)[0] ?? [];
}

/** Component `n` (1-based) of a repetition; `sub` picks a subcomponent (1-based). */
export function comp(rep: readonly string[], n: number, sub?: number, subSeparator = '&'): string {
  const value = rep[n - 1] ?? '';
  return sub === undefined ? value : (value.split(subSeparator)[sub - 1] ?? '');
}

/** The FHIR system for an assigning authority (HD: namespace, universal id, universal id type). */
export function identifierSystem(
  authority: { namespace?: string; universalId?: string; universalIdType?: string },
  map: IdentifierSystemMap,
): string {
  const { namespace, universalId, universalIdType } = authority;
  const mapped = (namespace && map.systems?.[namespace]) || (universalId && map.systems?.[universalId]);
  if (mapped) {
    return mapped;
  }
  if (universalId) {
    const type = (universalIdType ?? '').toUpperCase();
    if (type === 'ISO' || /^\d+(\.\d+)+$/.test(universalId)) return `urn:oid:${universalId}`;
    if (type === 'UUID') return `urn:uuid:${universalId.toLowerCase()}`;
    if (/^(https?|urn):/i.test(universalId)) return universalId;
  }
  const scope = namespace || universalId || map.sendingFacility || 'unknown';
  return `${CARELOOP_BASE}/identifier/hl7/${encodeURIComponent(scope)}`;
}

/** CX (PID-3) → Identifier: id, assigning authority (CX-4), type code (CX-5). */
export function cxToIdentifier(rep: readonly string[], map: IdentifierSystemMap): Identifier | undefined {
  const value = comp(rep, 1);
  if (!value) {
    return undefined;
  }
  const system = identifierSystem(
    { namespace: comp(rep, 4, 1), universalId: comp(rep, 4, 2), universalIdType: comp(rep, 4, 3) },
    map,
  );
  const type = comp(rep, 5);
  return {
    ...(type
      ? { type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code: type }] } }
      : {}),
    system,
    value,
  };
}

/** EI (SCH-1, SCH-2) → Identifier: entity id with namespace, universal id, universal id type. */
export function eiToIdentifier(rep: readonly string[], map: IdentifierSystemMap): Identifier | undefined {
  const value = comp(rep, 1);
  if (!value) {
    return undefined;
  }
  return {
    system: identifierSystem(
      { namespace: comp(rep, 2), universalId: comp(rep, 3), universalIdType: comp(rep, 4) },
      map,
    ),
    value,
  };
}

const NAME_USE: Readonly<Record<string, HumanName['use']>> = {
  L: 'official',
  D: 'usual',
  M: 'maiden',
  N: 'nickname',
  B: 'old',
};

/** XPN (PID-5) → HumanName. */
export function xpnToHumanName(rep: readonly string[]): HumanName | undefined {
  const family = comp(rep, 1, 1);
  const given = [comp(rep, 2), comp(rep, 3)].filter(Boolean);
  if (!family && given.length === 0) {
    return undefined;
  }
  const suffix = comp(rep, 4);
  const prefix = comp(rep, 5);
  const use = NAME_USE[comp(rep, 7).toUpperCase()];
  return {
    ...(use ? { use } : {}),
    ...(family ? { family } : {}),
    ...(given.length > 0 ? { given } : {}),
    ...(prefix ? { prefix: [prefix] } : {}),
    ...(suffix ? { suffix: [suffix] } : {}),
  };
}

/** XCN (AIP-3) display name: "Given Family". */
export function xcnDisplay(rep: readonly string[]): string | undefined {
  const name = [comp(rep, 6), comp(rep, 3), comp(rep, 2, 1)].filter(Boolean).join(' ');
  return name || undefined;
}

/**
 * XTN (PID-13, PID-14) → ContactPoint. The use comes from the equipment type (CP = cellular → mobile) and
 * the telecommunication use code (PRN/ORN/VHN → home, WPN → work); NET/Internet is email. Emergency
 * contacts (EMR) are someone else's number and are left out.
 */
export function xtnToContactPoint(
  rep: readonly string[],
  defaultUse: 'home' | 'work',
): ContactPoint | undefined {
  const useCode = comp(rep, 2).toUpperCase();
  const equipment = comp(rep, 3).toUpperCase();
  if (useCode === 'EMR') {
    return undefined;
  }
  if (useCode === 'NET' || equipment === 'INTERNET' || equipment === 'X.400') {
    const email = comp(rep, 4) || comp(rep, 1);
    return email.includes('@') ? { system: 'email', value: email, use: defaultUse } : undefined;
  }
  const composed = [comp(rep, 5), comp(rep, 6), comp(rep, 7)].filter(Boolean).join('');
  const raw = comp(rep, 12) || (comp(rep, 7) ? composed : '') || comp(rep, 1);
  if (!raw) {
    return undefined;
  }
  const value = toE164(raw) ?? raw;
  const system: ContactPoint['system'] =
    equipment === 'FX' ? 'fax' : equipment === 'BP' || useCode === 'BPN' ? 'pager' : 'phone';
  const use: ContactPoint['use'] =
    equipment === 'CP'
      ? 'mobile'
      : useCode === 'WPN'
        ? 'work'
        : ['PRN', 'ORN', 'VHN'].includes(useCode)
          ? 'home'
          : defaultUse;
  return { system, value, use };
}

/** XAD (PID-11) → Address. */
export function xadToAddress(rep: readonly string[]): Address | undefined {
  const line = [comp(rep, 1, 1), comp(rep, 2)].filter(Boolean);
  const city = comp(rep, 3);
  const state = comp(rep, 4);
  const postalCode = comp(rep, 5);
  const country = comp(rep, 6);
  if (line.length === 0 && !city && !postalCode) {
    return undefined;
  }
  const type = comp(rep, 7).toUpperCase();
  const use: Address['use'] = type === 'H' ? 'home' : type === 'B' || type === 'O' ? 'work' : undefined;
  return {
    ...(use ? { use } : {}),
    ...(line.length > 0 ? { line } : {}),
    ...(city ? { city } : {}),
    ...(state ? { state } : {}),
    ...(postalCode ? { postalCode } : {}),
    ...(country ? { country } : {}),
  };
}

/** CE / CWE → CodeableConcept; HL7 tables (`HL70276`) map to terminology.hl7.org, others to a local system. */
export function ceToCodeableConcept(rep: readonly string[]): CodeableConcept | undefined {
  const code = comp(rep, 1);
  const text = comp(rep, 2);
  if (!code && !text) {
    return undefined;
  }
  const systemName = comp(rep, 3);
  const table = /^HL7(\d{4})$/i.exec(systemName)?.[1];
  const system = table
    ? `http://terminology.hl7.org/CodeSystem/v2-${table}`
    : systemName
      ? `${CARELOOP_BASE}/CodeSystem/hl7v2/${encodeURIComponent(systemName)}`
      : undefined;
  return {
    ...(code
      ? { coding: [{ ...(system ? { system } : {}), code, ...(text ? { display: text } : {}) }] }
      : {}),
    ...(text ? { text } : {}),
  };
}

/** A parsed HL7 timestamp and how precise it was. */
export interface Hl7Instant {
  /** ISO 8601 in UTC. */
  readonly iso: string;
  /** `minute` or finer is a usable appointment time; `day` is a date only. */
  readonly precision: 'year' | 'month' | 'day' | 'hour' | 'minute' | 'second';
}

const TS = /^(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?(?:\.(\d{1,4}))?([+-]\d{4})?$/;

/**
 * An HL7 TS/DTM (`YYYY[MM[DD[HH[MM[SS[.SSSS]]]]]][+/-ZZZZ]`): with an offset it is read as written;
 * without one it is local time in `zone` (the sender's wall clock, which is how EHRs send schedules).
 * Undefined when malformed or the local time does not exist.
 */
export function parseHl7Timestamp(value: string, zone: string): Hl7Instant | undefined {
  const m = TS.exec(value.trim());
  if (!m) {
    return undefined;
  }
  const [, year, month, day, hour, minute, second, fraction, offset] = m;
  const parts = {
    year: Number(year),
    month: Number(month ?? 1),
    day: Number(day ?? 1),
    hour: Number(hour ?? 0),
    minute: Number(minute ?? 0),
    second: Number(second ?? 0),
    millisecond: fraction ? Math.floor(Number(`0.${fraction}`) * 1000) : 0,
  };
  const tz = offset ? `UTC${offset.slice(0, 3)}:${offset.slice(3)}` : zone;
  const dt = DateTime.fromObject(parts, { zone: tz });
  // luxon moves a wall time inside a DST gap forward; the EHR cannot have meant a time that never was.
  if (!dt.isValid || dt.hour !== parts.hour || dt.minute !== parts.minute || dt.day !== parts.day) {
    return undefined;
  }
  const precision: Hl7Instant['precision'] = second
    ? 'second'
    : minute
      ? 'minute'
      : hour
        ? 'hour'
        : day
          ? 'day'
          : month
            ? 'month'
            : 'year';
  return { iso: dt.toUTC().toISO({ suppressMilliseconds: true }) ?? '', precision };
}

/** An HL7 date (PID-7) as a FHIR date, keeping only the precision sent (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`). */
export function parseHl7Date(value: string): string | undefined {
  // A DTM with a time of day is allowed (some senders put one on birth dates); the time is ignored.
  const m = /^(\d{4})(\d{2})?(\d{2})?(?:\d{2}(?:\d{2}(?:\d{2}(?:\.\d{1,4})?)?)?)?(?:[+-]\d{4})?$/.exec(
    value.trim(),
  );
  if (!m) {
    return undefined;
  }
  const [, year, month, day] = m;
  const candidate = [year, month, day].filter(Boolean).join('-');
  const check = DateTime.fromISO(candidate);
  return check.isValid ? candidate : undefined;
}

function escapeHl7(text: string, message: Hl7Message | undefined): string {
  const c = message?.context ?? {
    escapeCharacter: '\\',
    fieldSeparator: '|',
    componentSeparator: '^',
    subcomponentSeparator: '&',
    repetitionSeparator: '~',
  };
  return text
    .split(c.escapeCharacter)
    .join(`${c.escapeCharacter}E${c.escapeCharacter}`)
    .split(c.fieldSeparator)
    .join(`${c.escapeCharacter}F${c.escapeCharacter}`)
    .split(c.componentSeparator)
    .join(`${c.escapeCharacter}S${c.escapeCharacter}`)
    .split(c.subcomponentSeparator)
    .join(`${c.escapeCharacter}T${c.escapeCharacter}`)
    .split(c.repetitionSeparator)
    .join(`${c.escapeCharacter}R${c.escapeCharacter}`)
    .replace(/[\r\n]+/g, ' ');
}

/**
 * An ACK for `original` (or a bare one when the input was not HL7 at all): MSA-1 the code, MSA-2 the
 * original control id, MSA-3 a readable text, and for errors an ERR segment (location, table 0357 code,
 * severity, message). Built here rather than with `Hl7Message.buildAck` so the timestamp comes from the
 * bot clock and the text says what was wrong.
 */
export function buildAck(
  original: Hl7Message | undefined,
  ack: { code: 'AA' | 'AE' | 'AR'; text?: string; error?: Hl7InputError },
  now: Date,
): Hl7Message {
  const msh = original?.getSegment('MSH');
  const field = (n: number): string => msh?.getField(n)?.toString() ?? '';
  const event = msh?.getComponent(9, 2) ?? '';
  const timestamp = DateTime.fromJSDate(now, { zone: 'utc' }).toFormat("yyyyLLddHHmmss'+0000'");
  const controlId = `A${now.getTime().toString(36)}${crypto.randomUUID().slice(0, 6)}`.toUpperCase();
  const context = original?.context;
  const encoding = context ? context.getMsh2() : '^~\\&';
  const segments = [
    new Hl7Segment(
      [
        'MSH',
        encoding,
        field(5),
        field(6),
        field(3),
        field(4),
        timestamp,
        '',
        event ? `ACK^${event}^ACK` : 'ACK',
        controlId,
        field(11) || 'P',
        field(12) || '2.5.1',
      ],
      context,
    ),
    new Hl7Segment(['MSA', ack.code, field(10), escapeHl7(ack.text ?? '', original)], context),
  ];
  if (ack.error) {
    const code = ack.error.hl7ErrorCode;
    segments.push(
      new Hl7Segment(
        [
          'ERR',
          '',
          ack.error.location ?? '',
          `${code}^${HL7_ERROR_TEXT[code] ?? ''}^HL70357`,
          'E',
          '',
          '',
          '',
          escapeHl7(ack.error.message, original),
        ],
        context,
      ),
    );
  }
  return new Hl7Message(segments, context);
}
