import { appendFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bundle, Patient } from '@medplum/fhirtypes';
import { afterAll, describe, expect, it } from 'vitest';
import type { WriteEvent } from '../../src/sandbox/context';
import { devToken, fhirFetch, removeDataDir, startTestSandbox, tempDataDir } from './helpers';

describe('sandbox persistence', () => {
  const dataDir = tempDataDir();
  afterAll(() => removeDataDir(dataDir));

  it('keeps creates, updates, deletes and transactions across a restart, and reseeds nothing', async () => {
    const first = await startTestSandbox(dataDir);
    expect(first.seeded).toBe(true);
    const events: WriteEvent[] = [];
    first.ctx.onWrite((e) => events.push(e));
    const token = await devToken(first);
    const base = first.urls.medplumFhir;

    const created = await fhirFetch(`${base}/Patient`, token, {
      method: 'POST',
      body: JSON.stringify({
        resourceType: 'Patient',
        name: [{ given: ['Persist'], family: 'Testpatient' }],
      }),
    });
    expect(created.status).toBe(201);
    const patient = (await created.json()) as Patient;

    const updated = await fhirFetch(`${base}/Patient/${patient.id}`, token, {
      method: 'PUT',
      body: JSON.stringify({ ...patient, birthDate: '1970-01-02' }),
    });
    expect(updated.status).toBe(200);

    const transaction: Bundle = {
      resourceType: 'Bundle',
      type: 'transaction',
      entry: [
        {
          fullUrl: 'urn:uuid:7b0e5a4c-0000-4000-8000-000000000001',
          resource: { resourceType: 'Patient', name: [{ given: ['Batch'], family: 'Testpatient' }] },
          request: { method: 'POST', url: 'Patient' },
        },
        {
          resource: {
            resourceType: 'Task',
            status: 'requested',
            intent: 'order',
            for: { reference: 'urn:uuid:7b0e5a4c-0000-4000-8000-000000000001' },
          },
          request: { method: 'POST', url: 'Task' },
        },
      ],
    };
    const txResponse = await fhirFetch(base, token, { method: 'POST', body: JSON.stringify(transaction) });
    expect(txResponse.status).toBe(200);
    const tx = (await txResponse.json()) as Bundle;
    const [batchPatient, task] = (tx.entry ?? []).map(
      (e) => e.response?.location?.split('/_history')[0] ?? '',
    );
    expect(batchPatient).toMatch(/^Patient\//);
    expect(task).toMatch(/^Task\//);

    const doomed = (await (
      await fhirFetch(`${base}/Patient`, token, {
        method: 'POST',
        body: JSON.stringify({ resourceType: 'Patient', name: [{ family: 'Deleted' }] }),
      })
    ).json()) as Patient;
    expect((await fhirFetch(`${base}/Patient/${doomed.id}`, token, { method: 'DELETE' })).status).toBe(200);

    // Every persisted write was announced, the transaction's two entries included.
    expect(events.map((e) => `${e.interaction} ${e.resource.resourceType}`)).toEqual([
      'create Patient',
      'update Patient',
      'create Patient',
      'create Task',
      'create Patient',
      'delete Patient',
    ]);
    expect(events[1]?.previous?.meta?.versionId).toBe(patient.meta?.versionId);
    await first.stop();

    const second = await startTestSandbox(dataDir);
    try {
      expect(second.seeded).toBe(false);
      const token2 = await devToken(second);
      const read = (await (
        await fhirFetch(`${second.urls.medplumFhir}/Patient/${patient.id}`, token2)
      ).json()) as Patient;
      expect(read.birthDate).toBe('1970-01-02');
      const history = (await (
        await fhirFetch(`${second.urls.medplumFhir}/Patient/${patient.id}/_history`, token2)
      ).json()) as Bundle;
      expect(history.entry).toHaveLength(2);
      const readTask = await (await fhirFetch(`${second.urls.medplumFhir}/${task}`, token2)).json();
      expect(readTask.for.reference).toBe(batchPatient);
      expect((await fhirFetch(`${second.urls.medplumFhir}/Patient/${doomed.id}`, token2)).status).toBe(404);
      // The practice was loaded once, not again.
      const search = (await (
        await fhirFetch(`${second.urls.medplumFhir}/Organization?_count=0`, token2)
      ).json()) as Bundle;
      expect(search.total).toBe(2);
    } finally {
      await second.stop();
    }
  });

  it('skips a torn last journal line and keeps everything before it', async () => {
    const sandbox = await startTestSandbox(dataDir);
    const token = await devToken(sandbox);
    const created = (await (
      await fhirFetch(`${sandbox.urls.medplumFhir}/Patient`, token, {
        method: 'POST',
        body: JSON.stringify({ resourceType: 'Patient', name: [{ family: 'Beforecrash' }] }),
      })
    ).json()) as Patient;
    await sandbox.stop();
    appendFileSync(join(dataDir, 'fhir.ndjson'), '{"op":"put","resource":{"resourceType":"Pat');

    const again = await startTestSandbox(dataDir);
    try {
      const response = await fhirFetch(
        `${again.urls.medplumFhir}/Patient/${created.id}`,
        await devToken(again),
      );
      expect(response.status).toBe(200);
    } finally {
      await again.stop();
    }
  });

  it('seeds again, keeping the old journal aside, when the last start was cut short while seeding', async () => {
    const dir = tempDataDir();
    try {
      writeFileSync(
        join(dir, 'fhir.ndjson'),
        '{"op":"put","resource":{"resourceType":"Patient","id":"half"}}\n',
      );
      const sandbox = await startTestSandbox(dir);
      try {
        expect(sandbox.seeded).toBe(true);
        expect(sandbox.store.peek('Patient', 'half')).toBeUndefined();
        expect(readdirSync(dir).some((f) => f.startsWith('fhir.ndjson.incomplete-'))).toBe(true);
      } finally {
        await sandbox.stop();
      }
      const again = await startTestSandbox(dir);
      expect(again.seeded).toBe(false);
      await again.stop();
    } finally {
      removeDataDir(dir);
    }
  });
});
