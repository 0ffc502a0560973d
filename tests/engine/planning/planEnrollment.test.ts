import type { Patient } from '@medplum/fhirtypes';
import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { CS, EXT, ID_SYSTEM } from '../../../src/engine/codes';
import { planEnrollment, type EnrollmentPlan, type PlannedStep } from '../../../src/engine/planning';
import { practiceSettings } from '../../../src/engine/policy';
import { loadWorkflow, type WorkflowDefinition } from '../../../src/engine/workflow';
import {
  action,
  appointment,
  messageActivity,
  patient,
  plan,
  PRACTICE,
  reminderWorkflow,
  smsConsent,
} from '../../fixtures/fhir';

const REMINDERS = (() => {
  const { plan: p, activities } = reminderWorkflow();
  return loadWorkflow(p, activities);
})();

function planned(overrides: {
  definition?: WorkflowDefinition;
  patient?: Patient;
  start?: string;
  now: string;
  history?: { at: string; purpose: string }[];
  consents?: ReturnType<typeof smsConsent>[];
  appointmentOverrides?: Parameters<typeof appointment>[1];
  practice?: typeof PRACTICE;
}): Extract<EnrollmentPlan, { applicable: true }> {
  const result = planEnrollment({
    definition: overrides.definition ?? REMINDERS,
    patient: overrides.patient ?? patient(),
    trigger: {
      kind: 'appointment-booked',
      ...(overrides.start
        ? { appointment: appointment(overrides.start, overrides.appointmentOverrides) }
        : {}),
    },
    practice: overrides.practice ?? PRACTICE,
    history: overrides.history ?? [],
    consents: overrides.consents ?? [],
    now: overrides.now,
  });
  if (!result.applicable) {
    throw new Error(`not applicable: ${result.reasons.join('; ')}`);
  }
  return result;
}

function step(plan: { steps: readonly PlannedStep[] }, id: string): PlannedStep {
  const s = plan.steps.find((x) => x.stepId === id);
  if (!s) throw new Error(`no step ${id}`);
  return s;
}

/** Local wall-clock "yyyy-MM-dd HH:mm" of a planned step in a zone. */
function local(s: PlannedStep, zone: string): string {
  return DateTime.fromISO(s.at ?? '')
    .setZone(zone)
    .toFormat('yyyy-MM-dd HH:mm');
}

describe('planEnrollment: the reminder cadence', () => {
  it('plans a booking confirmation now and reminders 3 days and 1 day before, rendered for the patient', () => {
    const p = planned({ start: '2026-12-01T09:30:00-06:00', now: '2026-11-20T15:00:00-06:00' });
    expect(p.steps.map((s) => [s.stepId, s.status, local(s, 'America/Chicago')])).toEqual([
      ['booked', 'scheduled', '2026-11-20 15:00'],
      ['reminder-3d', 'scheduled', '2026-11-28 09:30'],
      ['reminder-1d', 'scheduled', '2026-11-30 09:30'],
    ]);
    const threeDay = step(p, 'reminder-3d');
    expect(threeDay.channel).toBe('sms');
    expect(threeDay.address).toBe('+13125550142');
    expect(threeDay.text).toContain('Ana');
    expect(threeDay.text).toContain('Lakeside Family Clinic');
    expect(threeDay.text).toContain('9:30 AM');
    expect(threeDay.text).toMatch(/STOP/);
    expect(threeDay.segments).toBeGreaterThanOrEqual(1);
  });

  it('writes Spanish for a Spanish-speaking patient', () => {
    const p = planned({
      patient: patient({ communication: [{ language: { coding: [{ code: 'es' }] }, preferred: true }] }),
      start: '2026-12-01T09:30:00-06:00',
      now: '2026-11-20T15:00:00-06:00',
    });
    expect(p.language).toBe('es');
    expect(step(p, 'reminder-1d').text).toContain('Hola Ana');
    expect(step(p, 'reminder-1d').text).toContain('Responda C para confirmar');
  });

  it('produces the same resources and identifiers when planned twice', () => {
    const a = planned({ start: '2026-12-01T09:30:00-06:00', now: '2026-11-20T15:00:00-06:00' });
    const b = planned({ start: '2026-12-01T09:30:00-06:00', now: '2026-11-20T15:00:00-06:00' });
    expect(b).toEqual(a);
    const ids = a.communicationRequests.map((r) => r.identifier?.[0]?.value);
    expect(new Set(ids).size).toBe(3);
    expect(a.carePlan.identifier?.[0]).toEqual({ system: ID_SYSTEM.enrolment, value: a.key });
    expect(a.carePlan.activity).toHaveLength(3);
    expect(a.carePlan.instantiatesCanonical).toEqual([
      'https://careloop.health/fhir/PlanDefinition/test-reminders|1.0.0',
    ]);
  });

  it('gives a moved appointment a new enrolment key, so the old plan can be revoked and a new one made', () => {
    const a = planned({ start: '2026-12-01T09:30:00-06:00', now: '2026-11-20T15:00:00-06:00' });
    const b = planned({ start: '2026-12-02T09:30:00-06:00', now: '2026-11-20T15:00:00-06:00' });
    expect(b.key).not.toBe(a.key);
  });
});

