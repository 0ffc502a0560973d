import type { Patient } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAIN_PRACTICE } from '../../src/sandbox/practice';
import type { RunningSandbox } from '../../src/sandbox/start';
import { fhirFetch, pkcePair, removeDataDir, startTestSandbox, tempDataDir } from './helpers';

const CLIENT = 'careloop-sandbox-app';

describe('SMART authorize and token: refusals, standalone picker, refresh', () => {
  const dataDir = tempDataDir();
  let sandbox: RunningSandbox;
  let redirectUri: string;
  const practitioner = `Practitioner/${MAIN_PRACTICE.coordinator}`;

  beforeAll(async () => {
    sandbox = await startTestSandbox(dataDir);
    redirectUri = `${sandbox.baseUrl}/app/`;
  });
  afterAll(async () => {
    await sandbox?.stop();
    removeDataDir(dataDir);
  });

  function authorizeUrl(params: Record<string, string | undefined>): URL {
    const url = new URL(`${sandbox.baseUrl}/oauth2/authorize`);
    const all: Record<string, string | undefined> = {
      response_type: 'code',
      client_id: CLIENT,
      redirect_uri: redirectUri,
      scope: 'openid fhirUser launch/patient patient/Patient.rs online_access',
      state: 's'.repeat(32),
      aud: sandbox.urls.ehrFhir,
      ...params,
    };
    for (const [k, v] of Object.entries(all)) if (v !== undefined) url.searchParams.set(k, v);
    return url;
  }

  async function errorOf(response: Response): Promise<{ error: string | null; state: string | null }> {
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get('location') ?? '');
    expect(`${location.origin}${location.pathname}`).toBe(redirectUri);
    return { error: location.searchParams.get('error'), state: location.searchParams.get('state') };
  }

  it('refuses a missing or plain PKCE challenge with the spec error redirect', async () => {
    const { challenge } = await pkcePair();
    const missing = await fetch(authorizeUrl({}), { redirect: 'manual' });
    expect(await errorOf(missing)).toEqual({ error: 'invalid_request', state: 's'.repeat(32) });
    const plain = await fetch(authorizeUrl({ code_challenge: challenge, code_challenge_method: 'plain' }), {
      redirect: 'manual',
    });
    expect((await errorOf(plain)).error).toBe('invalid_request');
  });

  it('refuses a wrong aud, and never redirects to an unregistered redirect_uri', async () => {
    const { challenge } = await pkcePair();
    const pkce = { code_challenge: challenge, code_challenge_method: 'S256' };
    const wrongAud = await fetch(authorizeUrl({ ...pkce, aud: 'https://elsewhere.example/fhir' }), {
      redirect: 'manual',
    });
    expect((await errorOf(wrongAud)).error).toBe('invalid_request');
    const evil = await fetch(authorizeUrl({ ...pkce, redirect_uri: 'https://evil.example/app/' }), {
      redirect: 'manual',
    });
    expect(evil.status).toBe(400);
    expect(evil.headers.get('location')).toBeNull();
    const unknownClient = await fetch(authorizeUrl({ ...pkce, client_id: 'nobody' }), { redirect: 'manual' });
    expect(unknownClient.status).toBe(400);
  });

  it('shows a keyboard-usable picker for a standalone launch and grants the chosen patient; a wrong verifier is refused', async () => {
    const { verifier, challenge } = await pkcePair();
    const url = authorizeUrl({ code_challenge: challenge, code_challenge_method: 'S256' });
    const pickerPage = await fetch(url);
    expect(pickerPage.status).toBe(200);
    const html = await pickerPage.text();
    expect(html).toContain('<label for="practitioner">');
    expect(html).toContain('<label for="patient">');
    const patient = sandbox.store.all().find((r): r is Patient => r.resourceType === 'Patient');
    const form = new URLSearchParams(url.searchParams);
    form.set('practitioner', practitioner);
    form.set('patient', `Patient/${patient?.id ?? ''}`);
    form.set('decision', 'allow');
    const submitted = await fetch(`${sandbox.baseUrl}/oauth2/authorize`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form,
      redirect: 'manual',
    });
    expect(submitted.status).toBe(303);
    const code = new URL(submitted.headers.get('location') ?? '').searchParams.get('code') ?? '';

    const token = (v: string): Promise<Response> =>
      fetch(sandbox.urls.tokenEndpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          redirect_uri: redirectUri,
          client_id: CLIENT,
          code_verifier: v,
        }),
      });
    const wrong = await token(`${verifier.slice(0, -4)}AAAA`);
    expect(wrong.status).toBe(400);
    expect((await wrong.json()).error).toBe('invalid_grant');
    // The failed attempt used the code up: a stolen code is worth one guess.
    const after = await token(verifier);
    expect(after.status).toBe(400);
  });

  it('grants the standalone patient and refreshes with online_access', async () => {
    const { verifier, challenge } = await pkcePair();
    const url = authorizeUrl({ code_challenge: challenge, code_challenge_method: 'S256' });
    const patient = sandbox.store.all().find((r): r is Patient => r.resourceType === 'Patient');
    const form = new URLSearchParams(url.searchParams);
    form.set('practitioner', practitioner);
    form.set('patient', `Patient/${patient?.id ?? ''}`);
    const submitted = await fetch(`${sandbox.baseUrl}/oauth2/authorize`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: form,
      redirect: 'manual',
    });
    const code = new URL(submitted.headers.get('location') ?? '').searchParams.get('code') ?? '';
    const granted = await (
      await fetch(sandbox.urls.tokenEndpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          code,
          redirect_uri: redirectUri,
          client_id: CLIENT,
          code_verifier: verifier,
        }),
      })
    ).json();
    expect(granted.patient).toBe(patient?.id);
    expect(granted.refresh_token).toBeTruthy();
    const refreshed = await fetch(sandbox.urls.tokenEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: granted.refresh_token,
        client_id: CLIENT,
      }),
    });
    expect(refreshed.status).toBe(200);
    const body = await refreshed.json();
    expect(body.patient).toBe(patient?.id);
    expect(
      (await fhirFetch(`${sandbox.urls.ehrFhir}/Patient/${patient?.id ?? ''}`, body.access_token)).status,
    ).toBe(200);
    // A refresh token is not an access token.
    expect(
      (await fhirFetch(`${sandbox.urls.ehrFhir}/Patient/${patient?.id ?? ''}`, granted.refresh_token)).status,
    ).toBe(401);
  });

  it('refuses an expired or unknown launch id', async () => {
    const { challenge } = await pkcePair();
    const response = await fetch(
      authorizeUrl({
        code_challenge: challenge,
        code_challenge_method: 'S256',
        launch: 'not-a-launch',
        scope: 'launch openid fhirUser',
      }),
      { redirect: 'manual' },
    );
    expect((await errorOf(response)).error).toBe('invalid_request');
  });
});
