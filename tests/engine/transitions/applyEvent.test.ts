import type { CommunicationRequest } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { CS, EXT } from '../../../src/engine/codes';
import { planEnrollment } from '../../../src/engine/planning';
import { practiceSettings } from '../../../src/engine/policy';
import type { ReplyClassification, ReplyIntent } from '../../../src/engine/reply';
import { buildTemplateContext } from '../../../src/engine/template';
import { applyEvent, type EngagementEvent, type EnrolmentState } from '../../../src/engine/transitions';
import { loadWorkflow } from '../../../src/engine/workflow';
import { appointment, patient, PRACTICE, reminderWorkflow } from '../../fixtures/fhir';

const DEFINITION = (() => {
  const { plan, activities } = reminderWorkflow();
  return loadWorkflow(plan, activities);
})();
const NOW = '2026-11-20T15:00:00-06:00';
const APPOINTMENT = appointment('2026-12-01T09:30:00-06:00');

/** A planned enrolment as the bots would hold it after writing: ids assigned, requests still active. */
function state(overrides: Partial<EnrolmentState> = {}): EnrolmentState {
  const plan = planEnrollment({
    definition: DEFINITION,
    patient: patient(),
    trigger: { kind: 'appointment-booked', appointment: APPOINTMENT },
    practice: PRACTICE,
    history: [],
    consents: [],
    now: NOW,
  });
  if (!plan.applicable) throw new Error('fixture should plan');
  const pending: CommunicationRequest[] = plan.communicationRequests
    .filter(
      (r) =>
        r.status === 'active' && r.extension?.find((e) => e.url === EXT.stepId)?.valueString !== 'booked',
    )
    .map((r, i) => ({ ...r, id: `cr${i}` }));
  return {
    definition: DEFINITION,
    carePlan: { ...plan.carePlan, id: 'cp1' },
    patient: patient(),
    appointment: APPOINTMENT,
    pendingRequests: pending,
    practice: PRACTICE,
    language: 'en',
    now: '2026-11-28T10:00:00-06:00',
    templateContext: buildTemplateContext({
      patient: patient(),
      appointment: APPOINTMENT,
      practice: PRACTICE,
      timeZone: 'America/Chicago',
      language: 'en',
    }),
    ...overrides,
  };
}

function reply(intent: ReplyIntent, text: string, extra: Partial<ReplyClassification> = {}): EngagementEvent {
  return {
    type: 'reply',
    classification: { intent, confidence: 0.95, language: 'en', perSeOptOut: false, ...extra },
    text,
    communication: { reference: 'Communication/in1' },
    channel: 'sms',
  };
}

function outcomeOf(t: ReturnType<typeof applyEvent>): string | undefined {
  return t.carePlan?.extension?.find((e) => e.url === EXT.outcome)?.valueCoding?.code;
}

