/**
 * The few FHIR REST calls Careloop makes to an EHR, with a bearer token from SMART Backend Services.
 * Every URL must lie under the EHR's base: a `next` link or reference pointing elsewhere is refused, so the
 * token is never sent to another host. Errors carry the status and OperationOutcome issue codes only —
 * never response bodies, which may hold patient data.
 */

import type { Bundle, CapabilityStatement, OperationOutcome, Resource } from '@medplum/fhirtypes';
import { normalizeBase } from './mirrorIdentifiers';

/** A failed EHR request: the URL (without query), the status, and whether a later retry may succeed. */
export class EhrRequestError extends Error {
  readonly status: number | undefined;
  readonly retryable: boolean;

  constructor(message: string, details: { status?: number; retryable?: boolean } = {}) {
    super(message);
    this.name = 'EhrRequestError';
    this.status = details.status;
    this.retryable = details.retryable ?? false;
  }
}

/** Supplies access tokens; `refresh` asks for a new one after the EHR answered 401. */
export type TokenSource = (refresh: boolean) => Promise<string>;

/** A JSON body with its ETag, for writes that use If-Match. */
export interface EhrResponse<T> {
  readonly body: T;
  readonly etag: string | undefined;
}

/** A minimal FHIR client for one EHR. */
export class EhrFhirClient {
  /** The EHR's FHIR base URL, without a trailing slash. */
  readonly base: string;
  private readonly token: TokenSource;
  private readonly fetchImpl: typeof fetch;

  constructor(options: { base: string; token: TokenSource; fetchImpl?: typeof fetch }) {
    this.base = normalizeBase(options.base);
    this.token = options.token;
    this.fetchImpl = options.fetchImpl ?? fetch;
  }

  /** An absolute URL for `pathOrUrl` (relative to the base), or an error if it leaves the base. */
  resolve(pathOrUrl: string): string {
    const url = /^https?:\/\//i.test(pathOrUrl) ? pathOrUrl : `${this.base}/${pathOrUrl.replace(/^\/+/, '')}`;
    if (url !== this.base && !url.startsWith(`${this.base}/`) && !url.startsWith(`${this.base}?`)) {
      throw new EhrRequestError(
        `refusing to follow ${stripQuery(url)}: it is outside the EHR base ${this.base}`,
      );
    }
    return url;
  }

  /** GETs a resource or search Bundle. */
  async get<T extends Resource>(pathOrUrl: string): Promise<EhrResponse<T>> {
    return this.request<T>('GET', pathOrUrl);
  }

  /** GETs a search Bundle (one page). */
  async searchPage(pathOrUrl: string): Promise<Bundle> {
    const { body } = await this.get<Bundle>(pathOrUrl);
    if (body.resourceType !== 'Bundle') {
      throw new EhrRequestError(`search ${stripQuery(this.resolve(pathOrUrl))} did not return a Bundle`);
    }
    return body;
  }

  /** The EHR's CapabilityStatement (`/metadata`). */
  async capabilities(): Promise<CapabilityStatement> {
    return (await this.get<CapabilityStatement>('metadata')).body;
  }

  /** PUTs a resource, guarded by If-Match when an ETag is given. */
  async update<T extends Resource>(resource: T & { id: string }, etag?: string): Promise<EhrResponse<T>> {
    return this.request<T>('PUT', `${resource.resourceType}/${resource.id}`, {
      body: JSON.stringify(resource),
      contentType: 'application/fhir+json',
      ...(etag ? { ifMatch: etag } : {}),
    });
  }

  /** Applies a JSON Patch to a resource, guarded by If-Match when an ETag is given. */
  async patch<T extends Resource>(
    path: string,
    operations: readonly unknown[],
    etag?: string,
  ): Promise<EhrResponse<T>> {
    return this.request<T>('PATCH', path, {
      body: JSON.stringify(operations),
      contentType: 'application/json-patch+json',
      ...(etag ? { ifMatch: etag } : {}),
    });
  }

  private async request<T>(
    method: string,
    pathOrUrl: string,
    write?: { body: string; contentType: string; ifMatch?: string },
  ): Promise<EhrResponse<T>> {
    const url = this.resolve(pathOrUrl);
    let response = await this.send(method, url, write, false);
    if (response.status === 401) {
      // Tokens can expire or be revoked mid-run; one fresh token is worth a retry, a second 401 is not.
      response = await this.send(method, url, write, true);
    }
    const text = await response.text();
    let body: unknown;
    try {
      body = text === '' ? undefined : JSON.parse(text);
    } catch {
      body = undefined;
    }
    if (!response.ok) {
      const codes = issueCodes(body);
      throw new EhrRequestError(
        `EHR ${method} ${stripQuery(url)} answered HTTP ${response.status}${codes ? ` (${codes})` : ''}`,
        { status: response.status, retryable: response.status === 429 || response.status >= 500 },
      );
    }
    if (method === 'GET' && (typeof body !== 'object' || body === null)) {
      throw new EhrRequestError(
        `EHR GET ${stripQuery(url)} answered HTTP ${response.status} without a JSON body`,
        {
          status: response.status,
        },
      );
    }
    return { body: body as T, etag: response.headers.get('etag') ?? undefined };
  }

  private async send(
    method: string,
    url: string,
    write: { body: string; contentType: string; ifMatch?: string } | undefined,
    refresh: boolean,
  ): Promise<Response> {
    const token = await this.token(refresh);
    const headers: Record<string, string> = {
      accept: 'application/fhir+json',
      authorization: `Bearer ${token}`,
    };
    if (write) {
      headers['content-type'] = write.contentType;
      if (write.ifMatch) headers['if-match'] = write.ifMatch;
    }
    try {
      return await this.fetchImpl(url, { method, headers, ...(write ? { body: write.body } : {}) });
    } catch (err) {
      throw new EhrRequestError(`could not reach the EHR at ${stripQuery(url)}: ${(err as Error).message}`, {
        retryable: true,
      });
    }
  }
}

function stripQuery(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : `${url.slice(0, q)}?…`;
}

function issueCodes(body: unknown): string | undefined {
  const outcome = body as OperationOutcome | undefined;
  if (outcome?.resourceType !== 'OperationOutcome') {
    return undefined;
  }
  const codes = (outcome.issue ?? []).map((i) => i.code).filter(Boolean);
  return codes.length > 0 ? codes.join(', ') : undefined;
}
