/**
 * Bot: cohorts (Cron, daily). Pages through the practice's patients and enrols each one due for a
 * `cohort-due` workflow (recall, screening, reactivation, chronic-care check-ins) by the rules in
 * src/engine/cohorts/rules.ts (docs/cohorts.md). Enrolments are keyed `workflow:Patient/id:runKey` with a
 * run key per cohort and period (`recall-due:2026-11`), so a repeated, concurrent or restarted run enrols
 * nobody twice. A run stops starting pages when its time budget is spent; the next run (or a manual one)
 * picks up, skipping whoever is already enrolled.
 *
 * In a project holding several practices it enrols only its own practice's patients (`meta.accounts`, else
 * `managingOrganization`; src/fhir/practiceScope.ts), judged by that practice's visits and enrolments.
 */

import type { BotEvent, MedplumClient } from '@medplum/core';
import type { Patient } from '@medplum/fhirtypes';
import {
  planEnrollment,
  type OutboundRecord,
  type PracticeSettings,
  type WorkflowDefinition,
} from '../engine';
import {
  cohortCandidates,
  COHORT_RULES,
  matchCohorts,
  selectCohortEnrolments,
  type CohortCandidate,
  type CohortRule,
} from '../engine/cohorts/rules';
import { existingEnrolmentKeys, loadCohortPage, loadPlanningContexts } from '../fhir/cohortFacts';
import { searchPages } from '../fhir/paging';
import { isPracticePatient } from '../fhir/practiceScope';
import { writeEnrollment } from '../fhir/writeChanges';
import { loadBotSetup } from './botSetup';
import { botClock } from './runtime';

/** What a run did, for the bot log and tests. */
export interface CohortRunResult {
  /** False when the time budget ran out before the last page; the next run goes on from the start. */
  readonly complete: boolean;
  pages: number;
  /** This practice's patients looked at. */
  patients: number;
  /** Patients of other practices in the project, left to their own cohort bots. */
  otherPractices: number;
  /** `workflow Patient/id runKey` of each new enrolment. */
  readonly enrolled: string[];
  /** Planned but not applicable (conditions, switched-off purpose, deceased...), with the reasons. */
  readonly notEnrolled: { readonly key: string; readonly reasons: readonly string[] }[];
  /** Candidates skipped before planning (already enrolled for the run key, one still running...). */
  skipped: number;
  /** Cohorts of the rules that no active workflow selects (e.g. `screening-due` in the shipped library). */
  readonly cohortsWithoutWorkflow: string[];
}

/** What the run needs besides the client. */
export interface CohortRunContext {
  readonly practice: PracticeSettings;
  readonly workflows: readonly WorkflowDefinition[];
  /** The clock: read once for the run's time (run keys, rules) and again to watch the budget. */
  readonly clock: () => Date;
  /** Stop starting pages after this long (Medplum bots are time-bounded). Default 50 s. */
  readonly budgetMs?: number;
  readonly pageSize?: number;
  readonly rules?: readonly CohortRule[];
}

/** Medplum entry point. */
export async function handler(medplum: MedplumClient, event: BotEvent): Promise<CohortRunResult> {
  const { practice, workflows } = await loadBotSetup(medplum, event, 'cohorts');
  const clock = botClock();
  const result = await handleCohorts(medplum, { practice, workflows, clock: () => clock.now() });
  for (const cohort of result.cohortsWithoutWorkflow) {
    console.warn(`cohorts: no active workflow selects cohort "${cohort}"; its rules are skipped`);
  }
  return result;
}

