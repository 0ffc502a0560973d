import type { CodeableConcept, Patient } from '@medplum/fhirtypes';

/**
 * The base language of a code ('es', 'es-MX', 'es_MX', 'spa', 'ES' → 'es'), or undefined if it is not a
 * language code. ISO 639-2/3 codes are mapped by Intl's canonicalisation ('spa' → 'es', 'ger' → 'de').
 */
export function normalizeLanguage(code: string): string | undefined {
  if (NORMALIZED.has(code)) return NORMALIZED.get(code);
  const result = normalizeUncached(code);
  if (NORMALIZED.size < 1000) NORMALIZED.set(code, result);
  return result;
}

// Intl.Locale is slow to build and the same few codes come up for every patient.
const NORMALIZED = new Map<string, string | undefined>();

function normalizeUncached(code: string): string | undefined {
  const trimmed = code.trim().replace(/_/g, '-');
  if (trimmed === '') return undefined;
  try {
    const language = new Intl.Locale(trimmed).language.toLowerCase();
    // Intl accepts 5–8 letter subtags ("spanish"); those are words, not codes.
    return /^[a-z]{2,3}$/.test(language) ? language : undefined;
  } catch {
    return undefined;
  }
}

// US English and US Spanish: dates read the way patients here expect ("Tue, Dec 1", "9:30 a.m.").
const DEFAULT_REGION: Readonly<Record<string, string>> = { en: 'en-US', es: 'es-US' };

/** The Intl locale used to format dates for a message language ('en' → 'en-US', 'es' → 'es-US'). */
export function localeFor(language: string): string {
  const base = normalizeLanguage(language);
  if (base === undefined) return 'en-US';
  const regional = DEFAULT_REGION[base];
  if (regional !== undefined && !language.includes('-') && !language.includes('_')) return regional;
  const wanted = language.replace(/_/g, '-');
  const [supported] = Intl.DateTimeFormat.supportedLocalesOf([wanted, base]);
  return supported ?? 'en-US';
}

function fold(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().trim();
}

// A coding without a usable code may still say "Spanish" or "Español" in display or text.
function languageFromName(name: string, supported: readonly string[]): string | undefined {
  const wanted = fold(name);
  if (wanted === '') return undefined;
  for (const code of supported) {
    const base = normalizeLanguage(code);
    if (base === undefined) continue;
    const names = [base, 'en'].map((locale) => {
      try {
        return new Intl.DisplayNames([locale], { type: 'language' }).of(base) ?? '';
      } catch {
        return '';
      }
    });
    if (names.some((n) => n !== '' && fold(n) === wanted)) return base;
  }
  return undefined;
}

function languagesOf(concept: CodeableConcept | undefined, supported: readonly string[]): string[] {
  if (concept === undefined) return [];
  const found: string[] = [];
  for (const coding of concept.coding ?? []) {
    const fromCode = coding.code === undefined ? undefined : normalizeLanguage(coding.code);
    const fromDisplay =
      coding.display === undefined ? undefined : languageFromName(coding.display, supported);
    const language = fromCode ?? fromDisplay;
    if (language !== undefined) found.push(language);
  }
  if (concept.text !== undefined) {
    const fromText = languageFromName(concept.text, supported) ?? normalizeLanguage(concept.text);
    if (fromText !== undefined) found.push(fromText);
  }
  return found;
}

/**
 * The patient's message language from Patient.communication (preferred first, then first listed; codes
 * like 'es', 'es-MX', 'spa' → 'es'), else the fallback; only languages in `supported` are returned.
 * A preferred language we have no templates for gives way to the next listed one the practice supports,
 * because a patient who listed it reads it.
 */
export function patientLanguage(patient: Patient, supported: readonly string[], fallback: string): string {
  const communications = patient.communication ?? [];
  const ordered = [
    ...communications.filter((c) => c.preferred === true),
    ...communications.filter((c) => c.preferred !== true),
  ];
  for (const communication of ordered) {
    for (const language of languagesOf(communication.language, supported)) {
      const match = supported.find((s) => normalizeLanguage(s) === language);
      if (match !== undefined) return match;
    }
  }
  return fallback;
}
