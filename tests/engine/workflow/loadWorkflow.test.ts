import { describe, expect, it } from 'vitest';
import { EXT } from '../../../src/engine/codes';
import { loadWorkflow, WorkflowDefinitionError } from '../../../src/engine/workflow';
import { action, messageActivity, plan, reminderWorkflow } from '../../fixtures/fhir';

function errorOf(fn: () => unknown): WorkflowDefinitionError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(WorkflowDefinitionError);
    return err as WorkflowDefinitionError;
  }
  throw new Error('expected a WorkflowDefinitionError');
}

describe('loadWorkflow', () => {
  it('reads trigger, purpose, steps with timing, channels, templates and the no-response rule', () => {
    const { plan: p, activities } = reminderWorkflow();
    const wf = loadWorkflow(p, activities);
    expect(wf.trigger).toBe('appointment-booked');
    expect(wf.purpose).toBe('reminder');
    expect(wf.consentBasis).toBe('healthcare-exemption');
    expect(wf.steps.map((s) => s.id)).toEqual(['booked', 'reminder-3d', 'reminder-1d']);
    const threeDay = wf.steps[1];
    expect(threeDay?.timing).toMatchObject({
      anchor: 'before-start',
      offset: { ms: 3 * 86_400_000, label: '3 days' },
    });
    expect(threeDay?.stopWhen).toEqual(['confirmed', 'cancelled']);
    expect(threeDay?.channels).toEqual(['sms', 'voice', 'email']);
    expect(threeDay?.templates.map((t) => t.language)).toEqual(['en', 'es']);
    expect(wf.noResponse).toMatchObject({
      touches: 3,
      task: { kind: 'call-patient', queue: 'front-office' },
    });
  });

  it('reads repeating check-ins with their first offset', () => {
    const checkIn = action('check-in', 'msg', 'after-enrolment', '0 min');
    delete checkIn.timingDuration;
    checkIn.timingTiming = { repeat: { count: 12, period: 1, periodUnit: 'wk' } };
    checkIn.extension?.push({ url: EXT.timingOffset, valueDuration: { value: 2, code: 'd' } });
    const p = plan(
      'cc',
      'cohort-due',
      'chronic-care',
      [checkIn],
      [{ url: EXT.cohort, valueCode: 'chronic-care' }],
    );
    const wf = loadWorkflow(p, [
      messageActivity('msg', 'Hi from {{practice.name}}', 'Hola de {{practice.name}}'),
    ]);
    expect(wf.steps[0]?.timing.repeat).toEqual({
      count: 12,
      every: { value: 1, unit: 'wk', ms: 604_800_000, label: '1 week' },
    });
    expect(wf.steps[0]?.timing.offset.label).toBe('2 days');
    expect(wf.cohort).toBe('chronic-care');
  });

  it('names the element when a duration unit is not UCUM', () => {
    const { plan: p, activities } = reminderWorkflow();
    const a = p.action?.[1];
    if (a?.timingDuration) {
      a.timingDuration = { value: 3, unit: 'days' };
    }
    const err = errorOf(() => loadWorkflow(p, activities));
    expect(err.element).toBe('PlanDefinition.action[1].timingDuration.code');
    expect(err.message).toContain('"days" is not a UCUM time unit');
  });

  it('refuses a step whose ActivityDefinition is missing, naming the canonical', () => {
    const { plan: p, activities } = reminderWorkflow();
    const err = errorOf(() => loadWorkflow(p, activities.slice(0, 1)));
    expect(err.message).toContain('PlanDefinition.action[1].definitionCanonical');
    expect(err.message).toContain('reminder-msg');
  });

  it('refuses duplicate step ids, unknown triggers and a missing anchor', () => {
    const { plan: p, activities } = reminderWorkflow();
    const dup = structuredClone(p);
    if (dup.action?.[2]) dup.action[2].id = 'reminder-3d';
    expect(errorOf(() => loadWorkflow(dup, activities)).message).toContain('duplicate step id "reminder-3d"');

    const badTrigger = structuredClone(p);
    badTrigger.extension = badTrigger.extension?.map((e) =>
      e.url === EXT.trigger ? { ...e, valueCode: 'whenever' } : e,
    );
    expect(errorOf(() => loadWorkflow(badTrigger, activities)).element).toBe(
      'PlanDefinition.extension[workflow-trigger].valueCode',
    );

    const noAnchor = structuredClone(p);
    if (noAnchor.action?.[0]) noAnchor.action[0].extension = [];
    expect(errorOf(() => loadWorkflow(noAnchor, activities)).element).toBe(
      'PlanDefinition.action[0].extension[timing-anchor].valueCode',
    );
  });

  it('refuses invalid FHIRPath and appointment anchors in a cohort workflow', () => {
    const { plan: p, activities } = reminderWorkflow();
    const badPath = structuredClone(p);
    badPath.extension?.push({
      url: EXT.applicability,
      valueExpression: { language: 'text/fhirpath', expression: "gender = 'female' and (" },
    });
    expect(errorOf(() => loadWorkflow(badPath, activities)).message).toContain('invalid FHIRPath');

    const cohort = plan(
      'c',
      'cohort-due',
      'recall',
      [action('x', 'booked-msg', 'before-start', '1 d')],
      [{ url: EXT.cohort, valueCode: 'recall-due' }],
    );
    expect(errorOf(() => loadWorkflow(cohort, activities)).message).toContain('needs an appointment');
  });

  it('keeps billing outside the healthcare exemption', () => {
    const { activities } = reminderWorkflow();
    const billing = plan('b', 'appointment-fulfilled', 'billing', [
      action('x', 'booked-msg', 'after-end', '1 d'),
    ]);
    expect(errorOf(() => loadWorkflow(billing, activities)).message).toContain('prior-express-consent');
  });

  it('does not let a workflow override opt-out handling', () => {
    const { plan: p, activities } = reminderWorkflow();
    p.extension?.push({
      url: EXT.responseBranch,
      extension: [
        { url: 'intent', valueCode: 'opt-out' },
        { url: 'action', valueCode: 'acknowledge' },
      ],
    });
    expect(errorOf(() => loadWorkflow(p, activities)).message).toContain('cannot be branched');
  });

  it('reads response branches with their task and reply texts', () => {
    const { plan: p, activities } = reminderWorkflow();
    p.extension?.push({
      url: EXT.responseBranch,
      extension: [
        { url: 'intent', valueCode: 'reschedule' },
        { url: 'action', valueCode: 'create-task' },
        { url: 'task-kind', valueCode: 'reschedule' },
        { url: 'queue', valueCode: 'access' },
        { url: 'outcome', valueCode: 'reschedule-requested' },
        {
          url: 'reply',
          extension: [
            { url: 'language', valueCode: 'en' },
            { url: 'body', valueString: 'We will call you.' },
          ],
        },
      ],
    });
    const wf = loadWorkflow(p, activities);
    expect(wf.branches[0]).toMatchObject({
      intent: 'reschedule',
      action: 'create-task',
      task: { kind: 'reschedule', queue: 'access', priority: 'routine' },
      outcome: 'reschedule-requested',
      replies: [{ language: 'en', body: 'We will call you.' }],
    });
  });

  it('never crashes on garbage: it throws WorkflowDefinitionError', () => {
    for (const junk of [
      {},
      { resourceType: 'Patient' },
      { resourceType: 'PlanDefinition' },
      {
        resourceType: 'PlanDefinition',
        url: 'x',
        name: 'x',
        type: { coding: [{ code: 'workflow-definition' }] },
        action: [{}],
      },
    ]) {
      errorOf(() => loadWorkflow(junk as never, []));
    }
    errorOf(() => loadWorkflow(undefined as never, []));
  });
});
