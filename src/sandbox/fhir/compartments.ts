/**
 * Medplum's compartments, as the sandbox keeps them: `meta.compartment` lists the project, the resource's
 * accounts (`meta.accounts`) and the patients it belongs to, so `_compartment` searches and AccessPolicy
 * criteria such as `Task?_compartment=%current_organization` work as on a Medplum server. A resource
 * created for a patient without accounts of its own inherits the patient's.
 */

import type { Meta, Reference, Resource } from '@medplum/fhirtypes';

/** The one project of the sandbox. */
export const SANDBOX_PROJECT: Reference = {
  reference: 'Project/careloop-sandbox',
  display: 'Careloop sandbox',
};

/** Fields that put a resource in a patient's compartment (top level, reference-valued). */
const PATIENT_FIELDS = ['subject', 'patient', 'for', 'beneficiary'] as const;

function referenceString(value: unknown): string | undefined {
  const ref = (value as Reference | undefined)?.reference;
  return typeof ref === 'string' ? ref : undefined;
}

/** `Patient/<id>` references of the patients `resource` belongs to. */
export function patientReferences(resource: Resource): string[] {
  if (resource.resourceType === 'Patient') {
    return resource.id ? [`Patient/${resource.id}`] : [];
  }
  const found = new Set<string>();
  const record = resource as unknown as Record<string, unknown>;
  for (const field of PATIENT_FIELDS) {
    const value = record[field];
    for (const item of Array.isArray(value) ? value : [value]) {
      const ref = referenceString(item);
      if (ref?.startsWith('Patient/')) found.add(ref);
    }
  }
  if (resource.resourceType === 'Appointment') {
    for (const p of resource.participant ?? []) {
      const ref = referenceString(p.actor);
      if (ref?.startsWith('Patient/')) found.add(ref);
    }
  }
  return [...found];
}

/** The accounts of `meta` (Medplum 5 keeps `accounts`; older data may have only `account`). */
export function accountsOf(meta: Meta | undefined): Reference[] {
  if (meta?.accounts && meta.accounts.length > 0) return meta.accounts;
  return meta?.account ? [meta.account] : [];
}

/** `meta.compartment` for a resource: project, accounts and patients, without duplicates. */
export function computeCompartments(resource: Resource, accounts: readonly Reference[]): Reference[] {
  const seen = new Set<string>();
  const out: Reference[] = [];
  for (const ref of [
    SANDBOX_PROJECT.reference,
    ...accounts.map((a) => a.reference),
    ...patientReferences(resource),
  ]) {
    if (ref && !seen.has(ref)) {
      seen.add(ref);
      out.push({ reference: ref });
    }
  }
  return out;
}
