import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { computeTwilioSignature, twilioBodyHash, validateTwilioSignature } from '../../src/channels';

// Twilio's documented example (twilio.com/docs/usage/security, "Validating Signatures from Twilio").
const TOKEN = '12345';
const WEBHOOK_URL = 'https://mycompany.com/myapp.php?foo=1&bar=2';
const PARAMS = {
  CallSid: 'CA1234567890ABCDE',
  Caller: '+12349013030',
  Digits: '1234',
  From: '+12349013030',
  To: '+18005551212',
};
const EXPECTED = '0/KCTR6DLpKmkAf8muzZqo1nDgQ=';

describe('computeTwilioSignature', () => {
  it("matches Twilio's documented example", () => {
    expect(computeTwilioSignature({ authToken: TOKEN, url: WEBHOOK_URL, params: PARAMS })).toBe(EXPECTED);
  });

  it('is HMAC-SHA1 of the URL followed by the sorted name+value pairs', () => {
    const data = `${WEBHOOK_URL}CallSidCA1234567890ABCDECaller+12349013030Digits1234From+12349013030To+18005551212`;
    expect(createHmac('sha1', TOKEN).update(data).digest('base64')).toBe(EXPECTED);
  });

  it('sorts names case-sensitively (uppercase first), as Twilio does', () => {
    const params = { b: '2', B: '1', a: '3' };
    const data = 'https://x.example/hookB1a3b2';
    expect(computeTwilioSignature({ authToken: TOKEN, url: 'https://x.example/hook', params })).toBe(
      createHmac('sha1', TOKEN).update(data).digest('base64'),
    );
  });
});

describe('validateTwilioSignature', () => {
  const valid = { authToken: TOKEN, url: WEBHOOK_URL, params: PARAMS, signature: EXPECTED };

  it('accepts the documented example, in any parameter order', () => {
    expect(validateTwilioSignature(valid)).toBe(true);
    const reversed = Object.fromEntries(Object.entries(PARAMS).reverse());
    expect(validateTwilioSignature({ ...valid, params: reversed })).toBe(true);
  });

  it('rejects a changed parameter', () => {
    expect(validateTwilioSignature({ ...valid, params: { ...PARAMS, Digits: '1235' } })).toBe(false);
  });

  it('rejects a changed WEBHOOK_URL, including its query string', () => {
    expect(validateTwilioSignature({ ...valid, url: 'https://mycompany.com/myapp.php?foo=1&bar=3' })).toBe(
      false,
    );
    expect(validateTwilioSignature({ ...valid, url: 'https://mycompany.com/myapp.php' })).toBe(false);
    expect(validateTwilioSignature({ ...valid, url: 'http://mycompany.com/myapp.php?foo=1&bar=2' })).toBe(
      false,
    );
  });

  it('rejects an extra or a missing parameter', () => {
    expect(validateTwilioSignature({ ...valid, params: { ...PARAMS, Extra: '' } })).toBe(false);
    const fewer: Record<string, string> = { ...PARAMS };
    delete fewer.Digits;
    expect(validateTwilioSignature({ ...valid, params: fewer })).toBe(false);
  });

  it('rejects a missing, empty, truncated or differently-encoded signature', () => {
    expect(validateTwilioSignature({ ...valid, signature: undefined })).toBe(false);
    expect(validateTwilioSignature({ ...valid, signature: null })).toBe(false);
    expect(validateTwilioSignature({ ...valid, signature: '' })).toBe(false);
    expect(validateTwilioSignature({ ...valid, signature: EXPECTED.slice(0, -1) })).toBe(false);
    expect(validateTwilioSignature({ ...valid, signature: `${EXPECTED} ` })).toBe(false);
    expect(
      validateTwilioSignature({ ...valid, signature: Buffer.from(EXPECTED, 'base64').toString('hex') }),
    ).toBe(false);
  });

  it('rejects the right signature under another token', () => {
    expect(validateTwilioSignature({ ...valid, authToken: '54321' })).toBe(false);
    expect(validateTwilioSignature({ ...valid, authToken: '' })).toBe(false);
  });

  it('accepts a signature made with or without the default port', () => {
    const withPort = 'https://mycompany.com:443/myapp.php?foo=1&bar=2';
    const signedWithPort = computeTwilioSignature({ authToken: TOKEN, url: withPort, params: PARAMS });
    expect(validateTwilioSignature({ ...valid, signature: signedWithPort })).toBe(true);
    expect(validateTwilioSignature({ ...valid, url: withPort })).toBe(true);
    // A non-default port is part of the WEBHOOK_URL.
    const otherPort = computeTwilioSignature({
      authToken: TOKEN,
      url: 'https://mycompany.com:8443/myapp.php?foo=1&bar=2',
      params: PARAMS,
    });
    expect(validateTwilioSignature({ ...valid, signature: otherPort })).toBe(false);
  });

  it('returns false for a WEBHOOK_URL it cannot parse', () => {
    expect(validateTwilioSignature({ ...valid, url: 'not a url' })).toBe(false);
  });
});

describe('JSON webhooks (bodySHA256)', () => {
  // Twilio's documented JSON example body and its hash.
  const BODY = '{"CallSid":"CA1234567890ABCDE","Caller":"+12349013030"}';
  const HASH = '5ccde7145dfb8f56479710896586cb9d5911809d83afbe34627818790db0aec9';
  const JSON_URL = `https://example.com/myapp?bodySHA256=${HASH}`;
  const signature = computeTwilioSignature({ authToken: TOKEN, url: JSON_URL });

  it('hashes the body as Twilio documents', () => {
    expect(twilioBodyHash(BODY)).toBe(HASH);
    expect(createHash('sha256').update(BODY).digest('hex')).toBe(HASH);
  });

  it('signs the WEBHOOK_URL alone and checks the raw body against the hash', () => {
    expect(validateTwilioSignature({ authToken: TOKEN, url: JSON_URL, rawBody: BODY, signature })).toBe(true);
  });

  it('ignores parsed params for a JSON webhook', () => {
    expect(
      validateTwilioSignature({
        authToken: TOKEN,
        url: JSON_URL,
        params: { CallSid: 'x' },
        rawBody: BODY,
        signature,
      }),
    ).toBe(true);
  });

  it('rejects a changed body, a missing body, or a changed hash', () => {
    const tampered = BODY.replace('+12349013030', '+13125550142');
    expect(validateTwilioSignature({ authToken: TOKEN, url: JSON_URL, rawBody: tampered, signature })).toBe(
      false,
    );
    expect(validateTwilioSignature({ authToken: TOKEN, url: JSON_URL, signature })).toBe(false);
    const otherUrl = `https://example.com/myapp?bodySHA256=${twilioBodyHash(tampered)}`;
    expect(validateTwilioSignature({ authToken: TOKEN, url: otherUrl, rawBody: tampered, signature })).toBe(
      false,
    );
  });
});