describe('planEnrollment: time zones and DST', () => {
  it('keeps "1 day before" at the same wall-clock time across spring-forward', () => {
    // 2026-03-08 is the US spring-forward day: 08:15 EDT; 1 day before is 08:15 EST on the 7th.
    const ny = patient({ extension: [{ url: EXT.timeZone, valueCode: 'America/New_York' }] });
    const p = planned({ patient: ny, start: '2026-03-08T08:15:00-04:00', now: '2026-03-01T12:00:00-05:00' });
    expect(local(step(p, 'reminder-1d'), 'America/New_York')).toBe('2026-03-07 08:15');
    expect(step(p, 'reminder-1d').reasons).toEqual([]);
  });

  it('moves an exact 24-hour reminder out of quiet hours on the spring-forward day', () => {
    const ny = patient({ extension: [{ url: EXT.timeZone, valueCode: 'America/New_York' }] });
    const { plan: p, activities } = reminderWorkflow();
    const def = loadWorkflow(
      { ...p, action: [action('reminder-24h', 'reminder-msg', 'before-start', '24 h')] },
      activities,
    );
    // 08:15 EDT on the 8th minus 24 hours is 07:15 EST on the 7th: before 08:00, so it waits.
    const out = planned({
      definition: def,
      patient: ny,
      start: '2026-03-08T08:15:00-04:00',
      now: '2026-03-01T12:00:00-05:00',
    });
    const s = step(out, 'reminder-24h');
    expect(local(s, 'America/New_York')).toBe('2026-03-07 08:00');
    expect(s.reasons).toEqual(['moved from 07:15 to 08:00: quiet hours (08:00–21:00 America/New_York)']);
  });

  it('handles the fall-back day: 1 day keeps 08:15, 24 hours lands at 09:15', () => {
    const ny = patient({ extension: [{ url: EXT.timeZone, valueCode: 'America/New_York' }] });
    const { plan: p, activities } = reminderWorkflow();
    const def = loadWorkflow(
      {
        ...p,
        action: [
          action('one-day', 'reminder-msg', 'before-start', '1 d'),
          action('twenty-four', 'reminder-msg', 'before-start', '24 h'),
        ],
      },
      activities,
    );
    const practice = practiceSettings({ ...PRACTICE, caps: { perDay: 5, perWeek: 5 } });
    const out = planned({
      definition: def,
      patient: ny,
      practice,
      start: '2026-11-01T08:15:00-05:00',
      now: '2026-10-20T12:00:00-04:00',
    });
    expect(local(step(out, 'one-day'), 'America/New_York')).toBe('2026-10-31 08:15');
    expect(local(step(out, 'twenty-four'), 'America/New_York')).toBe('2026-10-31 09:15');
  });

  it("uses the patient's zone, not the practice's, for quiet hours", () => {
    const la = patient({ extension: [{ url: EXT.timeZone, valueCode: 'America/Los_Angeles' }] });
    // 08:00 in Chicago is 06:00 in Los Angeles: the 1-day reminder must wait until 08:00 there.
    const p = planned({ patient: la, start: '2026-12-01T08:00:00-06:00', now: '2026-11-20T15:00:00-06:00' });
    const s = step(p, 'reminder-1d');
    expect(local(s, 'America/Los_Angeles')).toBe('2026-11-30 08:00');
    expect(s.reasons[0]).toBe('moved from 06:00 to 08:00: quiet hours (08:00–21:00 America/Los_Angeles)');
    expect(p.timeZone).toBe('America/Los_Angeles');
  });

  it("falls back to the practice's zone, and says so, when the patient has none or a bad one", () => {
    const none = planned({
      patient: patient({ extension: [] }),
      start: '2026-12-01T09:30:00-06:00',
      now: '2026-11-20T15:00:00-06:00',
    });
    expect(none.timeZone).toBe('America/Chicago');
    expect(none.notes[0]).toContain("patient has no time zone; using the practice's (America/Chicago)");
    const bad = planned({
      patient: patient({ extension: [{ url: EXT.timeZone, valueCode: 'Mars/Olympus' }] }),
      start: '2026-12-01T09:30:00-06:00',
      now: '2026-11-20T15:00:00-06:00',
    });
    expect(bad.notes[0]).toContain('"Mars/Olympus" is not a known IANA zone');
  });

  it("takes the zone of the home address's state when the patient has none, unless the state spans zones", () => {
    const denver = planned({
      patient: patient({ extension: [], address: [{ use: 'home', city: 'Boulder', state: 'co' }] }),
      start: '2026-12-01T09:30:00-06:00',
      now: '2026-11-20T15:00:00-06:00',
    });
    expect(denver.timeZone).toBe('America/Denver');
    expect(denver.notes[0]).toBe("patient has no time zone; using CO's (America/Denver)");
    // 09:30 Chicago on the day before is 08:30 in Denver: allowed there, so the reminder keeps its time.
    expect(local(step(denver, 'reminder-1d'), 'America/Denver')).toBe('2026-11-30 08:30');

    const texas = planned({
      patient: patient({ extension: [], address: [{ use: 'home', city: 'El Paso', state: 'TX' }] }),
      start: '2026-12-01T09:30:00-06:00',
      now: '2026-11-20T15:00:00-06:00',
    });
    expect(texas.timeZone).toBe('America/Chicago');
    expect(texas.notes[0]).toBe(
      "patient has no time zone; TX spans several zones, so using the practice's (America/Chicago)",
    );
  });

  it('applies a stricter state window (Florida closes at 20:00)', () => {
    const fl = patient({
      address: [{ state: 'FL' }],
      extension: [{ url: EXT.timeZone, valueCode: 'America/New_York' }],
    });
    const p = planned({ patient: fl, start: '2026-12-01T20:30:00-05:00', now: '2026-11-20T12:00:00-05:00' });
    const s = step(p, 'reminder-1d');
    expect(local(s, 'America/New_York')).toBe('2026-12-01 08:00');
    expect(s.reasons[0]).toContain('quiet hours (FL rules) (08:00–20:00');
  });
});

