import type { CommunicationRequest, Task } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { EXT } from '../../../src/engine/codes';
import { buildTemplateContext } from '../../../src/engine/template';
import { applyEvent, type EnrolmentState } from '../../../src/engine/transitions';
import type { ReplyClassification, ReplyIntent } from '../../../src/engine/reply';
import { loadLibraryWorkflows } from '../../../src/fhir/library';
import { patient, PRACTICE, smsConsent } from '../../fixtures/fhir';

const library = loadLibraryWorkflows();
function workflow(name: string) {
  const def = library.find((w) => w.name === name);
  if (!def) throw new Error(`no workflow ${name}`);
  return def;
}

function pending(stepId: string, n: number): CommunicationRequest[] {
  return Array.from({ length: n }, (_, i) => ({
    resourceType: 'CommunicationRequest',
    id: `cr-${stepId}-${i}`,
    status: 'active',
    extension: [{ url: EXT.stepId, valueString: stepId }],
    medium: [{ coding: [{ system: 'https://careloop.health/fhir/CodeSystem/channel', code: 'sms' }] }],
  }));
}

function state(name: string, overrides: Partial<EnrolmentState> = {}): EnrolmentState {
  const definition = workflow(name);
  return {
    definition,
    carePlan: {
      resourceType: 'CarePlan',
      id: 'cp1',
      status: 'active',
      intent: 'plan',
      subject: { reference: 'Patient/p1' },
      identifier: [{ value: 'k' }],
    },
    patient: patient(),
    pendingRequests: pending(definition.steps[0]?.id ?? 'x', 3),
    practice: PRACTICE,
    language: 'en',
    now: '2026-11-28T10:00:00-06:00',
    templateContext: buildTemplateContext({
      patient: patient(),
      practice: PRACTICE,
      timeZone: 'America/Chicago',
      language: 'en',
    }),
    ...overrides,
  };
}

function reply(text: string, intent: ReplyIntent, extra: Partial<ReplyClassification> = {}) {
  return {
    type: 'reply' as const,
    text,
    classification: { intent, confidence: 0.9, language: 'en' as const, perSeOptOut: false, ...extra },
    communication: { reference: 'Communication/in1' },
    channel: 'sms' as const,
  };
}

const stepWithScale = (name: string): string => workflow(name).steps.find((s) => s.answerScale)?.id ?? '';

describe('numeric answers to a check-in or survey', () => {
  it('reads "3" on a chronic-care check-in as an answer, never as reschedule', () => {
    const s = state('chronic-care-management', { awaitingAnswer: stepWithScale('chronic-care-management') });
    const t = applyEvent(s, reply('3', 'reschedule'));
    expect(t.tasks).toHaveLength(0);
    expect(t.revoked).toHaveLength(0);
    expect(t.replies[0]?.text).toContain('Thanks for your answer');
    expect(t.carePlan).toBeUndefined();
  });

  it('sends a poor check-in answer to care coordination and keeps the check-ins going', () => {
    const s = state('chronic-care-management', { awaitingAnswer: stepWithScale('chronic-care-management') });
    const t = applyEvent(s, reply('1 - feeling dizzy', 'confirm'));
    expect(t.tasks[0]?.code?.coding?.[0]?.code).toBe('call-patient');
    expect(t.tasks[0]?.performerType?.[0]?.coding?.[0]?.code).toBe('care-coordination');
    expect(t.tasks[0]?.description).toContain('feeling dizzy');
    expect(t.revoked).toHaveLength(0);
  });

  it('scores a texted survey answer, escalates a low one with its comment, and ends the survey', () => {
    const s = state('feedback-survey', {
      awaitingAnswer: stepWithScale('feedback-survey'),
      pendingRequests: [],
    });
    const t = applyEvent(s, reply('4 waited an hour', 'unknown'));
    expect(t.tasks[0]?.code?.coding?.[0]?.code).toBe('survey-escalation');
    expect(t.tasks[0]?.description).toContain('Survey score 4/10');
    expect(t.tasks[0]?.description).toContain('waited an hour');
    expect(t.carePlan?.status).toBe('completed');
    const high = applyEvent(s, reply('10', 'unknown'));
    expect(high.tasks).toHaveLength(0);
    // The same invitation for every score: no review gating.
    expect(high.replies[0]?.text).toContain('lakeside.example/review');
    expect(t.replies[0]?.text).toContain('lakeside.example/review');
  });

  it('reads a number out of range, or with no step awaiting an answer, as an intent', () => {
    const awaiting = state('chronic-care-management', {
      awaitingAnswer: stepWithScale('chronic-care-management'),
    });
    expect(applyEvent(awaiting, reply('9', 'unknown')).replies[0]?.text).not.toContain(
      'Thanks for your answer',
    );
    const notAwaiting = state('chronic-care-management');
    expect(applyEvent(notAwaiting, reply('3', 'reschedule')).replies[0]?.text ?? '').not.toContain(
      'Thanks for your answer',
    );
  });

  it('lets urgent and per-se opt-out win over an answer', () => {
    const s = state('chronic-care-management', { awaitingAnswer: stepWithScale('chronic-care-management') });
    expect(applyEvent(s, reply('1 chest pain', 'urgent')).tasks[0]?.priority).toBe('stat');
  });
});

describe('closing the loop', () => {
  it('a yes to recall hands the patient to scheduling and stops the remaining outreach', () => {
    const t = applyEvent(state('preventive-recall'), reply('YES', 'confirm'));
    expect(t.tasks[0]?.code?.coding?.[0]?.code).toBe('ready-to-schedule');
    expect(t.revoked).toHaveLength(3);
    expect(t.carePlan?.status).toBe('completed');
  });

  it('cancels the planned call task when a no-show patient asks to reschedule', () => {
    const call: Task = { resourceType: 'Task', id: 't-call', status: 'requested', intent: 'order' };
    const t = applyEvent(state('no-show-recovery', { plannedTasks: [call] }), reply('R', 'reschedule'));
    expect(t.cancelledTasks).toEqual([expect.objectContaining({ id: 't-call', status: 'cancelled' })]);
  });

  it('reads YES from an opted-out number as opting back in', () => {
    const s = state('appointment-reminders', { consents: [smsConsent('deny', '2026-11-01T00:00:00Z')] });
    const t = applyEvent(s, reply('YES', 'confirm'));
    expect(t.consents[0]?.provision?.type).toBe('permit');
    expect(t.replies[0]?.purpose).toBe('opt-in-confirmation');
    expect(t.appointment).toBeUndefined();
  });
});
