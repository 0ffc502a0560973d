/**
 * Bot: survey response (Subscriptions on QuestionnaireResponse created completed, or updated to
 * completed). The post-visit survey is scored by the engine (`survey-scored`: a low score is an escalation
 * Task, everyone gets the same thank-you and review invitation); a chronic-care check-in with a low feeling
 * or new concerns is a call Task. Replies go out as immediate CommunicationRequests the dispatch bot sends.
 * Every write is keyed by the response, and the response is tagged once acted on, so a repeat changes
 * nothing and the watchdog can find what a missed event left behind.
 */

import type { BotEvent, MedplumClient } from '@medplum/core';
import type { CarePlan, Patient, QuestionnaireResponse } from '@medplum/fhirtypes';
import { applyEvent, type PracticeSettings, type Transition, type WorkflowDefinition } from '../engine';
import {
  checkInTransition,
  DEFAULT_CHECK_IN_SCALE,
  DEFAULT_SURVEY_RANGE,
  questionnaireStep,
  reviewTransition,
  type ResponseContext,
} from '../engine/surveys/responses';
import { conversationState, definitionFor, loadEnrolmentState } from '../fhir/enrolmentState';
import { replyRequests } from '../fhir/replyRequests';
import {
  booleanAnswer,
  CHECK_IN_ITEMS,
  enrolmentForResponse,
  isProcessed,
  markProcessed,
  numericAnswer,
  QUESTIONNAIRES,
  questionnaireOf,
  responsePatient,
  SURVEY_ITEMS,
  textAnswer,
  type NumericAnswer,
} from '../fhir/surveyResponses';
import { writeTransition } from '../fhir/writeChanges';
import { ofPractice } from '../fhir/practiceScope';
import { loadBotSetup } from './botSetup';
import { botClock } from './runtime';

/** What the bot did with one response, for the bot log and tests. */
export interface SurveyResponseResult {
  readonly response: string;
  readonly outcome: 'scored' | 'checked-in' | 'needs-review' | 'ignored' | 'already-processed';
  readonly detail?: string;
  /** The enrolment the response was matched to. */
  readonly carePlan?: string;
  /** Identifier values of the Tasks the response produced (existing ones on a repeat). */
  readonly tasks: readonly string[];
  /** How many replies were queued for dispatch. */
  readonly replies: number;
}

/** What the bot's logic needs besides the client. */
export interface SurveyResponseContext {
  readonly practice: PracticeSettings;
  readonly workflows: readonly WorkflowDefinition[];
  readonly now: Date;
}

/** Medplum entry point. */
export async function handler(
  medplum: MedplumClient,
  event: BotEvent<QuestionnaireResponse>,
): Promise<SurveyResponseResult> {
  const response = event.input;
  if (response?.resourceType !== 'QuestionnaireResponse') {
    throw new Error('survey-response: expected a QuestionnaireResponse as input');
  }
  const { practice, workflows } = await loadBotSetup(medplum, event, 'survey-response');
  // Every practice's Subscription fires in a project with several: another practice's bot scores its own.
  const [ours] = await ofPractice(medplum, [response], practice.organization, (r) => r.subject?.reference);
  if (!ours) {
    return {
      response: `QuestionnaireResponse/${response.id ?? '?'}`,
      outcome: 'ignored',
      detail: 'another practice',
      tasks: [],
      replies: 0,
    };
  }
  return handleSurveyResponse(medplum, response, { practice, workflows, now: botClock().now() });
}

