/**
 * Starts a sandbox for one test file: a free port, a fresh temporary data folder, no app, and (unless
 * asked) no bot runtime, so each file tests the server parts on their own. Helpers get tokens the way a
 * script would (the dev client at the token endpoint).
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox, type RunningSandbox, type StartSandboxOptions } from '../../src/sandbox/start';

/** A Monday morning, Chicago time, inside every send window. */
export const TEST_NOW = new Date('2026-11-30T15:00:00Z');

/** A temporary data folder; remove it with `removeDataDir`. */
export function tempDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'careloop-sandbox-test-'));
}

/** Deletes a temporary data folder. */
export function removeDataDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Starts a sandbox in `dataDir` for tests (quiet, no app, no bots unless `bots: true`). */
export function startTestSandbox(
  dataDir: string,
  options: Partial<StartSandboxOptions> = {},
): Promise<RunningSandbox> {
  return startSandbox({
    port: 0,
    dataDir,
    app: 'none',
    bots: false,
    now: TEST_NOW,
    log: () => undefined,
    ...options,
  });
}

/** A dev-client access token (client credentials with a Basic header). */
export async function devToken(sandbox: RunningSandbox, scope?: string): Promise<string> {
  const { clientId, clientSecret } = sandbox.devClient;
  const response = await fetch(sandbox.urls.tokenEndpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
    },
    body: new URLSearchParams({ grant_type: 'client_credentials', ...(scope ? { scope } : {}) }),
  });
  const body = (await response.json()) as { access_token?: string };
  if (!response.ok || !body.access_token) throw new Error(`dev token failed: ${response.status}`);
  return body.access_token;
}

/** fetch with a Bearer token and FHIR JSON. */
export function fhirFetch(url: string, token: string | undefined, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (token) headers.set('authorization', `Bearer ${token}`);
  if (init.body && !headers.has('content-type')) headers.set('content-type', 'application/fhir+json');
  return fetch(url, { ...init, headers });
}

/** A PKCE verifier and its S256 challenge. */
export async function pkcePair(): Promise<{ verifier: string; challenge: string }> {
  const { createHash, randomBytes } = await import('node:crypto');
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}
