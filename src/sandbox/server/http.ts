/**
 * The sandbox's one HTTP server (node:http). It turns each request into a Fetch API Request, finds the
 * route among every part's routes, adds CORS headers, and writes the Response back. Requests under a
 * mounted Node middleware prefix (Vite's dev server for `/app/`) go to it when no route claims them.
 * A route that throws answers 500 with an OperationOutcome; the error is logged without request content.
 */

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Route } from '../context';
import { corsHeaders, preflightResponse } from './cors';
import { json, outcomeResponse } from './responses';
import { findRoute } from './routeMatch';

/** A Connect-style middleware (Vite's `server.middlewares`). */
export type NodeMiddleware = (
  req: IncomingMessage,
  res: ServerResponse,
  next: (err?: unknown) => void,
) => void;

/** The largest request body accepted (a big transaction Bundle fits). */
export const MAX_BODY_BYTES = 32 * 1024 * 1024;

/** Paths that answer in FHIR terms (OperationOutcome) even for unknown routes. */
const FHIR_PREFIXES = ['/fhir/', '/ehr/fhir', '/auth/', '/oauth2/'];

/** The running server and the knobs the start-up sequence turns once the port is known. */
export interface SandboxHttpServer {
  readonly server: Server;
  /** Listens on `port` (0 = a free port) on `host`; resolves with the port bound. */
  listen(port: number, host?: string): Promise<number>;
  /** Installs the routes (until then every request answers 503 "starting"). */
  setRoutes(routes: readonly Route[]): void;
  /** Mounts a Node middleware for requests under `prefix` that no route claims. */
  mount(prefix: string, middleware: NodeMiddleware): void;
  /** Sets the origins allowed by CORS. */
  setAllowedOrigins(origins: ReadonlySet<string>): void;
  close(): Promise<void>;
}

class BodyTooLarge extends Error {}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLarge());
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function isFhirPath(pathname: string): boolean {
  return FHIR_PREFIXES.some((p) => pathname.startsWith(p));
}

function notFound(pathname: string, method: string): Response {
  const message = `no ${method} ${pathname.slice(0, 200)} here`;
  return isFhirPath(pathname) ? outcomeResponse(404, message) : json({ error: message }, 404);
}

async function writeResponse(
  res: ServerResponse,
  response: Response,
  extraHeaders: Record<string, string>,
  head: boolean,
): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name === 'set-cookie') return;
    headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  for (const [name, value] of Object.entries(extraHeaders)) {
    headers[name] = name === 'vary' && headers.vary ? `${String(headers.vary)}, ${value}` : value;
  }
  const body = head || response.body === null ? undefined : Buffer.from(await response.arrayBuffer());
  if (body) headers['content-length'] = String(body.length);
  res.writeHead(response.status, headers);
  res.end(body);
}

/** Creates the server; it answers 503 until `setRoutes` is called. */
export function createSandboxHttpServer(options: { log?: (line: string) => void } = {}): SandboxHttpServer {
  const log = options.log ?? ((line: string) => void process.stdout.write(`${line}\n`));
  let routes: readonly Route[] | undefined;
  let origins: ReadonlySet<string> = new Set();
  const mounts: { prefix: string; middleware: NodeMiddleware }[] = [];

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const method = (req.method ?? 'GET').toUpperCase();
    const host = req.headers.host ?? 'localhost';
    let url: URL;
    try {
      url = new URL(req.url ?? '/', `http://${host}`);
    } catch {
      await writeResponse(res, json({ error: 'malformed request URL' }, 400), {}, false);
      return;
    }
    const origin = typeof req.headers.origin === 'string' ? req.headers.origin : undefined;
    const cors = corsHeaders(origin, origins);
    const head = method === 'HEAD';

    if (method === 'OPTIONS' && req.headers['access-control-request-method']) {
      await writeResponse(res, preflightResponse(origin, origins), {}, false);
      return;
    }
    if (!routes) {
      await writeResponse(
        res,
        outcomeResponse(503, 'the sandbox is starting; try again in a moment'),
        cors,
        head,
      );
      return;
    }
    const lookup = findRoute(routes, method, url.pathname);
    if (lookup.kind !== 'found') {
      const mount = mounts.find((m) => url.pathname.startsWith(m.prefix));
      if (mount) {
        mount.middleware(req, res, (err) => {
          if (err) log(`sandbox: ${url.pathname}: ${(err as Error).message ?? String(err)}`);
          void writeResponse(
            res,
            err ? outcomeResponse(500, 'internal error') : notFound(url.pathname, method),
            cors,
            head,
          );
        });
        return;
      }
      const response =
        lookup.kind === 'method-not-allowed'
          ? isFhirPath(url.pathname)
            ? outcomeResponse(405, `${method} is not supported on ${url.pathname.slice(0, 200)}`, {
                allow: lookup.allowed.join(', '),
              })
            : json({ error: `${method} not allowed` }, 405, { allow: lookup.allowed.join(', ') })
          : notFound(url.pathname, method);
      await writeResponse(res, response, cors, head);
      return;
    }

    let response: Response;
    try {
      const body = method === 'GET' || method === 'HEAD' ? undefined : await readBody(req);
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        if (value === undefined) continue;
        headers.set(name, Array.isArray(value) ? value.join(', ') : value);
      }
      const request = new Request(url, {
        method,
        headers,
        body: body && body.length > 0 ? new Uint8Array(body) : undefined,
      });
      response = await lookup.route.handle(request, lookup.params);
    } catch (err) {
      if (err instanceof BodyTooLarge) {
        response = outcomeResponse(413, `request body larger than ${MAX_BODY_BYTES} bytes`);
      } else {
        // The message may hold resource content: log only the error's kind and where it happened.
        log(`sandbox: ${method} ${url.pathname} failed: ${(err as Error)?.name ?? 'Error'}`);
        if (process.env.SANDBOX_DEBUG) log(String((err as Error)?.stack ?? err));
        response = outcomeResponse(500, 'internal error in the sandbox; see its log');
      }
    }
    try {
      await writeResponse(res, response, cors, head);
    } catch (err) {
      log(`sandbox: could not write the response to ${url.pathname}: ${(err as Error).message}`);
      res.destroy();
    }
  };

  const server = createServer((req, res) => {
    void handle(req, res).catch(() => res.destroy());
  });
  // Keep-alive sockets would hold stop() open; they are closed explicitly there.
  server.keepAliveTimeout = 5_000;

  return {
    server,
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve((server.address() as AddressInfo).port);
        });
      }),
    setRoutes(next) {
      routes = next;
    },
    mount(prefix, middleware) {
      mounts.push({ prefix, middleware });
    },
    setAllowedOrigins(next) {
      origins = next;
    },
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
