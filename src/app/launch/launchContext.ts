/**
 * The runtime launch configuration (`launch-context.json`, served next to the app): which EHRs may launch
 * Careloop, with the client id and scopes registered at each, and how to reach the practice's Medplum
 * project. One build serves several EHRs; changing an EHR is an edit of this file, not a rebuild.
 * Kept free of imports so the launch page stays small.
 */

/** How the app reaches Medplum after the EHR launch. */
export interface MedplumConnectionConfig {
  /** Medplum base URL, ending in `/`. */
  readonly baseUrl: string;
  /**
   * `exchange`: a separate Medplum project, reached by exchanging the EHR's access token
   * (`exchangeExternalAccessToken`); `same-token`: Medplum accepts the EHR's token as it is.
   */
  readonly mode: 'exchange' | 'same-token';
  /** The Medplum ClientApplication id the exchange is made for. */
  readonly clientId?: string;
  /** True when the EHR and Medplum bases serve one store (the sandbox): a patient has one id in both. */
  readonly sharesEhrStore: boolean;
  /** The practice's Organization in Medplum (`Organization/<id>`), whose settings the app applies. */
  readonly organization?: string;
}

/** One EHR that may launch the app. */
export interface IssuerConfig {
  /** The EHR's FHIR base URL, as it sends it in `iss`. */
  readonly iss: string;
  readonly clientId: string;
  /** Scopes of an EHR launch (SMART v2, least privilege). */
  readonly scope: string;
  /** Scopes of a standalone launch (a coordinator signing in without a patient). */
  readonly standaloneScope: string;
  readonly medplum: MedplumConnectionConfig;
  /**
   * Optional URL answering `{ "now": "<ISO instant>" }`: a test system (the sandbox) whose clock runs ahead
   * of the wall clock. The app then plans and shows times by that clock. Absent in production.
   */
  readonly clockUrl?: string;
}

/** The whole file. */
export interface LaunchContext {
  readonly issuers: readonly IssuerConfig[];
}

/** Raised for a launch-context.json that cannot be used; the message says what is wrong and where. */
export class LaunchConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LaunchConfigError';
  }
}

/** Raised when the EHR that launched the app is not in launch-context.json. */
export class UnknownIssuerError extends Error {
  readonly iss: string;
  constructor(iss: string, known: readonly string[]) {
    super(
      `This EHR (${iss}) is not registered with this Careloop installation. Registered: ${known.join(', ') || 'none'}.`,
    );
    this.name = 'UnknownIssuerError';
    this.iss = iss;
  }
}

function str(value: unknown, where: string, optional = false): string | undefined {
  if (value === undefined && optional) {
    return undefined;
  }
  if (typeof value !== 'string' || value.trim() === '') {
    throw new LaunchConfigError(`${where} must be a non-empty string`);
  }
  return value.trim();
}

function url(value: unknown, where: string): string {
  const s = str(value, where) ?? '';
  try {
    const u = new URL(s);
    if (u.protocol !== 'https:' && u.protocol !== 'http:') {
      throw new Error('not http(s)');
    }
  } catch {
    throw new LaunchConfigError(`${where} must be an absolute http(s) URL, got "${s}"`);
  }
  return s;
}

function scopes(value: unknown, where: string): string {
  const s = str(value, where) ?? '';
  // v1 scopes (`patient/*.read`) would ask for more than the app needs and mix versions at one EHR.
  const v1 = s.split(/\s+/).find((x) => /\.(read|write|\*)$/.test(x) || x.includes('/*.'));
  if (v1) {
    throw new LaunchConfigError(
      `${where}: "${v1}" is a SMART v1 or wildcard scope; use v2 scopes (e.g. patient/Patient.rs)`,
    );
  }
  return s.split(/\s+/).join(' ');
}

/** Trims one trailing slash so `https://ehr/fhir/` and `https://ehr/fhir` compare equal. */
export function sameIssuer(a: string, b: string): boolean {
  return a.replace(/\/+$/, '') === b.replace(/\/+$/, '');
}

/** Validates a parsed launch-context.json; throws LaunchConfigError naming the first problem. */
export function parseLaunchContext(json: unknown): LaunchContext {
  if (typeof json !== 'object' || json === null || !Array.isArray((json as { issuers?: unknown }).issuers)) {
    throw new LaunchConfigError('launch-context.json must be an object with an "issuers" array');
  }
  const list = (json as { issuers: unknown[] }).issuers;
  if (list.length === 0) {
    throw new LaunchConfigError('launch-context.json lists no issuers');
  }
  const issuers = list.map((raw, i): IssuerConfig => {
    const where = `issuers[${i}]`;
    if (typeof raw !== 'object' || raw === null) {
      throw new LaunchConfigError(`${where} must be an object`);
    }
    const r = raw as Record<string, unknown>;
    const m = r['medplum'];
    if (typeof m !== 'object' || m === null) {
      throw new LaunchConfigError(`${where}.medplum must be an object`);
    }
    const mp = m as Record<string, unknown>;
    const mode = mp['mode'];
    if (mode !== 'exchange' && mode !== 'same-token') {
      throw new LaunchConfigError(`${where}.medplum.mode must be "exchange" or "same-token"`);
    }
    const clientId = str(mp['clientId'], `${where}.medplum.clientId`, mode === 'same-token');
    const organization = str(mp['organization'], `${where}.medplum.organization`, true);
    if (organization && !/^Organization\/[A-Za-z0-9.-]{1,64}$/.test(organization)) {
      throw new LaunchConfigError(`${where}.medplum.organization must look like "Organization/<id>"`);
    }
    const baseUrl = url(mp['baseUrl'], `${where}.medplum.baseUrl`);
    const clockUrl = r['clockUrl'] === undefined ? undefined : url(r['clockUrl'], `${where}.clockUrl`);
    return {
      iss: url(r['iss'], `${where}.iss`),
      clientId: str(r['clientId'], `${where}.clientId`) ?? '',
      scope: scopes(r['scope'], `${where}.scope`),
      standaloneScope: scopes(r['standaloneScope'] ?? 'openid fhirUser', `${where}.standaloneScope`),
      ...(clockUrl ? { clockUrl } : {}),
      medplum: {
        baseUrl: baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`,
        mode,
        ...(clientId ? { clientId } : {}),
        sharesEhrStore: mp['sharesEhrStore'] === true,
        ...(organization ? { organization } : {}),
      },
    };
  });
  return { issuers };
}

/** The configuration of `iss`; throws UnknownIssuerError when it is not registered. */
export function issuerConfig(context: LaunchContext, iss: string): IssuerConfig {
  const found = context.issuers.find((x) => sameIssuer(x.iss, iss));
  if (!found) {
    throw new UnknownIssuerError(
      iss,
      context.issuers.map((x) => x.iss),
    );
  }
  return found;
}

/** Fetches and validates launch-context.json next to the page; a missing or broken file is a LaunchConfigError. */
export async function loadLaunchContext(href = './launch-context.json'): Promise<LaunchContext> {
  let response: Response;
  try {
    response = await fetch(href, { cache: 'no-store' });
  } catch (err) {
    throw new LaunchConfigError(`launch-context.json could not be fetched: ${(err as Error).message}`);
  }
  if (!response.ok) {
    throw new LaunchConfigError(`launch-context.json could not be fetched (HTTP ${response.status})`);
  }
  let json: unknown;
  try {
    json = await response.json();
  } catch {
    throw new LaunchConfigError('launch-context.json is not valid JSON');
  }
  return parseLaunchContext(json);
}
