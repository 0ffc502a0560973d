import { describe, expect, it } from 'vitest';
import { chooseChannel, consentFor, contactAddresses, toE164 } from '../../../src/engine/policy';
import { patient, smsConsent } from '../../fixtures/fhir';

const NOW = '2026-11-20T15:00:00Z';

describe('contact points', () => {
  it('normalises US numbers to E.164 and rejects unreadable ones', () => {
    expect(toE164('(312) 555-0142')).toBe('+13125550142');
    expect(toE164('+1 312 555 0142')).toBe('+13125550142');
    expect(toE164('555')).toBeUndefined();
  });

  it('treats only mobiles as SMS-capable and ignores ended contact points', () => {
    const p = patient({
      telecom: [
        { system: 'phone', use: 'home', value: '312-555-0199' },
        { system: 'phone', use: 'mobile', value: '312-555-0142', period: { end: '2026-01-01' } },
      ],
    });
    expect(contactAddresses(p, NOW).map((a) => a.channel)).toEqual(['voice']);
  });
});

describe('consentFor', () => {
  it('lets the latest decision win and requires a purpose permit under prior express consent', () => {
    const out = consentFor(
      [smsConsent('deny', '2026-01-01T00:00:00Z')],
      'sms',
      'reminder',
      'healthcare-exemption',
    );
    expect(out).toMatchObject({ allowed: false, reason: 'patient opted out of sms on 2026-01-01' });
    const back = consentFor(
      [smsConsent('deny', '2026-01-01T00:00:00Z'), smsConsent('permit', '2026-02-01T00:00:00Z')],
      'sms',
      'reminder',
      'healthcare-exemption',
    );
    expect(back.allowed).toBe(true);
    // A general opt-in does not grant billing consent.
    expect(
      consentFor([smsConsent('permit', '2026-02-01T00:00:00Z')], 'sms', 'billing', 'prior-express-consent')
        .allowed,
    ).toBe(false);
    // A general opt-out after a billing permit still blocks billing.
    expect(
      consentFor(
        [smsConsent('permit', '2026-02-01T00:00:00Z', 'billing'), smsConsent('deny', '2026-03-01T00:00:00Z')],
        'sms',
        'billing',
        'prior-express-consent',
      ).allowed,
    ).toBe(false);
  });
});

describe('chooseChannel', () => {
  it("follows the workflow's order unless the patient ranks another channel first", () => {
    const p = patient({
      telecom: [
        { system: 'phone', use: 'mobile', value: '312-555-0142' },
        { system: 'email', value: 'ana@example.test' },
      ],
    });
    const base = { consents: [], purpose: 'reminder', basis: 'healthcare-exemption' as const, now: NOW };
    expect(chooseChannel({ ...base, patient: p, channels: ['sms', 'email'] })).toMatchObject({
      ok: true,
      channel: 'sms',
    });
    const ranked = patient({
      telecom: [
        { system: 'phone', use: 'mobile', value: '312-555-0142', rank: 2 },
        { system: 'email', value: 'ana@example.test', rank: 1 },
      ],
    });
    expect(chooseChannel({ ...base, patient: ranked, channels: ['sms', 'email'] })).toMatchObject({
      ok: true,
      channel: 'email',
    });
    expect(chooseChannel({ ...base, patient: patient({ telecom: [] }), channels: ['sms'] })).toEqual({
      ok: false,
      reasons: ['no mobile number for SMS'],
    });
  });
});
