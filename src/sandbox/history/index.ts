/**
 * The sandbox's Careloop history: `generateHistory({ practice, seed, now })` gives a transaction Bundle of
 * eight weeks of enrolments, messages, replies, tasks, survey answers, threads and daily MeasureReports for
 * the main practice, made with the real engine; the sandbox loads it after the practice on first start.
 */

export {
  generateHistory,
  summarizeHistory,
  type GenerateHistoryOptions,
  type HistorySummary,
} from './generateHistory';
export { OPEN_BACKLOG } from './staffWork';
export { dayReports, kpiResources, reportDays, type KpiResources } from './measureReports';
