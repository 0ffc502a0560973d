/**
 * Completed questionnaires (post-visit survey, chronic-care check-in) turned into work: which scale a
 * check-in is read on, when an answer needs the care team, and the task for a response nobody can score.
 * The 0–10 survey itself goes through applyEvent's `survey-scored`; these cover what that event does not.
 */

import type { CarePlan, Reference } from '@medplum/fhirtypes';
import { buildTask, carePlanPurpose } from '../planning/resources';
import type { PracticeSettings } from '../policy/settings';
import type { Transition } from '../transitions/types';
import { stepDuration } from '../workflow/duration';
import type { AnswerScale, TaskSpec, WorkflowDefinition, WorkflowStep } from '../workflow/types';

/** The post-visit survey's range when no workflow step says otherwise (the Questionnaire's min/max). */
export const DEFAULT_SURVEY_RANGE = { min: 0, max: 10 } as const;

/**
 * The check-in rule when no workflow step carries an answer scale: feeling 1 to 5, and 1 or 2 is a call
 * from care coordination within a day (the library's chronic-care step says the same).
 */
export const DEFAULT_CHECK_IN_SCALE: AnswerScale = {
  min: 1,
  max: 5,
  escalateAtOrBelow: 2,
  task: {
    kind: 'call-patient',
    queue: 'care-coordination',
    priority: 'urgent',
    dueIn: stepDuration(1, 'd', 'default check-in scale'),
  },
  endsEnrolment: false,
};

/** Who looks at a survey response that cannot be scored or matched to a patient. */
export const SURVEY_REVIEW_TASK: TaskSpec = {
  kind: 'survey-escalation',
  queue: 'front-office',
  priority: 'routine',
  dueIn: stepDuration(1, 'd', 'survey review'),
};

/**
 * The step that asks this Questionnaire: in the enrolment's own workflow first, else in any loaded
 * workflow (a response that arrived without an enrolment is still read on the practice's scale).
 */
export function questionnaireStep(
  questionnaire: string,
  own: WorkflowDefinition | undefined,
  workflows: readonly WorkflowDefinition[],
): WorkflowStep | undefined {
  for (const def of [...(own ? [own] : []), ...workflows]) {
    const step = def.steps.find((s) => s.questionnaire === questionnaire && s.answerScale);
    if (step) {
      return step;
    }
  }
  return undefined;
}

/** The enrolment, patient and response a questionnaire transition is about. */
export interface ResponseContext {
  /** The enrolment the response answers, if any (saved: it has an id). */
  readonly carePlan?: CarePlan;
  /** `Patient/<id>`; absent when the response names no patient we can find. */
  readonly patientRef?: string;
  readonly practice: PracticeSettings;
  /** The current instant, ISO 8601. */
  readonly now: string;
  /** The QuestionnaireResponse. */
  readonly response: Reference;
}

/** A check-in's answers, as read from the response. */
export interface CheckInAnswers {
  /** How the patient feels, on the scale; absent when not answered. */
  readonly feeling?: number;
  readonly newConcerns?: boolean;
  readonly comment?: string;
}

/**
 * A check-in: a feeling at or below the scale's threshold, or new concerns, is a task for the scale's
 * queue (a call from care coordination by default); a comment on an otherwise good check-in is a
 * routine staff-reply task for the same queue. A check-in never ends the programme.
 */
export function checkInTransition(
  ctx: ResponseContext,
  answers: CheckInAnswers,
  scale: AnswerScale,
  title = 'Check-in',
): Transition {
  const low = answers.feeling !== undefined && answers.feeling <= scale.escalateAtOrBelow;
  const log = [
    answers.feeling !== undefined
      ? `check-in answered: feeling ${answers.feeling} (${scale.min}–${scale.max})`
      : 'check-in answered without a feeling',
  ];
  if (!low && answers.newConcerns !== true) {
    if (!answers.comment) {
      return transition([], log);
    }
    // Whatever the patient wrote to the care team is read by a person, even on a good week.
    const spec: TaskSpec = { ...scale.task, kind: 'staff-reply', priority: 'routine' };
    log.push(`task created: ${spec.kind} for ${spec.queue}`);
    return transition([task(ctx, spec, `${title}: the patient left a comment: "${answers.comment}"`)], log);
  }
  const reasons = [
    ...(low ? [`feeling ${answers.feeling ?? '?'} on a ${scale.min}–${scale.max} scale`] : []),
    ...(answers.newConcerns === true ? ['new concerns'] : []),
  ];
  const comment = answers.comment ? ` Comment: "${answers.comment}"` : '';
  log.push(`task created: ${scale.task.kind} for ${scale.task.queue}`);
  return transition(
    [task(ctx, scale.task, `${title}: patient reported ${reasons.join(' and ')}.${comment}`)],
    log,
  );
}

/**
 * A response a person has to read: the score cannot be read (missing, not a number, out of range) or the
 * response names no patient. Nothing is guessed and nothing is dropped.
 */
export function reviewTransition(
  ctx: ResponseContext,
  reason: string,
  comment?: string,
  spec: TaskSpec = SURVEY_REVIEW_TASK,
): Transition {
  const said = comment ? ` Comment: "${comment}"` : '';
  return transition(
    [task(ctx, spec, `This response needs a person: ${reason}.${said}`)],
    [`response needs review: ${reason}`, `task created: ${spec.kind} for ${spec.queue}`],
  );
}

/** The key prefix of tasks for this context, the same one applyEvent uses, so retries match. */
function enrolmentKeyOf(ctx: ResponseContext): string {
  return (
    ctx.carePlan?.identifier?.find((i) => i.value)?.value ??
    ctx.carePlan?.id ??
    (ctx.patientRef ? `conversation:${ctx.patientRef}` : 'unmatched')
  );
}

function task(ctx: ResponseContext, spec: TaskSpec, description: string): ReturnType<typeof buildTask> {
  const owner = ctx.practice.queueOwners[spec.queue];
  const purpose = carePlanPurpose(ctx.carePlan);
  return buildTask({
    spec,
    key: `${enrolmentKeyOf(ctx)}:${spec.kind}:${ctx.response.reference ?? ctx.now}`,
    ...(ctx.patientRef ? { patient: { reference: ctx.patientRef as `Patient/${string}` } } : {}),
    focus: ctx.response,
    ...(ctx.carePlan?.id ? { carePlan: `CarePlan/${ctx.carePlan.id}` } : {}),
    ...(owner ? { owner: { reference: owner as `CareTeam/${string}` } } : {}),
    ...(purpose ? { purpose } : {}),
    now: ctx.now,
    description,
  });
}

function transition(tasks: Transition['tasks'], log: string[]): Transition {
  return { revoked: [], requests: [], replies: [], consents: [], tasks, cancelledTasks: [], log };
}
