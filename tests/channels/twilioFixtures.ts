/** Synthetic Twilio account and numbers shared by the channel tests (555-01xx numbers are fictional). */

import type { BotSecrets } from '../../src/bots/runtime';
import type { TwilioConfig } from '../../src/channels';

export const ACCOUNT_SID = `AC${'0123456789abcdef'.repeat(2)}`;
export const AUTH_TOKEN = 'test-auth-token-not-real';
export const FROM = '+13125550100';
export const PATIENT = '+13125550142';
export const API = 'https://api.twilio.test';
export const MESSAGES_URL = `${API}/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`;
export const CALLS_URL = `${API}/2010-04-01/Accounts/${ACCOUNT_SID}/Calls.json`;

/** A config pointed at the intercepted test host. */
export function testConfig(overrides: Partial<TwilioConfig> = {}): TwilioConfig {
  return { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, apiBaseUrl: API, from: FROM, ...overrides };
}

/** Medplum-shaped bot secrets from name → value. */
export function secrets(values: Record<string, string>): BotSecrets {
  return Object.fromEntries(
    Object.entries(values).map(([name, valueString]) => [name, { name, valueString }]),
  );
}
