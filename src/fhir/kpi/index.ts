/** KPI roll-up: the pure computation, its MeasureReports, and the day's load and write. */

export { computeKpis, type KpiInput, type KpiRow } from './computeKpis';
export { dayOf, dayWindow, previousDay, type DayWindow } from './days';
export { loadKpiInput, type LoadedKpiInput } from './load';
export {
  measureReportConditionalUrl,
  measureReportIdentifiers,
  measureReportKey,
  reportingPractice,
  toMeasureReports,
  type MeasureReportOptions,
} from './measureReports';
export {
  IMPROVEMENT,
  KPI_MEASURES,
  KPI_WORKFLOW_EXT,
  MEASURE_REPORT_DAY_SYSTEM,
  MEASURE_REPORT_ID_SYSTEM,
  MEASURE_VERSION,
  measureUrl,
  type KpiMeasure,
} from './measures';
export { rollUpDay, type KpiRollupOptions, type KpiRollupSummary } from './rollup';
export { measureReportBatch, writeMeasureReports, type MeasureReportWriteResult } from './write';