/** The bot's logic with its dependencies passed in (the sandbox and tests call this). */
export async function handleCohorts(medplum: MedplumClient, ctx: CohortRunContext): Promise<CohortRunResult> {
  const started = ctx.clock();
  const rules = ctx.rules ?? COHORT_RULES;
  const cohortWorkflows = ctx.workflows.filter(
    (w) => w.trigger === 'cohort-due' && w.status === 'active' && w.cohort !== undefined,
  );
  const served = new Set(cohortWorkflows.map((w) => w.cohort));
  const result: CohortRunResult = {
    complete: true,
    pages: 0,
    patients: 0,
    otherPractices: 0,
    enrolled: [],
    notEnrolled: [],
    skipped: 0,
    cohortsWithoutWorkflow: [...new Set(rules.map((r) => r.cohort))].filter((c) => !served.has(c)),
  };
  // Rows for cohorts nobody serves would only cost time, and must not block outreach by precedence.
  const activeRules = rules.filter((r) => served.has(r.cohort));
  if (activeRules.length === 0) {
    return result;
  }
  const budget = ctx.budgetMs ?? 50_000;
  for await (const page of searchPages(medplum, 'Patient', { _sort: '_lastUpdated' }, ctx.pageSize ?? 200)) {
    if (ctx.clock().getTime() - started.getTime() > budget) {
      return { ...result, complete: false };
    }
    result.pages++;
    // Another practice's patients are its own cohort bot's, enrolled with its settings and workflows.
    const ours = page.filter((p) => isPracticePatient(p, ctx.practice.organization));
    result.otherPractices += page.length - ours.length;
    result.patients += ours.length;
    if (ours.length === 0) {
      continue;
    }
    await enrolPage(
      medplum,
      ours,
      { ...ctx, rules: activeRules, now: started, workflows: cohortWorkflows },
      result,
    );
  }
  return result;
}

async function enrolPage(
  medplum: MedplumClient,
  patients: readonly Patient[],
  ctx: CohortRunContext & { readonly rules: readonly CohortRule[]; readonly now: Date },
  result: CohortRunResult,
): Promise<void> {
  const now = ctx.now.toISOString();
  const refs = patients.map((p) => `Patient/${p.id ?? ''}`);
  const facts = await loadCohortPage(medplum, refs, ctx.workflows, ctx.practice.organization);
  const matched = patients.map((patient) => {
    const ref = `Patient/${patient.id ?? ''}`;
    const matches = matchCohorts(
      { patient, appointments: facts.appointments.get(ref) ?? [] },
      now,
      ctx.practice.timeZone,
      ctx.rules,
    );
    return { patient, ref, matches };
  });
  const existing = await existingEnrolmentKeys(
    medplum,
    matched.flatMap(({ ref, matches }) =>
      cohortCandidates({ patientRef: ref, matches, workflows: ctx.workflows }).map((c) => c.key),
    ),
  );
  const selections = matched
    .map(({ patient, ref, matches }) => ({
      patient,
      ref,
      selection: selectCohortEnrolments({
        patientRef: ref,
        matches,
        workflows: ctx.workflows,
        existingKeys: existing,
        runningWorkflows: facts.running.get(ref) ?? new Set(),
        rules: ctx.rules,
      }),
    }))
    .filter(({ selection }) => {
      result.skipped += selection.skipped.length;
      return selection.outreach.length > 0 || selection.programmes.length > 0;
    });
  const contexts = await loadPlanningContexts(
    medplum,
    selections.map((s) => s.ref),
    ctx.now,
  );
  for (const { patient, ref, selection } of selections) {
    const planning = contexts.get(ref) ?? { consents: [], history: [] };
    const history: OutboundRecord[] = [...planning.history];
    const enrol = async (c: CohortCandidate): Promise<boolean> => {
      const plan = planEnrollment({
        definition: c.workflow,
        patient,
        trigger: { kind: 'cohort-due', runKey: c.runKey },
        practice: ctx.practice,
        history,
        consents: planning.consents,
        now,
      });
      if (!plan.applicable) {
        result.notEnrolled.push({ key: c.key, reasons: plan.reasons });
        return false;
      }
      await writeEnrollment(medplum, plan);
      // The next workflow planned for this patient in this run sees these messages when it applies caps.
      history.push(
        ...plan.steps
          .filter((s) => s.status === 'scheduled' && s.kind === 'message' && s.at)
          .map((s) => ({ at: s.at ?? '', purpose: c.workflow.purpose })),
      );
      result.enrolled.push(`${c.workflow.name} ${ref} ${c.runKey}`);
      return true;
    };
    for (const c of selection.programmes) {
      await enrol(c);
    }
    // One outreach: the first that applies (a switched-off purpose falls through to the next campaign).
    for (const c of selection.outreach) {
      if (await enrol(c)) {
        break;
      }
    }
  }
}
