/**
 * KPIs by cohort — new vs returning, language, age band. The roll-up's MeasureReports have no cohort
 * stratifiers (1.0.0 reports are per workflow and channel only), so cohort rates are computed here from
 * the underlying resources with the roll-up's own `computeKpis`: the enrolments are split by the cohort
 * of their patient and each share is computed exactly as the roll-up computes the whole. Shares of an
 * enrolment-counted measure therefore add up to the practice-wide figure.
 */

import type { Appointment, CarePlan, Patient } from '@medplum/fhirtypes';
import { DateTime } from 'luxon';
import { normalizeLanguage } from '../../engine/template/language';
import { computeKpis, type KpiInput } from '../kpi/computeKpis';
import { refKey } from '../kpi/facts';
import type { KpiMeasure } from '../kpi/measures';
import { ratesBy, type Rate } from './rates';

/** The ways reports split patients. */
export type CohortDimension = 'new-vs-returning' | 'language' | 'age-band';

/** Every cohort dimension, in the order reports show them. */
export const COHORT_DIMENSIONS: readonly CohortDimension[] = ['new-vs-returning', 'language', 'age-band'];

/** What cohorts are read from: the enrolments' patients and appointments. */
export interface CohortFacts {
  /** `Patient/<id>` → Patient. */
  readonly patients: ReadonlyMap<string, Patient>;
  /** `Patient/<id>` → start of every fulfilled appointment of the patient. */
  readonly fulfilledVisits: ReadonlyMap<string, readonly string[]>;
  /** `Appointment/<id>` → Appointment, for the enrolments' triggering appointments. */
  readonly appointments: ReadonlyMap<string, Appointment>;
}

/** The cohort value shown when a fact is missing. */
export const NOT_RECORDED = 'not recorded';

/** Age band on a date: under 18, 18–34, 35–49, 50–64, 65+. */
export function ageBand(birthDate: string | undefined, at: string): string {
  const born = birthDate ? DateTime.fromISO(birthDate, { zone: 'UTC' }) : undefined;
  const on = DateTime.fromISO(at, { zone: 'UTC' });
  if (!born?.isValid || !on.isValid) return NOT_RECORDED;
  const age = Math.floor(on.diff(born, 'years').years);
  if (age < 18) return 'under 18';
  if (age < 35) return '18–34';
  if (age < 50) return '35–49';
  if (age < 65) return '50–64';
  return '65+';
}

/** The patient's language: the preferred Patient.communication language, else the first listed. */
export function languageCohort(patient: Patient | undefined): string {
  const comms = patient?.communication ?? [];
  const ordered = [...comms.filter((c) => c.preferred), ...comms.filter((c) => !c.preferred)];
  for (const c of ordered) {
    for (const code of [...(c.language.coding ?? []).map((x) => x.code ?? ''), c.language.text ?? '']) {
      const lang = normalizeLanguage(code);
      if (lang) return lang;
    }
  }
  return NOT_RECORDED;
}

/** When the enrolment's story starts: its triggering appointment, else the plan's start. */
function anchorOf(plan: CarePlan, facts: CohortFacts): string | undefined {
  const appt = plan.supportingInfo
    ?.map((r) => refKey(r.reference))
    .find((k) => k?.startsWith('Appointment/'));
  return (appt ? facts.appointments.get(appt)?.start : undefined) ?? plan.period?.start ?? plan.created;
}

/** The cohort an enrolment's patient is in, on one dimension. */
export function cohortOf(plan: CarePlan, dimension: CohortDimension, facts: CohortFacts): string {
  const patientRef = refKey(plan.subject?.reference);
  const patient = patientRef ? facts.patients.get(patientRef) : undefined;
  const anchor = anchorOf(plan, facts);
  if (dimension === 'language') return languageCohort(patient);
  if (dimension === 'age-band') return anchor ? ageBand(patient?.birthDate, anchor) : NOT_RECORDED;
  if (!anchor || !patientRef) return NOT_RECORDED;
  // Returning: seen at a visit that was fulfilled before the one this enrolment is about.
  const visits = facts.fulfilledVisits.get(patientRef) ?? [];
  return visits.some((v) => Date.parse(v) < Date.parse(anchor)) ? 'returning' : 'new';
}

/**
 * KPI rates per cohort value for one dimension (all workflows, all channels): cohort → measure → rate.
 * Each cohort's share is `computeKpis` over the enrolments of that cohort only.
 */
export function cohortRates(
  input: KpiInput,
  dimension: CohortDimension,
  facts: CohortFacts,
): Map<string, Map<KpiMeasure, Rate>> {
  const groups = new Map<string, CarePlan[]>();
  for (const plan of input.carePlans) {
    const value = cohortOf(plan, dimension, facts);
    groups.set(value, [...(groups.get(value) ?? []), plan]);
  }
  const rows = [...groups.entries()].flatMap(([cohort, carePlans]) =>
    computeKpis({ ...input, carePlans })
      .filter((r) => r.channel === undefined)
      .map((r) => ({ ...r, cohort })),
  );
  return ratesBy(rows, (r) => r.cohort);
}
