/**
 * Writes a day's MeasureReports in one batch: each report updates the one with its key (conditional
 * update, so two runs at once still leave one), and reports of the day the new run no longer produces
 * (their denominator fell to zero, e.g. data entered in error) are deleted, so a re-run leaves exactly
 * what a first run on the same data would have.
 */

import type { MedplumClient } from '@medplum/core';
import type { Bundle, BundleEntry, MeasureReport } from '@medplum/fhirtypes';
import { WriteError } from '../writeChanges';
import { measureReportConditionalUrl } from './measureReports';
import { MEASURE_REPORT_DAY_SYSTEM, MEASURE_REPORT_ID_SYSTEM } from './measures';

/** What a write did. */
export interface MeasureReportWriteResult {
  readonly created: number;
  readonly updated: number;
  readonly deleted: number;
}

function keyOfReport(report: MeasureReport): string {
  return report.identifier?.find((i) => i.system === MEASURE_REPORT_ID_SYSTEM)?.value ?? '';
}

/**
 * The reports already stored for a day by the same reporter (a practice's roll-up never touches another
 * practice's), by key (normally one each; more if something raced).
 */
async function storedReports(
  medplum: MedplumClient,
  day: string,
  reporter: string | undefined,
): Promise<Map<string, MeasureReport[]>> {
  const byKey = new Map<string, MeasureReport[]>();
  const query = new URLSearchParams([
    ['identifier', `${MEASURE_REPORT_DAY_SYSTEM}|${day}`],
    ['_count', '1000'],
  ]);
  for await (const page of medplum.searchResourcePages('MeasureReport', query)) {
    for (const report of page) {
      if (report.reporter?.reference !== reporter) continue;
      const key = keyOfReport(report);
      byKey.set(key, [...(byKey.get(key) ?? []), report]);
    }
  }
  return byKey;
}

/** The batch that makes the day's stored reports equal `reports`. */
export function measureReportBatch(
  reports: readonly MeasureReport[],
  stored: ReadonlyMap<string, readonly MeasureReport[]>,
): Bundle {
  const entry: BundleEntry[] = [];
  const wanted = new Set<string>();
  for (const report of reports) {
    const key = keyOfReport(report);
    wanted.add(key);
    const [keep, ...extra] = stored.get(key) ?? [];
    // A known report is updated by id; a new one by its key, so a concurrent run's copy is found.
    entry.push(
      keep?.id
        ? {
            resource: { ...report, id: keep.id },
            request: { method: 'PUT', url: `MeasureReport/${keep.id}` },
          }
        : { resource: report, request: { method: 'PUT', url: measureReportConditionalUrl(report) } },
    );
    for (const dup of extra) {
      entry.push({ request: { method: 'DELETE', url: `MeasureReport/${dup.id ?? ''}` } });
    }
  }
  for (const [key, old] of stored) {
    if (wanted.has(key)) continue;
    for (const report of old) {
      entry.push({ request: { method: 'DELETE', url: `MeasureReport/${report.id ?? ''}` } });
    }
  }
  return { resourceType: 'Bundle', type: 'batch', entry };
}

/**
 * Writes the day's reports of `reporter` (`Organization/<id>`, or none) in one batch, replacing what that
 * reporter stored for the day; throws WriteError naming the entries that failed.
 */
export async function writeMeasureReports(
  medplum: MedplumClient,
  day: string,
  reports: readonly MeasureReport[],
  reporter?: string,
): Promise<MeasureReportWriteResult> {
  const batch = measureReportBatch(reports, await storedReports(medplum, day, reporter));
  if (!batch.entry?.length) {
    return { created: 0, updated: 0, deleted: 0 };
  }
  const result = await medplum.executeBatch(batch);
  const counts = { created: 0, updated: 0, deleted: 0 };
  const failures: { index: number; status: string; message: string }[] = [];
  (result.entry ?? []).forEach((e, index) => {
    const status = e.response?.status ?? '';
    const method = batch.entry?.[index]?.request?.method;
    if (method === 'DELETE' && /^(2|404|410)/.test(status)) {
      // Already gone (another run deleted it first) is what we wanted.
      counts.deleted++;
    } else if (/^201/.test(status)) {
      counts.created++;
    } else if (/^2/.test(status)) {
      counts.updated++;
    } else {
      failures.push({
        index,
        status,
        message: e.response?.outcome?.issue?.[0]?.details?.text ?? 'failed',
      });
    }
  });
  if (failures.length) {
    throw new WriteError(failures);
  }
  return counts;
}
