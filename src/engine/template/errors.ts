/** Why a template could not be rendered. */
export type TemplateErrorCode =
  | 'unknown-variable'
  | 'missing-value'
  | 'malformed-placeholder'
  | 'invalid-value'
  | 'invalid-time-zone'
  | 'channel-mismatch'
  | 'empty-message'
  | 'clinical-detail';

/**
 * A template that cannot become a message. Thrown rather than rendering a half-filled text: a reminder
 * that says "your visit on {{appointment.date}}" or "on ," must never reach a patient.
 */
export class TemplateError extends Error {
  readonly code: TemplateErrorCode;
  /** The placeholder name involved, when there is one. */
  readonly variable?: string;

  constructor(code: TemplateErrorCode, message: string, variable?: string) {
    super(message);
    this.name = 'TemplateError';
    this.code = code;
    if (variable !== undefined) this.variable = variable;
  }
}
