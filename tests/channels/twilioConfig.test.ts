import { describe, expect, it } from 'vitest';
import { BotConfigError } from '../../src/bots/runtime';
import { twilioConfigFromSecrets } from '../../src/channels';
import { ACCOUNT_SID, AUTH_TOKEN, FROM, secrets } from './twilioFixtures';

const REQUIRED = { TWILIO_ACCOUNT_SID: ACCOUNT_SID, TWILIO_AUTH_TOKEN: AUTH_TOKEN, TWILIO_FROM_NUMBER: FROM };

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a throw');
}

describe('twilioConfigFromSecrets', () => {
  it('reads the required secrets and defaults the API base URL', () => {
    expect(twilioConfigFromSecrets(secrets(REQUIRED))).toEqual({
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      apiBaseUrl: 'https://api.twilio.com',
      from: FROM,
    });
  });

  it('reads the optional secrets and trims a trailing slash from the base URL', () => {
    const cfg = twilioConfigFromSecrets(
      secrets({
        ...REQUIRED,
        TWILIO_API_BASE_URL: 'http://localhost:8787/twilio/',
        TWILIO_MESSAGING_SERVICE_SID: `MG${'ab'.repeat(16)}`,
        TWILIO_STATUS_CALLBACK_URL: 'https://api.medplum.com/webhook/status-membership',
        TWILIO_VOICE_CALLBACK_URL: 'http://127.0.0.1:8103/webhook/voice?lang=en',
      }),
    );
    expect(cfg.apiBaseUrl).toBe('http://localhost:8787/twilio');
    expect(cfg.messagingServiceSid).toBe(`MG${'ab'.repeat(16)}`);
    expect(cfg.statusCallbackUrl).toBe('https://api.medplum.com/webhook/status-membership');
    expect(cfg.voiceCallbackUrl).toBe('http://127.0.0.1:8103/webhook/voice?lang=en');
  });

  it.each([
    ['TWILIO_ACCOUNT_SID', {}, 'TWILIO_ACCOUNT_SID'],
    ['TWILIO_ACCOUNT_SID', { TWILIO_ACCOUNT_SID: 'AC123' }, 'TWILIO_ACCOUNT_SID'],
    ['TWILIO_ACCOUNT_SID', { TWILIO_ACCOUNT_SID: `SK${'0'.repeat(32)}` }, 'TWILIO_ACCOUNT_SID'],
    ['TWILIO_AUTH_TOKEN', { TWILIO_AUTH_TOKEN: ' ' }, 'TWILIO_AUTH_TOKEN'],
    ['TWILIO_FROM_NUMBER', { TWILIO_FROM_NUMBER: '312-555-0100' }, 'TWILIO_FROM_NUMBER'],
    ['TWILIO_FROM_NUMBER', { TWILIO_FROM_NUMBER: '+15555550100' }, 'TWILIO_FROM_NUMBER'],
    ['TWILIO_API_BASE_URL', { TWILIO_API_BASE_URL: 'http://api.twilio.com' }, 'TWILIO_API_BASE_URL'],
    ['TWILIO_API_BASE_URL', { TWILIO_API_BASE_URL: 'https://api.twilio.com?x=1' }, 'TWILIO_API_BASE_URL'],
    ['TWILIO_API_BASE_URL', { TWILIO_API_BASE_URL: 'not a url' }, 'TWILIO_API_BASE_URL'],
    ['TWILIO_MESSAGING_SERVICE_SID', { TWILIO_MESSAGING_SERVICE_SID: 'MG1' }, 'TWILIO_MESSAGING_SERVICE_SID'],
    [
      'TWILIO_STATUS_CALLBACK_URL',
      { TWILIO_STATUS_CALLBACK_URL: 'ftp://x.test/' },
      'TWILIO_STATUS_CALLBACK_URL',
    ],
  ])('rejects a bad %s with a BotConfigError naming it', (_name, override, named) => {
    const values: Record<string, string> = { ...REQUIRED, ...override };
    if (Object.keys(override).length === 0) delete values.TWILIO_ACCOUNT_SID;
    const error = errorOf(() => twilioConfigFromSecrets(secrets(values)));
    expect(error).toBeInstanceOf(BotConfigError);
    expect(error.message).toContain(named);
  });

  it('never prints the auth token', () => {
    const token = 'super-secret-token-value';
    const messages = [
      { ...REQUIRED, TWILIO_AUTH_TOKEN: token, TWILIO_FROM_NUMBER: 'nope' },
      { ...REQUIRED, TWILIO_AUTH_TOKEN: token, TWILIO_ACCOUNT_SID: 'bad' },
      { ...REQUIRED, TWILIO_AUTH_TOKEN: token, TWILIO_API_BASE_URL: `http://${token}.example` },
    ].map((values) => errorOf(() => twilioConfigFromSecrets(secrets(values))).message);
    for (const message of messages) expect(message).not.toContain(token);
  });

  it('reads the sender rate a campaign allows and refuses one that is not a positive number', () => {
    expect(twilioConfigFromSecrets(secrets({ ...REQUIRED, TWILIO_SENDER_RATE: ' 15 ' })).senderRate).toBe(15);
    for (const bad of ['0', '-2', 'fast', '5000']) {
      const error = errorOf(() => twilioConfigFromSecrets(secrets({ ...REQUIRED, TWILIO_SENDER_RATE: bad })));
      expect(error).toBeInstanceOf(BotConfigError);
      expect(error.message).toContain('TWILIO_SENDER_RATE');
    }
  });
});
