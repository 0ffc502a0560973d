/**
 * Cohort rules: which patients the daily cohort bot puts in which `cohort-due` workflow, and how often.
 * A small table (COHORT_RULES) read by pure functions; the bot loads patients and appointments a page at a
 * time and asks these functions. See docs/cohorts.md for the rules in words and how to change them.
 */

import type { Appointment, Coding, Patient } from '@medplum/fhirtypes';
import { DateTime } from 'luxon';
import { CS } from '../codes';
import { ageInYears } from '../planning/facts';
import { enrolmentKey } from '../planning/identifiers';
import type { WorkflowDefinition } from '../workflow/types';

/** How often a patient may be enrolled again for the same cohort: the run key changes once per period. */
export type CohortPeriod = 'month' | 'quarter' | 'year';

/**
 * One row of the table. Every criterion given must hold; a cohort may have several rows (a patient in any
 * row is in the cohort). Rows are in precedence order: among outreach cohorts, the first one wins.
 */
export interface CohortRule {
  /** The `workflow-cohort` code the row selects for (`CodeSystem/cohort`). */
  readonly cohort: string;
  /** Who the row is for, in words (docs, bot log). */
  readonly label: string;
  readonly period: CohortPeriod;
  /**
   * Outreach cohorts ask a patient to come back (recall, screening, reactivation): a patient is in at most
   * one outreach enrolment at a time and gets at most one per run, so two "please book" campaigns never
   * overlap. Programmes (chronic care) are not outreach and run alongside.
   */
  readonly outreach: boolean;
  /** Patient.meta.tag that puts the patient in the cohort (set by staff or the EHR sync). */
  readonly tag?: Readonly<Required<Pick<Coding, 'system' | 'code'>>>;
  /** Calendar months since the last fulfilled visit: at least `atLeast`, and less than `lessThan` if set. */
  readonly monthsSinceVisit?: { readonly atLeast: number; readonly lessThan?: number };
  /** The patient must have had at least one fulfilled visit (a lapsed patient, not a never-seen record). */
  readonly requiresPriorVisit?: boolean;
  /** No upcoming appointment (proposed, pending, booked, waitlisted, arrived or checked in). */
  readonly nothingBooked?: boolean;
  /** Age in whole years at the run, inclusive. */
  readonly ageYears?: { readonly min: number; readonly max: number };
  /** Patient.gender values the row applies to. */
  readonly gender?: readonly string[];
}

/** Careloop's default cohorts; docs/cohorts.md explains each row. */
export const COHORT_RULES: readonly CohortRule[] = [
  {
    cohort: 'recall-due',
    label: 'last fulfilled visit 11 to 24 months ago, nothing booked',
    period: 'month',
    outreach: true,
    requiresPriorVisit: true,
    monthsSinceVisit: { atLeast: 11, lessThan: 24 },
    nothingBooked: true,
  },
  {
    cohort: 'screening-due',
    label: 'adults 50 to 75 with no fulfilled visit in 12 months, nothing booked',
    period: 'year',
    outreach: true,
    ageYears: { min: 50, max: 75 },
    monthsSinceVisit: { atLeast: 12 },
    nothingBooked: true,
  },
  {
    cohort: 'screening-due',
    label: 'women 21 to 49 with no fulfilled visit in 12 months, nothing booked',
    period: 'year',
    outreach: true,
    ageYears: { min: 21, max: 49 },
    gender: ['female'],
    monthsSinceVisit: { atLeast: 12 },
    nothingBooked: true,
  },
  {
    cohort: 'inactive',
    label: 'seen before, no fulfilled visit in 12 months, nothing booked',
    period: 'quarter',
    outreach: true,
    requiresPriorVisit: true,
    monthsSinceVisit: { atLeast: 12 },
    nothingBooked: true,
  },
  {
    cohort: 'chronic-care',
    label: `tagged ${CS.cohort}|chronic-care`,
    // The check-in programme runs 12 weeks; a new enrolment each quarter keeps it going without overlap.
    period: 'quarter',
    outreach: false,
    tag: { system: CS.cohort, code: 'chronic-care' },
  },
];

/** What the rules read about one patient; the caller loads it. */
export interface CohortFacts {
  readonly patient: Patient;
  /** The patient's appointments, any status (the caller loads them for a page of patients at once). */
  readonly appointments: readonly Appointment[];
}

