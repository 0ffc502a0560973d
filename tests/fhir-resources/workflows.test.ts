import { describe, expect, it } from 'vitest';
import { REPLY_INTENTS } from '../../src/engine/reply';
import { loadWorkflow, type WorkflowDefinition } from '../../src/engine/workflow';
import { libraryWorkflows } from '../../src/fhir/library';
import { codesOf, resources } from './helpers';
import { CS } from '../../src/engine/codes';

const workflows = libraryWorkflows(resources);
const loaded = (name: string): WorkflowDefinition => {
  const w = workflows.find((x) => x.plan.name === name);
  if (!w) throw new Error(`no workflow ${name}`);
  return loadWorkflow(w.plan, w.activities);
};
const DAY = 86_400_000;
const HOUR = 3_600_000;

describe('every library workflow', () => {
  it.each(workflows.map((w) => [w.plan.name, w] as const))('%s loads with loadWorkflow', (_name, w) => {
    const definition = loadWorkflow(w.plan, w.activities);
    expect(definition.steps).toHaveLength(w.plan.action?.length ?? 0);
    expect(definition.status).toBe('active');
    for (const step of definition.steps) {
      if (step.kind === 'message') {
        expect(new Set(step.templates.map((t) => t.language))).toEqual(new Set(['en', 'es']));
      } else {
        expect(step.task).toBeDefined();
      }
    }
  });

  it('uses the reply intents of the classifier in the reply-intent CodeSystem', () => {
    expect([...codesOf(CS.replyIntent)].sort()).toEqual([...REPLY_INTENTS].sort());
  });
});

describe('the defaults the evidence asks for', () => {
  it('appointment reminders: confirmation at once, 3 d and 1 d asking to confirm, optional 2 h', () => {
    const w = loaded('appointment-reminders');
    expect(w.trigger).toBe('appointment-booked');
    expect(w.steps.map((s) => [s.id, s.timing.anchor, s.timing.offset.ms])).toEqual([
      ['booking-confirmation', 'after-enrolment', 0],
      ['reminder-3d', 'before-start', 3 * DAY],
      ['reminder-1d', 'before-start', DAY],
      ['reminder-same-day', 'before-start', 2 * HOUR],
    ]);
    expect(w.steps[1]?.stopWhen).toEqual(['confirmed', 'cancelled']);
    expect(w.steps[2]?.stopWhen).toEqual(['confirmed', 'cancelled']);
    expect(w.steps[3]?.timing.latePolicy).toBe('skip');
    const branch = (intent: string): unknown => w.branches.find((b) => b.intent === intent);
    expect(branch('confirm')).toMatchObject({ action: 'confirm-appointment', outcome: 'confirmed' });
    expect(branch('cancel')).toMatchObject({
      action: 'cancel-appointment',
      task: { kind: 'cancellation', queue: 'access' },
    });
    expect(branch('reschedule')).toMatchObject({
      action: 'create-task',
      task: { kind: 'reschedule', queue: 'access' },
    });
    expect(w.noResponse).toMatchObject({ touches: 3, task: { kind: 'call-patient', queue: 'front-office' } });
  });

  it('no-show recovery: at once, after 24 h, then a call task for the front office at 48 h', () => {
    const w = loaded('no-show-recovery');
    expect(w.trigger).toBe('appointment-noshow');
    expect(w.steps.map((s) => [s.kind, s.timing.offset.ms])).toEqual([
      ['message', 0],
      ['message', 24 * HOUR],
      ['task', 48 * HOUR],
    ]);
    expect(w.steps[2]?.task).toMatchObject({ kind: 'call-patient', queue: 'front-office' });
  });

  it('feedback: one question 2 h after the visit, within the 2-24 h window, linked to the survey', () => {
    const w = loaded('feedback-survey');
    expect(w.steps).toHaveLength(1);
    expect(w.steps[0]?.timing).toMatchObject({ anchor: 'after-end', offset: { ms: 2 * HOUR } });
    expect(w.steps[0]?.questionnaire).toBe('https://careloop.health/fhir/Questionnaire/post-visit-survey');
    // No review gating: the library never sends a review link itself, the engine invites everyone.
    expect(w.steps[0]?.templates.some((t) => t.body.includes('links.review'))).toBe(false);
    expect(w.branches).toEqual([]);
  });

  it('chronic care: 12 weekly check-ins linked to the check-in questionnaire', () => {
    const w = loaded('chronic-care-management');
    expect(w.cohort).toBe('chronic-care');
    expect(w.steps[0]?.timing.repeat).toMatchObject({ count: 12, every: { ms: 7 * DAY } });
    expect(w.steps[0]?.questionnaire).toBe(
      'https://careloop.health/fhir/Questionnaire/chronic-care-check-in',
    );
    expect(w.branches.find((b) => b.intent === 'unknown')?.task).toMatchObject({
      kind: 'call-patient',
      queue: 'care-coordination',
    });
  });

  it('recall: outreach at 0, 7 and 14 days; yes becomes ready-to-schedule for access', () => {
    const w = loaded('preventive-recall');
    expect(w.cohort).toBe('recall-due');
    expect(w.steps.map((s) => s.timing.offset.ms)).toEqual([0, 7 * DAY, 14 * DAY]);
    expect(w.branches.find((b) => b.intent === 'confirm')).toMatchObject({
      outcome: 'ready-to-schedule',
      task: { kind: 'ready-to-schedule', queue: 'access' },
    });
  });

  it('billing: prior express consent, email first, 1, 14 and 28 days after the visit', () => {
    const w = loaded('billing-reminders');
    expect(w.consentBasis).toBe('prior-express-consent');
    expect(w.steps.map((s) => s.timing.offset.ms)).toEqual([DAY, 14 * DAY, 28 * DAY]);
    for (const step of w.steps) expect(step.channels).toEqual(['email', 'sms']);
  });

  it('reactivation: prior express consent, the inactive cohort, a message at 0 and a nudge at 14 days', () => {
    const w = loaded('patient-reactivation');
    expect(w).toMatchObject({
      consentBasis: 'prior-express-consent',
      cohort: 'inactive',
      trigger: 'cohort-due',
    });
    expect(w.description).toMatch(/no visit in the last 12 months and nothing booked/);
    expect(w.steps.map((s) => s.timing.offset.ms)).toEqual([0, 14 * DAY]);
  });

  it('onboarding and telehealth apply only to new patients and virtual visits', () => {
    expect(loaded('new-patient-onboarding').conditions.map((c) => c.expression)).toEqual(['%newPatient']);
    const telehealth = loaded('telehealth-visit');
    expect(telehealth.conditions.map((c) => c.expression)).toEqual(['%telehealth']);
    expect(telehealth.steps.map((s) => s.timing.offset.ms)).toEqual([DAY, 15 * 60_000]);
  });

  it('post-visit follow-up: thank-you after the visit, booking nudge after 7 days', () => {
    const w = loaded('post-visit-follow-up');
    expect(w.trigger).toBe('appointment-fulfilled');
    expect(w.steps.map((s) => [s.timing.anchor, s.timing.offset.ms])).toEqual([
      ['after-end', HOUR],
      ['after-end', 7 * DAY],
    ]);
  });
});
