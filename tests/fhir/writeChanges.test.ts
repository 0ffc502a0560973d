import type { Consent, Task } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { ID_SYSTEM, type Transition } from '../../src/engine';
import { WriteError, writeTransition } from '../../src/fhir/writeChanges';
import { faultyMockClient, FhirFaults, isBatch } from '../fixtures/medplum';
import { indexFhirDefinitions } from '../fixtures/fhirDefinitions';

const FAST = { attempts: 3, waitMs: 1 };

function transition(): Transition {
  const task: Task = {
    resourceType: 'Task',
    identifier: [{ system: ID_SYSTEM.task, value: 'test:call' }],
    status: 'requested',
    intent: 'order',
    description: 'Call the patient',
  };
  const consent: Consent = {
    resourceType: 'Consent',
    identifier: [{ system: ID_SYSTEM.consent, value: 'test:deny-sms' }],
    status: 'active',
    scope: { text: 'communication' },
    category: [{ text: 'communication' }],
    policyRule: { text: 'opt-out' },
  };
  return {
    revoked: [],
    requests: [],
    replies: [],
    consents: [consent],
    tasks: [task],
    cancelledTasks: [],
    log: [],
  };
}

async function written(medplum: ReturnType<typeof faultyMockClient>): Promise<string[]> {
  const [tasks, consents] = await Promise.all([
    medplum.searchResources('Task', { identifier: `${ID_SYSTEM.task}|test:call` }, { cache: 'no-cache' }),
    medplum.searchResources(
      'Consent',
      { identifier: `${ID_SYSTEM.consent}|test:deny-sms` },
      { cache: 'no-cache' },
    ),
  ]);
  return [...tasks, ...consents].map((r) => r.resourceType);
}

const consentEntry = (e: { resource?: { resourceType?: string } }): boolean =>
  e.resource?.resourceType === 'Consent';

describe('writeTransition on a failing server', () => {
  it('an entry refused once (503) is written again in the same call; nothing is written twice', async () => {
    indexFhirDefinitions();
    const faults = new FhirFaults();
    const medplum = faultyMockClient(faults);
    faults.add({ when: isBatch(consentEntry), status: 503, entries: consentEntry });
    await writeTransition(medplum, transition(), FAST);
    expect(faults.failed).toHaveLength(1);
    expect((await written(medplum)).sort()).toEqual(['Consent', 'Task']);
  });

  it('an entry refused every time fails with WriteError naming it; the rest is written, and a rerun completes it once', async () => {
    indexFhirDefinitions();
    const faults = new FhirFaults();
    const medplum = faultyMockClient(faults);
    faults.add({ when: isBatch(consentEntry), status: 429, times: FAST.attempts, entries: consentEntry });
    const err = await writeTransition(medplum, transition(), FAST).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WriteError);
    expect((err as WriteError).failures.map((f) => f.status)).toEqual(['429']);
    expect(await written(medplum)).toEqual(['Task']);
    await writeTransition(medplum, transition(), FAST);
    expect((await written(medplum)).sort()).toEqual(['Consent', 'Task']);
  });

  it('a whole batch refused (500) is tried again; refused every time, nothing is written and the error says so', async () => {
    indexFhirDefinitions();
    const faults = new FhirFaults();
    const medplum = faultyMockClient(faults);
    faults.add({ when: isBatch(), status: 500, times: FAST.attempts });
    const err = await writeTransition(medplum, transition(), FAST).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WriteError);
    expect((err as WriteError).failures).toHaveLength(2);
    expect(await written(medplum)).toEqual([]);
    await writeTransition(medplum, transition(), FAST);
    expect((await written(medplum)).sort()).toEqual(['Consent', 'Task']);
  });
});
