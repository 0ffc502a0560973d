/**
 * Bot: KPI roll-up (Cron, daily after the practice's midnight, e.g. 02:00 local). Rolls up the previous
 * local day into MeasureReports keyed by measure, workflow, channel and day, so a repeated or concurrent
 * run updates the same reports. Run it with `{ "day": "YYYY-MM-DD" }` as input to restate or backfill a
 * day (a reply or a delivery failure that arrived later then counts).
 */

import type { BotEvent, MedplumClient } from '@medplum/core';
import type { Organization, Reference } from '@medplum/fhirtypes';
import { previousDay } from '../fhir/kpi/days';
import { rollUpDay, type KpiRollupSummary } from '../fhir/kpi/rollup';
import { loadPracticeSettings } from '../fhir/practice';
import { botClock, optionalSecret } from './runtime';

// Without a practice Organization the day boundary falls back to UTC; reports say which zone they used.
const DEFAULT_ZONE = 'UTC';

function requestedDay(input: unknown): string | undefined {
  if (typeof input !== 'object' || input === null || !('day' in input)) {
    return undefined;
  }
  const day = (input as { day: unknown }).day;
  if (typeof day !== 'string') {
    throw new Error('kpi-rollup: input.day must be a string YYYY-MM-DD');
  }
  return day;
}

/** Medplum entry point: rolls up the previous day (or `input.day`) and returns what it wrote. */
export async function handler(medplum: MedplumClient, event: BotEvent): Promise<KpiRollupSummary> {
  const now = botClock().now();
  const organization = optionalSecret(event.secrets, 'CARELOOP_ORGANIZATION');
  const timeZone = organization ? (await loadPracticeSettings(medplum, organization)).timeZone : DEFAULT_ZONE;
  const day = requestedDay(event.input) ?? previousDay(now, timeZone);
  return rollUpDay(medplum, {
    day,
    timeZone,
    now,
    ...(organization ? { reporter: { reference: organization } as Reference<Organization> } : {}),
  });
}
