/**
 * The ways a launch can fail that a user must be told about, each with a way forward. Errors from
 * fhirclient, Medplum and the network are classified into these once, so every screen is consistent.
 */

import { LaunchConfigError, UnknownIssuerError } from '../launch/launchContext';

/** What went wrong, as the user sees it. */
export type LaunchProblemKind =
  | 'no-launch'
  | 'session-expired'
  | 'scope-denied'
  | 'ehr-unreachable'
  | 'medplum-unreachable'
  | 'patient-not-found'
  | 'bad-config'
  | 'unknown-issuer';

/** An error with the problem kind the app shows a screen for. */
export class LaunchProblem extends Error {
  readonly kind: LaunchProblemKind;
  constructor(kind: LaunchProblemKind, message: string) {
    super(message);
    this.name = 'LaunchProblem';
    this.kind = kind;
  }
}

function statusOf(err: unknown): number | undefined {
  const e = err as { status?: number; statusCode?: number; response?: { status?: number } };
  return e.status ?? e.statusCode ?? e.response?.status;
}

/** True for errors that mean the network or server did not answer (not a refusal). */
export function isUnreachable(err: unknown): boolean {
  const message = (err as Error)?.message ?? '';
  const status = statusOf(err);
  return (
    err instanceof TypeError ||
    /failed to fetch|network|load failed|ECONNREFUSED|timed? ?out/i.test(message) ||
    (status !== undefined && status >= 500)
  );
}

/** True for errors that mean the access token is no longer accepted. */
export function isExpired(err: unknown): boolean {
  const message = (err as Error)?.message ?? '';
  return statusOf(err) === 401 || /unauthori[sz]ed|expired|invalid_grant|invalid token/i.test(message);
}

/**
 * Classifies an error from `FHIR.oauth2.ready()` (or the first EHR request). `search` is the page's query
 * string: an authorization server that refuses sends `error=access_denied` back to the redirect URI.
 */
export function classifyEhrError(err: unknown, search: string): LaunchProblem {
  if (err instanceof LaunchProblem) {
    return err;
  }
  if (err instanceof LaunchConfigError) {
    return new LaunchProblem('bad-config', err.message);
  }
  if (err instanceof UnknownIssuerError) {
    return new LaunchProblem('unknown-issuer', err.message);
  }
  const params = new URLSearchParams(search);
  const oauthError = params.get('error');
  if (oauthError) {
    const description = params.get('error_description') ?? oauthError;
    return oauthError === 'access_denied' || oauthError === 'invalid_scope'
      ? new LaunchProblem('scope-denied', description)
      : new LaunchProblem('ehr-unreachable', description);
  }
  const message = (err as Error)?.message ?? String(err);
  if (/no 'state' parameter|no state found|relaunch|state.*not found|no.*session/i.test(message)) {
    return new LaunchProblem('no-launch', message);
  }
  if (isExpired(err)) {
    return new LaunchProblem('session-expired', message);
  }
  if (isUnreachable(err)) {
    return new LaunchProblem('ehr-unreachable', message);
  }
  return new LaunchProblem('ehr-unreachable', message);
}

/** Classifies an error from Medplum (token exchange or the first request). */
export function classifyMedplumError(err: unknown): LaunchProblem {
  if (err instanceof LaunchProblem) {
    return err;
  }
  const message = (err as Error)?.message ?? String(err);
  const status = statusOf(err);
  if (status === 403 || /forbidden|access denied|not allowed/i.test(message)) {
    return new LaunchProblem('scope-denied', `Careloop's server refused access: ${message}`);
  }
  if (isExpired(err)) {
    return new LaunchProblem('session-expired', message);
  }
  return new LaunchProblem('medplum-unreachable', message);
}

/**
 * Checks the granted scopes against the ones the app needs for an EHR launch. A server may grant less than
 * asked (the user unticked a box); without read access to the patient the panel cannot work.
 */
export function missingScopes(requested: string, granted: string | undefined): string[] {
  if (granted === undefined) {
    return [];
  }
  const have = new Set(granted.split(/\s+/));
  const readable = (scope: string): boolean => {
    const m = /^(patient|user)\/([A-Za-z*]+)\.([cruds]+)$/.exec(scope);
    if (!m) {
      return have.has(scope);
    }
    const [, , type, perms] = m;
    // A broader grant (user/ for patient/, cruds for rs) satisfies the need.
    return [...have].some((g) => {
      const gm = /^(patient|user|system)\/([A-Za-z*]+)\.([cruds]+|read|\*)$/.exec(g);
      if (!gm) return false;
      const typeOk = gm[2] === type || gm[2] === '*';
      const permsOk =
        gm[3] === '*' || gm[3] === 'read' ? true : [...(perms ?? '')].every((p) => gm[3]?.includes(p));
      return typeOk && permsOk;
    });
  };
  return requested
    .split(/\s+/)
    .filter((s) => /^(patient|user)\//.test(s))
    .filter((s) => !readable(s));
}
