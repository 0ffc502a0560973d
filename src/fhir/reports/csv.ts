/** CSV export of a report (RFC 4180: comma-separated, CRLF, quotes doubled, formula-looking cells defused). */

import { KPI_MEASURES, type KpiMeasure } from '../kpi/measures';
import type { Funnel } from './funnel';
import type { Rate } from './rates';

/** One CSV cell: quoted when it holds a comma, quote or line break; a leading = + - @ is prefixed with '. */
export function csvCell(value: string | number | undefined): string {
  let text = value === undefined ? '' : String(value);
  // A spreadsheet would run "=HYPERLINK(...)" typed into a task note as a formula.
  if (/^[=+\-@]/.test(text) && typeof value === 'string') text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Rows of cells as CSV text. */
export function toCsv(rows: readonly (readonly (string | number | undefined)[])[]): string {
  return rows.map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}

/** A group of rates in the export: which split (workflow, channel, cohort, week) and its rates. */
export interface RateSection {
  /** e.g. "workflow", "channel", "language", "week". */
  readonly dimension: string;
  readonly rates: ReadonlyMap<string, ReadonlyMap<KpiMeasure, Rate>>;
}

/** The rate with four decimals, as the MeasureReports store scores. */
function rateCell(r: Rate): string {
  return r.rate === undefined ? '' : r.rate.toFixed(4);
}

/** The report as CSV: one line per split value and measure, then one per funnel. */
export function reportCsv(sections: readonly RateSection[], funnels: readonly Funnel[]): string {
  const rows: (string | number | undefined)[][] = [
    ['dimension', 'value', 'measure', 'numerator', 'denominator', 'rate'],
  ];
  for (const section of sections) {
    for (const [value, rates] of section.rates) {
      for (const m of KPI_MEASURES) {
        const r = rates.get(m);
        if (r) rows.push([section.dimension, value, m, r.numerator, r.denominator, rateCell(r)]);
      }
    }
  }
  for (const f of funnels) {
    rows.push(['funnel', f.workflow, 'sent', f.sent, '', '']);
    rows.push([
      'funnel',
      f.workflow,
      'delivered',
      f.delivered,
      f.sent,
      f.sent ? (f.delivered / f.sent).toFixed(4) : '',
    ]);
    rows.push([
      'funnel',
      f.workflow,
      'replied',
      f.replied,
      f.sent,
      f.sent ? (f.replied / f.sent).toFixed(4) : '',
    ]);
    rows.push([
      'funnel',
      f.workflow,
      'completed',
      f.completed,
      f.sent,
      f.sent ? (f.completed / f.sent).toFixed(4) : '',
    ]);
  }
  return toCsv(rows);
}
