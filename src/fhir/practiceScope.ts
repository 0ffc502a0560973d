/**
 * Which practice a resource belongs to, in a Medplum project that holds several practices. Each bot serves
 * one practice (its `CARELOOP_ORGANIZATION`) with that practice's settings: time zone, quiet hours, name,
 * phone and queues. A scheduled bot that searches the whole project must leave the other practices'
 * resources to their own bots, or it would message their patients in its own practice's name.
 *
 * A resource belongs to the practices in its `meta.accounts` (how Medplum files resources under an
 * Organization); without any, to its patient's (`meta.accounts`, then `managingOrganization`). A resource
 * that names no practice at all, nor does its patient, belongs to every practice: that is a project with
 * one practice, whose data need not be filed.
 */

import type { MedplumClient } from '@medplum/core';
import type { Patient, Reference, Resource } from '@medplum/fhirtypes';
import { searchByValues } from './paging';

/** The Organizations a resource is filed under (`meta.accounts`, and the older single `meta.account`). */
export function accountsOf(resource: Resource | undefined): string[] {
  const meta = resource?.meta as { accounts?: Reference[]; account?: Reference } | undefined;
  const refs = [...(meta?.accounts ?? []), ...(meta?.account ? [meta.account] : [])]
    .map((r) => r.reference ?? '')
    .filter((r) => r.startsWith('Organization/'));
  return [...new Set(refs)];
}

/** The practices a patient belongs to: its accounts, else its managing organization. */
export function patientPractices(patient: Patient | undefined): string[] {
  const accounts = accountsOf(patient);
  if (accounts.length > 0) return accounts;
  const managing = patient?.managingOrganization?.reference;
  return managing?.startsWith('Organization/') ? [managing] : [];
}

/**
 * Whether a patient is one of `organization`'s (`Organization/<id>`): filed under it, or filed nowhere
 * (a one-practice project). Without an organization (settings built by hand) every patient is.
 */
export function isPracticePatient(patient: Patient, organization: string | undefined): boolean {
  if (!organization) return true;
  const practices = patientPractices(patient);
  return practices.length === 0 || practices.includes(organization);
}

/**
 * Whether `resource` belongs to `organization`: its own accounts decide; without any, its patient's
 * (`patient`, already read by the caller); a resource filed nowhere whose patient is filed nowhere (or
 * unknown) belongs to every practice.
 */
export function isOfPractice(
  resource: Resource,
  organization: string | undefined,
  patient: Patient | undefined,
): boolean {
  if (!organization) return true;
  const own = accountsOf(resource);
  const practices = own.length > 0 ? own : patientPractices(patient);
  return practices.length === 0 || practices.includes(organization);
}

/**
 * The resources of `page` that belong to `organization` (`Organization/<id>`). `patientOf` gives a
 * resource's patient (`Patient/<id>`); the patients of resources filed under no practice are taken from
 * `known` (resources by `Type/id`, e.g. a search's `_include`s) or else read in one search per page.
 * Without an organization (settings built by hand) nothing is filtered.
 */
export async function ofPractice<T extends Resource>(
  medplum: MedplumClient,
  page: readonly T[],
  organization: string | undefined,
  patientOf: (resource: T) => string | undefined,
  known?: ReadonlyMap<string, Resource>,
): Promise<T[]> {
  if (!organization) return [...page];
  const unfiled = page.filter((r) => accountsOf(r).length === 0);
  const patients = new Map<string, Patient>();
  const missing: string[] = [];
  for (const ref of unfiled.map((r) => patientOf(r) ?? '')) {
    if (!ref.startsWith('Patient/')) continue;
    const found = known?.get(ref);
    if (found?.resourceType === 'Patient') patients.set(ref, found);
    else missing.push(ref.slice('Patient/'.length));
  }
  for (const p of missing.length ? await searchByValues(medplum, 'Patient', '_id', missing) : []) {
    patients.set(`Patient/${p.id ?? ''}`, p);
  }
  return page.filter((r) => isOfPractice(r, organization, patients.get(patientOf(r) ?? '')));
}
