/** Placeholder names templates may use ('patient.firstName', 'appointment.date', ... 'links.survey'). */
export const TEMPLATE_VARIABLES: readonly string[] = [
  'patient.firstName',
  'practice.name',
  'practice.phone',
  'appointment.date',
  'appointment.time',
  'appointment.dateTime',
  'location.name',
  'location.address',
  'links.reschedule',
  'links.telehealth',
  'links.forms',
  'links.payment',
  'links.review',
  'links.booking',
  'links.survey',
];

const KNOWN = new Set(TEMPLATE_VARIABLES);

/** Whether a placeholder name is one templates may use. */
export function isTemplateVariable(name: string): boolean {
  return KNOWN.has(name);
}

/** One `{{name}}` occurrence in a template text. */
export interface Placeholder {
  /** The name inside the braces, trimmed. */
  readonly name: string;
  /** The whole match, braces included, as written. */
  readonly raw: string;
  readonly index: number;
}

// Whitespace inside the braces is tolerated because authors type `{{ patient.firstName }}`.
const PLACEHOLDER = /\{\{\s*([^{}]*?)\s*\}\}/g;

/** Every `{{name}}` placeholder in a text, in order. */
export function findPlaceholders(text: string): Placeholder[] {
  return [...text.matchAll(PLACEHOLDER)].map((m) => ({ name: m[1] ?? '', raw: m[0], index: m.index }));
}

/**
 * The text with every well-formed placeholder replaced by `replace(name)`. A value ending in a period
 * followed by a period in the text keeps only one ("a las 9:30 a.m.." → "a las 9:30 a.m.").
 */
export function replacePlaceholders(text: string, replace: (name: string) => string): string {
  // One pass with a callback, so a value that itself contains "{{...}}" is never expanded again.
  return text.replace(PLACEHOLDER, (match: string, name: string, offset: number) => {
    const value = replace(name);
    return value.endsWith('.') && text[offset + match.length] === '.' ? value.slice(0, -1) : value;
  });
}

// A single-brace `{patient.firstName}` is a typo that would otherwise reach the patient verbatim.
const SINGLE_BRACE_NAME = /\{\s*[A-Za-z]+\.[A-Za-z]+\s*\}/;

/** Whether broken placeholders remain once well-formed ones are removed ("{{name}", "{name}}", "{patient.firstName}"). */
export function hasStrayBraces(text: string): boolean {
  const rest = text.replace(PLACEHOLDER, '');
  return rest.includes('{{') || rest.includes('}}') || SINGLE_BRACE_NAME.test(rest);
}
