/**
 * Paged searches for the scheduled bots: one page at a time so a run never loads a whole table, following
 * the server's `link[next]` (offset or cursor, whichever the server chose).
 */

import type { MedplumClient } from '@medplum/core';
import type { Bundle, ExtractResource, Resource, ResourceType } from '@medplum/fhirtypes';

/**
 * Yields the matches of a search a page at a time. Follows `link[next]`; a server that answers a full page
 * without one (Medplum's MockClient, some proxies) is paged with `_offset` instead, so the caller never
 * silently stops after the first page.
 */
export async function* searchPages<K extends ResourceType>(
  medplum: MedplumClient,
  resourceType: K,
  params: Record<string, string>,
  pageSize: number,
): AsyncGenerator<ExtractResource<K>[], void, undefined> {
  let query = new URLSearchParams({ ...params, _count: String(pageSize) });
  let offset = 0;
  for (;;) {
    const bundle: Bundle = await medplum.search(resourceType, query, { cache: 'no-cache' });
    const page = matches<K>(bundle, resourceType);
    if (page.length > 0) {
      yield page;
    }
    const next = bundle.link?.find((l) => l.relation === 'next')?.url;
    if (next) {
      query = new URL(next).searchParams;
      continue;
    }
    const returned = (bundle.entry ?? []).filter((e) => e.search?.mode !== 'include').length;
    offset += returned;
    if (returned < pageSize || returned === 0 || (bundle.total !== undefined && offset >= bundle.total)) {
      return;
    }
    query = new URLSearchParams(query);
    query.set('_offset', String(offset));
  }
}

/** Every match of a search, read page by page; for searches bounded by their filters (one page of patients). */
export async function searchAll<K extends ResourceType>(
  medplum: MedplumClient,
  resourceType: K,
  params: Record<string, string>,
  pageSize = 1000,
): Promise<ExtractResource<K>[]> {
  const all: ExtractResource<K>[] = [];
  for await (const page of searchPages(medplum, resourceType, params, pageSize)) {
    all.push(...page);
  }
  return all;
}

/**
 * Searches `param` for many values (`a,b,c`) in chunks, so the query string stays well under the URL
 * limits of servers and proxies however many values a page produces.
 */
export async function searchByValues<K extends ResourceType>(
  medplum: MedplumClient,
  resourceType: K,
  param: string,
  values: readonly string[],
  extra: Record<string, string> = {},
  chunkSize = 40,
): Promise<ExtractResource<K>[]> {
  const unique = [...new Set(values)].filter((v) => v !== '');
  const out: ExtractResource<K>[] = [];
  for (let i = 0; i < unique.length; i += chunkSize) {
    const chunk = unique.slice(i, i + chunkSize).map((v) => v.replace(/,/g, '\\,'));
    out.push(...(await searchAll(medplum, resourceType, { ...extra, [param]: chunk.join(',') })));
  }
  return out;
}

function matches<K extends ResourceType>(bundle: Bundle, resourceType: K): ExtractResource<K>[] {
  return (bundle.entry ?? [])
    .filter((e) => e.search?.mode !== 'include')
    .map((e) => e.resource)
    .filter((r): r is Resource => r?.resourceType === resourceType) as ExtractResource<K>[];
}
