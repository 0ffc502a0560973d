/**
 * The six KPIs as FHIR Measures (their definitions in words live in fhir-resources/measures/ and
 * docs/kpis.md), and the identifiers and extensions that key their MeasureReports.
 */

import { CARELOOP_BASE } from '../../engine/codes';

/** A KPI, named as its Measure's id. */
export type KpiMeasure =
  | 'response-rate'
  | 'follow-up-completion-rate'
  | 'survey-completion-rate'
  | 'no-show-recovery-rate'
  | 'opt-out-rate'
  | 'delivery-failure-rate';

/** Every KPI, in the order reports list them. */
export const KPI_MEASURES: readonly KpiMeasure[] = [
  'response-rate',
  'follow-up-completion-rate',
  'survey-completion-rate',
  'no-show-recovery-rate',
  'opt-out-rate',
  'delivery-failure-rate',
];

/** The Measure version the roll-up computes; raise it with the files when a definition changes. */
export const MEASURE_VERSION = '1.0.0';

/** The Measure's canonical url (without version). */
export function measureUrl(measure: KpiMeasure): string {
  return `${CARELOOP_BASE}/Measure/${measure}`;
}

/** Whether a higher score is better; opt-outs and delivery failures should go down. */
export const IMPROVEMENT: Readonly<Record<KpiMeasure, 'increase' | 'decrease'>> = {
  'response-rate': 'increase',
  'follow-up-completion-rate': 'increase',
  'survey-completion-rate': 'increase',
  'no-show-recovery-rate': 'increase',
  'opt-out-rate': 'decrease',
  'delivery-failure-rate': 'decrease',
};

/** Identifier system of a report's key (measure, workflow, channel, day): what a re-run updates by. */
export const MEASURE_REPORT_ID_SYSTEM = `${CARELOOP_BASE}/identifier/measure-report`;

/** Identifier system of a report's day, so a re-run can find the reports of a day it no longer produces. */
export const MEASURE_REPORT_DAY_SYSTEM = `${CARELOOP_BASE}/identifier/measure-report-day`;

/** Extension on a MeasureReport naming the workflow (PlanDefinition canonical, url|version) it covers. */
export const KPI_WORKFLOW_EXT = `${CARELOOP_BASE}/StructureDefinition/kpi-workflow`;
