import type { Appointment, Bundle, OperationOutcome, Patient } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSandbox } from '../../src/sandbox/start';
import { devToken, fhirFetch, removeDataDir, startTestSandbox, tempDataDir } from './helpers';

async function outcome(response: Response): Promise<OperationOutcome> {
  expect(response.headers.get('content-type')).toContain('application/fhir+json');
  const body = (await response.json()) as OperationOutcome;
  expect(body.resourceType).toBe('OperationOutcome');
  return body;
}

describe('sandbox HTTP: errors as OperationOutcomes, status, CORS', () => {
  const dataDir = tempDataDir();
  let sandbox: RunningSandbox;
  let token: string;
  let base: string;

  beforeAll(async () => {
    sandbox = await startTestSandbox(dataDir);
    token = await devToken(sandbox);
    base = sandbox.urls.medplumFhir;
  });
  afterAll(async () => {
    await sandbox?.stop();
    removeDataDir(dataDir);
  });

  it('answers /sandbox/status with readiness, every URL and the dev client', async () => {
    const status = await (await fetch(`${sandbox.baseUrl}/sandbox/status`)).json();
    expect(status).toMatchObject({
      ready: true,
      urls: {
        ehr: `${sandbox.baseUrl}/ehr`,
        ehrFhir: `${sandbox.baseUrl}/ehr/fhir`,
        medplumFhir: `${sandbox.baseUrl}/fhir/R4`,
        phone: `${sandbox.baseUrl}/phone`,
        app: `${sandbox.baseUrl}/app/`,
      },
      devClient: { clientId: 'careloop-dev', clientSecret: sandbox.devClient.clientSecret },
    });
    expect(sandbox.devClient.clientSecret.length).toBeGreaterThanOrEqual(24);
  });

  it('401 without a token, 400 for malformed JSON, 404 for an unknown resource or route', async () => {
    const noToken = await fetch(`${base}/Patient`);
    expect(noToken.status).toBe(401);
    expect(noToken.headers.get('www-authenticate')).toMatch(/^Bearer/);
    await outcome(noToken);
    expect((await fhirFetch(`${base}/Patient`, 'not.a.jwt')).status).toBe(401);

    const malformed = await fhirFetch(`${base}/Patient`, token, {
      method: 'POST',
      body: '{"resourceType": "Patient",',
    });
    expect(malformed.status).toBe(400);
    expect((await outcome(malformed)).issue?.[0]?.diagnostics).toMatch(/not valid JSON/);

    const missing = await fhirFetch(`${base}/Patient/does-not-exist`, token);
    expect(missing.status).toBe(404);
    await outcome(missing);
    const unknownType = await fhirFetch(`${base}/NotAType/1`, token);
    expect(unknownType.status).toBeGreaterThanOrEqual(400);
    await outcome(unknownType);

    const route = await fetch(`${sandbox.baseUrl}/fhir/nothing-here`);
    expect(route.status).toBe(404);
    await outcome(route);
    expect((await fetch(`${sandbox.baseUrl}/no-such-page`)).status).toBe(404);
  });

  it('412 when If-Match names an old version; conditional create does not duplicate', async () => {
    const created = (await (
      await fhirFetch(`${base}/Patient`, token, {
        method: 'POST',
        body: JSON.stringify({
          resourceType: 'Patient',
          identifier: [{ system: 'urn:test', value: 'if-match-1' }],
        }),
      })
    ).json()) as Patient;
    const update = (ifMatch: string): Promise<Response> =>
      fhirFetch(`${base}/Patient/${created.id}`, token, {
        method: 'PUT',
        headers: { 'if-match': ifMatch },
        body: JSON.stringify({ ...created, gender: 'other' }),
      });
    const ok = await update(`W/"${created.meta?.versionId ?? ''}"`);
    expect(ok.status).toBe(200);
    expect(ok.headers.get('etag')).toMatch(/^W\/"/);
    const stale = await update(`W/"${created.meta?.versionId ?? ''}"`);
    expect(stale.status).toBe(412);
    await outcome(stale);

    const conditional = (): Promise<Response> =>
      fhirFetch(`${base}/Patient`, token, {
        method: 'POST',
        headers: { 'if-none-exist': 'identifier=urn:test|if-match-1' },
        body: JSON.stringify({
          resourceType: 'Patient',
          identifier: [{ system: 'urn:test', value: 'if-match-1' }],
        }),
      });
    const again = await conditional();
    expect(again.status).toBe(200);
    expect(((await again.json()) as Patient).id).toBe(created.id);
  });

  it('refuses a malformed PATCH with a 400 OperationOutcome and no stack trace', async () => {
    const created = (await (
      await fhirFetch(`${base}/Patient`, token, {
        method: 'POST',
        body: JSON.stringify({ resourceType: 'Patient' }),
      })
    ).json()) as Patient;
    const patch = await fhirFetch(`${base}/Patient/${created.id}`, token, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json-patch+json' },
      body: JSON.stringify({ op: 'replace' }),
    });
    expect(patch.status).toBe(400);
    const text = JSON.stringify(await outcome(patch));
    expect(text).not.toMatch(/at .*\.ts:\d+/);
  });

  it('searches as Medplum does: 20 per page with link[next], _summary=count, _include, _type', async () => {
    const get = async (query: string): Promise<Bundle> =>
      (await (await fhirFetch(`${base}/${query}`, token)).json()) as Bundle;
    const page = await get('Patient');
    expect(page.entry).toHaveLength(20);
    const next = page.link?.find((l) => l.relation === 'next')?.url ?? '';
    expect(new URL(next).searchParams.get('_offset')).toBe('20');
    const second = (await (await fhirFetch(next, token)).json()) as Bundle;
    expect(second.entry?.[0]?.resource?.id).not.toBe(page.entry?.[0]?.resource?.id);

    const count = await get('Patient?_summary=count');
    expect(count.entry).toBeUndefined();
    expect(count.total).toBe(page.total);

    const included = await get('Appointment?_count=3&_include=Appointment:patient');
    expect(
      included.entry?.some((e) => e.search?.mode === 'include' && e.resource?.resourceType === 'Patient'),
    ).toBe(true);

    const appointment = included.entry?.find((e) => e.resource?.resourceType === 'Appointment')
      ?.resource as Appointment;
    const patientRef =
      appointment.participant.find((p) => p.actor?.reference?.startsWith('Patient/'))?.actor?.reference ?? '';
    const byId = await get(`Appointment?patient=${patientRef.split('/')[1]}&_count=0`);
    const byReference = await get(`Appointment?patient=${patientRef}&_count=0`);
    expect(byId.total).toBeGreaterThan(0);
    expect(byId.total).toBe(byReference.total);

    const both = await get('?_type=Patient,Organization&_count=0');
    expect(both.total).toBe((page.total ?? 0) + 2);
  });

  it('answers a failure inside the store with a 500 that holds nothing of it', async () => {
    const original = sandbox.store.readResource.bind(sandbox.store);
    sandbox.store.readResource = () => Promise.reject(new TypeError('Ana Testpatient (312) 555-0142'));
    try {
      const response = await fhirFetch(`${base}/Patient/anything`, token);
      expect(response.status).toBe(500);
      expect(JSON.stringify(await outcome(response))).not.toContain('Testpatient');
    } finally {
      sandbox.store.readResource = original;
    }
  });

  it('answers CORS preflights for the app origin only', async () => {
    const preflight = (origin: string): Promise<Response> =>
      fetch(`${base}/Patient`, {
        method: 'OPTIONS',
        headers: {
          origin,
          'access-control-request-method': 'PUT',
          'access-control-request-headers': 'authorization, if-match',
        },
      });
    const own = await preflight(sandbox.baseUrl);
    expect(own.status).toBe(204);
    expect(own.headers.get('access-control-allow-origin')).toBe(sandbox.baseUrl);
    expect(own.headers.get('access-control-allow-headers')).toMatch(/If-Match/);
    expect(own.headers.get('access-control-allow-headers')).toMatch(/If-None-Exist/);
    const other = await preflight('https://evil.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('serves launch-context.json naming this EHR and Medplum by token exchange', async () => {
    const context = await (await fetch(`${sandbox.baseUrl}/app/launch-context.json`)).json();
    expect(context.issuers[0]).toMatchObject({
      iss: sandbox.urls.ehrFhir,
      clientId: 'careloop-sandbox-app',
      clockUrl: `${sandbox.baseUrl}/sandbox/clock`,
      medplum: { baseUrl: `${sandbox.baseUrl}/`, mode: 'exchange', clientId: 'careloop-smart-app' },
    });
  });
});
