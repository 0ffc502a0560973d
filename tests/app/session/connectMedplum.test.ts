import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { IssuerConfig } from '../../../src/app/launch/launchContext';
import { connectMedplum } from '../../../src/app/session/connect';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const base: IssuerConfig = {
  iss: 'https://ehr.test/fhir',
  clientId: 'app',
  scope: 'launch openid fhirUser patient/Patient.rs',
  standaloneScope: 'openid fhirUser',
  medplum: {
    baseUrl: 'https://medplum.test/',
    mode: 'exchange',
    clientId: 'careloop-smart-app',
    sharesEhrStore: false,
  },
};

function jwt(claims: Record<string, unknown>): string {
  const part = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.sig`;
}

describe('connectMedplum', () => {
  it('exchanges the EHR token for a Medplum token for the configured client', async () => {
    let exchanged: URLSearchParams | undefined;
    const medplumToken = jwt({
      client_id: 'careloop-smart-app',
      login_id: 'l1',
      exp: Math.floor(Date.now() / 1000) + 3600,
    });
    server.use(
      http.post('https://medplum.test/oauth2/token', async ({ request }) => {
        exchanged = new URLSearchParams(await request.text());
        return HttpResponse.json({ access_token: medplumToken, token_type: 'Bearer', expires_in: 3600 });
      }),
      http.get('https://medplum.test/auth/me', () =>
        HttpResponse.json({ profile: { resourceType: 'Practitioner', id: 'dr-test' }, project: { id: 'p' } }),
      ),
    );
    const medplum = await connectMedplum(base, 'ehr-token');
    expect(exchanged?.get('grant_type')).toBe('urn:ietf:params:oauth:grant-type:token-exchange');
    expect(exchanged?.get('subject_token')).toBe('ehr-token');
    expect(exchanged?.get('client_id')).toBe('careloop-smart-app');
    expect(medplum.getAccessToken()).toBe(medplumToken);
  });

  it('uses the EHR token as it is in same-token mode', async () => {
    let auth: string | null = null;
    server.use(
      http.get('https://medplum.test/fhir/R4/Patient/p1', ({ request }) => {
        auth = request.headers.get('authorization');
        return HttpResponse.json({ resourceType: 'Patient', id: 'p1' });
      }),
    );
    const medplum = await connectMedplum(
      { ...base, medplum: { ...base.medplum, mode: 'same-token' } },
      'ehr-token',
    );
    await medplum.readResource('Patient', 'p1');
    expect(auth).toBe('Bearer ehr-token');
  });

  it('reports a refused exchange as scope denied and an unreachable server as such', async () => {
    server.use(
      http.post('https://medplum.test/oauth2/token', () =>
        HttpResponse.json({ error: 'access_denied', error_description: 'Forbidden' }, { status: 403 }),
      ),
    );
    await expect(connectMedplum(base, 'ehr-token')).rejects.toMatchObject({ kind: 'scope-denied' });
    server.use(http.post('https://medplum.test/oauth2/token', () => HttpResponse.error()));
    await expect(connectMedplum(base, 'ehr-token')).rejects.toMatchObject({ kind: 'medplum-unreachable' });
  });
});
