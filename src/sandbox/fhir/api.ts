/**
 * A FHIR REST base over the store, in Route terms: `/metadata` without a token, everything else through
 * Medplum's FhirRouter (read, vread, search incl. POST `_search`, create, conditional create, update,
 * If-Match, patch, delete, history, batch and transaction) against the store as the caller may see it.
 * Medplum's paging is kept: 20 results unless `_count` says otherwise (at most 1000), with `link[next]`.
 */

import { getStatus, isOk, OperationOutcomeError } from '@medplum/core';
import type { FhirRepository, FhirRequest, FhirRouter, HttpMethod } from '@medplum/fhir-router';
import type { Bundle, CapabilityStatement, OperationOutcome, Resource } from '@medplum/fhirtypes';
import type { IncomingHttpHeaders } from 'node:http';
import type { Route } from '../context';
import { fhirJson, outcomeResponse } from '../server/responses';
import type { AccessRule } from './access';
import { ScopedRepository } from './scopedRepository';
import type { SandboxStore } from './store';

/** Default and largest page size, as on Medplum. */
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 1000;

/** How a request is authorized: full access (`rule` undefined), a rule, or a refusal to send as is. */
export type FhirAuthorization = { readonly rule?: AccessRule } | Response;

/** What a FHIR base needs. */
export interface FhirBaseOptions {
  /** Path of the base, e.g. `/fhir/R4`. */
  readonly basePath: string;
  /** Absolute URL of the base (links, fullUrl, Location). */
  readonly baseUrl: () => string;
  readonly router: FhirRouter;
  readonly store: SandboxStore;
  readonly authorize: (request: Request) => Promise<FhirAuthorization>;
  readonly capability: () => CapabilityStatement;
  /** Extra routes under the base that take precedence (e.g. `.well-known/smart-configuration`). */
  readonly extra?: readonly Route[];
  readonly log?: (line: string) => void;
}

/**
 * The repository with its unexpected failures made into 500s. The router turns any thrown error into a
 * 400 carrying the error's message; a bug in the store is not the client's fault, and its message may
 * hold resource content, so it becomes "internal error" and only its kind is logged.
 */
function guarded(repo: FhirRepository, log: (line: string) => void): FhirRepository {
  const fail = (err: unknown): never => {
    if (err instanceof OperationOutcomeError) throw err;
    log(`sandbox: FHIR store failure: ${(err as Error)?.name ?? 'Error'}`);
    throw new OperationOutcomeError({
      resourceType: 'OperationOutcome',
      issue: [
        {
          severity: 'error',
          code: 'exception',
          details: { text: 'internal error in the sandbox; see its log' },
        },
      ],
    });
  };
  return new Proxy(repo, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]): unknown => {
        try {
          const result: unknown = (value as (...a: unknown[]) => unknown).apply(target, args);
          return result instanceof Promise ? result.catch(fail) : result;
        } catch (err) {
          return fail(err);
        }
      };
    },
  });
}

const METHODS: ReadonlySet<string> = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

function headerRecord(headers: Headers): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  headers.forEach((value, name) => {
    out[name] = value;
  });
  return out;
}

/** Reads the request body as the router wants it; a Response when it is malformed. */
async function readBody(request: Request, isSearch: boolean): Promise<unknown> {
  const text = await request.text();
  const type = (request.headers.get('content-type') ?? '').toLowerCase();
  if (isSearch || type.includes('application/x-www-form-urlencoded')) {
    const params = new URLSearchParams(text);
    const out: Record<string, string | string[]> = {};
    for (const key of new Set(params.keys())) {
      const all = params.getAll(key);
      out[key] = all.length === 1 ? (all[0] ?? '') : all;
    }
    return out;
  }
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return outcomeResponse(400, 'the request body is not valid JSON');
  }
}

/** Applies Medplum's default and maximum page size to a type-level search query. */
function pagedSearch(search: URLSearchParams): URLSearchParams {
  const out = new URLSearchParams(search);
  if (out.get('_summary') === 'count') {
    // Only the total, as on Medplum.
    out.delete('_summary');
    out.set('_count', '0');
    return out;
  }
  const count = Number(out.get('_count'));
  if (!out.has('_count') || !Number.isFinite(count) || count < 0) {
    out.set('_count', String(DEFAULT_PAGE_SIZE));
  } else if (count > MAX_PAGE_SIZE) {
    out.set('_count', String(MAX_PAGE_SIZE));
  }
  return out;
}

