/**
 * `/oauth2/token`: authorization_code (PKCE S256 verified, each code once), refresh_token (when the grant
 * asked for online_access or offline_access), client_credentials (the dev client, secret by Basic or
 * form) and RFC 8693 token exchange (an EHR access token of this server for a Medplum-side token of the
 * same practitioner, for Careloop's ClientApplication). Errors are OAuth JSON errors, never tokens.
 */

import { createHash, randomUUID } from 'node:crypto';
import type { Route } from '../context';
import { json } from '../server/responses';
import { SANDBOX_PROJECT } from '../fhir/compartments';
import { DEV_CLIENT_ID, MEDPLUM_APP_CLIENT_ID, type ClientRegistry } from './clients';
import type { CodeStore } from './launches';
import { ACCESS_TTL_S, type TokenClaims, type TokenService } from './tokens';

/** RFC 8693 names. */
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

/** What the token endpoint needs. */
export interface TokenDeps {
  readonly baseUrl: () => string;
  readonly ehrFhirUrl: () => string;
  readonly medplumFhirUrl: () => string;
  readonly clients: ClientRegistry;
  readonly codes: CodeStore;
  readonly tokens: TokenService;
}

const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };

function oauthError(error: string, description: string, status = 400): Response {
  return json({ error, error_description: description }, status, NO_STORE);
}

/** The client id and secret of the request (Basic header wins over the form). */
function clientCredentials(request: Request, form: URLSearchParams): { clientId?: string; secret?: string } {
  const header = request.headers.get('authorization') ?? '';
  const basic = /^Basic\s+(\S+)$/i.exec(header.trim());
  if (basic?.[1]) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon > 0) {
      return {
        clientId: decodeURIComponent(decoded.slice(0, colon)),
        secret: decodeURIComponent(decoded.slice(colon + 1)),
      };
    }
  }
  return { clientId: form.get('client_id') ?? undefined, secret: form.get('client_secret') ?? undefined };
}

