/**
 * Writing a planned enrolment: one transaction Bundle of conditional creates keyed by the engine's
 * deterministic identifiers, so a retried or duplicated run matches what exists instead of duplicating.
 */

import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';
import { ifNoneExist, urnFor, type EnrollmentPlan } from '../engine';
import { requestsWithSubjects } from './messageSubject';

type Planned = Extract<EnrollmentPlan, { applicable: true }>;
type IdSystem = Parameters<typeof urnFor>[0];

function entry(system: IdSystem, resource: Resource & { identifier?: { value?: string }[] }): BundleEntry {
  const value = resource.identifier?.[0]?.value;
  if (!value) {
    throw new Error(`${resource.resourceType} has no Careloop identifier; it cannot be created idempotently`);
  }
  return {
    fullUrl: urnFor(system, value),
    resource,
    request: { method: 'POST', url: resource.resourceType, ifNoneExist: ifNoneExist(system, value) },
  };
}

/**
 * The transaction that creates an enrolment's CarePlan, CommunicationRequests (with their planned email
 * subjects) and Tasks if they do not exist yet.
 */
export function enrollmentTransaction(plan: Planned): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      entry('enrolment', plan.carePlan),
      ...requestsWithSubjects(plan).map((r) => entry('request', r)),
      ...plan.tasks.map((t) => entry('task', t)),
    ],
  };
}
