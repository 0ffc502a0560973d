/**
 * What the cohort bot reads for one page of patients, in a fixed number of searches whatever the page
 * size: their appointments, their running enrolments, which candidate enrolments already exist, and (for
 * the few it enrols) their consents and recent messages for the caps.
 */

import type { MedplumClient } from '@medplum/core';
import type { Appointment, CarePlan, Consent } from '@medplum/fhirtypes';
import {
  CS,
  ID_SYSTEM,
  isCommunicationConsent,
  type OutboundRecord,
  type WorkflowDefinition,
} from '../engine';
import { definitionFor } from './enrolmentState';
import { searchByValues } from './paging';
import { isOfPractice } from './practiceScope';

/** A page of patients' appointments and running enrolments, by patient reference. */
export interface CohortPageFacts {
  readonly appointments: ReadonlyMap<string, Appointment[]>;
  /** Workflow URLs each patient has an active or paused enrolment in. */
  readonly running: ReadonlyMap<string, Set<string>>;
}

const WEEK_MS = 7 * 86_400_000;

/**
 * Loads the appointments and running plans of a page of patients (`Patient/<id>`) of `organization`
 * (`Organization/<id>`; without it, every practice's).
 */
export async function loadCohortPage(
  medplum: MedplumClient,
  patientRefs: readonly string[],
  workflows: readonly WorkflowDefinition[],
  organization?: string,
): Promise<CohortPageFacts> {
  const [allAppointments, allPlans] = await Promise.all([
    searchByValues(medplum, 'Appointment', 'patient', patientRefs),
    searchByValues(medplum, 'CarePlan', 'subject', patientRefs, { status: 'active,on-hold' }),
  ]);
  // The patients are the practice's already; a visit or plan filed under another practice (a patient of
  // both) is that practice's and neither makes nor blocks this practice's recall.
  const appointments = allAppointments.filter((a) => isOfPractice(a, organization, undefined));
  const plans = allPlans.filter((p) => isOfPractice(p, organization, undefined));
  const byPatient = new Map<string, Appointment[]>();
  for (const a of appointments) {
    for (const ref of new Set((a.participant ?? []).map((p) => p.actor?.reference ?? ''))) {
      if (ref.startsWith('Patient/')) {
        byPatient.set(ref, [...(byPatient.get(ref) ?? []), a]);
      }
    }
  }
  const running = new Map<string, Set<string>>();
  for (const plan of plans) {
    const ref = plan.subject?.reference ?? '';
    const url = definitionFor(plan, workflows)?.url ?? plan.instantiatesCanonical?.[0]?.split('|')[0];
    if (url) {
      running.set(ref, (running.get(ref) ?? new Set()).add(url));
    }
  }
  return { appointments: byPatient, running };
}

/** Which of these enrolment keys already have a CarePlan (any status). */
export async function existingEnrolmentKeys(
  medplum: MedplumClient,
  keys: readonly string[],
): Promise<Set<string>> {
  const found: CarePlan[] = await searchByValues(
    medplum,
    'CarePlan',
    'identifier',
    keys.map((k) => `${ID_SYSTEM.enrolment}|${k}`),
  );
  return new Set(
    found.flatMap((p) =>
      (p.identifier ?? []).filter((i) => i.system === ID_SYSTEM.enrolment).map((i) => i.value ?? ''),
    ),
  );
}

/** Consents and the week's messages of the patients about to be enrolled, as planEnrollment needs them. */
export async function loadPlanningContexts(
  medplum: MedplumClient,
  patientRefs: readonly string[],
  now: Date,
): Promise<Map<string, { consents: Consent[]; history: OutboundRecord[] }>> {
  const out = new Map<string, { consents: Consent[]; history: OutboundRecord[] }>();
  if (patientRefs.length === 0) {
    return out;
  }
  const from = new Date(now.getTime() - WEEK_MS).toISOString();
  const [consents, requests] = await Promise.all([
    searchByValues(medplum, 'Consent', 'patient', patientRefs, { status: 'active' }),
    // Sent and still-scheduled messages both count against caps; revoked ones never went out.
    searchByValues(medplum, 'CommunicationRequest', 'subject', patientRefs, {
      status: 'active,completed',
      occurrence: `ge${from}`,
    }),
  ]);
  for (const ref of patientRefs) {
    out.set(ref, { consents: [], history: [] });
  }
  for (const c of consents) {
    if (isCommunicationConsent(c)) {
      out.get(c.patient?.reference ?? '')?.consents.push(c);
    }
  }
  for (const r of requests) {
    if (r.occurrenceDateTime) {
      const purpose =
        r.category?.flatMap((c) => c.coding ?? []).find((c) => c.system === CS.purpose)?.code ?? 'unknown';
      out.get(r.subject?.reference ?? '')?.history.push({ at: r.occurrenceDateTime, purpose });
    }
  }
  return out;
}
