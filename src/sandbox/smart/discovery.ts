/**
 * SMART discovery: `/.well-known/smart-configuration` under both FHIR bases (one authorization server
 * serves both), the JWKS that verifies the sandbox's tokens, and an OpenID configuration for clients that
 * look for one. PKCE is S256 only: `plain` is never advertised nor accepted.
 */

import type { Route } from '../context';
import { json } from '../server/responses';
import { publicJwk } from './jwt';
import type { SandboxSecrets } from './keys';

/** The URLs discovery names. */
export interface SmartUrls {
  readonly baseUrl: () => string;
}

/** The request's origin when it is this sandbox under another local name, else `baseUrl`. */
function sameSandboxOrigin(request: Request, baseUrl: string): string {
  const origin = new URL(request.url).origin;
  const base = new URL(baseUrl);
  const url = new URL(origin);
  const local = url.hostname === 'localhost' || url.hostname === '127.0.0.1';
  return local && url.port === base.port && url.protocol === base.protocol ? origin : baseUrl;
}

/** The SMART configuration document. */
export function smartConfiguration(baseUrl: string, origin: string = baseUrl): Record<string, unknown> {
  // Endpoints on the host name the client used (localhost or 127.0.0.1), so a browser stays on one origin.
  return {
    issuer: baseUrl,
    jwks_uri: `${origin}/.well-known/jwks.json`,
    authorization_endpoint: `${origin}/oauth2/authorize`,
    token_endpoint: `${origin}/oauth2/token`,
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'none'],
    grant_types_supported: [
      'authorization_code',
      'refresh_token',
      'client_credentials',
      'urn:ietf:params:oauth:grant-type:token-exchange',
    ],
    response_types_supported: ['code'],
    scopes_supported: [
      'openid',
      'fhirUser',
      'launch',
      'launch/patient',
      'online_access',
      'offline_access',
      'patient/*.rs',
      'patient/Patient.rs',
      'patient/Appointment.rs',
      'user/*.rs',
      'system/*.cruds',
    ],
    code_challenge_methods_supported: ['S256'],
    capabilities: [
      'launch-ehr',
      'launch-standalone',
      'client-public',
      'client-confidential-symmetric',
      'context-ehr-patient',
      'context-standalone-patient',
      'context-passthrough-banner',
      'permission-offline',
      'permission-online',
      'permission-patient',
      'permission-user',
      'permission-v1',
      'permission-v2',
      'sso-openid-connect',
    ],
  };
}

/** The discovery routes for FHIR bases at `fhirPaths` (e.g. `/fhir/R4`, `/ehr/fhir`). */
export function discoveryRoutes(
  urls: SmartUrls,
  secrets: SandboxSecrets,
  fhirPaths: readonly string[],
): Route[] {
  const config: Route['handle'] = async (request) =>
    json(smartConfiguration(urls.baseUrl(), sameSandboxOrigin(request, urls.baseUrl())));
  return [
    ...fhirPaths.map((p): Route => ({
      method: 'GET',
      path: `${p}/.well-known/smart-configuration`,
      handle: config,
    })),
    {
      method: 'GET',
      path: '/.well-known/jwks.json',
      handle: async () => json({ keys: [publicJwk(secrets.publicKey, secrets.kid)] }),
    },
    {
      method: 'GET',
      path: '/.well-known/openid-configuration',
      handle: async () => {
        const base = urls.baseUrl();
        return json({
          ...smartConfiguration(base),
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['RS256'],
        });
      },
    },
  ];
}
