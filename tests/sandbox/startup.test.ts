import type { Bundle } from '@medplum/fhirtypes';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../src/sandbox/start';
import { devToken, fhirFetch, removeDataDir, startTestSandbox, tempDataDir } from './helpers';

describe('a full sandbox start (bots included)', () => {
  const dataDir = tempDataDir();
  let sandbox: RunningSandbox | undefined;
  afterAll(async () => {
    await sandbox?.bots?.startReconcile;
    await sandbox?.bots?.idle();
    await sandbox?.stop();
    removeDataDir(dataDir);
  });

  it('is ready well within 20 s with the library, the practice, the bots and their subscriptions loaded', async () => {
    sandbox = await startTestSandbox(dataDir, { bots: true });
    expect(sandbox.startupMs).toBeLessThan(20_000);
    const status = await (await fetch(`${sandbox.baseUrl}/sandbox/status`)).json();
    expect(status.ready).toBe(true);
    const token = await devToken(sandbox);
    const count = async (query: string): Promise<number> =>
      ((await (await fhirFetch(`${sandbox?.urls.medplumFhir}/${query}`, token)).json()) as Bundle).total ?? 0;
    expect(await count('PlanDefinition?_count=0')).toBeGreaterThanOrEqual(10);
    expect(await count('Patient?_count=0')).toBeGreaterThanOrEqual(200);
    expect(await count('Appointment?_count=0')).toBeGreaterThanOrEqual(600);
    expect(await count('Bot?_count=0')).toBeGreaterThanOrEqual(10);
    expect(await count('Subscription?_count=0')).toBeGreaterThanOrEqual(4);
    // A bot's public webhook is served on the same port; a forged call is refused.
    const webhook = sandbox.bots?.webhookUrl('careloop-inbound-message') ?? '';
    const forged = await fetch(webhook, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'From=%2B13125550142&Body=C',
    });
    expect(forged.status).toBe(403);
  }, 60_000);
});