describe('applyEvent: replies', () => {
  it('confirm: accepts the appointment for the patient, revokes the reminders, completes with "confirmed"', () => {
    const s = state();
    expect(s.pendingRequests).toHaveLength(2);
    const t = applyEvent(s, reply('confirm', 'C'));
    const participant = t.appointment?.participant?.find((p) => p.actor?.reference === 'Patient/p1');
    expect(participant?.status).toBe('accepted');
    expect(t.revoked).toHaveLength(2);
    expect(t.revoked[0]?.statusReason?.text).toBe('appointment already confirmed');
    expect(t.carePlan?.status).toBe('completed');
    expect(outcomeOf(t)).toBe('confirmed');
    expect(t.replies[0]?.text).toContain("you're confirmed for");
    expect(t.tasks).toHaveLength(0);
  });

  it('reschedule: a task for the access team, reminders stopped, acknowledgement sent', () => {
    const t = applyEvent(state(), reply('reschedule', 'yes but can we do 30 min later'));
    expect(t.tasks).toHaveLength(1);
    expect(t.tasks[0]?.code?.coding?.[0]).toMatchObject({ system: CS.taskKind, code: 'reschedule' });
    expect(t.tasks[0]?.owner).toEqual({ reference: 'CareTeam/access-team' });
    expect(t.tasks[0]?.description).toContain('30 min later');
    expect(t.tasks[0]?.meta?.tag?.[0]).toMatchObject({ system: CS.purpose });
    expect(t.revoked).toHaveLength(2);
    expect(outcomeOf(t)).toBe('reschedule-requested');
    expect(t.replies[0]?.text).toContain('scheduling team');
  });

  it('cancel: declines the appointment, asks staff to cancel it in the EHR, revokes everything', () => {
    const t = applyEvent(state(), reply('cancel', 'cancel my appointment'));
    expect(t.appointment?.participant?.find((p) => p.actor?.reference === 'Patient/p1')?.status).toBe(
      'declined',
    );
    expect(t.tasks[0]?.code?.coding?.[0]?.code).toBe('cancellation');
    expect(t.revoked).toHaveLength(2);
    expect(outcomeOf(t)).toBe('cancelled-by-patient');
  });

  it('opt-out: records a deny Consent sourced from the message, stops SMS, confirms once', () => {
    const t = applyEvent(state(), reply('opt-out', 'please stop texting me', { perSeOptOut: false }));
    expect(t.consents).toHaveLength(1);
    expect(t.consents[0]?.provision?.type).toBe('deny');
    expect(t.consents[0]?.provision?.code?.[0]?.coding?.[0]?.code).toBe('sms');
    expect(t.consents[0]?.extension?.[0]).toEqual({
      url: EXT.consentSource,
      valueReference: { reference: 'Communication/in1' },
    });
    expect(t.revoked).toHaveLength(2);
    expect(t.replies).toHaveLength(1);
    expect(t.replies[0]?.purpose).toBe('opt-out-confirmation');
    expect(t.replies[0]?.text).not.toMatch(/reply stop/i);
    expect(outcomeOf(t)).toBe('opted-out');
  });

  it('a bare CANCEL stops texts and asks a person whether the appointment should be cancelled too', () => {
    const t = applyEvent(state(), reply('opt-out', 'CANCEL', { perSeOptOut: true, alsoCouldMean: 'cancel' }));
    expect(t.consents[0]?.provision?.type).toBe('deny');
    expect(t.tasks.map((x) => x.code?.coding?.[0]?.code)).toEqual(['consent-review']);
    expect(t.appointment).toBeUndefined();
  });

  it('does not answer carrier keywords twice when the carrier already does', () => {
    const s = state({ practice: practiceSettings({ ...PRACTICE, carrierKeywordReplies: true }) });
    expect(applyEvent(s, reply('opt-out', 'STOP', { perSeOptOut: true })).replies).toHaveLength(0);
    // A free-text opt-out is not a carrier keyword: Careloop confirms it.
    expect(applyEvent(s, reply('opt-out', 'no more texts please')).replies).toHaveLength(1);
  });

  it('opt-in records a permit Consent and confirms', () => {
    const t = applyEvent(state(), reply('opt-in', 'START'));
    expect(t.consents[0]?.provision?.type).toBe('permit');
    expect(t.replies[0]?.purpose).toBe('opt-in-confirmation');
  });

  it('help answers with the practice name, frequency, rates and STOP', () => {
    const t = applyEvent(state(), reply('help', 'HELP'));
    expect(t.replies[0]?.purpose).toBe('help');
    expect(t.replies[0]?.text).toContain('Lakeside Family Clinic');
    expect(t.replies[0]?.text).toMatch(/rates may apply/i);
    expect(t.replies[0]?.text).toContain('STOP');
  });

  it('urgent: a stat task for clinical triage, a safety reply with 911 and 988, automation paused', () => {
    const t = applyEvent(state(), reply('urgent', 'I have chest pain'));
    expect(t.tasks[0]?.priority).toBe('stat');
    expect(t.tasks[0]?.code?.coding?.[0]?.code).toBe('urgent-reply');
    expect(t.tasks[0]?.performerType?.[0]?.coding?.[0]?.code).toBe('clinical-triage');
    expect(t.replies[0]?.text).toContain('911');
    expect(t.replies[0]?.text).toContain('988');
    expect(t.carePlan?.status).toBe('on-hold');
  });

  it('question: a staff-reply task and an acknowledgement; the plan goes on', () => {
    const t = applyEvent(state(), reply('question', 'where do I park?'));
    expect(t.tasks[0]?.code?.coding?.[0]?.code).toBe('staff-reply');
    expect(t.revoked).toHaveLength(0);
    expect(t.carePlan).toBeUndefined();
  });

  it('unknown: clarifies once, then hands it to a person', () => {
    const first = applyEvent(state(), reply('unknown', 'asdf'));
    expect(first.replies[0]?.purpose).toBe('clarify');
    expect(first.tasks).toHaveLength(0);
    const second = applyEvent(state({ unknownReplies: 1 }), reply('unknown', 'qwerty'));
    expect(second.tasks[0]?.code?.coding?.[0]?.code).toBe('staff-reply');
  });

  it('wrong number: stops SMS to it and asks staff to fix the contact', () => {
    const t = applyEvent(state(), reply('wrong-number', 'wrong number'));
    expect(t.consents[0]?.provision?.type).toBe('deny');
    expect(t.tasks[0]?.code?.coding?.[0]?.code).toBe('fix-contact');
    expect(t.revoked).toHaveLength(2);
  });

  it('is deterministic: the same event gives the same task identifiers', () => {
    const a = applyEvent(state(), reply('reschedule', 'R'));
    const b = applyEvent(state(), reply('reschedule', 'R'));
    expect(a.tasks[0]?.identifier).toEqual(b.tasks[0]?.identifier);
  });
});

