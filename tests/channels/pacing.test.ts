import { describe, expect, it } from 'vitest';
import { SenderPacer, senderKind } from '../../src/channels';

const LONG = '+13125550100';
const TOLL_FREE = '+18885550100';
const SHORT = '55501';
const T0 = Date.UTC(2026, 10, 20, 15);

describe('senderKind', () => {
  it('tells short codes, toll-free and long codes apart by shape', () => {
    expect(senderKind(SHORT)).toBe('short-code');
    expect(senderKind(TOLL_FREE)).toBe('toll-free');
    expect(senderKind('+18335550100')).toBe('toll-free');
    expect(senderKind(LONG)).toBe('long-code');
  });
});

describe('SenderPacer', () => {
  it('lets an idle sender send at once, then spaces a long code at 1 segment/s', () => {
    const pacer = new SenderPacer();
    expect(pacer.reserve(LONG, 1, T0)).toBe(0);
    expect(pacer.reserve(LONG, 2, T0)).toBe(1000);
    expect(pacer.reserve(LONG, 1, T0)).toBe(3000);
    // Time passing shortens the wait; an idle gap is not banked as credit.
    expect(pacer.reserve(LONG, 1, T0 + 3500)).toBe(500);
    expect(pacer.reserve(LONG, 1, T0 + 60_000)).toBe(0);
    expect(pacer.reserve(LONG, 1, T0 + 60_000)).toBe(1000);
  });

  it('uses 3/s for toll-free and 100/s for short codes', () => {
    const pacer = new SenderPacer();
    pacer.reserve(TOLL_FREE, 1, T0);
    expect(pacer.reserve(TOLL_FREE, 1, T0)).toBeCloseTo(1000 / 3);
    pacer.reserve(SHORT, 1, T0);
    expect(pacer.reserve(SHORT, 1, T0)).toBe(10);
  });

  it('keeps senders independent', () => {
    const pacer = new SenderPacer();
    pacer.reserve(LONG, 5, T0);
    expect(pacer.reserve('+13125550101', 1, T0)).toBe(0);
  });

  it('takes per-sender rates and kind defaults from config', () => {
    const mg = `MG${'ab'.repeat(16)}`;
    const pacer = new SenderPacer({ rates: { [LONG]: 4, [mg]: 10 }, defaults: { 'toll-free': 25 } });
    expect(pacer.rateFor(LONG)).toBe(4);
    expect(pacer.rateFor(mg)).toBe(10);
    expect(pacer.rateFor(TOLL_FREE)).toBe(25);
    pacer.reserve(LONG, 2, T0);
    expect(pacer.reserve(LONG, 1, T0)).toBe(500);
  });

  it('refuses nonsense arguments', () => {
    expect(() => new SenderPacer({ rates: { [LONG]: 0 } })).toThrow(RangeError);
    expect(() => new SenderPacer({ defaults: { 'long-code': Number.NaN } })).toThrow(RangeError);
    const pacer = new SenderPacer();
    expect(() => pacer.reserve(LONG, 0, T0)).toThrow(RangeError);
    expect(() => pacer.reserve(LONG, 1.5, T0)).toThrow(RangeError);
    expect(() => pacer.reserve(LONG, 1, Number.NaN)).toThrow(RangeError);
  });
});
