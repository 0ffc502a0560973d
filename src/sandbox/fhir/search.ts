/**
 * Search over the store's resources of one type, as MemoryRepository does it (Medplum's own
 * `matchesSearchRequest`), but cheaper where the sandbox feels it: sort keys are computed once per
 * resource (not per comparison), the first `_sort` rule is the primary one, only the returned page is
 * copied, `_id` is a direct lookup, and `_include` / `_revinclude` are answered (search mode `include`).
 */

import {
  convertToSearchableReferences,
  convertToSearchableTokens,
  deepClone,
  evalFhirPath,
  evalFhirPathTyped,
  getSearchParameter,
  matchesSearchRequest,
  Operator,
  splitSearchOnComma,
  toTypedValue,
  type Filter,
  type IncludeTarget,
  type SearchRequest,
} from '@medplum/core';
import type { Bundle, BundleEntry, Resource } from '@medplum/fhirtypes';

/**
 * Token and reference values per stored resource version and parameter. The repository replaces the
 * stored object on every write, so a WeakMap keyed by it never serves a stale value.
 */
const valueCache = new WeakMap<Resource, Map<string, readonly string[]>>();

/** `system|value` tokens (lower case) or reference strings of a parameter, computed once per version. */
function indexedValues(resource: Resource, code: string, type: 'token' | 'reference'): readonly string[] {
  let byCode = valueCache.get(resource);
  if (!byCode) {
    byCode = new Map();
    valueCache.set(resource, byCode);
  }
  const cached = byCode.get(code);
  if (cached) return cached;
  const param = getSearchParameter(resource.resourceType, code);
  const typed = param?.expression ? evalFhirPathTyped(param.expression, [toTypedValue(resource)]) : [];
  const values =
    type === 'reference'
      ? convertToSearchableReferences(typed).filter((r): r is string => typeof r === 'string')
      : convertToSearchableTokens(typed).map(
          (t) => `${(t.system ?? '').toLowerCase()}|${(t.value ?? '').toLowerCase()}`,
        );
  byCode.set(code, values);
  return values;
}

/** Whether a token filter value (`code`, `system|code`, `|code`, `system|`) matches one indexed token. */
function tokenMatches(token: string, filterValue: string): boolean {
  const bar = token.indexOf('|');
  const system = token.slice(0, bar);
  const value = token.slice(bar + 1);
  if (!filterValue.includes('|')) return value !== '' && value === filterValue.toLowerCase();
  const [fs = '', fv = ''] = filterValue.split('|').map((x) => x.toLowerCase());
  if (!fs && !fv) return false;
  if (!fs) return system === '' && value === fv;
  return system === fs && (!fv || value === fv);
}

/** A filter the index answers exactly (equality on a token or reference parameter), with its kind. */
function fastKind(resourceType: string, filter: Filter): 'token' | 'reference' | undefined {
  if (filter.operator !== Operator.EQUALS || filter.value === '') return undefined;
  const type = getSearchParameter(resourceType, filter.code)?.type;
  return type === 'token' || type === 'reference' ? type : undefined;
}

function matchesFast(resource: Resource, filter: Filter, kind: 'token' | 'reference'): boolean {
  const values = indexedValues(resource, filter.code, kind);
  const wanted = splitSearchOnComma(filter.value);
  if (kind === 'reference') {
    return wanted.some(
      // FHIR allows a bare id (`patient=123`) for a reference parameter.
      (w) => values.includes(w) || (!w.includes('/') && values.some((v) => v.endsWith(`/${w}`))),
    );
  }
  return wanted.some((w) => values.some((token) => tokenMatches(token, w)));
}

function sortKey(resource: Resource, code: string): string {
  const param = getSearchParameter(resource.resourceType, code);
  if (!param?.expression) return '';
  return JSON.stringify(evalFhirPath(param.expression, resource));
}

function referencesOf(resource: Resource, code: string): string[] {
  const param = getSearchParameter(resource.resourceType, code);
  if (!param?.expression) return [];
  return evalFhirPath(param.expression, resource).flatMap((v) => {
    const ref = (v as { reference?: unknown } | undefined)?.reference;
    return typeof ref === 'string' ? [ref] : [];
  });
}

