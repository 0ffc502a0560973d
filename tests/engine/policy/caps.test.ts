import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { capViolation } from '../../../src/engine/policy';

const ZONE = 'America/Chicago';
const CAPS = { perDay: 1, perWeek: 3 };
const at = (iso: string): DateTime => DateTime.fromISO(iso, { zone: ZONE });

describe('capViolation', () => {
  it('allows the first message of a purpose on a day and blocks the second', () => {
    const records = [{ at: '2026-11-10T09:00:00-06:00', purpose: 'reminder' }];
    expect(capViolation(at('2026-11-11T09:00'), 'reminder', records, CAPS, ZONE)).toBeUndefined();
    expect(capViolation(at('2026-11-10T18:00'), 'reminder', records, CAPS, ZONE)).toBe('day');
  });

  it('counts the day in the patient zone, not UTC', () => {
    // 23:30 in Chicago on the 10th is already the 11th in UTC; it is the same local day as 09:00.
    const records = [{ at: '2026-11-10T09:00:00-06:00', purpose: 'reminder' }];
    expect(capViolation(at('2026-11-10T20:30'), 'reminder', records, CAPS, ZONE)).toBe('day');
    expect(capViolation(at('2026-11-11T00:30'), 'reminder', records, CAPS, ZONE)).toBeUndefined();
  });

  it('caps any 7 consecutive days at three, rolling', () => {
    const records = ['2026-11-02', '2026-11-04', '2026-11-06'].map((d) => ({
      at: `${d}T10:00:00-06:00`,
      purpose: 'reminder',
    }));
    expect(capViolation(at('2026-11-08T10:00'), 'reminder', records, CAPS, ZONE)).toBe('week');
    // Exactly 7 days after the first, the window [11-02 10:00, 11-09 10:00) no longer holds it.
    expect(capViolation(at('2026-11-09T10:00'), 'reminder', records, CAPS, ZONE)).toBeUndefined();
    // A message before the others also breaks the cap if it makes a window of four.
    expect(capViolation(at('2026-10-31T10:00'), 'reminder', records, CAPS, ZONE)).toBe('week');
  });

  it('counts each purpose separately', () => {
    const records = [{ at: '2026-11-10T09:00:00-06:00', purpose: 'follow-up' }];
    expect(capViolation(at('2026-11-10T12:00'), 'reminder', records, CAPS, ZONE)).toBeUndefined();
  });
});
