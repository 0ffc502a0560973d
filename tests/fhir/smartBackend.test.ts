import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  backendServicesToken,
  discoverSmartConfiguration,
  importSigningKey,
  SmartBackendError,
  thumbprint,
  type SigningAlg,
} from '../../src/fhir/smartBackend';

const EHR_BASE = 'https://ehr.example.test/fhir/R4';
const TOKEN_URL = 'https://ehr.example.test/oauth2/token';
const CLIENT_ID = 'careloop-test-client';
const NOW = new Date('2026-11-20T21:00:00Z');

interface TestKey {
  alg: SigningAlg;
  privateJwk: JsonWebKey & { kid?: string };
  pem: string;
  publicKey: CryptoKey;
}

async function generateKey(alg: SigningAlg): Promise<TestKey> {
  const params =
    alg === 'RS384'
      ? {
          name: 'RSASSA-PKCS1-v1_5',
          modulusLength: 2048,
          publicExponent: new Uint8Array([1, 0, 1]),
          hash: 'SHA-384',
        }
      : { name: 'ECDSA', namedCurve: 'P-384' };
  const pair = (await crypto.subtle.generateKey(params, true, ['sign', 'verify'])) as CryptoKeyPair;
  const privateJwk = await crypto.subtle.exportKey('jwk', pair.privateKey);
  const der = Buffer.from(await crypto.subtle.exportKey('pkcs8', pair.privateKey)).toString('base64');
  const pem = `-----BEGIN PRIVATE KEY-----\n${der.match(/.{1,64}/g)?.join('\n')}\n-----END PRIVATE KEY-----\n`;
  return { alg, privateJwk: { ...privateJwk, kid: `test-${alg}` }, pem, publicKey: pair.publicKey };
}

function decode(part: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** What the fake token endpoint saw, for assertions. */
let seen: { header: Record<string, unknown>; payload: Record<string, unknown>; form: URLSearchParams }[] = [];
let keys: Record<SigningAlg, TestKey>;

// The fake authorization server checks the assertion the way an EHR does: signature with the registered
// public key, then iss/sub/aud/exp/jti.
async function verifyAssertion(form: URLSearchParams): Promise<string | undefined> {
  if (form.get('grant_type') !== 'client_credentials') return 'unsupported_grant_type';
  if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer') {
    return 'invalid_request';
  }
  const [h, p, s] = (form.get('client_assertion') ?? '').split('.');
  if (!h || !p || !s) return 'invalid_client';
  const header = decode(h);
  const payload = decode(p);
  seen.push({ header, payload, form });
  const key = keys[header.alg as SigningAlg];
  if (!key) return 'invalid_client';
  const algorithm = key.alg === 'RS384' ? { name: 'RSASSA-PKCS1-v1_5' } : { name: 'ECDSA', hash: 'SHA-384' };
  const ok = await crypto.subtle.verify(
    algorithm,
    key.publicKey,
    Buffer.from(s, 'base64url'),
    new TextEncoder().encode(`${h}.${p}`),
  );
  const exp = payload.exp as number;
  const iat = payload.iat as number;
  if (
    !ok ||
    payload.iss !== CLIENT_ID ||
    payload.sub !== CLIENT_ID ||
    payload.aud !== TOKEN_URL ||
    typeof payload.jti !== 'string' ||
    exp - NOW.getTime() / 1000 > 300 ||
    exp <= iat
  ) {
    return 'invalid_client';
  }
  return undefined;
}

const server = setupServer(
  http.get(`${EHR_BASE}/.well-known/smart-configuration`, () =>
    HttpResponse.json({
      token_endpoint: TOKEN_URL,
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: ['RS384', 'ES384'],
    }),
  ),
  http.post(TOKEN_URL, async ({ request }) => {
    const form = new URLSearchParams(await request.text());
    const error = await verifyAssertion(form);
    if (error) {
      return HttpResponse.json({ error, error_description: 'assertion rejected' }, { status: 400 });
    }
    return HttpResponse.json({
      access_token: 'test-access-token',
      token_type: 'bearer',
      expires_in: 300,
      scope: form.get('scope'),
    });
  }),
);

beforeAll(async () => {
  server.listen({ onUnhandledRequest: 'error' });
  keys = { RS384: await generateKey('RS384'), ES384: await generateKey('ES384') };
});
afterEach(() => {
  server.resetHandlers();
  seen = [];
});
afterAll(() => server.close());

function request(
  privateKey: string | JsonWebKey,
  extra: { alg?: SigningAlg; kid?: string; jku?: string } = {},
) {
  return backendServicesToken({
    tokenUrl: TOKEN_URL,
    clientId: CLIENT_ID,
    privateKey,
    scope: 'system/Patient.rs system/Appointment.rs',
    now: NOW,
    ...extra,
  });
}

describe('discoverSmartConfiguration', () => {
  it('reads the token endpoint from the well-known document (trailing slash or not)', async () => {
    const config = await discoverSmartConfiguration(`${EHR_BASE}/`);
    expect(config.token_endpoint).toBe(TOKEN_URL);
  });

  it('says clearly when the document is missing, not JSON, or has no token endpoint', async () => {
    server.use(
      http.get(`${EHR_BASE}/.well-known/smart-configuration`, () => new HttpResponse(null, { status: 404 })),
    );
    await expect(discoverSmartConfiguration(EHR_BASE)).rejects.toThrow(/SMART configuration .* HTTP 404/);
    server.use(http.get(`${EHR_BASE}/.well-known/smart-configuration`, () => HttpResponse.text('<html>')));
    await expect(discoverSmartConfiguration(EHR_BASE)).rejects.toThrow(/not a JSON object/);
    server.use(
      http.get(`${EHR_BASE}/.well-known/smart-configuration`, () => HttpResponse.json({ issuer: 'x' })),
    );
    await expect(discoverSmartConfiguration(EHR_BASE)).rejects.toThrow(/no valid token_endpoint/);
  });
});

