/**
 * Puts worklist and report data into a running sandbox's store (as a service would write it): open tasks
 * for a practice's patients, and the hand-counted report dataset with the roll-up's MeasureReports, all
 * in the practice's organization. Used by the e2e test and the worklist bench.
 */

import type { MeasureReport, Patient, Resource, Task } from '@medplum/fhirtypes';
import { computeKpis, toMeasureReports } from '../../../src/fhir/kpi';
import type { RunningSandbox } from '../../../src/sandbox/start';
import type { TaskKind } from '../../../src/engine/workflow';
import {
  APPOINTMENTS,
  CARE_PLANS,
  COMMUNICATIONS,
  CONSENTS,
  INPUT,
  PATIENTS,
  REQUESTS,
} from '../reports/dataset';
import { task } from './fixtures';

/** The patients of an organization in the sandbox's store. */
export function patientsOf(sandbox: RunningSandbox, organization: string): Patient[] {
  return sandbox.store
    .all()
    .filter(
      (r): r is Patient =>
        r.resourceType === 'Patient' && (r.meta?.accounts ?? []).some((a) => a.reference === organization),
    );
}

/** One kind of open task to seed. */
export interface SeedTasks {
  readonly kind: TaskKind;
  readonly workflow: string;
  readonly queue?: string;
  readonly count: number;
}

/**
 * Creates open tasks for the organization's patients (round robin), due from `now - 1 day` an hour apart,
 * tagged with their workflow. Returns the created tasks.
 */
export async function seedTasks(
  sandbox: RunningSandbox,
  organization: string,
  specs: readonly SeedTasks[],
  now: Date,
): Promise<Task[]> {
  const patients = patientsOf(sandbox, organization);
  if (patients.length === 0) throw new Error(`no patients in ${organization}`);
  const out: Task[] = [];
  let n = 0;
  for (const spec of specs) {
    for (let i = 0; i < spec.count; i++, n++) {
      const patient = patients[n % patients.length] as Patient;
      const t = task({
        kind: spec.kind,
        workflow: spec.workflow,
        ...(spec.queue ? { queue: spec.queue } : {}),
        patient: patient.id ?? '',
        due: new Date(now.getTime() + (n - 24) * 3_600_000).toISOString(),
        key: `seed-${spec.kind}-${n}`,
      });
      out.push(
        await sandbox.store.createResource<Task>({
          ...t,
          meta: { ...t.meta, accounts: [{ reference: organization }] },
        }),
      );
    }
  }
  return out;
}

/** Stores the report dataset (tests/fhir/reports/dataset.ts) and its MeasureReports in the organization. */
export async function seedReportDataset(
  sandbox: RunningSandbox,
  organization: string,
): Promise<MeasureReport[]> {
  const accounts = [{ reference: organization }];
  const reports = toMeasureReports(computeKpis(INPUT), {
    generatedAt: '2026-11-25T08:00:00.000Z',
    reporter: { reference: organization as `Organization/${string}` },
  });
  const all: Resource[] = [
    ...PATIENTS,
    ...APPOINTMENTS,
    ...CARE_PLANS,
    ...REQUESTS,
    ...COMMUNICATIONS,
    ...CONSENTS,
    ...reports,
  ];
  for (const r of all) {
    await sandbox.store.createResource({ ...r, meta: { ...r.meta, accounts } } as Resource);
  }
  return reports;
}
