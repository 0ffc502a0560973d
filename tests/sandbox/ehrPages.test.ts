import type { Patient } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAIN_PRACTICE } from '../../src/sandbox/practice';
import type { RunningSandbox } from '../../src/sandbox/start';
import { removeDataDir, startTestSandbox, tempDataDir } from './helpers';

describe('the sandbox EHR pages', () => {
  const dataDir = tempDataDir();
  let sandbox: RunningSandbox;
  const practitioner = MAIN_PRACTICE.clinicians[0] ?? '';

  beforeAll(async () => {
    sandbox = await startTestSandbox(dataDir);
  });
  afterAll(async () => {
    await sandbox?.stop();
    removeDataDir(dataDir);
  });

  it('asks who you are first, with a labelled control', async () => {
    const html = await (await fetch(`${sandbox.baseUrl}/ehr`)).text();
    expect(html).toContain('<label for="practitioner">Practitioner</label>');
    expect(html).toContain(`value="${practitioner}"`);
    expect(html).not.toMatch(/<(script|link)[^>]+(src|href)="https?:/);
  });

  it('finds patients by name and links each chart', async () => {
    const patient = sandbox.store.all().find((r): r is Patient => r.resourceType === 'Patient') as Patient;
    const family = patient.name?.[0]?.family ?? '';
    const html = await (
      await fetch(`${sandbox.baseUrl}/ehr?practitioner=${practitioner}&q=${encodeURIComponent(family)}`)
    ).text();
    expect(html).toContain(`/ehr/patients/${patient.id}?practitioner=${practitioner}`);
    expect(html).toContain('<label for="q">Search by name</label>');
    const none = await (
      await fetch(`${sandbox.baseUrl}/ehr?practitioner=${practitioner}&q=zzzznobody`)
    ).text();
    expect(none).toContain('0 patients.');
  });

  it("frames Careloop on the chart's Careloop tab with a launch bound to this patient and user", async () => {
    const patient = sandbox.store.all().find((r): r is Patient => r.resourceType === 'Patient') as Patient;
    const chart = await (
      await fetch(`${sandbox.baseUrl}/ehr/patients/${patient.id}?practitioner=${practitioner}`)
    ).text();
    expect(chart).toContain('Upcoming appointments');
    expect(chart).not.toContain('<iframe');
    const tab = await (
      await fetch(`${sandbox.baseUrl}/ehr/patients/${patient.id}?practitioner=${practitioner}&tab=careloop`)
    ).text();
    const src =
      /<iframe class="app" title="Careloop" src="([^"]+)"/.exec(tab)?.[1]?.replaceAll('&amp;', '&') ?? '';
    const url = new URL(src);
    expect(url.pathname).toBe('/app/launch.html');
    expect(url.searchParams.get('iss')).toBe(sandbox.urls.ehrFhir);
    const launch = url.searchParams.get('launch') ?? '';
    expect(launch.length).toBeGreaterThanOrEqual(32);
  });

  it('refuses a launch for an unknown patient or practitioner', async () => {
    const bad = await fetch(`${sandbox.baseUrl}/ehr/launch`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ patient: 'nobody', practitioner }),
    });
    expect(bad.status).toBe(400);
    const noUser = await fetch(`${sandbox.baseUrl}/ehr/launch?patient=x`);
    expect(noUser.status).toBe(400);
  });
});
