/**
 * CORS for the app's origin. The sandbox serves the app itself (same origin), but a developer may run the
 * app from another dev server, so a short list of origins is allowed; preflights name the headers FHIR
 * clients send (Authorization, If-Match, If-None-Exist, ...).
 */

/** Headers a browser may send cross-origin. */
const ALLOWED_HEADERS =
  'Authorization, Content-Type, Accept, If-Match, If-None-Exist, If-None-Match, If-Modified-Since, Prefer, X-Medplum, X-Requested-With, Cache-Control';
/** Headers a browser may read from a cross-origin response. */
const EXPOSED_HEADERS = 'Location, Content-Location, ETag, Last-Modified, WWW-Authenticate';
const ALLOWED_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS';

/** The origins allowed for a sandbox at `baseUrl`: itself under both local host names, plus `extra`. */
export function allowedOrigins(baseUrl: string, extra: readonly string[] = []): Set<string> {
  const url = new URL(baseUrl);
  const origins = new Set<string>([url.origin, ...extra]);
  for (const host of ['localhost', '127.0.0.1']) {
    origins.add(`${url.protocol}//${host}${url.port ? `:${url.port}` : ''}`);
  }
  return origins;
}

/** CORS headers for a response to a request from `origin` (none when the origin is not allowed). */
export function corsHeaders(
  origin: string | undefined,
  allowed: ReadonlySet<string>,
): Record<string, string> {
  if (!origin || !allowed.has(origin)) return {};
  return {
    'access-control-allow-origin': origin,
    'access-control-allow-credentials': 'true',
    'access-control-expose-headers': EXPOSED_HEADERS,
    vary: 'Origin',
  };
}

/** The answer to a preflight (OPTIONS with Access-Control-Request-Method). */
export function preflightResponse(origin: string | undefined, allowed: ReadonlySet<string>): Response {
  const base = corsHeaders(origin, allowed);
  if (!base['access-control-allow-origin']) {
    // No CORS headers: the browser refuses the cross-origin request, which is the point.
    return new Response(null, { status: 204, headers: { vary: 'Origin' } });
  }
  return new Response(null, {
    status: 204,
    headers: {
      ...base,
      'access-control-allow-methods': ALLOWED_METHODS,
      'access-control-allow-headers': ALLOWED_HEADERS,
      'access-control-max-age': '600',
    },
  });
}
