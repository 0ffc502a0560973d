/**
 * Reading completed questionnaires: which Careloop Questionnaire a response answers, its answers by
 * linkId, the patient and the enrolment it belongs to, and the tag that records it was acted on (so the
 * watchdog's reconcile pass can find the responses a missed Subscription event left behind).
 */

import { isNotFound, normalizeOperationOutcome, type MedplumClient } from '@medplum/core';
import type {
  CarePlan,
  Patient,
  QuestionnaireResponse,
  QuestionnaireResponseItem,
  QuestionnaireResponseItemAnswer,
} from '@medplum/fhirtypes';
import { CARELOOP_BASE, CS } from '../engine';

/** The Questionnaires Careloop scores (fhir-resources/questionnaires). */
export const QUESTIONNAIRES = {
  postVisitSurvey: `${CARELOOP_BASE}/Questionnaire/post-visit-survey`,
  checkIn: `${CARELOOP_BASE}/Questionnaire/chronic-care-check-in`,
} as const;

/** linkIds of the post-visit survey. */
export const SURVEY_ITEMS = { score: 'recommend', comment: 'comment' } as const;

/** linkIds of the chronic-care check-in. */
export const CHECK_IN_ITEMS = {
  feeling: 'feeling',
  newConcerns: 'new-concerns',
  comment: 'comment',
} as const;

/**
 * `meta.tag` on a QuestionnaireResponse that Careloop has acted on. A bot that records an answer as a
 * QuestionnaireResponse after acting on it itself (an SMS answer) sets it at creation, so the survey bot
 * leaves that response alone.
 */
export const PROCESSED_TAG = {
  system: `${CARELOOP_BASE}/CodeSystem/bot-processed`,
  code: 'careloop-survey-response',
} as const;

/** The search token for PROCESSED_TAG (`_tag` / `_tag:not`). */
export const PROCESSED_TAG_TOKEN = `${PROCESSED_TAG.system}|${PROCESSED_TAG.code}`;

/** The canonical URL a response answers, without its `|version`. */
export function questionnaireOf(response: QuestionnaireResponse): string | undefined {
  return response.questionnaire?.split('|')[0];
}

/** True when the response carries the processed tag. */
export function isProcessed(response: QuestionnaireResponse): boolean {
  return (
    response.meta?.tag?.some((t) => t.system === PROCESSED_TAG.system && t.code === PROCESSED_TAG.code) ??
    false
  );
}

/**
 * Tags the response as processed with a JSON Patch (only the tag changes, so an edit made meanwhile is not
 * overwritten). Updating a completed response does not fire the survey Subscriptions again: they fire on
 * create, or on the update that completes it.
 */
export async function markProcessed(medplum: MedplumClient, response: QuestionnaireResponse): Promise<void> {
  if (!response.id || isProcessed(response)) {
    return;
  }
  const tag = { ...PROCESSED_TAG };
  await medplum.patchResource(
    'QuestionnaireResponse',
    response.id,
    response.meta?.tag
      ? [{ op: 'add', path: '/meta/tag/-', value: tag }]
      : [{ op: 'add', path: '/meta/tag', value: [tag] }],
  );
}

function findItem(
  items: readonly QuestionnaireResponseItem[] | undefined,
  linkId: string,
): QuestionnaireResponseItem | undefined {
  for (const item of items ?? []) {
    if (item.linkId === linkId) {
      return item;
    }
    const nested =
      findItem(item.item, linkId) ??
      findItem(
        (item.answer ?? []).flatMap((a) => a.item ?? []),
        linkId,
      );
    if (nested) {
      return nested;
    }
  }
  return undefined;
}

function firstAnswer(
  response: QuestionnaireResponse,
  linkId: string,
): QuestionnaireResponseItemAnswer | undefined {
  return findItem(response.item, linkId)?.answer?.[0];
}

/** A numeric answer as found: absent, present but not a whole number, or a value. */
export type NumericAnswer =
  | { readonly kind: 'missing' }
  | { readonly kind: 'invalid'; readonly raw: string }
  | { readonly kind: 'value'; readonly value: number };