/** The candidates of a search: all of the type, or the one resource an `_id` equality names. */
function candidates(
  byId: ReadonlyMap<string, Resource> | undefined,
  request: SearchRequest,
): Iterable<Resource> {
  if (!byId) return [];
  const idFilter = request.filters?.find((f) => f.code === '_id' && f.operator === Operator.EQUALS);
  if (idFilter) {
    return idFilter.value
      .split(',')
      .map((id) => byId.get(id))
      .filter((r): r is Resource => r !== undefined);
  }
  return byId.values();
}

/** The current resources of `request.resourceType` that match every filter. */
function matchesOfType(
  types: ReadonlyMap<string, ReadonlyMap<string, Resource>>,
  request: SearchRequest,
): Resource[] {
  const fast: { filter: Filter; kind: 'token' | 'reference' }[] = [];
  const rest: Filter[] = [];
  for (const filter of request.filters ?? []) {
    const kind = fastKind(request.resourceType, filter);
    if (kind) fast.push({ filter, kind });
    else rest.push(filter);
  }
  const slow: SearchRequest = { ...request, filters: rest };
  const matches: Resource[] = [];
  for (const resource of candidates(types.get(request.resourceType), request)) {
    if (resource.resourceType !== request.resourceType) continue;
    if (!fast.every((f) => matchesFast(resource, f.filter, f.kind))) continue;
    if (rest.length === 0 || matchesSearchRequest(resource, slow)) matches.push(resource);
  }
  return matches;
}

/** Runs `request` over `types` (resource type → id → current version). */
export function searchResources(
  types: ReadonlyMap<string, ReadonlyMap<string, Resource>>,
  request: SearchRequest,
): Bundle {
  // `_type=A,B` (a search of the base) runs the same filters over each type.
  const typeList = request.types && request.types.length > 0 ? request.types : [request.resourceType];
  const matches: Resource[] = [];
  for (const resourceType of typeList) {
    matches.push(...matchesOfType(types, { ...request, resourceType }));
  }
  let ordered = matches;
  const rules = request.sortRules ?? [];
  if (rules.length > 0) {
    const keyed = matches.map((resource) => ({
      resource,
      keys: rules.map((r) => sortKey(resource, r.code)),
    }));
    keyed.sort((a, b) => {
      for (let i = 0; i < rules.length; i++) {
        const x = a.keys[i] ?? '';
        const y = b.keys[i] ?? '';
        if (x !== y) return (x < y ? -1 : 1) * (rules[i]?.descending ? -1 : 1);
      }
      return 0;
    });
    ordered = keyed.map((k) => k.resource);
  }
  const offset = request.offset ?? 0;
  const page = ordered.slice(offset, request.count !== undefined ? offset + request.count : undefined);
  const entry: BundleEntry[] = page.map((resource) => ({
    resource: deepClone(resource),
    search: { mode: 'match' },
  }));
  entry.push(...includes(types, page, request.include ?? [], request.revInclude ?? []));
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    ...(entry.length > 0 ? { entry } : {}),
    total: matches.length,
  };
}

function includes(
  types: ReadonlyMap<string, ReadonlyMap<string, Resource>>,
  page: readonly Resource[],
  include: readonly IncludeTarget[],
  revInclude: readonly IncludeTarget[],
): BundleEntry[] {
  if (page.length === 0 || (include.length === 0 && revInclude.length === 0)) return [];
  const seen = new Set(page.map((r) => `${r.resourceType}/${r.id ?? ''}`));
  const out: BundleEntry[] = [];
  const add = (resource: Resource | undefined): void => {
    if (!resource) return;
    const key = `${resource.resourceType}/${resource.id ?? ''}`;
    if (seen.has(key)) return;
    seen.add(key);
    out.push({ resource: deepClone(resource), search: { mode: 'include' } });
  };
  for (const target of include) {
    for (const resource of page) {
      if (resource.resourceType !== target.resourceType) continue;
      for (const ref of referencesOf(resource, target.searchParam)) {
        const [type, id] = ref.split('/');
        if (!type || !id || (target.targetType && target.targetType !== type)) continue;
        add(types.get(type)?.get(id));
      }
    }
  }
  for (const target of revInclude) {
    const refs = new Set(page.map((r) => `${r.resourceType}/${r.id ?? ''}`));
    for (const candidate of types.get(target.resourceType)?.values() ?? []) {
      if (referencesOf(candidate, target.searchParam).some((ref) => refs.has(ref))) add(candidate);
    }
  }
  return out;
}
