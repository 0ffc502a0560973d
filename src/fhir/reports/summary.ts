/**
 * The whole outcome report in one pure step: from the loaded MeasureReports and resources to every table
 * the page shows and the CSV exports, so the page and the file always carry the same numbers.
 */

import type { KpiMeasure } from '../kpi/measures';
import { COHORT_DIMENSIONS, cohortRates, type CohortDimension } from './cohorts';
import { reportCsv, type RateSection } from './csv';
import { computeFunnels, type Funnel } from './funnel';
import type { ReportData } from './loadReport';
import { overallRates, ratesByChannel, ratesByWorkflow, weeklyRates, type Rate } from './rates';
import { readReportRows } from './reportRows';
import { weakestWorkflows, type WeakestOptions, type WeakWorkflow } from './weakest';

type Rates = Map<string, Map<KpiMeasure, Rate>>;

/** Every figure of the report. */
export interface ReportSummary {
  readonly overall: Map<KpiMeasure, Rate>;
  readonly byWorkflow: Rates;
  readonly byChannel: Rates;
  readonly weekly: Rates;
  readonly cohorts: Readonly<Record<CohortDimension, Rates>>;
  readonly funnels: Funnel[];
  readonly weakest: WeakWorkflow[];
  /** How many MeasureReports the figures come from. */
  readonly reportCount: number;
}

/** Computes the report from what `loadReportData` loaded. */
export function summarizeReport(data: ReportData, weakest: WeakestOptions = {}): ReportSummary {
  const rows = readReportRows(data.reports);
  const byWorkflow = ratesByWorkflow(rows);
  const overall = overallRates(rows);
  return {
    overall,
    byWorkflow,
    byChannel: ratesByChannel(rows),
    weekly: weeklyRates(rows),
    cohorts: Object.fromEntries(
      COHORT_DIMENSIONS.map((d) => [d, cohortRates(data.input, d, data.facts)]),
    ) as Record<CohortDimension, Rates>,
    funnels: computeFunnels(data.input),
    weakest: weakestWorkflows(byWorkflow, overall, weakest),
    reportCount: rows.length,
  };
}

/** The sections of the CSV, in the page's order. */
export function summarySections(s: ReportSummary): RateSection[] {
  return [
    { dimension: 'all', rates: new Map([['practice', s.overall]]) },
    { dimension: 'workflow', rates: s.byWorkflow },
    { dimension: 'channel', rates: s.byChannel },
    { dimension: 'week', rates: s.weekly },
    ...COHORT_DIMENSIONS.map((d) => ({ dimension: d, rates: s.cohorts[d] })),
  ];
}

/** The report as CSV: the same figures as the page. */
export function summaryCsv(s: ReportSummary): string {
  return reportCsv(summarySections(s), s.funnels);
}
