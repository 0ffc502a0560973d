/**
 * One day's roll-up end to end: load the day's resources, compute the KPIs, write the MeasureReports.
 * The kpi-rollup bot calls this for the previous day; a backfill or a restatement calls it for any day.
 */

import type { MedplumClient } from '@medplum/core';
import type { Organization, Reference } from '@medplum/fhirtypes';
import { computeKpis } from './computeKpis';
import { dayWindow } from './days';
import { loadKpiInput } from './load';
import { reportingPractice, toMeasureReports } from './measureReports';
import type { MeasureReportWriteResult } from './write';
import { writeMeasureReports } from './write';

/** Which day to roll up, in which zone, as of when. */
export interface KpiRollupOptions {
  /** YYYY-MM-DD, a local day in `timeZone`. */
  readonly day: string;
  /** IANA zone of the practice. */
  readonly timeZone: string;
  /** The current time (from the bot clock); the day must have ended by then. */
  readonly now: Date;
  /** The practice: its reports count only its resources (src/fhir/practiceScope.ts) and carry it as reporter. */
  readonly reporter?: Reference<Organization>;
}

/** What a roll-up did, for the bot log and tests. */
export interface KpiRollupSummary extends MeasureReportWriteResult {
  readonly day: string;
  readonly timeZone: string;
  readonly period: { readonly start: string; readonly end: string };
  readonly loaded: {
    readonly carePlans: number;
    readonly requests: number;
    readonly communications: number;
    readonly consents: number;
  };
  readonly searches: number;
  readonly reports: number;
}

/** Rolls up one day; throws when the day has not ended yet (its reports would be partial). */
export async function rollUpDay(
  medplum: MedplumClient,
  options: KpiRollupOptions,
): Promise<KpiRollupSummary> {
  const window = dayWindow(options.day, options.timeZone);
  if (Date.parse(window.next) > options.now.getTime()) {
    throw new Error(`kpi roll-up: ${options.day} (${options.timeZone}) has not ended yet`);
  }
  const practice = reportingPractice(options.reporter);
  const input = await loadKpiInput(medplum, window, practice ? { organization: practice } : {});
  const rows = computeKpis({
    ...input,
    period: { start: window.start, end: window.next },
    timeZone: options.timeZone,
  });
  const reports = toMeasureReports(rows, {
    generatedAt: options.now.toISOString(),
    ...(options.reporter ? { reporter: options.reporter } : {}),
  });
  const written = await writeMeasureReports(medplum, options.day, reports, options.reporter?.reference);
  return {
    day: options.day,
    timeZone: options.timeZone,
    period: { start: window.start, end: window.end },
    loaded: {
      carePlans: input.carePlans.length,
      requests: input.requests.length,
      communications: input.communications.length,
      consents: input.consents.length,
    },
    searches: input.searches,
    reports: reports.length,
    ...written,
  };
}
