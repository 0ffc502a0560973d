/**
 * Finds the route for a request: `/webhook/:id` binds `id`, a trailing `*` matches any rest of the path
 * (bound as `*`). Routes are tried in order; the first whose path and method match wins.
 */

import type { Route } from '../context';

/** The params a path pattern binds, or undefined when the path does not match. */
export function matchPath(pattern: string, pathname: string): Record<string, string> | undefined {
  const prefix = pattern.endsWith('*');
  const patternParts = (prefix ? pattern.slice(0, -1) : pattern).split('/');
  const pathParts = pathname.split('/');
  if (prefix) {
    // "/fhir/R4/*": the part after the last "/" in the pattern is empty; it matches any rest.
    const fixed = patternParts.slice(0, -1);
    if (pathParts.length < fixed.length + 1 && pathname !== fixed.join('/')) return undefined;
    const params = matchParts(fixed, pathParts.slice(0, fixed.length));
    if (!params) return undefined;
    params['*'] = pathParts.slice(fixed.length).join('/');
    return params;
  }
  if (patternParts.length !== pathParts.length) return undefined;
  return matchParts(patternParts, pathParts);
}

function matchParts(
  pattern: readonly string[],
  parts: readonly string[],
): Record<string, string> | undefined {
  if (pattern.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i] ?? '';
    const v = parts[i] ?? '';
    if (p.startsWith(':')) {
      if (v === '') return undefined;
      try {
        params[p.slice(1)] = decodeURIComponent(v);
      } catch {
        return undefined;
      }
    } else if (p !== v) {
      return undefined;
    }
  }
  return params;
}

/** The outcome of looking a request up: a route, a path known under another method, or nothing. */
export type RouteLookup =
  | { kind: 'found'; route: Route; params: Record<string, string> }
  | { kind: 'method-not-allowed'; allowed: string[] }
  | { kind: 'not-found' };

/** Looks up `method pathname` among `routes`. */
export function findRoute(routes: readonly Route[], method: string, pathname: string): RouteLookup {
  const allowed: string[] = [];
  for (const route of routes) {
    const params = matchPath(route.path, pathname);
    if (!params) continue;
    if (route.method === '*' || route.method === method || (method === 'HEAD' && route.method === 'GET')) {
      return { kind: 'found', route, params };
    }
    allowed.push(route.method);
  }
  return allowed.length > 0 ? { kind: 'method-not-allowed', allowed } : { kind: 'not-found' };
}
