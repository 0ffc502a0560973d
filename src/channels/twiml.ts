/** TwiML documents Careloop answers webhooks and places calls with. */

// Characters XML 1.0 cannot carry at all (C0 controls other than tab/LF/CR, lone surrogates, U+FFFE/FFFF):
// Twilio rejects a document containing them, so they are dropped rather than escaped.
const XML_INVALID =
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

const ENTITIES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&apos;',
};

/** Escapes text for XML element content or a double-quoted attribute. */
export function escapeXml(text: string): string {
  return text.replace(XML_INVALID, '').replace(/[&<>"']/g, (ch) => ENTITIES[ch] ?? ch);
}

/**
 * The answer to an inbound SMS webhook: one `<Message>` per non-blank text, or `<Response/>` when there is
 * nothing to say (Twilio then sends no reply).
 */
export function messagingTwiml(messages: readonly string[]): string {
  const parts = messages.filter((m) => m.trim() !== '').map((m) => `<Message>${escapeXml(m)}</Message>`);
  return parts.length === 0 ? '<Response/>' : `<Response>${parts.join('')}</Response>`;
}

/** Languages the voice scripts are written in. */
export type VoiceLanguage = 'en' | 'es';

const SAY_LANGUAGE: Readonly<Record<VoiceLanguage, string>> = { en: 'en-US', es: 'es-US' };

/** A reminder call's script. */
export interface VoiceReminder {
  /** The whole script, menu included ("Press 1 to confirm or 3 to reschedule"), from the workflow template. */
  readonly text: string;
  readonly language: VoiceLanguage;
  /** Where Twilio posts the key press (`Digits`): the voice webhook bot. */
  readonly gatherActionUrl: string;
  /**
   * A TTS voice such as `Polly.Joanna`; by default the account's default voice for the language, set in
   * the Twilio console (a voice/language mismatch makes Twilio skip the `<Say>`).
   */
  readonly voice?: string;
}

/**
 * A reminder call: the script is spoken inside a one-digit `<Gather>` so a key press interrupts it and
 * is posted to `gatherActionUrl`. Keys follow the SMS menu: 1 confirm, 3 reschedule (2, cancel in the SMS
 * menu, is understood but not offered). The script plays once and the call ends, which keeps it under the
 * minute the TCPA healthcare exemption expects; a voicemail records the same script.
 */
export function voiceReminderTwiml(reminder: VoiceReminder): string {
  const voice = reminder.voice ? ` voice="${escapeXml(reminder.voice)}"` : '';
  const say = `<Say language="${SAY_LANGUAGE[reminder.language]}"${voice}>${escapeXml(reminder.text)}</Say>`;
  return (
    '<Response>' +
    `<Gather input="dtmf" numDigits="1" timeout="6" method="POST" action="${escapeXml(reminder.gatherActionUrl)}">` +
    say +
    '</Gather>' +
    '<Hangup/>' +
    '</Response>'
  );
}

const KEY_REPLIES: Readonly<Record<string, string>> = { '1': '1', '2': '2', '3': '3' };

/**
 * The SMS-menu answer a key press stands for ('1' confirm, '2' cancel, '3' reschedule), so the inbound bot
 * classifies it with the same reply rules as a text; undefined for any other key.
 */
export function voiceKeyToReply(digits: string): string | undefined {
  return KEY_REPLIES[digits.trim()];
}