const WHOLE = /^\s*-?\d+\s*$/;

/** The whole-number answer to `linkId`: integer, integral decimal, a digits string, or a coding whose code is digits. */
export function numericAnswer(response: QuestionnaireResponse, linkId: string): NumericAnswer {
  const a = firstAnswer(response, linkId);
  if (!a) {
    return { kind: 'missing' };
  }
  if (a.valueInteger !== undefined) {
    return { kind: 'value', value: a.valueInteger };
  }
  if (a.valueDecimal !== undefined) {
    return Number.isInteger(a.valueDecimal)
      ? { kind: 'value', value: a.valueDecimal }
      : { kind: 'invalid', raw: String(a.valueDecimal) };
  }
  const text = a.valueString ?? a.valueCoding?.code;
  if (text !== undefined) {
    return WHOLE.test(text) ? { kind: 'value', value: Number(text) } : { kind: 'invalid', raw: text };
  }
  return { kind: 'invalid', raw: a.valueCoding?.display ?? JSON.stringify(a) };
}

/** The free-text answer to `linkId`, trimmed; undefined when absent or blank. */
export function textAnswer(response: QuestionnaireResponse, linkId: string): string | undefined {
  const text = firstAnswer(response, linkId)?.valueString?.trim();
  return text ? text : undefined;
}

/** The yes/no answer to `linkId`, if given. */
export function booleanAnswer(response: QuestionnaireResponse, linkId: string): boolean | undefined {
  return firstAnswer(response, linkId)?.valueBoolean;
}

/** The Patient the response is about; undefined when it names none or the Patient does not exist. */
export async function responsePatient(
  medplum: MedplumClient,
  response: QuestionnaireResponse,
): Promise<Patient | undefined> {
  const ref = response.subject?.reference ?? response.source?.reference;
  const [type, id] = ref?.split('/') ?? [];
  if (type !== 'Patient' || !id) {
    return undefined;
  }
  try {
    return await medplum.readResource('Patient', id, { cache: 'no-cache' });
  } catch (err) {
    if (isNotFound(normalizeOperationOutcome(err))) {
      return undefined;
    }
    throw err;
  }
}

function startOf(plan: CarePlan): number {
  return Date.parse(plan.period?.start ?? plan.created ?? '') || 0;
}

/**
 * The enrolment a response answers, among the patient's plans of `purpose`: the plan the response names
 * in `basedOn`; else the most recent running plan; else the most recent plan that ended at or after the
 * response was written — the one this response (or an earlier run on it) closed, so a retry finds the
 * same enrolment and makes the same keys.
 */
export async function enrolmentForResponse(
  medplum: MedplumClient,
  args: { response: QuestionnaireResponse; patientRef: string; purpose: string },
): Promise<CarePlan | undefined> {
  const plans = await medplum.searchResources(
    'CarePlan',
    { subject: args.patientRef, category: `${CS.purpose}|${args.purpose}`, _count: '100' },
    { cache: 'no-cache' },
  );
  const named = args.response.basedOn?.map((r) => r.reference).find((r) => r?.startsWith('CarePlan/'));
  const byName = plans.find((p) => `CarePlan/${p.id}` === named);
  if (byName) {
    return byName;
  }
  const recent = [...plans]
    .filter((p) => p.status !== 'entered-in-error')
    .sort((a, b) => startOf(b) - startOf(a));
  const running = recent.find((p) => p.status === 'active' || p.status === 'on-hold');
  if (running) {
    return running;
  }
  const answeredAt = Date.parse(args.response.authored ?? args.response.meta?.lastUpdated ?? '');
  if (Number.isNaN(answeredAt)) {
    return undefined;
  }
  return recent.find(
    (p) =>
      (p.status === 'completed' || p.status === 'revoked') &&
      p.period?.end !== undefined &&
      Date.parse(p.period.end) >= answeredAt,
  );
}
