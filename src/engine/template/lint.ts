import type { Channel } from '../workflow/types';
import { findClinicalTerms, type ClinicalCategory } from './clinical-terms';
import { normalizeLanguage } from './language';
import { smsSegments } from './segments';
import { findPlaceholders, hasStrayBraces, isTemplateVariable } from './variables';

/** A problem found in a template by lintTemplate. */
export interface TemplateIssue {
  code:
    | 'clinical-detail'
    | 'clinical-placeholder'
    | 'unknown-variable'
    | 'malformed-placeholder'
    | 'empty-body'
    | 'too-long'
    | 'unchecked-language';
  message: string;
  severity: 'error' | 'warning';
  /** The placeholder or word the issue is about. */
  subject?: string;
}

const CATEGORY_LABEL: Readonly<Record<ClinicalCategory, string>> = {
  result: 'a result or diagnosis',
  test: 'a test',
  procedure: 'a procedure or treatment',
  condition: 'a condition',
  specialty: 'a sensitive specialty',
  medication: 'a medication',
};

// Names a template author might reach for to say what the visit is about; none exists, on purpose.
const CLINICAL_NAME =
  /reason|diagnos|condition|problem|procedure|service|specialt|type|medication|medicine|drug|prescription|result|observation|lab|test|note|comment|description|indication|code|allerg|immuni|vaccin/i;

const LISTED_LANGUAGES = new Set(['en', 'es']);

// Channels a phone, a lock screen or an answering machine can show to someone other than the patient.
function isExposed(channel: Channel): boolean {
  return channel === 'sms' || channel === 'voice';
}

/**
 * Lints a template body for a channel: for sms/voice refuses clinical detail (diagnosis, procedure,
 * results, test names, conditions, medications — English and Spanish word lists, whole-word,
 * accent-insensitive), refuses placeholders that could carry clinical detail; for all channels flags
 * unknown and malformed placeholders. Warns when an SMS cannot fit one segment even with every
 * placeholder empty, and when sms/voice text is in a language the word lists do not cover. Returns []
 * when clean.
 */
export function lintTemplate(body: string, channel: Channel, language: string): TemplateIssue[] {
  const issues: TemplateIssue[] = [];
  if (body.trim() === '') {
    return [{ code: 'empty-body', message: 'The template has no text.', severity: 'error' }];
  }

  const seen = new Set<string>();
  for (const { name } of findPlaceholders(body)) {
    if (seen.has(name) || isTemplateVariable(name)) continue;
    seen.add(name);
    if (isExposed(channel) && CLINICAL_NAME.test(name)) {
      issues.push({
        code: 'clinical-placeholder',
        message: `{{${name}}} could put clinical detail into ${channel === 'sms' ? 'an SMS' : 'a voice call'}; it is not allowed.`,
        severity: 'error',
        subject: name,
      });
    } else {
      issues.push({
        code: 'unknown-variable',
        message: `{{${name}}} is not a placeholder Careloop knows.`,
        severity: 'error',
        subject: name,
      });
    }
  }

  if (hasStrayBraces(body)) {
    issues.push({
      code: 'malformed-placeholder',
      message: 'A placeholder is not written as {{name}}; the braces would reach the patient as typed.',
      severity: 'error',
    });
  }

  const withoutPlaceholders = body.replace(/\{\{[^{}]*\}\}/g, ' ');
  if (isExposed(channel)) {
    for (const hit of findClinicalTerms(withoutPlaceholders)) {
      issues.push({
        code: 'clinical-detail',
        message: `"${hit.term}" names ${CATEGORY_LABEL[hit.category]}; ${channel === 'sms' ? 'SMS' : 'voice'} messages must not carry clinical detail.`,
        severity: 'error',
        subject: hit.term,
      });
    }
    const base = normalizeLanguage(language);
    if (base === undefined || !LISTED_LANGUAGES.has(base)) {
      issues.push({
        code: 'unchecked-language',
        message: `No clinical word list for "${language}": only English and Spanish words were checked. Have a person review it.`,
        severity: 'warning',
      });
    }
  }

  if (channel === 'sms') {
    // A lower bound: the real text adds the values and maybe the practice name and opt-out notice.
    const { segments } = smsSegments(withoutPlaceholders.replace(/\s+/g, ' ').trim());
    if (segments > 1) {
      issues.push({
        code: 'too-long',
        message: `Even with every placeholder empty this SMS needs ${segments} segments; keep reminders to one (160 GSM characters, 70 with emoji or letters like á).`,
        severity: 'warning',
      });
    }
  }
  return issues;
}
