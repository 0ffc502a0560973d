import { TemplateError } from './errors';
import { localeFor, normalizeLanguage } from './language';

// Intl puts narrow no-break (U+202F), no-break (U+00A0) and thin spaces into dates ("9:30\u202FAM");
// any one of them forces a whole SMS into UCS-2, so they become plain spaces.
const INTL_SPACES = /[\u00A0\u2007\u2009\u202F]/g;

// FHIR instants always carry a time and an offset; a bare date would be read as UTC midnight.
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

// Building an Intl.DateTimeFormat costs far more than using one; planning renders thousands of messages.
const KNOWN_ZONES = new Set<string>();
const FORMATTERS = new Map<string, Intl.DateTimeFormat>();

/** Throws TemplateError('invalid-time-zone') unless `timeZone` is an IANA zone Intl knows. */
export function assertTimeZone(timeZone: string): void {
  if (KNOWN_ZONES.has(timeZone)) return;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    throw new TemplateError('invalid-time-zone', `"${timeZone}" is not an IANA time zone`);
  }
  KNOWN_ZONES.add(timeZone);
}

function parseInstant(instant: string, variable: string): Date {
  const ms = INSTANT.test(instant) ? Date.parse(instant) : NaN;
  if (Number.isNaN(ms)) {
    throw new TemplateError(
      'invalid-value',
      `{{${variable}}}: "${instant}" is not an instant with a time zone offset`,
      variable,
    );
  }
  return new Date(ms);
}

function format(date: Date, language: string, timeZone: string, options: Intl.DateTimeFormatOptions): string {
  assertTimeZone(timeZone);
  const locale = localeFor(language);
  const key = `${locale}|${timeZone}|${JSON.stringify(options)}`;
  let formatter = FORMATTERS.get(key);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat(locale, { ...options, timeZone });
    FORMATTERS.set(key, formatter);
  }
  return formatter.format(date).replace(INTL_SPACES, ' ');
}

const DATE: Intl.DateTimeFormatOptions = { weekday: 'short', month: 'short', day: 'numeric' };
const TIME: Intl.DateTimeFormatOptions = { hour: 'numeric', minute: '2-digit' };

/** The appointment day as patients read it: "Tue, Dec 1" (en-US), "mar, 1 de dic" (es-US). */
export function formatAppointmentDate(instant: string, language: string, timeZone: string): string {
  return format(parseInstant(instant, 'appointment.date'), language, timeZone, DATE);
}

/** The appointment time: "9:30 AM" (en-US), "9:30 a.m." (es-US). */
export function formatAppointmentTime(instant: string, language: string, timeZone: string): string {
  return format(parseInstant(instant, 'appointment.time'), language, timeZone, TIME);
}

/** Day and time together: "Tue, Dec 1 at 9:30 AM", "mar, 1 de dic a las 9:30 a.m."; other languages as Intl joins them. */
export function formatAppointmentDateTime(instant: string, language: string, timeZone: string): string {
  const date = parseInstant(instant, 'appointment.dateTime');
  const day = format(date, language, timeZone, DATE);
  const time = format(date, language, timeZone, TIME);
  switch (normalizeLanguage(language)) {
    case 'en':
      return `${day} at ${time}`;
    case 'es':
      // Spanish says "a la 1:30" but "a las 2:30".
      return `${day} ${/^1:/.test(time) ? 'a la' : 'a las'} ${time}`;
    default:
      return format(date, language, timeZone, { ...DATE, ...TIME });
  }
}