/** A cohort a patient is in at this run. */
export interface CohortMatch {
  readonly cohort: string;
  /** `<cohort>:<period>` (e.g. `recall-due:2026-11`): part of the enrolment key, so one enrolment per period. */
  readonly runKey: string;
  readonly outreach: boolean;
  /** The first row that matched, in words. */
  readonly label: string;
}

const UPCOMING = new Set(['proposed', 'pending', 'booked', 'waitlist']);
const HERE_NOW = new Set(['arrived', 'checked-in']);

/** The last fulfilled visit before `now` and whether anything is booked from `now` on. */
export function visitSummary(
  appointments: readonly Appointment[],
  now: string,
): { readonly lastVisit?: string; readonly booked: boolean } {
  const t = Date.parse(now);
  let last: number | undefined;
  let booked = false;
  for (const a of appointments) {
    const start = a.start ? Date.parse(a.start) : undefined;
    if (
      a.status === 'fulfilled' &&
      start !== undefined &&
      start <= t &&
      (last === undefined || start > last)
    ) {
      last = start;
    }
    // A waitlisted or proposed appointment without a time is still "something booked".
    if ((UPCOMING.has(a.status) && (start === undefined || start >= t)) || HERE_NOW.has(a.status)) {
      booked = true;
    }
  }
  return { ...(last !== undefined ? { lastVisit: new Date(last).toISOString() } : {}), booked };
}

/** The run key of a cohort for the period containing `now` in the practice's zone. */
export function cohortRunKey(cohort: string, period: CohortPeriod, now: string, zone: string): string {
  const local = DateTime.fromISO(now, { zone: 'utc' }).setZone(zone);
  if (!local.isValid) {
    throw new Error(`cohortRunKey: "${now}" in "${zone}" is not a valid instant and zone`);
  }
  switch (period) {
    case 'month':
      return `${cohort}:${local.toFormat('yyyy-MM')}`;
    case 'quarter':
      return `${cohort}:${local.year}-Q${local.quarter}`;
    case 'year':
      return `${cohort}:${local.year}`;
  }
}

function monthsSinceHold(
  rule: NonNullable<CohortRule['monthsSinceVisit']>,
  lastVisit: string | undefined,
  now: string,
  zone: string,
): boolean {
  if (!lastVisit) {
    // Never seen: "no visit in N months" holds, "seen N to M months ago" does not.
    return rule.lessThan === undefined;
  }
  // Calendar dates in the practice's zone: a visit on 16 December is 11 months old on 16 November, all day.
  const last = DateTime.fromISO(lastVisit, { zone: 'utc' }).setZone(zone).startOf('day');
  const today = DateTime.fromISO(now, { zone: 'utc' }).setZone(zone).startOf('day');
  if (last.plus({ months: rule.atLeast }) > today) {
    return false;
  }
  return rule.lessThan === undefined || last.plus({ months: rule.lessThan }) > today;
}

/** True when every criterion of the row holds for the patient at `now` (dates in the practice's `zone`). */
export function ruleHolds(rule: CohortRule, facts: CohortFacts, now: string, zone: string): boolean {
  const { patient } = facts;
  const tag = rule.tag;
  if (tag && !patient.meta?.tag?.some((t) => t.system === tag.system && t.code === tag.code)) {
    return false;
  }
  if (rule.gender && !rule.gender.includes(patient.gender ?? 'unknown')) {
    return false;
  }
  if (rule.ageYears) {
    const age = ageInYears(patient, now);
    if (age === undefined || age < rule.ageYears.min || age > rule.ageYears.max) {
      return false;
    }
  }
  const needsVisits = rule.monthsSinceVisit || rule.requiresPriorVisit || rule.nothingBooked;
  if (!needsVisits) {
    return true;
  }
  const { lastVisit, booked } = visitSummary(facts.appointments, now);
  if (rule.nothingBooked && booked) {
    return false;
  }
  if (rule.requiresPriorVisit && !lastVisit) {
    return false;
  }
  return !rule.monthsSinceVisit || monthsSinceHold(rule.monthsSinceVisit, lastVisit, now, zone);
}