/** The bot's logic with its dependencies passed in (the watchdog, the sandbox and tests call this). */
export async function handleSurveyResponse(
  medplum: MedplumClient,
  input: QuestionnaireResponse,
  ctx: SurveyResponseContext,
): Promise<SurveyResponseResult> {
  const ref = `QuestionnaireResponse/${input.id ?? '?'}`;
  const result = (
    outcome: SurveyResponseResult['outcome'],
    detail: string,
    extra: Partial<SurveyResponseResult> = {},
  ): SurveyResponseResult => ({ response: ref, outcome, detail, tasks: [], replies: 0, ...extra });
  if (!input.id) {
    return result('ignored', 'the response was never saved (no id)');
  }
  // The event carries the response as it was when the event fired; what counts is what is stored now.
  const response = await medplum.readResource('QuestionnaireResponse', input.id, { cache: 'no-cache' });
  if (response.status !== 'completed') {
    return result('ignored', `status is ${response.status}`);
  }
  if (isProcessed(response)) {
    return result('already-processed', 'the response was already acted on');
  }
  const questionnaire = questionnaireOf(response);
  if (questionnaire !== QUESTIONNAIRES.postVisitSurvey && questionnaire !== QUESTIONNAIRES.checkIn) {
    return result('ignored', `not a questionnaire Careloop scores (${questionnaire ?? 'none'})`);
  }
  const patient = await responsePatient(medplum, response);
  let done: SurveyResponseResult;
  if (!patient) {
    const subject = response.subject?.reference;
    const reason = subject ? `it names ${subject}, which does not exist` : 'it names no patient';
    const t = reviewTransition(
      { practice: ctx.practice, now: ctx.now.toISOString(), response: { reference: ref } },
      reason,
      textAnswer(response, SURVEY_ITEMS.comment),
    );
    await writeTransition(medplum, t);
    done = result('needs-review', reason, { tasks: taskKeys(t) });
  } else if (questionnaire === QUESTIONNAIRES.postVisitSurvey) {
    done = await scoreSurvey(medplum, response, patient, ctx, result);
  } else {
    done = await scoreCheckIn(medplum, response, patient, ctx, result);
  }
  // Last, so a run that fails part-way is found and finished by the watchdog.
  await markProcessed(medplum, response);
  return done;
}

type ResultFn = (
  outcome: SurveyResponseResult['outcome'],
  detail: string,
  extra?: Partial<SurveyResponseResult>,
) => SurveyResponseResult;

async function scoreSurvey(
  medplum: MedplumClient,
  response: QuestionnaireResponse,
  patient: Patient,
  ctx: SurveyResponseContext,
  result: ResultFn,
): Promise<SurveyResponseResult> {
  const patientRef = `Patient/${patient.id ?? ''}`;
  const ref = `QuestionnaireResponse/${response.id ?? ''}`;
  const { enrolment, definition, rctx } = await matchEnrolment(
    medplum,
    response,
    patientRef,
    'feedback',
    ctx,
  );
  const range =
    questionnaireStep(QUESTIONNAIRES.postVisitSurvey, definition, ctx.workflows)?.answerScale ??
    DEFAULT_SURVEY_RANGE;
  const score = numericAnswer(response, SURVEY_ITEMS.score);
  const comment = textAnswer(response, SURVEY_ITEMS.comment);
  const planRef = enrolment ? { carePlan: `CarePlan/${enrolment.id ?? ''}` } : {};
  const problem = unreadable(score, range, 'the 0–10 recommend question');
  if (problem || score.kind !== 'value') {
    if (score.kind === 'missing' && !comment) {
      return result('ignored', 'no score and no comment: nothing to act on', planRef);
    }
    const t = reviewTransition(rctx, problem ?? 'no score', comment);
    await writeTransition(medplum, t);
    return result('needs-review', problem ?? 'no score', { ...planRef, tasks: taskKeys(t) });
  }
  const state =
    enrolment && definition
      ? await loadEnrolmentState(medplum, {
          carePlan: enrolment,
          definition,
          practice: ctx.practice,
          now: ctx.now,
        })
      : await conversationState(medplum, { patient, practice: ctx.practice, now: ctx.now });
  const t = applyEvent(state, {
    type: 'survey-scored',
    score: score.value,
    ...(comment ? { comment } : {}),
    response: { reference: ref },
  });
  const replies = replyRequests(t, {
    ...(enrolment ? { carePlan: enrolment } : {}),
    patientRef,
    now: ctx.now.toISOString(),
    key: `survey:${ref}`,
    purpose: 'feedback',
    ...(ctx.practice.organization ? { sender: ctx.practice.organization } : {}),
    inResponseTo: { reference: ref },
  });
  await writeTransition(medplum, { ...savedOnly(t), requests: [...t.requests, ...replies] });
  return result('scored', `score ${score.value}${t.tasks.length ? ': escalated' : ''}`, {
    ...planRef,
    tasks: taskKeys(t),
    replies: replies.length,
  });
}

