/** Phone-number checks shared by the Twilio senders and the config reader. */

import { toE164 } from '../engine';

const E164_SHAPE = /^\+[1-9]\d{6,14}$/;

/**
 * True when `value` is already a valid E.164 number (`+13125550123`). Senders refuse anything else rather
 * than guess a country: a number the engine could not normalise must not reach the carrier.
 */
export function isE164(value: string): boolean {
  return E164_SHAPE.test(value) && toE164(value) === value;
}

/**
 * Replaces phone-number-like runs in provider text with `[number]`. Twilio's error messages quote the
 * recipient; reasons end up in logs and Communication.statusReason, which should not repeat it.
 */
export function redactNumbers(text: string): string {
  return text.replace(/\+?\d[\d\s().-]{6,}\d/g, '[number]');
}
