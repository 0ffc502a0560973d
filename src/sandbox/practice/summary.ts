/** A count of what a generated practice holds, for tests, logs and the sandbox's start-up line. */

import type { Appointment, Bundle, Resource } from '@medplum/fhirtypes';

/** Counts by resource type, by appointment status, and telehealth visits. */
export interface PracticeSummary {
  readonly resources: Readonly<Record<string, number>>;
  readonly appointmentStatuses: Readonly<Record<string, number>>;
  readonly telehealth: number;
}

/** Summarises a bundle made by generatePractice. */
export function summarizePractice(bundle: Bundle): PracticeSummary {
  const resources: Record<string, number> = {};
  const appointmentStatuses: Record<string, number> = {};
  let telehealth = 0;
  for (const e of bundle.entry ?? []) {
    const r = e.resource as Resource | undefined;
    if (!r) continue;
    resources[r.resourceType] = (resources[r.resourceType] ?? 0) + 1;
    if (r.resourceType === 'Appointment') {
      const a = r as Appointment;
      appointmentStatuses[a.status] = (appointmentStatuses[a.status] ?? 0) + 1;
      if (a.appointmentType?.coding?.some((c) => c.code === 'VR')) telehealth++;
    }
  }
  return { resources, appointmentStatuses, telehealth };
}
