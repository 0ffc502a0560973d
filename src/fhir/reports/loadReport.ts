/**
 * Loads what the reports page shows for a range of local days: the KPI roll-up's MeasureReports over the
 * range, and — for the funnel and the cohort splits, which the roll-up does not store — the underlying
 * resources of the range, read with the roll-up's own loader, plus the patients and their fulfilled
 * visits. Every search is bounded by the range or by the ids it found, and paged.
 */

import type { MedplumClient } from '@medplum/core';
import type { Appointment, MeasureReport, Patient } from '@medplum/fhirtypes';
import { DateTime } from 'luxon';
import type { KpiInput } from '../kpi/computeKpis';
import { refKey } from '../kpi/facts';
import { loadKpiInput } from '../kpi/load';
import { searchByValues } from '../paging';
import type { CohortFacts } from './cohorts';

/** A range of whole local days: `from` and `to` inclusive (YYYY-MM-DD) in `zone`. */
export interface ReportRange {
  readonly from: string;
  readonly to: string;
  readonly zone: string;
  /**
   * The practice (`Organization/<id>`) whose figures to show, in a project that holds several: its
   * roll-up's reports (MeasureReport.reporter) and its resources only. Absent: everything visible.
   */
  readonly organization?: string;
}

/** Everything the reports page computes from. */
export interface ReportData {
  readonly reports: MeasureReport[];
  readonly input: KpiInput;
  readonly facts: CohortFacts;
}

/** The range as instants: start of `from` to the start of the day after `to`. */
export function rangeWindow(range: ReportRange): { start: string; end: string } {
  const from = DateTime.fromISO(range.from, { zone: range.zone });
  const to = DateTime.fromISO(range.to, { zone: range.zone });
  if (!from.isValid || !to.isValid || to < from) {
    throw new Error(`Report range ${range.from}..${range.to} in ${range.zone} is not a valid range of days`);
  }
  return { start: from.toUTC().toISO() ?? '', end: to.plus({ days: 1 }).toUTC().toISO() ?? '' };
}

/** Loads the range's MeasureReports and the resources behind the funnel and cohort splits. */
export async function loadReportData(medplum: MedplumClient, range: ReportRange): Promise<ReportData> {
  const { start, end } = rangeWindow(range);
  const [reports, loaded] = await Promise.all([
    loadMeasureReports(medplum, start, end, range.organization),
    loadKpiInput(
      medplum,
      { day: range.from, start, end, next: end },
      range.organization ? { organization: range.organization } : {},
    ),
  ]);
  const patientRefs = [...new Set(loaded.carePlans.flatMap((p) => refKey(p.subject?.reference) ?? []))];
  const ids = patientRefs.map((r) => r.slice('Patient/'.length));
  const appointmentIds = [
    ...new Set(
      loaded.carePlans.flatMap((p) =>
        (p.supportingInfo ?? []).flatMap((s) => {
          const k = refKey(s.reference);
          return k?.startsWith('Appointment/') ? [k.slice('Appointment/'.length)] : [];
        }),
      ),
    ),
  ];
  const [patients, visits, appointments] = await Promise.all([
    searchByValues(medplum, 'Patient', '_id', ids),
    searchByValues(medplum, 'Appointment', 'patient', patientRefs, { status: 'fulfilled' }),
    searchByValues(medplum, 'Appointment', '_id', appointmentIds),
  ]);
  return {
    reports,
    input: {
      carePlans: loaded.carePlans,
      requests: loaded.requests,
      communications: loaded.communications,
      consents: loaded.consents,
      period: { start, end },
      timeZone: range.zone,
    },
    facts: {
      patients: new Map(patients.map((p: Patient) => [`Patient/${p.id ?? ''}`, p])),
      fulfilledVisits: fulfilledByPatient(visits),
      appointments: new Map(appointments.map((a: Appointment) => [`Appointment/${a.id ?? ''}`, a])),
    },
  };
}

function fulfilledByPatient(visits: readonly Appointment[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const a of visits) {
    if (!a.start) continue;
    for (const p of a.participant ?? []) {
      const ref = refKey(p.actor?.reference);
      if (ref?.startsWith('Patient/')) out.set(ref, [...(out.get(ref) ?? []), a.start]);
    }
  }
  return out;
}

/** The KPI MeasureReports whose day overlaps [start, end), page by page (1000 a page). */
async function loadMeasureReports(
  medplum: MedplumClient,
  start: string,
  end: string,
  organization: string | undefined,
): Promise<MeasureReport[]> {
  // `period` is a Period: ge = ends at or after the range's start, lt = starts before its end.
  const query = new URLSearchParams([
    ['period', `ge${start}`],
    ['period', `lt${end}`],
    ['status', 'complete'],
    ['_count', '1000'],
    ...(organization ? [['reporter', organization]] : []),
  ]);
  const out: MeasureReport[] = [];
  for await (const page of medplum.searchResourcePages('MeasureReport', query)) {
    out.push(...page);
  }
  return out;
}
