import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Patient } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indexSandboxDefinitions } from '../../src/sandbox/fhir/definitions';
import { Journal } from '../../src/sandbox/fhir/journal';
import { SandboxStore } from '../../src/sandbox/fhir/store';
import { removeDataDir, tempDataDir, TEST_NOW } from './helpers';

const clock = { now: () => TEST_NOW };

describe('the FHIR store and its journal', () => {
  const dataDir = tempDataDir();
  beforeAll(() => indexSandboxDefinitions());
  afterAll(() => removeDataDir(dataDir));

  it('journals before acknowledging, skips no-op updates, and compacts a grown journal on load', async () => {
    const store = new SandboxStore({ clock, journal: new Journal(dataDir) });
    const events: string[] = [];
    store.onWrite((e) => events.push(e.interaction));
    let patient = await store.createResource<Patient>({
      resourceType: 'Patient',
      name: [{ family: 'Journal' }],
    });
    expect(patient.meta?.lastUpdated).toBe(TEST_NOW.toISOString());
    const lines = (): number => readFileSync(join(dataDir, 'fhir.ndjson'), 'utf8').trim().split('\n').length;
    expect(lines()).toBe(1);

    const same = await store.updateResource(patient);
    expect(same.meta?.versionId).toBe(patient.meta?.versionId);
    expect(lines()).toBe(1);
    expect(events).toEqual(['create']);

    for (let i = 0; i < 10; i++) {
      patient = await store.updateResource({ ...patient, birthDate: `1990-01-${String(i + 10)}` });
    }
    const gone = await store.createResource<Patient>({ resourceType: 'Patient' });
    await store.deleteResource('Patient', gone.id);
    expect(lines()).toBe(13);

    const reloaded = new SandboxStore({ clock, journal: new Journal(dataDir), compactSlack: 5 });
    expect(await reloaded.load()).toBe(1);
    expect(lines()).toBe(1);
    expect((await reloaded.readResource<Patient>('Patient', patient.id)).birthDate).toBe('1990-01-19');
  });
});
