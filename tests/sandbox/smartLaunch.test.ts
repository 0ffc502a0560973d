import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Patient } from '@medplum/fhirtypes';
import smart from 'fhirclient';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAIN_PRACTICE } from '../../src/sandbox/practice';
import type { RunningSandbox } from '../../src/sandbox/start';
import { fhirFetch, pkcePair, removeDataDir, startTestSandbox, tempDataDir } from './helpers';

/** A minimal Node request for fhirclient's adapter: the URL the browser would have opened on the app. */
function appRequest(url: string): IncomingMessage {
  const parsed = new URL(url);
  return {
    url: `${parsed.pathname}${parsed.search}`,
    headers: { host: parsed.host },
    socket: {},
  } as unknown as IncomingMessage;
}

/** A response that records fhirclient's redirect. */
function recordingResponse(): { res: ServerResponse; location: () => string } {
  let location = '';
  const res = {
    writeHead: (_status: number, headers: Record<string, string>) => {
      location = headers.location ?? '';
    },
    end: () => undefined,
  } as unknown as ServerResponse;
  return { res, location: () => location };
}

/** fhirclient's server storage, in memory (one SMART session). */
function memoryStorage(): {
  get(k: string): Promise<unknown>;
  set(k: string, v: unknown): Promise<unknown>;
  unset(k: string): Promise<boolean>;
} {
  const map = new Map<string, unknown>();
  return {
    get: async (k) => map.get(k),
    set: async (k, v) => {
      map.set(k, v);
      return v;
    },
    unset: async (k) => map.delete(k),
  };
}

const SCOPE = 'launch openid fhirUser patient/Patient.rs patient/Appointment.rs';

describe('SMART App Launch against the sandbox EHR', () => {
  const dataDir = tempDataDir();
  let sandbox: RunningSandbox;
  let patientId: string;
  let otherPatientId: string;
  const practitioner = `Practitioner/${MAIN_PRACTICE.coordinator}`;

  beforeAll(async () => {
    sandbox = await startTestSandbox(dataDir);
    const patients = sandbox.store.all().filter((r): r is Patient => r.resourceType === 'Patient');
    patientId = patients[0]?.id ?? '';
    otherPatientId = patients[1]?.id ?? '';
  });
  afterAll(async () => {
    await sandbox?.stop();
    removeDataDir(dataDir);
  });

  it('advertises SMART on both FHIR bases with PKCE S256 only', async () => {
    for (const base of [sandbox.urls.ehrFhir, sandbox.urls.medplumFhir]) {
      const config = await (await fetch(`${base}/.well-known/smart-configuration`)).json();
      expect(config.code_challenge_methods_supported).toEqual(['S256']);
      expect(config.capabilities).toEqual(
        expect.arrayContaining([
          'launch-ehr',
          'launch-standalone',
          'client-public',
          'context-ehr-patient',
          'context-standalone-patient',
          'permission-v2',
          'sso-openid-connect',
        ]),
      );
      expect(config.token_endpoint).toBe(`${sandbox.baseUrl}/oauth2/token`);
      expect(config.authorization_endpoint).toBe(`${sandbox.baseUrl}/oauth2/authorize`);
      const metadata = await fetch(`${base}/metadata`);
      expect(metadata.status).toBe(200);
      expect((await metadata.json()).resourceType).toBe('CapabilityStatement');
    }
  });

  it('completes an EHR launch with fhirclient and reads the launch patient, and only that patient', async () => {
    const launch = (await (
      await fetch(`${sandbox.baseUrl}/ehr/launch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ patient: patientId, practitioner }),
      })
    ).json()) as { launch: string; launchUrl: string };
    expect(launch.launchUrl).toContain(`iss=${encodeURIComponent(sandbox.urls.ehrFhir)}`);

    const storage = memoryStorage();
    const step1 = recordingResponse();
    await smart(appRequest(launch.launchUrl), step1.res, storage).authorize({
      clientId: 'careloop-sandbox-app',
      scope: SCOPE,
      redirectUri: `${sandbox.baseUrl}/app/`,
      pkceMode: 'required',
    });
    const authorizeUrl = new URL(step1.location());
    expect(authorizeUrl.pathname).toBe('/oauth2/authorize');
    expect(authorizeUrl.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorizeUrl.searchParams.get('launch')).toBe(launch.launch);

    const authorized = await fetch(authorizeUrl, { redirect: 'manual' });
    expect(authorized.status).toBe(302);
    const callback = authorized.headers.get('location') ?? '';
    expect(new URL(callback).searchParams.get('code')).toBeTruthy();

    const client = await smart(appRequest(callback), recordingResponse().res, storage).ready();
    expect(client.patient.id).toBe(patientId);
    expect(client.user.fhirUser).toBe(practitioner);
    const patient = (await client.patient.read()) as Patient;
    expect(patient.id).toBe(patientId);

    // patient/ scopes: another patient is not there for this token.
    const token = client.state.tokenResponse?.access_token ?? '';
    expect((await fhirFetch(`${sandbox.urls.ehrFhir}/Patient/${otherPatientId}`, token)).status).toBe(404);
    const search = await (await fhirFetch(`${sandbox.urls.ehrFhir}/Patient?_count=50`, token)).json();
    expect(search.entry.map((e: { resource: Patient }) => e.resource.id)).toEqual([patientId]);
    // Types outside the EHR's are forbidden; writes the scopes do not grant too.
    expect((await fhirFetch(`${sandbox.urls.ehrFhir}/CarePlan`, token)).status).toBe(403);
    const write = await fhirFetch(`${sandbox.urls.ehrFhir}/Patient/${patientId}`, token, {
      method: 'PUT',
      body: JSON.stringify({ ...patient, birthDate: '1999-09-09' }),
    });
    expect(write.status).toBe(403);
  });

  it('redeems a code once', async () => {
    const { verifier, challenge } = await pkcePair();
    const launch = (await (
      await fetch(`${sandbox.baseUrl}/ehr/launch?patient=${patientId}&practitioner=${practitioner}`)
    ).json()) as { launch: string };
    const redirectUri = `${sandbox.baseUrl}/app/`;
    const authorize = new URL(`${sandbox.baseUrl}/oauth2/authorize`);
    for (const [k, v] of Object.entries({
      response_type: 'code',
      client_id: 'careloop-sandbox-app',
      redirect_uri: redirectUri,
      scope: SCOPE,
      state: 'x'.repeat(32),
      aud: sandbox.urls.ehrFhir,
      launch: launch.launch,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    })) {
      authorize.searchParams.set(k, v);
    }
    const code =
      new URL(
        (await fetch(authorize, { redirect: 'manual' })).headers.get('location') ?? '',
      ).searchParams.get('code') ?? '';
    const redeem = (): Promise<Response> =>
      fetch(sandbox.urls.tokenEndpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          redirect_uri: redirectUri,
          client_id: 'careloop-sandbox-app',
          code_verifier: verifier,
        }),
      });
    const first = await redeem();
    expect(first.status).toBe(200);
    const body = await first.json();
    expect(body).toMatchObject({
      token_type: 'Bearer',
      patient: patientId,
      fhirUser: practitioner,
      scope: SCOPE,
    });
    expect(body.id_token.split('.')).toHaveLength(3);
    const second = await redeem();
    expect(second.status).toBe(400);
    expect((await second.json()).error).toBe('invalid_grant');
  });
});
