/** How the reports page writes rates and labels. */

import type { KpiMeasure } from '../../fhir/kpi/measures';
import type { Rate } from '../../fhir/reports';
import { WORKFLOW_LABELS } from '../../fhir/worklist/labels';

/** Measure → the words a practice manager uses. */
export const MEASURE_LABELS: Readonly<Record<KpiMeasure, string>> = {
  'response-rate': 'Response rate',
  'follow-up-completion-rate': 'Follow-up completion',
  'survey-completion-rate': 'Survey completion',
  'no-show-recovery-rate': 'No-show recovery',
  'opt-out-rate': 'Opt-out rate',
  'delivery-failure-rate': 'Delivery failures',
};

/** "33%" (whole percent), or an en dash when nothing was measured. */
export function percent(rate: number | undefined): string {
  return rate === undefined ? '–' : `${Math.round(rate * 100)}%`;
}

/** "33% (1 of 3)". */
export function rateText(r: Rate | undefined): string {
  return r ? `${percent(r.rate)} (${r.numerator} of ${r.denominator})` : '–';
}

/** A workflow purpose as its name. */
export function workflowName(purpose: string): string {
  return WORKFLOW_LABELS[purpose] ?? purpose;
}

/** Channel code → words. */
export const CHANNEL_LABELS: Readonly<Record<string, string>> = {
  sms: 'Text (SMS)',
  voice: 'Voice call',
  email: 'Email',
};
