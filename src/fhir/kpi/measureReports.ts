/**
 * KPI rows as FHIR MeasureReports: one summary report per row, keyed by a deterministic identifier so a
 * re-run of the same day updates its reports in place instead of adding copies.
 */

import type {
  Identifier,
  Location,
  MeasureReport,
  MeasureReportGroupPopulation,
  Organization,
  Practitioner,
  PractitionerRole,
  Reference,
} from '@medplum/fhirtypes';
import { EXT } from '../../engine/codes';
import type { KpiRow } from './computeKpis';
import {
  IMPROVEMENT,
  KPI_WORKFLOW_EXT,
  MEASURE_REPORT_DAY_SYSTEM,
  MEASURE_REPORT_ID_SYSTEM,
  MEASURE_VERSION,
  measureUrl,
} from './measures';

const POPULATION = 'http://terminology.hl7.org/CodeSystem/measure-population';
const IMPROVEMENT_SYSTEM = 'http://terminology.hl7.org/CodeSystem/measure-improvement-notation';

/** Options for {@link toMeasureReports}. */
export interface MeasureReportOptions {
  /** When the rows were computed (MeasureReport.date). */
  readonly generatedAt: string;
  /** The practice the reports are for. */
  readonly reporter?: Reference<Organization | Practitioner | PractitionerRole | Location>;
}

// FHIR token search splits `system|value` at every `|` and a list at every `,`, so a workflow canonical
// (url|version) is percent-escaped inside the value; escaping `%` first keeps the key one-to-one.
function escapeWorkflow(workflow: string): string {
  return workflow.replaceAll('%', '%25').replaceAll('|', '%7C').replaceAll(',', '%2C');
}

/**
 * The report's key, `<measure>/<workflow>/<channel or "all">/<day>` with the workflow escaped (see above),
 * followed by `/Organization/<id>` for a practice's report: measure, channel and day contain no `/` and
 * the day is the last segment only without a practice, so the key reads back unambiguously. The practice
 * keeps the reports of two practices in one project apart (each practice's roll-up updates its own).
 */
export function measureReportKey(
  row: Pick<KpiRow, 'measure' | 'workflow' | 'channel' | 'day'>,
  practice?: string,
): string {
  return [
    row.measure,
    escapeWorkflow(row.workflow),
    row.channel ?? 'all',
    row.day,
    ...(practice ? [practice] : []),
  ].join('/');
}

/** The report's identifiers: its key (what a re-run updates by) and its day (what a re-run cleans up by). */
export function measureReportIdentifiers(row: KpiRow, practice?: string): Identifier[] {
  return [
    { system: MEASURE_REPORT_ID_SYSTEM, value: measureReportKey(row, practice) },
    { system: MEASURE_REPORT_DAY_SYSTEM, value: row.day },
  ];
}

/** The practice a reporter names (`Organization/<id>`), the one a roll-up's reports are for. */
export function reportingPractice(reporter: Reference | undefined): string | undefined {
  const ref = reporter?.reference;
  return ref?.startsWith('Organization/') ? ref : undefined;
}

/** The conditional-update URL that finds a report by its key: `MeasureReport?identifier=...`. */
export function measureReportConditionalUrl(report: MeasureReport): string {
  const id = report.identifier?.find((i) => i.system === MEASURE_REPORT_ID_SYSTEM)?.value;
  if (!id) {
    throw new Error('MeasureReport has no Careloop measure-report identifier');
  }
  return `MeasureReport?identifier=${encodeURIComponent(`${MEASURE_REPORT_ID_SYSTEM}|${id}`)}`;
}

// Four decimals: the counts are the truth, the score is for display and sorting.
function score(numerator: number, denominator: number): number {
  return denominator > 0 ? Math.round((numerator / denominator) * 10_000) / 10_000 : 0;
}

function population(code: 'numerator' | 'denominator', count: number): MeasureReportGroupPopulation {
  return { code: { coding: [{ system: POPULATION, code }] }, count };
}

/**
 * One MeasureReport (type summary, status complete, no subject) per row: the measure canonical with its
 * version, the day as the period, numerator and denominator counts and their quotient as the score. The
 * workflow, purpose and channel are extensions (the all-channel report has no channel) and the
 * identifiers carry the deterministic key. Rows with a zero denominator get no report.
 */
export function toMeasureReports(rows: readonly KpiRow[], options: MeasureReportOptions): MeasureReport[] {
  return rows
    .filter((row) => row.denominator > 0)
    .map((row) => ({
      resourceType: 'MeasureReport',
      identifier: measureReportIdentifiers(row, reportingPractice(options.reporter)),
      extension: [
        { url: KPI_WORKFLOW_EXT, valueCanonical: row.workflow },
        { url: EXT.purpose, valueCode: row.purpose },
        ...(row.channel ? [{ url: EXT.channel, valueCode: row.channel }] : []),
      ],
      status: 'complete',
      type: 'summary',
      measure: `${measureUrl(row.measure)}|${MEASURE_VERSION}`,
      date: options.generatedAt,
      ...(options.reporter ? { reporter: options.reporter } : {}),
      period: { start: row.period.start, end: row.period.end },
      improvementNotation: { coding: [{ system: IMPROVEMENT_SYSTEM, code: IMPROVEMENT[row.measure] }] },
      group: [
        {
          population: [population('numerator', row.numerator), population('denominator', row.denominator)],
          measureScore: { value: score(row.numerator, row.denominator) },
        },
      ],
    }));
}
