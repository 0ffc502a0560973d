import fc from 'fast-check';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { EXT } from '../../../src/engine/codes';
import { planEnrollment } from '../../../src/engine/planning';
import { loadWorkflow } from '../../../src/engine/workflow';
import { action, appointment, patient, PRACTICE, reminderWorkflow } from '../../fixtures/fhir';

const ZONES = [
  'America/New_York',
  'America/Chicago',
  'America/Denver',
  'America/Phoenix',
  'America/Los_Angeles',
  'America/Anchorage',
  'Pacific/Honolulu',
  'America/Puerto_Rico',
];

// The cadence with a same-day step too, so several steps compete for the same days.
const DEFINITION = (() => {
  const { plan, activities } = reminderWorkflow();
  plan.action?.push(action('same-day', 'reminder-msg', 'before-start', '2 h'));
  return loadWorkflow(plan, activities);
})();

const DAY_MS = 86_400_000;
const WEEK_MS = 7 * DAY_MS;

describe('planning policy (property)', () => {
  it('never schedules a message in quiet hours, after the visit, in the past, or over the caps', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...ZONES),
        // Appointment start: any minute in 2026 (covers both DST changes).
        fc.integer({ min: Date.UTC(2026, 0, 1), max: Date.UTC(2026, 11, 31) }),
        // How long before the visit the booking happens: 10 minutes to 20 days.
        fc.integer({ min: 10, max: 20 * 24 * 60 }),
        // Earlier reminder messages from other enrolments: up to 2, on different days.
        fc.uniqueArray(fc.integer({ min: 1, max: 20 }), { maxLength: 2 }),
        fc.boolean(),
        (zone, startMs, leadMinutes, historyDaysBefore, florida) => {
          const start = DateTime.fromMillis(startMs - (startMs % 60_000)).toUTC();
          const now = start.minus({ minutes: leadMinutes });
          const history = historyDaysBefore.map((d) => ({
            at: start.minus({ days: d }).toISO() ?? '',
            purpose: 'reminder',
          }));
          const p = patient({
            extension: [{ url: EXT.timeZone, valueCode: zone }],
            ...(florida ? { address: [{ state: 'FL' }] } : {}),
          });
          const result = planEnrollment({
            definition: DEFINITION,
            patient: p,
            trigger: { kind: 'appointment-booked', appointment: appointment(start.toISO() ?? '') },
            practice: PRACTICE,
            history,
            consents: [],
            now: now.toISO() ?? '',
          });
          expect(result.applicable).toBe(true);
          if (!result.applicable) return;
          const closes = florida ? 20 * 60 : 21 * 60;
          const sent = result.steps.filter((s) => s.status === 'scheduled');
          const times = [...history.map((h) => Date.parse(h.at)), ...sent.map((s) => Date.parse(s.at ?? ''))];
          for (const s of sent) {
            const at = DateTime.fromISO(s.at ?? '').setZone(zone);
            const minutes = at.hour * 60 + at.minute;
            expect(minutes, `${s.stepId} at ${s.at}`).toBeGreaterThanOrEqual(8 * 60);
            expect(minutes, `${s.stepId} at ${s.at}`).toBeLessThan(closes);
            expect(at.toMillis()).toBeGreaterThanOrEqual(now.toMillis());
            expect(at.toMillis()).toBeLessThan(start.toMillis());
            const sameDay = times.filter((t) => DateTime.fromMillis(t).setZone(zone).hasSame(at, 'day'));
            expect(sameDay.length, `day cap on ${at.toISODate()}`).toBeLessThanOrEqual(1);
            for (const windowStart of times.filter(
              (t) => t <= at.toMillis() && t > at.toMillis() - WEEK_MS,
            )) {
              const inWeek = times.filter((t) => t >= windowStart && t < windowStart + WEEK_MS);
              expect(inWeek.length, 'week cap').toBeLessThanOrEqual(3);
            }
          }
        },
      ),
      { numRuns: 400, seed: 20261124 },
    );
  });
});