describe('planEnrollment: steps already due, quiet hours at booking, caps', () => {
  it('when booked 2 days out, confirms now, drops the 3-day reminder for the cap, keeps the 1-day one', () => {
    const p = planned({ start: '2026-11-25T10:00:00-06:00', now: '2026-11-23T14:00:00-06:00' });
    expect(step(p, 'booked').status).toBe('scheduled');
    const three = step(p, 'reminder-3d');
    expect(three.status).toBe('skipped');
    expect(three.reasons.join(' ')).toContain('pulled in to Mon 23 Nov 14:00: was due Sun 22 Nov 10:00');
    expect(three.reasons.at(-1)).toContain('cap of 1 reminder message a day reached; "reminder-1d" follows');
    expect(local(step(p, 'reminder-1d'), 'America/Chicago')).toBe('2026-11-24 10:00');
  });

  it('when booked 12 hours out, sends only the booking confirmation', () => {
    const p = planned({ start: '2026-11-24T08:00:00-06:00', now: '2026-11-23T20:00:00-06:00' });
    expect(p.steps.filter((s) => s.status === 'scheduled').map((s) => s.stepId)).toEqual(['booked']);
    expect(step(p, 'reminder-3d').reasons.join(' ')).toContain('replaces it');
    expect(step(p, 'reminder-1d').status).toBe('skipped');
    // Skipped steps are kept as revoked requests with the reason, never silently dropped.
    const revoked = p.communicationRequests.filter((r) => r.status === 'revoked');
    expect(revoked).toHaveLength(2);
    expect(revoked.every((r) => r.statusReason?.text?.startsWith('skipped'))).toBe(true);
  });

  it('moves a booking confirmation made at 22:30 to 08:00 the next morning', () => {
    const p = planned({ start: '2026-12-10T09:00:00-06:00', now: '2026-11-23T22:30:00-06:00' });
    const s = step(p, 'booked');
    expect(local(s, 'America/Chicago')).toBe('2026-11-24 08:00');
    expect(s.reasons).toEqual([
      'moved from Mon 23 Nov 22:30 to Tue 24 Nov 08:00: quiet hours (08:00–21:00 America/Chicago)',
    ]);
  });

  it('counts messages from other enrolments of the same purpose against the caps', () => {
    const p = planned({
      start: '2026-12-01T09:30:00-06:00',
      now: '2026-11-20T15:00:00-06:00',
      history: [
        { at: '2026-11-20T09:00:00-06:00', purpose: 'reminder' },
        { at: '2026-11-28T09:00:00-06:00', purpose: 'follow-up' },
      ],
    });
    // Today's reminder slot is used, so the confirmation gives way (a later step follows).
    expect(step(p, 'booked').status).toBe('skipped');
    // A different purpose does not count.
    expect(step(p, 'reminder-3d').status).toBe('scheduled');
  });

  it('defers the last step past a day cap instead of dropping it, if it still precedes the visit', () => {
    const { plan: pd, activities } = reminderWorkflow();
    const def = loadWorkflow(
      { ...pd, action: [action('reminder-3d', 'reminder-msg', 'before-start', '3 d')] },
      activities,
    );
    const p = planned({
      definition: def,
      start: '2026-12-01T09:30:00-06:00',
      now: '2026-11-20T15:00:00-06:00',
      history: [{ at: '2026-11-28T08:30:00-06:00', purpose: 'reminder' }],
    });
    const s = step(p, 'reminder-3d');
    expect(local(s, 'America/Chicago')).toBe('2026-11-29 08:00');
    expect(s.reasons[0]).toContain(
      'deferred from Sat 28 Nov 09:30 to Sun 29 Nov 08:00: cap of 1 reminder message a day',
    );
  });
});

