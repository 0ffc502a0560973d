/**
 * Writing what the engine decided: a planned enrolment (one transaction of conditional creates) or a
 * transition (one batch of updates and conditional creates). One request each, never one per resource.
 */

import type { MedplumClient } from '@medplum/core';
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import { ifNoneExist, type EnrollmentPlan, type Transition } from '../engine';
import { enrollmentTransaction } from './enrollmentBundle';

/** Raised when some entries of a batch failed; carries the failing entries' outcomes. */
export class WriteError extends Error {
  readonly failures: { index: number; status: string; message: string }[];

  constructor(failures: { index: number; status: string; message: string }[]) {
    super(
      `${failures.length} write(s) failed: ${failures.map((f) => `#${f.index} ${f.status} ${f.message}`).join('; ')}`,
    );
    this.name = 'WriteError';
    this.failures = failures;
  }
}

/** Creates an enrolment's resources unless they already exist (a retry is harmless). */
export async function writeEnrollment(
  medplum: MedplumClient,
  plan: Extract<EnrollmentPlan, { applicable: true }>,
): Promise<Bundle> {
  return checked(await medplum.executeBatch(enrollmentTransaction(plan)));
}

function update(resource: Resource): BundleEntry {
  if (!resource.id) {
    throw new Error(`${resource.resourceType} to update has no id`);
  }
  return { resource, request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` } };
}

function createOnce(
  resource: Resource & { identifier?: { system?: string; value?: string }[] },
  system: 'task' | 'consent' | 'request',
): BundleEntry {
  const value = resource.identifier?.[0]?.value;
  return {
    resource,
    request: {
      method: 'POST',
      url: resource.resourceType,
      ...(value ? { ifNoneExist: ifNoneExist(system, value) } : {}),
    },
  };
}

/** The batch that applies a transition; empty transitions make no request. */
export function transitionBatch(t: Transition): Bundle | undefined {
  const entry: BundleEntry[] = [
    ...t.revoked.map(update),
    ...t.cancelledTasks.map(update),
    ...(t.appointment ? [update(t.appointment)] : []),
    ...(t.carePlan ? [update(t.carePlan)] : []),
    ...t.consents.map((c) => createOnce(c, 'consent')),
    ...t.tasks.map((task) => createOnce(task, 'task')),
    ...t.requests.map((r) => createOnce(r, 'request')),
  ];
  return entry.length ? { resourceType: 'Bundle', type: 'batch', entry } : undefined;
}

/** Writes a transition in one batch request. */
export async function writeTransition(medplum: MedplumClient, t: Transition): Promise<Bundle | undefined> {
  const batch = transitionBatch(t);
  return batch ? checked(await medplum.executeBatch(batch)) : undefined;
}

function checked(result: Bundle): Bundle {
  const failures = (result.entry ?? []).flatMap((e, index) => {
    const status = e.response?.status ?? '';
    return /^[23]/.test(status)
      ? []
      : [{ index, status, message: e.response?.outcome?.issue?.[0]?.details?.text ?? 'failed' }];
  });
  if (failures.length) {
    throw new WriteError(failures);
  }
  return result;
}
