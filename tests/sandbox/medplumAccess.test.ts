import { MedplumClient } from '@medplum/core';
import type { Bundle, Communication, Organization, Patient, Task } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAIN_PRACTICE, SECOND_PRACTICE } from '../../src/sandbox/practice';
import type { RunningSandbox } from '../../src/sandbox/start';
import { devToken, fhirFetch, pkcePair, removeDataDir, startTestSandbox, tempDataDir } from './helpers';

/** An EHR access token for `practitioner` through a standalone launch (picker form). */
async function ehrToken(sandbox: RunningSandbox, practitioner: string): Promise<string> {
  const { verifier, challenge } = await pkcePair();
  const redirectUri = `${sandbox.baseUrl}/app/`;
  const form = new URLSearchParams({
    response_type: 'code',
    client_id: 'careloop-sandbox-app',
    redirect_uri: redirectUri,
    scope: 'openid fhirUser',
    state: 'state-'.repeat(6),
    aud: sandbox.urls.ehrFhir,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    practitioner,
  });
  const submitted = await fetch(`${sandbox.baseUrl}/oauth2/authorize`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form,
    redirect: 'manual',
  });
  const code = new URL(submitted.headers.get('location') ?? '').searchParams.get('code') ?? '';
  const body = await (
    await fetch(sandbox.urls.tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: redirectUri,
        client_id: 'careloop-sandbox-app',
        code_verifier: verifier,
      }),
    })
  ).json();
  return body.access_token as string;
}

/** A MedplumClient signed in by exchanging an EHR token, as the app does. */
async function coordinatorClient(sandbox: RunningSandbox, practitioner: string): Promise<MedplumClient> {
  const medplum = new MedplumClient({
    baseUrl: `${sandbox.baseUrl}/`,
    cacheTime: 0,
    fetch: (url: string, init?: RequestInit) => fetch(url, init),
  });
  await medplum.exchangeExternalAccessToken(await ehrToken(sandbox, practitioner), 'careloop-smart-app');
  return medplum;
}

describe('the Medplum-side API: dev client, token exchange, /auth/me, coordinators limited to their organization', () => {
  const dataDir = tempDataDir();
  let sandbox: RunningSandbox;

  beforeAll(async () => {
    sandbox = await startTestSandbox(dataDir);
  });
  afterAll(async () => {
    await sandbox?.stop();
    removeDataDir(dataDir);
  });

  it('gives the dev client a token by Basic or form secret, which reads /fhir/R4 and refuses a wrong secret', async () => {
    const token = await devToken(sandbox);
    const patients = await fhirFetch(`${sandbox.urls.medplumFhir}/Patient?_count=1`, token);
    expect(patients.status).toBe(200);
    expect(((await patients.json()) as Bundle).total).toBeGreaterThanOrEqual(200);

    const form = await fetch(sandbox.urls.tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: sandbox.devClient.clientId,
        client_secret: sandbox.devClient.clientSecret,
      }),
    });
    expect(form.status).toBe(200);
    // System scopes reach the EHR base too.
    const ehr = await fhirFetch(
      `${sandbox.urls.ehrFhir}/Appointment?_count=1`,
      (await form.json()).access_token,
    );
    expect(ehr.status).toBe(200);

    const wrong = await fetch(sandbox.urls.tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: sandbox.devClient.clientId,
        client_secret: 'not-the-secret',
      }),
    });
    expect(wrong.status).toBe(401);
    expect((await wrong.json()).error).toBe('invalid_client');
  });

  it('exchanges an EHR token for a Medplum login that MedplumClient accepts (/auth/me)', async () => {
    const practitioner = `Practitioner/${MAIN_PRACTICE.coordinator}`;
    const medplum = await coordinatorClient(sandbox, practitioner);
    expect(medplum.getProfile()?.id).toBe(MAIN_PRACTICE.coordinator);
    const me = await medplum.get('auth/me', { cache: 'no-cache' });
    expect(me.project.id).toBeTruthy();
    expect(me.membership.profile.reference).toBe(practitioner);
    expect(me.accessPolicy.resource.length).toBeGreaterThan(5);
    // The session refreshes as a Medplum session does, and signs out cleanly.
    const before = medplum.getAccessToken();
    await medplum.refreshIfExpired(2 * 3_600_000);
    expect(medplum.getAccessToken()).not.toBe(before);
    expect(medplum.getProfile()?.id).toBe(MAIN_PRACTICE.coordinator);
    await medplum.signOut();

    const forged = await fetch(sandbox.urls.tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
        subject_token_type: 'urn:ietf:params:oauth:token-type:access_token',
        client_id: 'careloop-smart-app',
        subject_token: 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJQcmFjdGl0aW9uZXIveCJ9.',
      }),
    });
    expect(forged.status).toBe(400);
    expect((await forged.json()).error).toBe('invalid_grant');
  });

  it("shows a coordinator only their organization's patients and tasks, and stamps what they create", async () => {
    const lakeside = await coordinatorClient(sandbox, `Practitioner/${MAIN_PRACTICE.coordinator}`);
    const riverbend = await coordinatorClient(sandbox, `Practitioner/${SECOND_PRACTICE.coordinator}`);
    const lakesideOrg = `Organization/${MAIN_PRACTICE.organization}`;
    const riverbendOrg = `Organization/${SECOND_PRACTICE.organization}`;

    const seen = await lakeside.searchResources('Patient', { _count: '1000' });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((p) => p.meta?.accounts?.some((a) => a.reference === lakesideOrg))).toBe(true);
    const riverbendPatient = sandbox.store
      .all()
      .find(
        (r): r is Patient =>
          r.resourceType === 'Patient' && (r.meta?.accounts ?? []).some((a) => a.reference === riverbendOrg),
      );
    expect(riverbendPatient).toBeDefined();
    await expect(lakeside.readResource('Patient', riverbendPatient?.id ?? '')).rejects.toThrow(/not found/i);

    const orgs = await lakeside.searchResources('Organization', {});
    expect(orgs.map((o: Organization) => o.id)).toEqual([MAIN_PRACTICE.organization]);

    // A Communication for a Lakeside patient inherits the patient's account: Riverbend cannot see it.
    const lakesidePatient = seen[0] as Patient;
    const note = await lakeside.createResource<Communication>({
      resourceType: 'Communication',
      status: 'completed',
      subject: { reference: `Patient/${lakesidePatient.id}` },
      payload: [{ contentString: 'Called to confirm.' }],
    });
    expect(note.meta?.accounts?.map((a) => a.reference)).toEqual([lakesideOrg]);
    await expect(riverbend.readResource('Communication', note.id ?? '')).rejects.toThrow(/not found/i);

    // Writing into another organization's patient is refused.
    await expect(
      riverbend.createResource<Task>({
        resourceType: 'Task',
        status: 'requested',
        intent: 'order',
        for: { reference: `Patient/${lakesidePatient.id}` },
        meta: { accounts: [{ reference: lakesideOrg }] },
      }),
    ).rejects.toThrow(/forbidden/i);
    // Nor can it be filed under the writer's own organization by leaving the accounts out.
    await expect(
      riverbend.createResource<Task>({
        resourceType: 'Task',
        status: 'requested',
        intent: 'order',
        for: { reference: `Patient/${lakesidePatient.id}` },
      }),
    ).rejects.toThrow(/forbidden/i);
    // Types outside the policy are forbidden.
    await expect(lakeside.searchResources('Bot', {})).rejects.toThrow(/forbidden/i);
  });
});
