/**
 * SMART Backend Services (SMART App Launch 2.x, "client-confidential-asymmetric"): a system-to-system
 * access token obtained with the client credentials grant and a client assertion JWT signed by our
 * private key. Epic and Oracle Health accept RS384 and ES384. Signing uses WebCrypto, which Node 22 and
 * Medplum's bot runtime both provide, so no JOSE library is needed.
 *
 * Errors never include the key, the assertion or the token: only the endpoint, HTTP status and the
 * server's OAuth error code and description.
 */

import { normalizeBase } from './mirrorIdentifiers';

/** The JWS algorithms SMART Backend Services requires servers to support. */
export type SigningAlg = 'RS384' | 'ES384';

/** The parts of `.well-known/smart-configuration` a backend client uses. */
export interface SmartConfiguration {
  readonly token_endpoint: string;
  readonly token_endpoint_auth_methods_supported?: readonly string[];
  readonly token_endpoint_auth_signing_alg_values_supported?: readonly string[];
  readonly grant_types_supported?: readonly string[];
  readonly scopes_supported?: readonly string[];
}

/** A private key ready to sign client assertions. */
export interface SigningKey {
  readonly key: CryptoKey;
  readonly alg: SigningAlg;
  /** The key id the EHR finds our public key by in the JWKS we registered. */
  readonly kid: string;
}

/** An access token and what it allows. */
export interface BackendServicesToken {
  readonly accessToken: string;
  readonly tokenType: string;
  /** Scopes granted: the server's `scope`, or the requested ones when it omits it (RFC 6749 §5.1). */
  readonly scope: string;
  readonly expiresAt: Date;
}

/** What `backendServicesToken` needs. */
export interface BackendServicesTokenOptions {
  readonly tokenUrl: string;
  readonly clientId: string;
  /** A private JWK (object or JSON, or a JWKS holding one), a PKCS#8 PEM, or an already imported key. */
  readonly privateKey: string | JsonWebKey | SigningKey;
  /** Defaults to the key's own: RS384 for RSA, ES384 for P-384. */
  readonly alg?: SigningAlg;
  /** Key id for the JWT header; defaults to the JWK's `kid`, else the key's RFC 7638 thumbprint. */
  readonly kid?: string;
  /** Our JWKS URL, sent as `jku` for EHRs that fetch keys from it (Epic allows this). */
  readonly jku?: string;
  readonly scope: string;
  readonly now: Date;
  readonly fetchImpl?: typeof fetch;
}

/** A failure to discover the token endpoint or obtain a token; says which endpoint and why. */
export class SmartBackendError extends Error {
  /** HTTP status, when the server answered. */
  readonly status: number | undefined;
  /** The OAuth `error` code (`invalid_client`, `invalid_scope`…), when the server sent one. */
  readonly oauthError: string | undefined;
  /** True when trying again later may succeed (network failure, 429, 5xx). */
  readonly retryable: boolean;

  constructor(message: string, details: { status?: number; oauthError?: string; retryable?: boolean } = {}) {
    super(message);
    this.name = 'SmartBackendError';
    this.status = details.status;
    this.oauthError = details.oauthError;
    this.retryable = details.retryable ?? false;
  }
}

// SMART asks for exp no more than five minutes ahead; Epic rejects longer-lived assertions.
const ASSERTION_LIFETIME_S = 300;
const CLIENT_ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** Reads `${ehrBase}/.well-known/smart-configuration` and checks it names a usable token endpoint. */
export async function discoverSmartConfiguration(
  ehrBase: string,
  fetchImpl: typeof fetch = fetch,
): Promise<SmartConfiguration> {
  const url = `${normalizeBase(ehrBase)}/.well-known/smart-configuration`;
  const body = await fetchJson(
    fetchImpl,
    url,
    { headers: { accept: 'application/json' } },
    'SMART configuration',
  );
  const tokenEndpoint = (body as { token_endpoint?: unknown }).token_endpoint;
  if (typeof tokenEndpoint !== 'string' || !isHttpUrl(tokenEndpoint)) {
    throw new SmartBackendError(`SMART configuration at ${url} has no valid token_endpoint`);
  }
  if (new URL(tokenEndpoint).protocol === 'http:' && new URL(url).protocol === 'https:') {
    throw new SmartBackendError(`SMART configuration at ${url} names a token endpoint that is not https`);
  }
  return body as SmartConfiguration;
}

/**
 * Requests an access token with the client credentials grant and a signed client assertion
 * (iss = sub = client id, aud = token URL, random jti, exp five minutes ahead).
 */
