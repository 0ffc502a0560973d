/**
 * What the EHR pages and the SMART picker read from the store: practitioners, patients (by name), a
 * practitioner's organization (through PractitionerRole, as the coordinators' AccessPolicy needs) and
 * display names. Reads go straight to the store: these pages are the EHR itself.
 */

import { formatHumanName, Operator } from '@medplum/core';
import type {
  Appointment,
  HumanName,
  Patient,
  Practitioner,
  PractitionerRole,
  Resource,
} from '@medplum/fhirtypes';
import type { SandboxStore } from '../fhir/store';

/** A person's display name ("Ana Testpatient"), or the id when the resource has no name. */
export function displayName(resource: Resource | undefined): string {
  const names = (resource as { name?: HumanName[] } | undefined)?.name;
  const name = names?.find((n) => n.use === 'official') ?? names?.[0];
  const text = name ? formatHumanName(name) : '';
  return text || (resource?.id ? `${resource.resourceType}/${resource.id}` : 'unknown');
}

/** Every practitioner, by name. */
export async function listPractitioners(store: SandboxStore): Promise<Practitioner[]> {
  const bundle = await store.search<Practitioner>({ resourceType: 'Practitioner', count: 1000 });
  return (bundle.entry ?? [])
    .map((e) => e.resource as Practitioner)
    .sort((a, b) => displayName(a).localeCompare(displayName(b)));
}

/** Patients whose name contains `query` (all when empty), by family then given name; at most `limit`. */
export async function listPatients(
  store: SandboxStore,
  query: string,
  limit = 100,
): Promise<{ patients: Patient[]; total: number }> {
  const filters = query.trim() ? [{ code: 'name', operator: Operator.CONTAINS, value: query.trim() }] : [];
  const bundle = await store.search<Patient>({ resourceType: 'Patient', filters, count: 5000 });
  const all = (bundle.entry ?? []).map((e) => e.resource as Patient);
  const key = (p: Patient): string => `${p.name?.[0]?.family ?? ''} ${p.name?.[0]?.given?.join(' ') ?? ''}`;
  all.sort((a, b) => key(a).localeCompare(key(b)));
  return { patients: all.slice(0, limit), total: all.length };
}

/** The practitioner's organization (`Organization/<id>`) from their first PractitionerRole. */
export async function practitionerOrganization(
  store: SandboxStore,
  practitioner: string,
): Promise<string | undefined> {
  const bundle = await store.search<PractitionerRole>({
    resourceType: 'PractitionerRole',
    filters: [{ code: 'practitioner', operator: Operator.EQUALS, value: practitioner }],
    count: 10,
  });
  for (const entry of bundle.entry ?? []) {
    const org = entry.resource?.organization?.reference;
    if (org) return org;
  }
  return undefined;
}

/** The patient's appointments from `from` on, soonest first (booked, pending, arrived...). */
export async function upcomingAppointments(
  store: SandboxStore,
  patientId: string,
  from: Date,
): Promise<Appointment[]> {
  const bundle = await store.search<Appointment>({
    resourceType: 'Appointment',
    filters: [
      { code: 'patient', operator: Operator.EQUALS, value: `Patient/${patientId}` },
      { code: 'date', operator: Operator.GREATER_THAN_OR_EQUALS, value: from.toISOString() },
    ],
    count: 1000,
  });
  return (bundle.entry ?? [])
    .map((e) => e.resource as Appointment)
    .sort((a, b) => (a.start ?? '').localeCompare(b.start ?? ''));
}

/** A resource by reference, or undefined. */
export function lookup<T extends Resource>(
  store: SandboxStore,
  reference: string | undefined,
): T | undefined {
  const [type, id] = reference?.split('/') ?? [];
  return type && id ? (store.peek(type, id) as T | undefined) : undefined;
}
