/** Reading a Twilio webhook's form body the way Medplum hands it to a bot. */

import { Buffer } from 'node:buffer';
import { URLSearchParams } from 'node:url';

/**
 * Limits on a webhook body. Twilio's largest form (an inbound MMS: a 1,600-character body, percent-encoded
 * at up to 9 bytes a character, plus ten media URLs and ~30 metadata fields) stays well under these; a
 * bigger body is not from Twilio and is refused before anything else reads it.
 */
export const FORM_LIMITS = { maxBytes: 32 * 1024, maxFields: 100 } as const;

function fail(message: string): never {
  throw new Error(`webhook body rejected: ${message}`);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function scalar(name: string, value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  if (value === null || value === undefined) return '';
  // Express-style parsers turn a repeated key into an array: the last value wins, as for a raw string.
  if (Array.isArray(value)) return value.length === 0 ? '' : scalar(name, value[value.length - 1]);
  return fail(`field "${name.slice(0, 40)}" is not a string`);
}

function checkSize(fields: number, bytes: number): void {
  if (fields > FORM_LIMITS.maxFields) fail(`more than ${FORM_LIMITS.maxFields} fields`);
  if (bytes > FORM_LIMITS.maxBytes) fail(`larger than ${FORM_LIMITS.maxBytes} bytes`);
}

/**
 * Normalises a webhook's `event.input` to name → value strings. Medplum passes either the parsed object or
 * the raw `application/x-www-form-urlencoded` string; both are accepted (`+` is a space, %-escapes are
 * UTF-8). Repeated keys: the last wins. Anything else (arrays, null, numbers, nested objects) and bodies
 * over FORM_LIMITS throw an Error saying why, which the webhook bot turns into a 400.
 */
export function parseFormBody(input: unknown): Record<string, string> {
  // Entries are collected in a Map and copied with Object.fromEntries, so a key like "__proto__" stays a
  // plain own property instead of reaching the prototype.
  const entries = new Map<string, string>();
  if (typeof input === 'string') {
    const bytes = Buffer.byteLength(input, 'utf8');
    checkSize(0, bytes);
    const form = new URLSearchParams(input);
    let count = 0;
    for (const [name, value] of form) {
      count += 1;
      checkSize(count, bytes);
      entries.set(name, value);
    }
  } else if (isPlainObject(input)) {
    const names = Object.keys(input);
    checkSize(names.length, 0);
    let bytes = 0;
    for (const name of names) {
      const value = scalar(name, input[name]);
      bytes += Buffer.byteLength(name, 'utf8') + Buffer.byteLength(value, 'utf8');
      checkSize(names.length, bytes);
      entries.set(name, value);
    }
  } else {
    const kind = input === null ? 'null' : Array.isArray(input) ? 'an array' : typeof input;
    fail(`expected a form string or an object of fields, got ${kind}`);
  }
  return Object.fromEntries(entries);
}