function s256(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

function hasRefresh(scope: string): boolean {
  return /(^|\s)(online_access|offline_access)(\s|$)/.test(scope);
}

function normalizeBase(url: string): string {
  return url.replace(/\/+$/, '').replace('://127.0.0.1', '://localhost');
}

function tokenResponse(deps: TokenDeps, claims: TokenClaims, extra: Record<string, unknown> = {}): Response {
  const body: Record<string, unknown> = {
    access_token: deps.tokens.access(claims),
    token_type: 'Bearer',
    expires_in: ACCESS_TTL_S,
    scope: claims.scope,
    ...(claims.patient ? { patient: claims.patient } : {}),
    ...(claims.profile.startsWith('Practitioner/') ? { fhirUser: claims.profile } : {}),
    ...extra,
  };
  // Medplum sessions refresh as Medplum's do; SMART ones when the app asked for online or offline access.
  if (claims.kind === 'medplum' || hasRefresh(claims.scope)) body.refresh_token = deps.tokens.refresh(claims);
  return json(body, 200, NO_STORE);
}

async function authorizationCode(
  deps: TokenDeps,
  request: Request,
  form: URLSearchParams,
): Promise<Response> {
  const { clientId } = clientCredentials(request, form);
  const code = form.get('code') ?? '';
  const grant = code ? deps.codes.take(code) : undefined;
  if (!grant) return oauthError('invalid_grant', 'the code is unknown, expired or already used');
  if (!clientId || clientId !== grant.clientId)
    return oauthError('invalid_grant', 'the code was issued to another client');
  if (form.get('redirect_uri') !== grant.redirectUri) {
    return oauthError('invalid_grant', 'redirect_uri does not match the authorization request');
  }
  const verifier = form.get('code_verifier') ?? '';
  if (!/^[A-Za-z0-9\-._~]{43,128}$/.test(verifier)) {
    return oauthError('invalid_grant', 'code_verifier is missing or malformed (PKCE)');
  }
  if (s256(verifier) !== grant.codeChallenge) {
    return oauthError('invalid_grant', 'code_verifier does not match the code_challenge (PKCE)');
  }
  const medplumSide = normalizeBase(grant.aud) === normalizeBase(deps.medplumFhirUrl());
  const claims: TokenClaims = {
    kind: medplumSide ? 'medplum' : 'ehr',
    scope: grant.scope,
    client_id: grant.clientId,
    profile: grant.practitioner,
    aud: medplumSide ? deps.medplumFhirUrl() : deps.ehrFhirUrl(),
    ...(grant.patient ? { patient: grant.patient } : {}),
    ...(medplumSide ? { login_id: randomUUID() } : {}),
  };
  const scopes = grant.scope.split(/\s+/);
  const extra: Record<string, unknown> = { need_patient_banner: false };
  if (scopes.includes('openid') && (scopes.includes('fhirUser') || scopes.includes('profile'))) {
    const fhirBase = medplumSide ? deps.medplumFhirUrl() : deps.ehrFhirUrl();
    extra.id_token = deps.tokens.idToken(grant.clientId, `${fhirBase}/${grant.practitioner}`, grant.nonce);
  }
  if (medplumSide) {
    extra.project = { reference: SANDBOX_PROJECT.reference };
    extra.profile = { reference: grant.practitioner };
  }
  return tokenResponse(deps, claims, extra);
}

function refreshToken(deps: TokenDeps, request: Request, form: URLSearchParams): Response {
  const { clientId } = clientCredentials(request, form);
  const claims = deps.tokens.verify(form.get('refresh_token') ?? '', 'refresh');
  if (!claims) return oauthError('invalid_grant', 'the refresh token is invalid or expired');
  // A public client may omit client_id (MedplumClient sends an empty one when it has none).
  const named = clientId
    ? clientId === claims.client_id
    : deps.clients.get(claims.client_id)?.public === true;
  if (!named) return oauthError('invalid_grant', 'the refresh token was issued to another client');
  const { kind, scope, client_id, profile, patient, aud } = claims;
  return tokenResponse(deps, {
    kind,
    scope,
    client_id,
    profile,
    aud,
    ...(patient ? { patient } : {}),
    ...(kind === 'medplum' ? { login_id: randomUUID() } : {}),
  });
}

function clientCredentialsGrant(deps: TokenDeps, request: Request, form: URLSearchParams): Response {
  const { clientId, secret } = clientCredentials(request, form);
  if (!clientId || !deps.clients.get(clientId)?.grants.includes('client_credentials')) {
    return oauthError('invalid_client', 'unknown client or client not allowed client_credentials', 401);
  }
  if (!deps.clients.checkSecret(clientId, secret)) {
    return oauthError('invalid_client', 'client authentication failed', 401);
  }
  const requested = form.get('scope')?.trim();
  return tokenResponse(deps, {
    kind: 'service',
    scope: requested || 'system/*.cruds',
    client_id: clientId,
    profile: `ClientApplication/${DEV_CLIENT_ID}`,
    aud: deps.medplumFhirUrl(),
  });
}

function tokenExchange(deps: TokenDeps, request: Request, form: URLSearchParams): Response {
  const { clientId } = clientCredentials(request, form);
  if (clientId !== MEDPLUM_APP_CLIENT_ID) {
    return oauthError('invalid_client', `token exchange is for the client ${MEDPLUM_APP_CLIENT_ID}`, 401);
  }
  if (form.get('subject_token_type') !== ACCESS_TOKEN_TYPE) {
    return oauthError('invalid_request', `subject_token_type must be ${ACCESS_TOKEN_TYPE}`);
  }
  const subject = deps.tokens.verify(form.get('subject_token') ?? '');
  if (!subject || subject.kind !== 'ehr' || !subject.profile.startsWith('Practitioner/')) {
    return oauthError(
      'invalid_grant',
      "subject_token is not a valid EHR user's access token from this server",
    );
  }
  const claims: TokenClaims = {
    kind: 'medplum',
    scope: 'openid fhirUser',
    client_id: MEDPLUM_APP_CLIENT_ID,
    profile: subject.profile,
    aud: deps.medplumFhirUrl(),
    login_id: randomUUID(),
  };
  return tokenResponse(deps, claims, {
    issued_token_type: ACCESS_TOKEN_TYPE,
    project: { reference: SANDBOX_PROJECT.reference },
    profile: { reference: subject.profile },
  });
}

/** The token route. */
export function tokenRoutes(deps: TokenDeps): Route[] {
  return [
    {
      method: 'POST',
      path: '/oauth2/token',
      handle: async (request) => {
        const type = request.headers.get('content-type') ?? '';
        if (!type.includes('application/x-www-form-urlencoded')) {
          return oauthError('invalid_request', 'send the token request as application/x-www-form-urlencoded');
        }
        const form = new URLSearchParams(await request.text());
        switch (form.get('grant_type')) {
          case 'authorization_code':
            return authorizationCode(deps, request, form);
          case 'refresh_token':
            return refreshToken(deps, request, form);
          case 'client_credentials':
            return clientCredentialsGrant(deps, request, form);
          case TOKEN_EXCHANGE_GRANT:
            return tokenExchange(deps, request, form);
          default:
            return oauthError('unsupported_grant_type', 'grant_type is missing or not supported');
        }
      },
    },
    {
      // MedplumClient.signOut posts here; tokens are stateless JWTs that simply expire.
      method: 'POST',
      path: '/oauth2/logout',
      handle: async () => json({}, 200, NO_STORE),
    },
  ];
}
