/** Twilio-shaped identifiers: two letters and 32 hex digits (34 characters). */

import { randomBytes } from 'node:crypto';

/** A new sid with the given prefix (`SM` message, `CA` call, `MM` …). */
export function newSid(prefix: 'SM' | 'CA'): string {
  return prefix + randomBytes(16).toString('hex');
}
