/**
 * Sums KPI counts into rates: by workflow, by channel, by week, practice-wide. A rate is always
 * Σ numerators / Σ denominators of the rows it covers (never an average of scores).
 */

import { DateTime } from 'luxon';
import { KPI_MEASURES, type KpiMeasure } from '../kpi/measures';
import type { ReportRow } from './reportRows';

/** Summed counts and their rate (undefined when nothing was measured). */
export interface Rate {
  readonly numerator: number;
  readonly denominator: number;
  readonly rate?: number;
}

/** Rows that make a rate: the counts and a measure. */
export type Countable = Pick<ReportRow, 'measure' | 'numerator' | 'denominator'>;

/** Σ numerators over Σ denominators. */
export function sumRate(rows: readonly Pick<ReportRow, 'numerator' | 'denominator'>[]): Rate {
  const numerator = rows.reduce((s, r) => s + r.numerator, 0);
  const denominator = rows.reduce((s, r) => s + r.denominator, 0);
  return { numerator, denominator, ...(denominator > 0 ? { rate: numerator / denominator } : {}) };
}

/** Rates per key and measure: key → measure → rate, keys sorted, measures in report order. */
export function ratesBy<R extends Countable>(
  rows: readonly R[],
  keyOf: (row: R) => string | undefined,
): Map<string, Map<KpiMeasure, Rate>> {
  const groups = new Map<string, Map<KpiMeasure, R[]>>();
  for (const row of rows) {
    const key = keyOf(row);
    if (key === undefined) continue;
    const byMeasure = groups.get(key) ?? new Map<KpiMeasure, R[]>();
    byMeasure.set(row.measure, [...(byMeasure.get(row.measure) ?? []), row]);
    groups.set(key, byMeasure);
  }
  const out = new Map<string, Map<KpiMeasure, Rate>>();
  for (const key of [...groups.keys()].sort()) {
    const byMeasure = groups.get(key) ?? new Map<KpiMeasure, R[]>();
    const rates = new Map<KpiMeasure, Rate>();
    for (const m of KPI_MEASURES) {
      const rs = byMeasure.get(m);
      if (rs) rates.set(m, sumRate(rs));
    }
    out.set(key, rates);
  }
  return out;
}

/** The all-channel rows (the unit counted once whatever channels it used). */
export function allChannelRows(rows: readonly ReportRow[]): ReportRow[] {
  return rows.filter((r) => r.channel === undefined);
}

/** The Monday (YYYY-MM-DD) of the ISO week a day falls in. */
export function weekOf(day: string): string {
  const d = DateTime.fromISO(day, { zone: 'UTC' });
  if (!d.isValid) {
    throw new Error(`"${day}" is not a calendar day (YYYY-MM-DD)`);
  }
  return d.startOf('week').toISODate() ?? day;
}

/** Rates per workflow purpose (all channels). */
export function ratesByWorkflow(rows: readonly ReportRow[]): Map<string, Map<KpiMeasure, Rate>> {
  return ratesBy(allChannelRows(rows), (r) => r.purpose);
}

/** Rates per channel (channel reports only; the all-channel report is not a channel). */
export function ratesByChannel(rows: readonly ReportRow[]): Map<string, Map<KpiMeasure, Rate>> {
  return ratesBy(
    rows.filter((r) => r.channel !== undefined),
    (r) => r.channel,
  );
}

/** Practice-wide rates (all workflows, all channels). */
export function overallRates(rows: readonly ReportRow[]): Map<KpiMeasure, Rate> {
  return ratesBy(allChannelRows(rows), () => 'all').get('all') ?? new Map();
}

/** Weekly rates (all workflows, all channels): week (Monday) → measure → rate, oldest first. */
export function weeklyRates(rows: readonly ReportRow[]): Map<string, Map<KpiMeasure, Rate>> {
  return ratesBy(allChannelRows(rows), (r) => weekOf(r.day));
}
