/**
 * The OAuth clients the sandbox knows: the Careloop SMART app (public, PKCE, redirects under `/app/`),
 * Careloop's Medplum ClientApplication (the token-exchange client) and the dev client for scripts
 * (confidential, client credentials; its secret is random per data folder).
 */

import { timingSafeEqual } from 'node:crypto';

/** The SMART app's client id at the sandbox EHR. */
export const SANDBOX_APP_CLIENT_ID = 'careloop-sandbox-app';
/** Careloop's ClientApplication on the Medplum side (fhir-resources/bots/client-applications). */
export const MEDPLUM_APP_CLIENT_ID = 'careloop-smart-app';
/** The dev client for scripts and tests. */
export const DEV_CLIENT_ID = 'careloop-dev';

/** A registered client. */
export interface OAuthClient {
  readonly clientId: string;
  readonly public: boolean;
  readonly grants: readonly string[];
  /** Whether `uri` is one of its redirect URIs. */
  allowsRedirect(uri: string): boolean;
}

/** The clients of a sandbox at `baseUrl` (read lazily: the port is known only after listening). */
export class ClientRegistry {
  constructor(
    private readonly baseUrl: () => string,
    private readonly devSecret: string,
  ) {}

  /** The origins the app may be served from: the base URL under both local host names. */
  private appPrefixes(): string[] {
    const url = new URL(this.baseUrl());
    const port = url.port ? `:${url.port}` : '';
    return [
      ...new Set([url.origin, `${url.protocol}//localhost${port}`, `${url.protocol}//127.0.0.1${port}`]),
    ].map((o) => `${o}/app/`);
  }

  /** The client named `clientId`, or undefined. */
  get(clientId: string | null | undefined): OAuthClient | undefined {
    switch (clientId) {
      case SANDBOX_APP_CLIENT_ID:
        return {
          clientId,
          public: true,
          grants: ['authorization_code', 'refresh_token'],
          allowsRedirect: (uri) => {
            let parsed: URL;
            try {
              parsed = new URL(uri);
            } catch {
              return false;
            }
            if (parsed.hash) return false;
            const normalized = `${parsed.origin}${parsed.pathname}`;
            return (
              this.appPrefixes().some((p) => normalized.startsWith(p)) && !parsed.pathname.includes('..')
            );
          },
        };
      case MEDPLUM_APP_CLIENT_ID:
        return {
          clientId,
          public: true,
          grants: ['urn:ietf:params:oauth:grant-type:token-exchange'],
          allowsRedirect: () => false,
        };
      case DEV_CLIENT_ID:
        return { clientId, public: false, grants: ['client_credentials'], allowsRedirect: () => false };
      default:
        return undefined;
    }
  }

  /** Whether `secret` is the confidential client's secret (constant time). */
  checkSecret(clientId: string, secret: string | undefined): boolean {
    if (clientId !== DEV_CLIENT_ID || !secret) return false;
    const a = Buffer.from(secret);
    const b = Buffer.from(this.devSecret);
    return a.length === b.length && timingSafeEqual(a, b);
  }
}
