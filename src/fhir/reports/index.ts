/** Outcome reports: KPI MeasureReports as rates by workflow, channel, week and cohort; funnels; CSV. */

export * from './reportRows';
export * from './rates';
export * from './weakest';
export * from './funnel';
export * from './cohorts';
export * from './csv';
export * from './loadReport';
export * from './summary';