async function scoreCheckIn(
  medplum: MedplumClient,
  response: QuestionnaireResponse,
  patient: Patient,
  ctx: SurveyResponseContext,
  result: ResultFn,
): Promise<SurveyResponseResult> {
  const patientRef = `Patient/${patient.id ?? ''}`;
  const { enrolment, definition, rctx } = await matchEnrolment(
    medplum,
    response,
    patientRef,
    'chronic-care',
    ctx,
  );
  const step = questionnaireStep(QUESTIONNAIRES.checkIn, definition, ctx.workflows);
  const scale = step?.answerScale ?? DEFAULT_CHECK_IN_SCALE;
  const feeling = numericAnswer(response, CHECK_IN_ITEMS.feeling);
  const newConcerns = booleanAnswer(response, CHECK_IN_ITEMS.newConcerns);
  const comment = textAnswer(response, CHECK_IN_ITEMS.comment);
  const planRef = enrolment ? { carePlan: `CarePlan/${enrolment.id ?? ''}` } : {};
  const problem = feeling.kind === 'missing' ? undefined : unreadable(feeling, scale, 'how are you feeling');
  if (problem) {
    // A check-in nobody can read goes to the people who would have acted on a low one.
    const t = reviewTransition(rctx, problem, comment, scale.task);
    await writeTransition(medplum, t);
    return result('needs-review', problem, { ...planRef, tasks: taskKeys(t) });
  }
  if (feeling.kind === 'missing' && newConcerns === undefined && !comment) {
    return result('ignored', 'the check-in has no answers', planRef);
  }
  const t = checkInTransition(
    rctx,
    {
      ...(feeling.kind === 'value' ? { feeling: feeling.value } : {}),
      ...(newConcerns !== undefined ? { newConcerns } : {}),
      ...(comment ? { comment } : {}),
    },
    scale,
    step?.title,
  );
  await writeTransition(medplum, t);
  return result('checked-in', t.log.join('; '), { ...planRef, tasks: taskKeys(t) });
}

/** The enrolment (only one whose workflow is loaded counts) and the context for the engine's tasks. */
async function matchEnrolment(
  medplum: MedplumClient,
  response: QuestionnaireResponse,
  patientRef: string,
  purpose: string,
  ctx: SurveyResponseContext,
): Promise<{ enrolment?: CarePlan; definition?: WorkflowDefinition; rctx: ResponseContext }> {
  const plan = await enrolmentForResponse(medplum, { response, patientRef, purpose });
  const definition = plan ? definitionFor(plan, ctx.workflows) : undefined;
  const enrolment = plan && definition ? plan : undefined;
  const rctx: ResponseContext = {
    ...(enrolment ? { carePlan: enrolment } : {}),
    patientRef,
    practice: ctx.practice,
    now: ctx.now.toISOString(),
    response: { reference: `QuestionnaireResponse/${response.id ?? ''}` },
  };
  return { ...(enrolment ? { enrolment } : {}), ...(definition ? { definition } : {}), rctx };
}

/** Why an answer cannot be used, or undefined when it is a whole number in range (or absent). */
function unreadable(
  answer: NumericAnswer,
  range: { readonly min: number; readonly max: number },
  question: string,
): string | undefined {
  switch (answer.kind) {
    case 'missing':
      return `no answer to ${question}`;
    case 'invalid':
      return `the answer to ${question} ("${answer.raw}") is not a whole number`;
    case 'value':
      return answer.value < range.min || answer.value > range.max
        ? `the answer to ${question} (${answer.value}) is outside ${range.min}–${range.max}`
        : undefined;
  }
}

function taskKeys(t: Transition): string[] {
  return t.tasks.map((task) => task.identifier?.[0]?.value ?? '');
}

function savedOnly(t: Transition): Transition {
  // The stand-in plan of a response outside any enrolment has no id and is never written.
  return t.carePlan && !t.carePlan.id ? { ...t, carePlan: undefined } : t;
}