function withSearchLinks(bundle: Bundle, base: string, path: string, query: URLSearchParams): Bundle {
  const count = Number(query.get('_count') ?? DEFAULT_PAGE_SIZE);
  const offset = Number(query.get('_offset') ?? 0);
  const self = `${base}/${path}?${query.toString()}`;
  const link: Bundle['link'] = [{ relation: 'self', url: self }];
  if (bundle.total !== undefined && count > 0 && offset + count < bundle.total) {
    const next = new URLSearchParams(query);
    next.set('_offset', String(offset + count));
    link.push({ relation: 'next', url: `${base}/${path}?${next.toString()}` });
  }
  if (offset > 0) {
    const previous = new URLSearchParams(query);
    previous.set('_offset', String(Math.max(0, offset - count)));
    link.push({ relation: 'previous', url: `${base}/${path}?${previous.toString()}` });
  }
  return { ...bundle, link, entry: withFullUrls(bundle.entry, base, 'match') };
}

function withFullUrls(entry: Bundle['entry'], base: string, mode?: 'match'): Bundle['entry'] {
  return entry?.map((e) => ({
    ...(e.resource?.id ? { fullUrl: `${base}/${e.resource.resourceType}/${e.resource.id}` } : {}),
    ...e,
    ...(mode && !e.search ? { search: { mode } } : {}),
  }));
}

function resourceHeaders(resource: Resource, base: string, status: number): Record<string, string> {
  const headers: Record<string, string> = {};
  if (resource.meta?.versionId) headers.etag = `W/"${resource.meta.versionId}"`;
  if (resource.meta?.lastUpdated)
    headers['last-modified'] = new Date(resource.meta.lastUpdated).toUTCString();
  if (status === 201 && resource.id) {
    headers.location = `${base}/${resource.resourceType}/${resource.id}/_history/${resource.meta?.versionId ?? ''}`;
  }
  return headers;
}

/** The routes of one FHIR base. */
export function fhirBaseRoutes(options: FhirBaseOptions): Route[] {
  const handle = async (request: Request, params: Readonly<Record<string, string>>): Promise<Response> => {
    const path = (params['*'] ?? '').replace(/\/+$/, '');
    const url = new URL(request.url);
    const base = options.baseUrl();
    if (path === 'metadata' && request.method === 'GET') {
      return fhirJson(options.capability());
    }
    if (!METHODS.has(request.method)) {
      return outcomeResponse(405, `${request.method} is not a FHIR interaction`);
    }
    const auth = await options.authorize(request);
    if (auth instanceof Response) return auth;

    const isPostSearch = request.method === 'POST' && path.endsWith('/_search');
    const body =
      request.method === 'GET' || request.method === 'DELETE'
        ? undefined
        : await readBody(request, isPostSearch);
    if (body instanceof Response) return body;

    const segments = path === '' ? [] : path.split('/');
    const isTypeSearch = request.method === 'GET' && segments.length === 1 && !segments[0]?.startsWith('$');
    let query = url.searchParams;
    if (isTypeSearch || (request.method === 'GET' && segments.length === 0 && query.has('_type'))) {
      query = pagedSearch(query);
    }
    let searchBody = body;
    if (isPostSearch && body && typeof body === 'object') {
      const merged = pagedSearch(new URLSearchParams(body as Record<string, string>));
      searchBody = Object.fromEntries(merged.entries());
      query = merged;
    }
    const queryString = query.toString();
    const fhirRequest: FhirRequest = {
      method: request.method as HttpMethod,
      url: queryString ? `${path}?${queryString}` : path,
      pathname: '',
      body: searchBody,
      params: {},
      query: {},
      headers: headerRecord(request.headers),
    };
    const repo = guarded(
      auth.rule ? new ScopedRepository(options.store, auth.rule) : options.store,
      options.log ?? (() => undefined),
    );
    const [outcome, resource] = await options.router.handleRequest(fhirRequest, repo);
    const status = getStatus(outcome);
    if (!resource) {
      return fhirJson(outcome, status);
    }
    if (!isOk(outcome) && resource.resourceType !== 'Bundle') {
      return fhirJson(outcome, status);
    }
    let out: Resource = resource;
    if (resource.resourceType === 'Bundle') {
      const bundle = resource as Bundle;
      if (bundle.type === 'searchset') {
        const searchPath = isPostSearch ? path.replace(/\/_search$/, '') : path;
        out = withSearchLinks(bundle, base, searchPath, query);
      } else if (bundle.type === 'history') {
        out = { ...bundle, entry: withFullUrls(bundle.entry, base) };
      }
    }
    return fhirJson(out, status, resourceHeaders(out, base, status));
  };

  const route = (method: Route['method'], path: string): Route => ({ method, path, handle });
  return [...(options.extra ?? []), route('*', `${options.basePath}/*`)];
}

/** A 401 in FHIR terms with the Bearer challenge. */
export function unauthorizedResponse(message: string): Response {
  return outcomeResponse(401, message, { 'www-authenticate': 'Bearer realm="careloop-sandbox"' });
}

/** A 403 in FHIR terms. */
export function forbiddenResponse(message: string): Response {
  return outcomeResponse(403, message);
}

/** Re-exported for callers that build their own outcomes. */
export type { OperationOutcome };
