/** Which of a patient's contact points can carry which channel. */

import type { ContactPoint, Patient } from '@medplum/fhirtypes';
import { parsePhoneNumberFromString } from 'libphonenumber-js/min';
import type { Channel } from '../workflow/types';

/** A usable address for a channel: E.164 for phones, the address for email. */
export interface ContactAddress {
  readonly channel: Channel;
  readonly address: string;
  readonly rank: number;
}

/** Normalises a phone number to E.164 (US default), or undefined when it is not a valid number. */
export function toE164(raw: string, defaultCountry: 'US' = 'US'): string | undefined {
  const parsed = parsePhoneNumberFromString(raw, defaultCountry);
  return parsed?.isValid() ? parsed.number : undefined;
}

function current(cp: ContactPoint, nowIso: string): boolean {
  return !cp.period?.end || cp.period.end > nowIso;
}

/**
 * The addresses a patient can be reached at on each channel. SMS needs a mobile (use `mobile`, or system
 * `sms`): a home or work number is treated as a landline and is only good for voice.
 */
export function contactAddresses(patient: Patient, nowIso: string): ContactAddress[] {
  const out: ContactAddress[] = [];
  for (const cp of patient.telecom ?? []) {
    if (!cp.value || !current(cp, nowIso)) {
      continue;
    }
    const rank = cp.rank ?? Number.POSITIVE_INFINITY;
    if (cp.system === 'email') {
      if (/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(cp.value)) {
        out.push({ channel: 'email', address: cp.value, rank });
      }
      continue;
    }
    if (cp.system !== 'phone' && cp.system !== 'sms') {
      continue;
    }
    const e164 = toE164(cp.value);
    if (!e164) {
      continue;
    }
    if (cp.system === 'sms' || cp.use === 'mobile') {
      out.push({ channel: 'sms', address: e164, rank });
    }
    if (cp.system === 'phone') {
      out.push({ channel: 'voice', address: e164, rank });
    }
  }
  return out;
}

/** Phone numbers on the patient that could not be read, so staff can be asked to fix them. */
export function invalidPhones(patient: Patient): string[] {
  return (patient.telecom ?? [])
    .filter((cp) => (cp.system === 'phone' || cp.system === 'sms') && cp.value && !toE164(cp.value))
    .map((cp) => cp.value ?? '');
}
