/**
 * Message rendering: templates with `{{placeholders}}` become the exact text a patient receives, with the
 * practice name and opt-out wording SMS needs, dates in the patient's zone and language, SMS segment
 * counts, a lint that keeps clinical detail out of SMS and voice, and the fixed HELP/STOP/START texts.
 * Pure: no network, no clock.
 */

export { TemplateError, type TemplateErrorCode } from './errors';
export { TEMPLATE_VARIABLES, findPlaceholders, isTemplateVariable, type Placeholder } from './variables';
export { buildTemplateContext, type TemplateContext } from './context';
export { renderMessage, type RenderedMessage, type RenderOptions } from './render';
export { chooseTemplate } from './choose';
export { patientLanguage, normalizeLanguage, localeFor } from './language';
export { smsSegments, isGsm7, nonGsmCharacters } from './segments';
export { lintTemplate, type TemplateIssue } from './lint';
export {
  CLINICAL_TERMS,
  findClinicalTerms,
  type ClinicalCategory,
  type ClinicalTermHit,
} from './clinical-terms';
export {
  optOutNotice,
  helpText,
  optOutConfirmation,
  optInConfirmation,
  safetyReply,
} from './compliance-texts';
export { formatAppointmentDate, formatAppointmentTime, formatAppointmentDateTime } from './datetime';
export { displayPhone } from './phone';
