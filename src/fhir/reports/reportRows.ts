/**
 * The KPI roll-up's MeasureReports read back as rows (measure, workflow, purpose, channel, day, numerator,
 * denominator). Reports read the counts, never the scores: summed over days and workflows, counts give
 * true rates, where averaging scores would weigh a quiet day like a busy one (docs/kpis.md).
 */

import type { MeasureReport } from '@medplum/fhirtypes';
import { CARELOOP_BASE, EXT } from '../../engine/codes';
import type { Channel } from '../../engine/workflow/types';
import { KPI_MEASURES, KPI_WORKFLOW_EXT, MEASURE_REPORT_DAY_SYSTEM, type KpiMeasure } from '../kpi/measures';

/** One MeasureReport as counts. */
export interface ReportRow {
  readonly measure: KpiMeasure;
  /** PlanDefinition canonical, url|version. */
  readonly workflow: string;
  /** Workflow purpose code. */
  readonly purpose: string;
  /** Absent on the all-channel report. */
  readonly channel?: Channel;
  /** YYYY-MM-DD, the practice's local day. */
  readonly day: string;
  readonly numerator: number;
  readonly denominator: number;
}

const MEASURE_PREFIX = `${CARELOOP_BASE}/Measure/`;

function count(report: MeasureReport, code: 'numerator' | 'denominator'): number | undefined {
  return report.group?.[0]?.population?.find((p) => p.code?.coding?.some((c) => c.code === code))?.count;
}

/** A Careloop KPI MeasureReport as a row; undefined for any other report or one missing its counts. */
export function readReportRow(report: MeasureReport): ReportRow | undefined {
  const measure = report.measure?.split('|')[0]?.slice(MEASURE_PREFIX.length) as KpiMeasure | undefined;
  if (!report.measure?.startsWith(MEASURE_PREFIX) || !measure || !KPI_MEASURES.includes(measure)) {
    return undefined;
  }
  const ext = (url: string): string | undefined => {
    const e = report.extension?.find((x) => x.url === url);
    return e?.valueCanonical ?? e?.valueCode;
  };
  const workflow = ext(KPI_WORKFLOW_EXT);
  const numerator = count(report, 'numerator');
  const denominator = count(report, 'denominator');
  const day =
    report.identifier?.find((i) => i.system === MEASURE_REPORT_DAY_SYSTEM)?.value ??
    report.period.start?.slice(0, 10);
  if (!workflow || numerator === undefined || denominator === undefined || !day) {
    return undefined;
  }
  const channel = ext(EXT.channel) as Channel | undefined;
  return {
    measure,
    workflow,
    purpose: ext(EXT.purpose) ?? 'unknown',
    ...(channel ? { channel } : {}),
    day,
    numerator,
    denominator,
  };
}

/** Every readable KPI row of a list of MeasureReports. */
export function readReportRows(reports: readonly MeasureReport[]): ReportRow[] {
  return reports.flatMap((r) => readReportRow(r) ?? []);
}