/** The cohorts the patient is in at `now`, in table order, each once, with the run key for this period. */
export function matchCohorts(
  facts: CohortFacts,
  now: string,
  zone: string,
  rules: readonly CohortRule[] = COHORT_RULES,
): CohortMatch[] {
  const out: CohortMatch[] = [];
  for (const rule of rules) {
    if (out.some((m) => m.cohort === rule.cohort) || !ruleHolds(rule, facts, now, zone)) {
      continue;
    }
    out.push({
      cohort: rule.cohort,
      runKey: cohortRunKey(rule.cohort, rule.period, now, zone),
      outreach: rule.outreach,
      label: rule.label,
    });
  }
  return out;
}

/** One enrolment the bot may plan. */
export interface CohortCandidate {
  readonly workflow: WorkflowDefinition;
  readonly cohort: string;
  readonly runKey: string;
  /** The deterministic enrolment key (`workflow:Patient/id:runKey`). */
  readonly key: string;
}

/** Every enrolment the matches could lead to, in precedence order, before anything is checked. */
export function cohortCandidates(args: {
  readonly patientRef: string;
  readonly matches: readonly CohortMatch[];
  readonly workflows: readonly WorkflowDefinition[];
}): (CohortCandidate & { readonly outreach: boolean })[] {
  const cohortWorkflows = args.workflows.filter((w) => w.trigger === 'cohort-due' && w.status === 'active');
  return args.matches.flatMap((match) =>
    cohortWorkflows
      .filter((w) => w.cohort === match.cohort)
      .map((workflow) => ({
        workflow,
        cohort: match.cohort,
        runKey: match.runKey,
        outreach: match.outreach,
        key: enrolmentKey({ workflowName: workflow.name, patientRef: args.patientRef, runKey: match.runKey }),
      })),
  );
}

/** What to plan for one patient, and why the rest is not. */
export interface CohortSelection {
  /** Try in order; enrol the first whose plan is applicable and stop (one outreach at a time). */
  readonly outreach: readonly CohortCandidate[];
  /** Enrol each (programmes run alongside outreach). */
  readonly programmes: readonly CohortCandidate[];
  readonly skipped: readonly { readonly workflow: string; readonly reason: string }[];
}

/**
 * Turns a patient's cohort matches into the enrolments to plan. A workflow already enrolled for this run
 * key, or with an enrolment still running, is skipped. Outreach goes by precedence: while any outreach
 * enrolment runs, none is tried; and once a cohort earlier in the table was reached for its run key, the
 * later ones wait (no falling through to the next campaign in the same period).
 */
export function selectCohortEnrolments(args: {
  readonly patientRef: string;
  readonly matches: readonly CohortMatch[];
  /** The practice's loaded workflows; only active `cohort-due` ones are considered. */
  readonly workflows: readonly WorkflowDefinition[];
  /** Enrolment keys that already exist (any status) among the candidates'. */
  readonly existingKeys: ReadonlySet<string>;
  /** Workflow URLs the patient has an active or paused enrolment in. */
  readonly runningWorkflows: ReadonlySet<string>;
  readonly rules?: readonly CohortRule[];
}): CohortSelection {
  const rules = args.rules ?? COHORT_RULES;
  const outreachCohorts = new Set(rules.filter((r) => r.outreach).map((r) => r.cohort));
  const runningOutreach = args.workflows.find(
    (w) =>
      w.trigger === 'cohort-due' &&
      w.cohort !== undefined &&
      outreachCohorts.has(w.cohort) &&
      args.runningWorkflows.has(w.url),
  );
  const outreach: CohortCandidate[] = [];
  const programmes: CohortCandidate[] = [];
  const skipped: { workflow: string; reason: string }[] = [];
  let outreachClosed = runningOutreach
    ? `an outreach enrolment is running (${runningOutreach.name})`
    : undefined;
  for (const { outreach: isOutreach, ...candidate } of cohortCandidates(args)) {
    const name = candidate.workflow.name;
    if (args.existingKeys.has(candidate.key)) {
      skipped.push({ workflow: name, reason: `already enrolled for ${candidate.runKey}` });
      outreachClosed ??= isOutreach ? `already reached for ${candidate.runKey}` : undefined;
      continue;
    }
    if (args.runningWorkflows.has(candidate.workflow.url)) {
      skipped.push({ workflow: name, reason: 'an enrolment in this workflow is still running' });
      continue;
    }
    if (!isOutreach) {
      programmes.push(candidate);
    } else if (outreachClosed) {
      skipped.push({ workflow: name, reason: outreachClosed });
    } else {
      outreach.push(candidate);
    }
  }
  return { outreach, programmes, skipped };
}
