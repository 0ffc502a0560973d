/**
 * The kpi-rollup bot's MeasureReports for each day of the history: the same pure computation
 * (`computeKpis` over the day's window in the practice's zone) and the same report builder
 * (`toMeasureReports`, reporter = the practice), run as a restatement after the fact, so every report
 * agrees with the resources as they stand at the end of the history.
 */

import type {
  CarePlan,
  Communication,
  CommunicationRequest,
  Consent,
  MeasureReport,
  Organization,
  Reference,
} from '@medplum/fhirtypes';
import { DateTime } from 'luxon';
import { computeKpis, dayWindow, toMeasureReports, type KpiInput } from '../../fhir/kpi';
import { MEASURE_REPORT_ID_SYSTEM } from '../../fhir/kpi/measures';
import { historyId } from './ids';

/** What the roll-up reads, from the whole history. */
export type KpiResources = Pick<KpiInput, 'carePlans' | 'requests' | 'communications' | 'consents'>;

/** Local days (YYYY-MM-DD, `zone`) from `days` days before `now`'s day up to the day before it. */
export function reportDays(now: Date, zone: string, days: number): string[] {
  const today = DateTime.fromJSDate(now, { zone }).startOf('day');
  return Array.from({ length: days }, (_, i) => today.minus({ days: days - i }).toISODate() ?? '');
}

/** One day's rows and reports, as the roll-up of that day writes them (run 2 hours after it ended). */
export function dayReports(
  resources: KpiResources,
  day: string,
  zone: string,
  reporter: Reference<Organization>,
): MeasureReport[] {
  const window = dayWindow(day, zone);
  const rows = computeKpis({
    ...resources,
    period: { start: window.start, end: window.next },
    timeZone: zone,
  });
  const generatedAt = new Date(Date.parse(window.next) + 2 * 3_600_000).toISOString();
  return toMeasureReports(rows, { generatedAt, reporter }).map((report) => ({
    ...report,
    id: historyId(
      `MeasureReport:${report.identifier?.find((i) => i.system === MEASURE_REPORT_ID_SYSTEM)?.value ?? ''}`,
    ),
  }));
}

/** Every day's reports over `days` days before `now`. */
export function historyMeasureReports(args: {
  resources: KpiResources;
  now: Date;
  zone: string;
  days: number;
  reporter: Reference<Organization>;
}): MeasureReport[] {
  return reportDays(args.now, args.zone, args.days).flatMap((day) =>
    dayReports(args.resources, day, args.zone, args.reporter),
  );
}

/** The KPI input from a list of resources. */
export function kpiResources(resources: readonly { resourceType: string }[]): KpiResources {
  return {
    carePlans: resources.filter((r): r is CarePlan => r.resourceType === 'CarePlan'),
    requests: resources.filter((r): r is CommunicationRequest => r.resourceType === 'CommunicationRequest'),
    communications: resources.filter((r): r is Communication => r.resourceType === 'Communication'),
    consents: resources.filter((r): r is Consent => r.resourceType === 'Consent'),
  };
}