describe('planEnrollment: consent, channels and suppression', () => {
  it('falls back to a call when the patient opted out of SMS, and says why', () => {
    const p = planned({
      start: '2026-12-01T09:30:00-06:00',
      now: '2026-11-20T15:00:00-06:00',
      consents: [smsConsent('deny', '2026-11-01T10:00:00Z')],
    });
    const s = step(p, 'reminder-1d');
    expect(s.channel).toBe('voice');
    expect(s.reasons).toContain('patient opted out of sms on 2026-11-01');
    expect(p.communicationRequests.find((r) => r.status === 'active')?.medium?.[0]?.coding?.[0]?.code).toBe(
      'voice',
    );
  });

  it('texts again after a later opt-in', () => {
    const p = planned({
      start: '2026-12-01T09:30:00-06:00',
      now: '2026-11-20T15:00:00-06:00',
      consents: [smsConsent('deny', '2026-11-01T10:00:00Z'), smsConsent('permit', '2026-11-02T10:00:00Z')],
    });
    expect(step(p, 'reminder-1d').channel).toBe('sms');
  });

  it('uses email when there is no mobile, and the landline for voice', () => {
    const p = planned({
      patient: patient({
        telecom: [
          { system: 'phone', use: 'home', value: '312-555-0199' },
          { system: 'email', value: 'ana@example.test', rank: 1 },
        ],
      }),
      start: '2026-12-01T09:30:00-06:00',
      now: '2026-11-20T15:00:00-06:00',
    });
    // The patient ranks email first, so email beats the landline call.
    expect(step(p, 'reminder-1d').channel).toBe('email');
    expect(step(p, 'reminder-1d').address).toBe('ana@example.test');
  });

  it('turns an unreachable patient into a task for the front office', () => {
    const p = planned({
      patient: patient({ telecom: [{ system: 'phone', use: 'mobile', value: '555' }] }),
      start: '2026-12-01T09:30:00-06:00',
      now: '2026-11-20T15:00:00-06:00',
    });
    expect(p.steps.every((s) => s.status === 'skipped')).toBe(true);
    expect(step(p, 'reminder-1d').reasons.at(-1)).toContain('no usable channel (no mobile number for SMS');
    expect(p.tasks).toHaveLength(1);
    expect(p.tasks[0]?.code?.coding?.[0]?.code).toBe('fix-contact');
    expect(p.tasks[0]?.performerType?.[0]?.coding?.[0]?.code).toBe('front-office');
    // Tagged with the workflow's purpose, so a worklist can filter by workflow with a plain search.
    expect(p.tasks[0]?.meta?.tag).toEqual([{ system: CS.purpose, code: 'reminder' }]);
  });

  it('does not plan for a deceased patient or a disabled purpose', () => {
    const dead = planEnrollment({
      definition: REMINDERS,
      patient: patient({ deceasedBoolean: true }),
      trigger: { kind: 'appointment-booked', appointment: appointment('2026-12-01T09:30:00-06:00') },
      practice: PRACTICE,
      history: [],
      consents: [],
      now: '2026-11-20T15:00:00-06:00',
    });
    expect(dead).toMatchObject({ applicable: false, reasons: ['patient is deceased'] });
    const off = planEnrollment({
      definition: REMINDERS,
      patient: patient(),
      trigger: { kind: 'appointment-booked', appointment: appointment('2026-12-01T09:30:00-06:00') },
      practice: practiceSettings({ ...PRACTICE, disabledPurposes: ['reminder'] }),
      history: [],
      consents: [],
      now: '2026-11-20T15:00:00-06:00',
    });
    expect(off.applicable).toBe(false);
  });

  it('skips confirmation-asking reminders once the patient has confirmed, and all of them when cancelled', () => {
    const confirmed = planned({
      start: '2026-12-01T09:30:00-06:00',
      now: '2026-11-20T15:00:00-06:00',
      appointmentOverrides: { participant: [{ actor: { reference: 'Patient/p1' }, status: 'accepted' }] },
    });
    expect(step(confirmed, 'booked').status).toBe('scheduled');
    expect(step(confirmed, 'reminder-3d').reasons).toEqual(['skipped: appointment already confirmed']);
    const cancelled = planned({
      start: '2026-12-01T09:30:00-06:00',
      now: '2026-11-20T15:00:00-06:00',
      appointmentOverrides: { status: 'cancelled' },
    });
    expect(step(cancelled, 'reminder-1d').reasons).toEqual(['skipped: appointment cancelled']);
  });

  it('needs prior express consent for billing messages', () => {
    const billing = loadWorkflow(
      plan(
        'bill',
        'appointment-fulfilled',
        'billing',
        [action('notice', 'bill-msg', 'after-end', '1 d')],
        [{ url: EXT.consentBasis, valueCode: 'prior-express-consent' }],
      ),
      [
        messageActivity(
          'bill-msg',
          '{{practice.name}}: your statement is ready.',
          '{{practice.name}}: su estado de cuenta está listo.',
          ['sms'],
        ),
      ],
    );
    const practice = practiceSettings({ ...PRACTICE, disabledPurposes: [] });
    const without = planned({
      definition: billing,
      practice,
      start: '2026-11-20T09:00:00-06:00',
      now: '2026-11-20T10:00:00-06:00',
    });
    expect(step(without, 'notice').reasons.at(-1)).toContain(
      'no consent on file for billing messages by sms',
    );
    const withConsent = planned({
      definition: billing,
      practice,
      start: '2026-11-20T09:00:00-06:00',
      now: '2026-11-20T10:00:00-06:00',
      consents: [smsConsent('permit', '2026-11-01T00:00:00Z', 'billing')],
    });
    expect(step(withConsent, 'notice').status).toBe('scheduled');
  });

  it('evaluates FHIRPath applicability on the patient and the facts', () => {
    const onboarding = loadWorkflow(
      plan(
        'onb',
        'appointment-booked',
        'onboarding',
        [action('welcome', 'w', 'after-enrolment', '0 min')],
        [
          {
            url: EXT.applicability,
            valueExpression: {
              language: 'text/fhirpath',
              expression: '%newPatient',
              description: 'new patients only',
            },
          },
        ],
      ),
      [messageActivity('w', 'Welcome to {{practice.name}}!', '¡Bienvenido a {{practice.name}}!')],
    );
    const base = {
      definition: onboarding,
      patient: patient(),
      trigger: { kind: 'appointment-booked' as const, appointment: appointment('2026-12-01T09:30:00-06:00') },
      practice: PRACTICE,
      history: [],
      consents: [],
      now: '2026-11-20T15:00:00-06:00',
    };
    expect(planEnrollment({ ...base, newPatient: false })).toMatchObject({
      applicable: false,
      reasons: ['not applicable: new patients only'],
    });
    expect(planEnrollment({ ...base, newPatient: true }).applicable).toBe(true);
  });
});