describe('applyEvent: other events', () => {
  it('no response after 3 touches creates the call task once the rule is met', () => {
    expect(applyEvent(state(), { type: 'no-response', touches: 2 }).tasks).toHaveLength(0);
    const t = applyEvent(state(), { type: 'no-response', touches: 3 });
    expect(t.tasks[0]?.code?.coding?.[0]?.code).toBe('call-patient');
    expect(t.tasks[0]?.performerType?.[0]?.coding?.[0]?.code).toBe('front-office');
  });

  it('a moved appointment revokes the plan so a new one can be made', () => {
    const t = applyEvent(state(), {
      type: 'appointment-moved',
      appointment: { ...APPOINTMENT, start: '2026-12-03T09:30:00-06:00' },
    });
    expect(t.revoked).toHaveLength(2);
    expect(t.revoked[0]?.statusReason?.text).toContain('appointment moved');
    expect(t.carePlan?.status).toBe('revoked');
  });

  it('a cancelled appointment revokes pending reminders and completes the plan', () => {
    const t = applyEvent(state(), {
      type: 'appointment-cancelled',
      appointment: { ...APPOINTMENT, status: 'cancelled' },
    });
    expect(t.revoked).toHaveLength(2);
    expect(outcomeOf(t)).toBe('appointment-cancelled');
  });

  it('a permanent SMS failure falls back to a call with the voice text', () => {
    const s = state();
    const failed = s.pendingRequests[0];
    if (!failed) throw new Error('fixture');
    const t = applyEvent(s, {
      type: 'delivery-failed',
      request: failed,
      channel: 'sms',
      permanent: true,
      reason: 'landline (30006)',
    });
    expect(t.requests).toHaveLength(1);
    expect(t.requests[0]?.medium?.[0]?.coding?.[0]?.code).toBe('voice');
    expect(t.requests[0]?.status).toBe('active');
    expect(t.tasks.map((x) => x.code?.coding?.[0]?.code)).toEqual(['fix-contact']);
  });

  it('a transient failure that exhausted retries becomes a manual-outreach task', () => {
    const s = state();
    const failed = s.pendingRequests[0];
    if (!failed) throw new Error('fixture');
    const t = applyEvent(s, {
      type: 'delivery-failed',
      request: failed,
      channel: 'sms',
      permanent: false,
      reason: 'unreachable (30003)',
    });
    expect(t.requests).toHaveLength(0);
    expect(t.tasks[0]?.code?.coding?.[0]?.code).toBe('manual-outreach');
  });

  it('a low survey score escalates with the comment; everyone gets the same review invitation', () => {
    const low = applyEvent(state(), {
      type: 'survey-scored',
      score: 3,
      comment: 'long wait',
      response: { reference: 'QuestionnaireResponse/q1' },
    });
    expect(low.tasks[0]?.code?.coding?.[0]?.code).toBe('survey-escalation');
    expect(low.tasks[0]?.description).toContain('long wait');
    expect(low.tasks[0]?.focus).toEqual({ reference: 'QuestionnaireResponse/q1' });
    const high = applyEvent(state(), {
      type: 'survey-scored',
      score: 10,
      response: { reference: 'QuestionnaireResponse/q2' },
    });
    expect(high.tasks).toHaveLength(0);
    // No review gating: the invitation does not depend on the score.
    expect(low.replies[0]?.text).toContain('https://lakeside.example/review');
    expect(high.replies[0]?.text).toContain('https://lakeside.example/review');
    expect(outcomeOf(high)).toBe('survey-completed');
  });
});
