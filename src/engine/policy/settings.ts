/**
 * Practice settings: the per-practice knobs of the policy, with defaults from the rules and evidence in
 * FIELD-NOTES.md. A practice stores them on its Organization; the engine only ever sees this shape.
 */

/** A daily window of local wall-clock time, "HH:mm" to "HH:mm", in which messages may go out. */
export interface SendWindow {
  readonly start: string;
  readonly end: string;
}

/** Everything the engine needs to know about the practice. */
export interface PracticeSettings {
  /** Practice (Organization) display name, named in every SMS (TCPA exemption, CTIA). */
  readonly name: string;
  /** Reference to the Organization, e.g. `Organization/123`. */
  readonly organization?: string;
  /** Street address patients come to, one line; used when an appointment names no Location. */
  readonly address?: string;
  /** Callback number shown to patients, E.164 or national format. */
  readonly phone: string;
  /** Name of the messaging program for HELP replies ("Appointment reminders"). */
  readonly programName: string;
  /** IANA zone used when the patient has none. */
  readonly timeZone: string;
  /** Quiet-hours window in patient local time; default 08:00–21:00 (47 CFR 64.1200(c)(1)). */
  readonly sendWindow: SendWindow;
  /** Stricter windows by the patient's US state (address.state), e.g. Florida 08:00–20:00. */
  readonly stateSendWindows: Readonly<Record<string, SendWindow>>;
  /** Caps per patient and purpose: at most `perDay` on one local calendar day, `perWeek` in any 7 days. */
  readonly caps: { readonly perDay: number; readonly perWeek: number };
  /** Purposes the practice has switched off (billing is off unless the practice enables it). */
  readonly disabledPurposes: readonly string[];
  /** Minimum lead before an appointment for a before-start message to still be worth sending, in minutes. */
  readonly minLeadMinutes: number;
  /** Links offered in messages (reschedule, telehealth, forms, payment, review, booking, survey). */
  readonly links: Readonly<Partial<Record<TemplateLink, string>>>;
  /** Language used when the patient states none, BCP-47 ("en"). */
  readonly defaultLanguage: string;
  /** Who owns each work queue's tasks: queue code → reference (`CareTeam/access-team`). */
  readonly queueOwners: Readonly<Record<string, string>>;
  /**
   * True when the carrier account answers STOP/START/HELP keywords itself (Twilio's default opt-out
   * handling): Careloop then records them but does not send a second confirmation.
   */
  readonly carrierKeywordReplies: boolean;
  /** Survey scores at or below this (0–10) open an escalation task (NPS detractors: 0–6). */
  readonly surveyEscalationAtOrBelow: number;
}

/** Named links templates may use as `{{links.NAME}}`. */
export type TemplateLink =
  'reschedule' | 'telehealth' | 'forms' | 'payment' | 'review' | 'booking' | 'survey';

/** Defaults a new practice starts from. */
export const DEFAULT_PRACTICE_SETTINGS: PracticeSettings = {
  name: 'Your practice',
  phone: '',
  programName: 'Appointment and care messages',
  timeZone: 'America/New_York',
  sendWindow: { start: '08:00', end: '21:00' },
  stateSendWindows: { FL: { start: '08:00', end: '20:00' } },
  caps: { perDay: 1, perWeek: 3 },
  disabledPurposes: ['billing'],
  minLeadMinutes: 60,
  links: {},
  defaultLanguage: 'en',
  queueOwners: {},
  carrierKeywordReplies: false,
  surveyEscalationAtOrBelow: 6,
};

/** Fills a partial settings object with the defaults; nested objects are merged one level deep. */
export function practiceSettings(partial: Partial<PracticeSettings>): PracticeSettings {
  return {
    ...DEFAULT_PRACTICE_SETTINGS,
    ...partial,
    sendWindow: partial.sendWindow ?? DEFAULT_PRACTICE_SETTINGS.sendWindow,
    stateSendWindows: { ...DEFAULT_PRACTICE_SETTINGS.stateSendWindows, ...partial.stateSendWindows },
    caps: { ...DEFAULT_PRACTICE_SETTINGS.caps, ...partial.caps },
    links: { ...DEFAULT_PRACTICE_SETTINGS.links, ...partial.links },
    queueOwners: { ...DEFAULT_PRACTICE_SETTINGS.queueOwners, ...partial.queueOwners },
  };
}
