import { describe, expect, it } from 'vitest';
import { parseFormBody } from '../../src/channels';

const INBOUND =
  'ToCountry=US&SmsMessageSid=SM123&NumMedia=0&Body=Yes%2C+I%27ll+be+there+%26+on+time%21&From=%2B13125550142&To=%2B13125550100';

describe('parseFormBody', () => {
  it('parses a raw form string: + is a space, %-escapes are decoded', () => {
    expect(parseFormBody(INBOUND)).toEqual({
      ToCountry: 'US',
      SmsMessageSid: 'SM123',
      NumMedia: '0',
      Body: "Yes, I'll be there & on time!",
      From: '+13125550142',
      To: '+13125550100',
    });
  });

  it('decodes UTF-8 escapes (accents and emoji)', () => {
    const body = 'Sí, confirmo 👍🏽 ¡gracias!';
    const raw = `Body=${encodeURIComponent(body)}&From=%2B13125550142`;
    expect(parseFormBody(raw).Body).toBe(body);
  });

  it('keeps a 2,000-character body intact, emoji included', () => {
    const body = `${'a'.repeat(1000)}${'😀'.repeat(500)}`;
    expect(body.length).toBe(2000);
    const raw = new URLSearchParams({ Body: body, From: '+13125550142' }).toString();
    expect(parseFormBody(raw).Body).toBe(body);
    expect(parseFormBody({ Body: body }).Body).toBe(body);
  });

  it('accepts an already-parsed object and coerces values to strings', () => {
    expect(
      parseFormBody({ Body: 'C', NumMedia: 0, Flag: true, Missing: null, Repeated: ['1', '3'] }),
    ).toEqual({
      Body: 'C',
      NumMedia: '0',
      Flag: 'true',
      Missing: '',
      Repeated: '3',
    });
  });

  it('lets the last of repeated keys win', () => {
    expect(parseFormBody('Digits=1&Digits=3')).toEqual({ Digits: '3' });
  });

  it('treats an empty string as an empty form', () => {
    expect(parseFormBody('')).toEqual({});
  });

  it('keeps "__proto__" an ordinary field', () => {
    const parsed = parseFormBody('__proto__=x&Body=hi');
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.keys(parsed)).toContain('__proto__');
  });

  it.each([
    ['null', null],
    ['undefined', undefined],
    ['a number', 42],
    ['an array', ['Body=hi']],
    ['a Date', new Date()],
    ['a Buffer', Buffer.from('Body=hi')],
  ])('rejects %s with a clear error', (_label, input) => {
    expect(() => parseFormBody(input)).toThrow(/webhook body rejected: expected a form string or an object/);
  });

  it('rejects nested objects', () => {
    expect(() => parseFormBody({ Body: { text: 'hi' } })).toThrow(/field "Body" is not a string/);
  });

  it('rejects oversized bodies and too many fields', () => {
    expect(() => parseFormBody(`Body=${'a'.repeat(40_000)}`)).toThrow(/larger than/);
    expect(() => parseFormBody({ Body: 'a'.repeat(40_000) })).toThrow(/larger than/);
    const many = Array.from({ length: 101 }, (_, i) => `F${i}=1`).join('&');
    expect(() => parseFormBody(many)).toThrow(/more than 100 fields/);
    expect(() =>
      parseFormBody(Object.fromEntries(Array.from({ length: 101 }, (_, i) => [`F${i}`, '1']))),
    ).toThrow(/more than 100 fields/);
  });
});