describe('backendServicesToken', () => {
  it('gets a token with an RS384 assertion from a JWK, with the claims SMART requires', async () => {
    const token = await request(JSON.stringify(keys.RS384.privateJwk));
    expect(token.accessToken).toBe('test-access-token');
    expect(token.scope).toBe('system/Patient.rs system/Appointment.rs');
    expect(token.expiresAt.toISOString()).toBe('2026-11-20T21:05:00.000Z');
    const { header, payload, form } = seen[0] ?? expect.fail('no token request');
    expect(header).toEqual({ alg: 'RS384', typ: 'JWT', kid: 'test-RS384' });
    expect(payload.exp).toBe(NOW.getTime() / 1000 + 300);
    expect(form.get('scope')).toBe('system/Patient.rs system/Appointment.rs');
  });

  it('gets a token with an ES384 assertion from a PKCS#8 PEM, keyed by its thumbprint, with jku', async () => {
    await request(keys.ES384.pem, { jku: 'https://careloop.example.test/.well-known/jwks.json' });
    const { header } = seen[0] ?? expect.fail('no token request');
    const publicJwk = await crypto.subtle.exportKey('jwk', keys.ES384.publicKey);
    expect(header.alg).toBe('ES384');
    expect(header.kid).toBe(await thumbprint(publicJwk));
    expect(header.jku).toBe('https://careloop.example.test/.well-known/jwks.json');
  });

  it('uses a fresh jti for every assertion', async () => {
    await request(keys.RS384.privateJwk);
    await request(keys.RS384.privateJwk);
    expect(seen[0]?.payload.jti).not.toBe(seen[1]?.payload.jti);
  });

  it('takes the private key out of a JWKS', async () => {
    const jwks = JSON.stringify({
      keys: [{ ...keys.ES384.privateJwk, d: undefined }, keys.ES384.privateJwk],
    });
    await expect(request(jwks)).resolves.toMatchObject({ accessToken: 'test-access-token' });
  });

  it('reports a refused assertion with the OAuth error and no secrets', async () => {
    server.use(
      http.post(TOKEN_URL, () =>
        HttpResponse.json({ error: 'invalid_client', error_description: 'unknown key' }, { status: 401 }),
      ),
    );
    const error = await request(keys.RS384.privateJwk).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SmartBackendError);
    expect((error as SmartBackendError).status).toBe(401);
    expect((error as SmartBackendError).oauthError).toBe('invalid_client');
    expect((error as SmartBackendError).retryable).toBe(false);
    expect((error as Error).message).toMatch(/HTTP 401 invalid_client: unknown key/);
    expect((error as Error).message).not.toContain(keys.RS384.privateJwk.d ?? '-');
  });

  it('marks server failures as retryable and rejects bodies that are not tokens', async () => {
    server.use(http.post(TOKEN_URL, () => new HttpResponse('upstream down', { status: 503 })));
    await expect(request(keys.RS384.privateJwk)).rejects.toMatchObject({ status: 503, retryable: true });
    server.use(http.post(TOKEN_URL, () => HttpResponse.text('not json')));
    await expect(request(keys.RS384.privateJwk)).rejects.toThrow(/not a JSON object/);
    server.use(http.post(TOKEN_URL, () => HttpResponse.json({ token_type: 'bearer' })));
    await expect(request(keys.RS384.privateJwk)).rejects.toThrow(/without an access_token/);
    server.use(http.post(TOKEN_URL, () => HttpResponse.error()));
    await expect(request(keys.RS384.privateJwk)).rejects.toMatchObject({ retryable: true });
  });
});

describe('importSigningKey', () => {
  it('refuses public keys, wrong curves, mismatched algorithms and non-PKCS#8 PEMs with a hint', async () => {
    const { d: _d, ...publicOnly } = keys.RS384.privateJwk;
    expect(_d).toBeTruthy();
    await expect(importSigningKey(publicOnly)).rejects.toThrow(/public key/);
    await expect(importSigningKey(keys.RS384.privateJwk, { alg: 'ES384' })).rejects.toThrow(/ES384/);
    const { alg: _alg, ...noAlg } = keys.RS384.privateJwk;
    expect(_alg).toBe('RS384');
    await expect(importSigningKey(noAlg, { alg: 'ES384' })).rejects.toThrow(/EC P-384/);
    await expect(importSigningKey({ ...keys.RS384.privateJwk, alg: 'RS256' })).rejects.toThrow(/RS256/);
    const p256 = await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign']);
    await expect(importSigningKey(await crypto.subtle.exportKey('jwk', p256.privateKey))).rejects.toThrow(
      /P-384/,
    );
    await expect(
      importSigningKey('-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----'),
    ).rejects.toThrow(/openssl pkcs8 -topk8/);
    await expect(importSigningKey('not a key')).rejects.toThrow(/neither a PEM nor JWK/);
  });
});
