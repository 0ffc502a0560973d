import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { fitSendWindow, sendWindowFor } from '../../../src/engine/policy';
import { patient, PRACTICE } from '../../fixtures/fhir';

const WINDOW = { start: '08:00', end: '21:00' };
const fit = (iso: string, zone: string): string =>
  fitSendWindow(DateTime.fromISO(iso, { setZone: true }), zone, WINDOW).at.toFormat('yyyy-MM-dd HH:mm');

describe('fitSendWindow', () => {
  it('waits for 08:00 before the window and for the next morning at or after 21:00', () => {
    expect(fit('2026-06-01T07:59:00-05:00', 'America/Chicago')).toBe('2026-06-01 08:00');
    expect(fit('2026-06-01T21:00:00-05:00', 'America/Chicago')).toBe('2026-06-02 08:00');
    expect(fit('2026-06-01T20:59:00-05:00', 'America/Chicago')).toBe('2026-06-01 20:59');
  });

  it('keeps 08:00 on the wall clock on DST days', () => {
    expect(fit('2026-03-08T03:30:00-04:00', 'America/New_York')).toBe('2026-03-08 08:00');
    expect(fit('2026-10-31T22:00:00-04:00', 'America/New_York')).toBe('2026-11-01 08:00');
  });

  it('judges by the recipient zone: 19:30 in New York is 16:30 in Honolulu', () => {
    expect(fit('2026-06-01T19:30:00-04:00', 'Pacific/Honolulu')).toBe('2026-06-01 13:30');
    expect(fit('2026-06-01T06:30:00-04:00', 'Pacific/Honolulu')).toBe('2026-06-01 08:00');
  });
});

describe('sendWindowFor', () => {
  it("takes the stricter of the practice's and the state's windows", () => {
    expect(sendWindowFor(patient({ address: [{ state: 'fl' }] }), PRACTICE).window).toEqual({
      start: '08:00',
      end: '20:00',
    });
    expect(sendWindowFor(patient({ address: [{ state: 'IL' }] }), PRACTICE).window).toEqual(WINDOW);
  });
});
