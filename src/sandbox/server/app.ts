/**
 * The SMART app under `/app/`: `launch-context.json` built for this sandbox (its EHR as the issuer, its
 * Medplum base by token exchange), then either Vite in middleware mode (`app: 'vite'`, the repo's
 * vite.config.ts, for development) or the production build in `dist/app` (`app: 'dist'`), with
 * index.html for paths that are not files (client-side routes).
 */

import { existsSync, readFileSync, statSync } from 'node:fs';
import type { Server } from 'node:http';
import { extname, join, normalize, sep } from 'node:path';
import type { Route } from '../context';
import { MEDPLUM_APP_CLIENT_ID, SANDBOX_APP_CLIENT_ID } from '../smart/clients';
import type { NodeMiddleware } from './http';
import { json, outcomeResponse } from './responses';

/** The scopes the app asks the sandbox EHR for (SMART v2, least privilege). */
export const EHR_LAUNCH_SCOPE = 'launch openid fhirUser patient/Patient.rs patient/Appointment.rs';
export const STANDALONE_SCOPE = 'openid fhirUser';

/** The launch-context.json of a sandbox reached at `origin`. */
export function launchContext(origin: string): Record<string, unknown> {
  return {
    issuers: [
      {
        iss: `${origin}/ehr/fhir`,
        clientId: SANDBOX_APP_CLIENT_ID,
        scope: EHR_LAUNCH_SCOPE,
        standaloneScope: STANDALONE_SCOPE,
        // The sandbox clock runs ahead when a user advances it; the app plans and previews by it.
        clockUrl: `${origin}/sandbox/clock`,
        medplum: {
          baseUrl: `${origin}/`,
          mode: 'exchange',
          clientId: MEDPLUM_APP_CLIENT_ID,
          sharesEhrStore: true,
        },
      },
    ],
  };
}

/** `GET /app/launch-context.json`, answered for the origin the browser used. */
export function launchContextRoutes(): Route[] {
  return [
    {
      method: 'GET',
      path: '/app/launch-context.json',
      handle: async (request) => json(launchContext(new URL(request.url).origin)),
    },
  ];
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** Static routes for a production build in `distDir` (index.html for anything that is not a file). */
export function distRoutes(distDir: string): Route[] {
  const root = normalize(distDir);
  const send = (file: string): Response => {
    const type = TYPES[extname(file)] ?? 'application/octet-stream';
    const immutable = file.includes(`${sep}assets${sep}`);
    return new Response(readFileSync(file), {
      headers: {
        'content-type': type,
        'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
      },
    });
  };
  return [
    {
      method: 'GET',
      path: '/app/*',
      handle: async (_request, params) => {
        const rest = params['*'] ?? '';
        const file = normalize(join(root, rest === '' ? 'index.html' : decodeURIComponent(rest)));
        if (file !== root && !file.startsWith(root.endsWith(sep) ? root : root + sep))
          return outcomeResponse(404, 'not found');
        if (existsSync(file) && statSync(file).isFile()) return send(file);
        const index = join(root, 'index.html');
        if (!extname(file) && existsSync(index)) return send(index);
        return json({ error: `no ${rest.slice(0, 200)} in the app build; run npm run build` }, 404);
      },
    },
    {
      method: 'GET',
      path: '/app',
      handle: async () => new Response(null, { status: 302, headers: { location: '/app/' } }),
    },
  ];
}

/** A running Vite dev server in middleware mode. */
export interface ViteMount {
  readonly middleware: NodeMiddleware;
  close(): Promise<void>;
}

/**
 * Starts Vite in middleware mode with the repo's config, serving the app under `/app/`. Its HMR
 * WebSocket rides on the sandbox's own server (`server`), so there is one port and two sandboxes
 * never fight over Vite's default one.
 */
export async function startVite(repoRoot: string, server: Server): Promise<ViteMount> {
  const { createServer } = await import('vite');
  const vite = await createServer({
    root: repoRoot,
    configFile: join(repoRoot, 'vite.config.ts'),
    base: '/app/',
    appType: 'spa',
    server: { middlewareMode: true, hmr: { server } },
    logLevel: 'warn',
  });
  return { middleware: vite.middlewares as unknown as NodeMiddleware, close: () => vite.close() };
}