export async function backendServicesToken(
  options: BackendServicesTokenOptions,
): Promise<BackendServicesToken> {
  const fetchImpl = options.fetchImpl ?? fetch;
  const signingKey = isSigningKey(options.privateKey)
    ? options.privateKey
    : await importSigningKey(options.privateKey, {
        ...(options.alg ? { alg: options.alg } : {}),
        ...(options.kid ? { kid: options.kid } : {}),
      });
  const assertion = await signClientAssertion({
    clientId: options.clientId,
    tokenUrl: options.tokenUrl,
    key: signingKey,
    now: options.now,
    ...(options.jku ? { jku: options.jku } : {}),
  });
  const form = new URLSearchParams({
    grant_type: 'client_credentials',
    client_assertion_type: CLIENT_ASSERTION_TYPE,
    client_assertion: assertion,
    scope: options.scope,
  });
  const body = (await fetchJson(
    fetchImpl,
    options.tokenUrl,
    {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form.toString(),
    },
    'token endpoint',
  )) as Record<string, unknown>;
  const accessToken = body.access_token;
  if (typeof accessToken !== 'string' || accessToken === '') {
    throw new SmartBackendError(`token endpoint ${options.tokenUrl} answered without an access_token`);
  }
  const tokenType = typeof body.token_type === 'string' ? body.token_type : 'bearer';
  if (tokenType.toLowerCase() !== 'bearer') {
    throw new SmartBackendError(
      `token endpoint ${options.tokenUrl} issued a "${tokenType}" token; expected bearer`,
    );
  }
  const expiresIn = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 300;
  return {
    accessToken,
    tokenType: 'Bearer',
    scope: typeof body.scope === 'string' && body.scope.trim() !== '' ? body.scope : options.scope,
    expiresAt: new Date(options.now.getTime() + expiresIn * 1000),
  };
}

/** Builds and signs the client assertion JWT. */
export async function signClientAssertion(options: {
  clientId: string;
  tokenUrl: string;
  key: SigningKey;
  now: Date;
  jku?: string;
  jti?: string;
}): Promise<string> {
  const iat = Math.floor(options.now.getTime() / 1000);
  const header = {
    alg: options.key.alg,
    typ: 'JWT',
    kid: options.key.kid,
    ...(options.jku ? { jku: options.jku } : {}),
  };
  const payload = {
    iss: options.clientId,
    sub: options.clientId,
    aud: options.tokenUrl,
    jti: options.jti ?? crypto.randomUUID(),
    iat,
    exp: iat + ASSERTION_LIFETIME_S,
  };
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(payload))}`;
  const algorithm =
    options.key.alg === 'RS384' ? { name: 'RSASSA-PKCS1-v1_5' } : { name: 'ECDSA', hash: 'SHA-384' };
  // WebCrypto's ECDSA signature is already r‖s (IEEE P1363), the form JWS wants; no DER unwrapping.
  const signature = await crypto.subtle.sign(
    algorithm,
    options.key.key,
    new TextEncoder().encode(signingInput),
  );
  return `${signingInput}.${base64url(new Uint8Array(signature))}`;
}

/**
 * Imports a private key for signing: a JWK (object or JSON text, or a JWKS whose first private key is
 * used) or an unencrypted PKCS#8 PEM (`BEGIN PRIVATE KEY`). RSA signs RS384; EC must be P-384 (ES384).
 */
export async function importSigningKey(
  privateKey: string | JsonWebKey,
  options: { alg?: SigningAlg; kid?: string } = {},
): Promise<SigningKey> {
  if (typeof privateKey === 'string' && privateKey.includes('-----BEGIN')) {
    return importPem(privateKey, options);
  }
  let jwk: JsonWebKey & { kid?: string };
  try {
    jwk = typeof privateKey === 'string' ? (JSON.parse(privateKey) as JsonWebKey) : privateKey;
  } catch {
    throw new SmartBackendError('the private key is neither a PEM nor JWK JSON');
  }
  const keys = (jwk as { keys?: unknown }).keys;
  if (Array.isArray(keys)) {
    const found = (keys as (JsonWebKey & { kid?: string })[]).find((k) => typeof k.d === 'string');
    if (!found) {
      throw new SmartBackendError('the JWKS holds no private key');
    }
    jwk = found;
  }
  if (typeof jwk.d !== 'string') {
    throw new SmartBackendError('the JWK is a public key; the private key (with "d") is needed to sign');
  }
  const alg = options.alg ?? (jwk.kty === 'RSA' ? 'RS384' : jwk.kty === 'EC' ? 'ES384' : undefined);
  if (!alg) {
    throw new SmartBackendError(`JWK key type "${jwk.kty ?? '?'}" is not supported; use RSA or EC P-384`);
  }
  if (jwk.alg && jwk.alg !== alg) {
    throw new SmartBackendError(`the JWK is for ${jwk.alg} but ${alg} was asked for`);
  }
  checkKeyFitsAlg(jwk, alg);
  // key_ops/ext from the key's generator may forbid the import flags WebCrypto wants; they add nothing here.
  const material: JsonWebKey = { ...jwk };
  delete material.key_ops;
  delete material.ext;
  let key: CryptoKey;
  try {
    key = await crypto.subtle.importKey('jwk', material, importAlgorithm(alg), false, ['sign']);
  } catch (err) {
    throw new SmartBackendError(`the JWK could not be imported for ${alg}: ${(err as Error).message}`);
  }
  return { key, alg, kid: options.kid ?? jwk.kid ?? (await thumbprint(jwk)) };
}

async function importPem(pem: string, options: { alg?: SigningAlg; kid?: string }): Promise<SigningKey> {
  const label = /-----BEGIN ([A-Z ]+)-----/.exec(pem)?.[1];
  if (label !== 'PRIVATE KEY') {
    throw new SmartBackendError(
      `a "${label ?? 'unknown'}" PEM is not supported; convert it to unencrypted PKCS#8 ` +
        '(openssl pkcs8 -topk8 -nocrypt -in key.pem -out key.p8.pem)',
    );
  }
  const base64 = pem.replace(/-----(BEGIN|END) PRIVATE KEY-----/g, '').replace(/\s+/g, '');
  const der = Uint8Array.from(Buffer.from(base64, 'base64'));
  const candidates: SigningAlg[] = options.alg ? [options.alg] : ['RS384', 'ES384'];
  for (const alg of candidates) {
    try {
      // Extractable only long enough to read the public half for the thumbprint and the curve check.
      const probe = await crypto.subtle.importKey('pkcs8', der, importAlgorithm(alg), true, ['sign']);
      const jwk = await crypto.subtle.exportKey('jwk', probe);
      checkKeyFitsAlg(jwk, alg);
      const key = await crypto.subtle.importKey('pkcs8', der, importAlgorithm(alg), false, ['sign']);
      return { key, alg, kid: options.kid ?? (await thumbprint(jwk)) };
    } catch (err) {
      if (err instanceof SmartBackendError) {
        throw err;
      }
    }
  }
  throw new SmartBackendError(
    `the PEM is not an RSA or P-384 EC private key usable for ${candidates.join(' or ')}`,
  );
}

