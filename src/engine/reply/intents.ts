/** What a patient's SMS reply to an appointment message means for the workflow. */
export type ReplyIntent =
  | 'confirm'
  | 'cancel'
  | 'reschedule'
  | 'opt-out'
  | 'opt-in'
  | 'help'
  | 'question'
  | 'wrong-number'
  | 'urgent'
  | 'unknown';

/** Every reply intent, in declaration order (see {@link INTENT_PRIORITY} for how mixed messages are settled). */
export const REPLY_INTENTS: readonly ReplyIntent[] = Object.freeze([
  'confirm',
  'cancel',
  'reschedule',
  'opt-out',
  'opt-in',
  'help',
  'question',
  'wrong-number',
  'urgent',
  'unknown',
]);

/**
 * Which intent wins when one message carries several, strongest first.
 * Safety and legal duties come first (a person in danger, a revocation of consent, a stranger's phone),
 * then what changes the appointment, then what only needs an answer; a plain confirmation loses to
 * anything more specific because acting on the rest of the message matters more than the "yes".
 */
export const INTENT_PRIORITY: readonly ReplyIntent[] = Object.freeze([
  'urgent',
  'opt-out',
  'wrong-number',
  'reschedule',
  'cancel',
  'opt-in',
  'help',
  'question',
  'confirm',
  'unknown',
]);

/** Languages the classifier reads. */
export type ReplyLanguage = 'en' | 'es';

/** The classifier's reading of one reply. */
export interface ReplyClassification {
  intent: ReplyIntent;
  /** 0..1: how sure the rules are; menu answers score highest, guesses from a lone "?" or "ok" lowest. */
  confidence: number;
  /** Best guess; 'en' when nothing tells. */
  language: ReplyLanguage;
  /** True when the text is a per-se revocation word (FCC 24-24): callers must stop messaging whatever else it may mean. */
  perSeOptOut: boolean;
  /** Set when the text could also mean another intent, e.g. a bare "cancel" (opt-out, but maybe the appointment too). */
  alsoCouldMean?: ReplyIntent;
}

/** Type guard for strings read from outside (corpus files, stored tasks). */
export function isReplyIntent(value: string): value is ReplyIntent {
  return (REPLY_INTENTS as readonly string[]).includes(value);
}