function checkKeyFitsAlg(jwk: JsonWebKey, alg: SigningAlg): void {
  if (alg === 'ES384' && (jwk.kty !== 'EC' || jwk.crv !== 'P-384')) {
    throw new SmartBackendError(
      `ES384 needs an EC P-384 key; this key is ${jwk.kty ?? '?'} ${jwk.crv ?? ''}`.trim(),
    );
  }
  if (alg === 'RS384' && jwk.kty !== 'RSA') {
    throw new SmartBackendError(`RS384 needs an RSA key; this key is ${jwk.kty ?? '?'}`);
  }
  if (alg === 'RS384' && jwk.n && Buffer.from(jwk.n, 'base64url').length * 8 < 2048) {
    throw new SmartBackendError('RSA keys shorter than 2048 bits are refused by EHRs; generate a longer one');
  }
}

function importAlgorithm(alg: SigningAlg): RsaHashedImportParams | EcKeyImportParams {
  return alg === 'RS384'
    ? { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-384' }
    : { name: 'ECDSA', namedCurve: 'P-384' };
}

/** RFC 7638 JWK thumbprint (SHA-256, base64url) of the key's public members. */
export async function thumbprint(jwk: JsonWebKey): Promise<string> {
  const members =
    jwk.kty === 'RSA'
      ? { e: jwk.e, kty: jwk.kty, n: jwk.n }
      : { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y };
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(JSON.stringify(members)));
  return base64url(new Uint8Array(digest));
}

function isSigningKey(value: unknown): value is SigningKey {
  return typeof value === 'object' && value !== null && 'key' in value && 'alg' in value && 'kid' in value;
}

function base64url(input: string | Uint8Array): string {
  return Buffer.from(input).toString('base64url');
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}

async function fetchJson(
  fetchImpl: typeof fetch,
  url: string,
  init: RequestInit,
  what: string,
): Promise<unknown> {
  let response: Response;
  try {
    response = await fetchImpl(url, init);
  } catch (err) {
    throw new SmartBackendError(`could not reach the ${what} at ${url}: ${(err as Error).message}`, {
      retryable: true,
    });
  }
  const text = await response.text();
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (!response.ok) {
    const oauth = body as { error?: unknown; error_description?: unknown } | undefined;
    const code = typeof oauth?.error === 'string' ? oauth.error : undefined;
    const description =
      typeof oauth?.error_description === 'string' ? `: ${oauth.error_description.slice(0, 200)}` : '';
    const retryable = response.status === 429 || response.status >= 500;
    throw new SmartBackendError(
      `the ${what} at ${url} answered HTTP ${response.status}${code ? ` ${code}` : ''}${description}` +
        (retryable ? ' (temporary; the next run retries)' : ''),
      { status: response.status, ...(code ? { oauthError: code } : {}), retryable },
    );
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new SmartBackendError(
      `the ${what} at ${url} answered HTTP ${response.status} with a body that is not a JSON object`,
      {
        status: response.status,
      },
    );
  }
  return body;
}
