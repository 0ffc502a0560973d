import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Route } from '../../src/sandbox/context';
import { distRoutes } from '../../src/sandbox/server/app';
import { createSandboxHttpServer, type SandboxHttpServer } from '../../src/sandbox/server/http';
import { matchPath } from '../../src/sandbox/server/routeMatch';
import { removeDataDir, tempDataDir } from './helpers';

describe('route matching', () => {
  it('binds params and prefixes', () => {
    expect(matchPath('/webhook/:id', '/webhook/abc')).toEqual({ id: 'abc' });
    expect(matchPath('/webhook/:id', '/webhook/')).toBeUndefined();
    expect(matchPath('/fhir/R4/*', '/fhir/R4/Patient/1')).toEqual({ '*': 'Patient/1' });
    expect(matchPath('/fhir/R4/*', '/fhir/R4')).toEqual({ '*': '' });
    expect(matchPath('/fhir/R4/*', '/fhir/R40/Patient')).toBeUndefined();
  });
});

describe('the sandbox HTTP server', () => {
  let server: SandboxHttpServer | undefined;
  afterEach(async () => {
    await server?.close();
  });

  it('answers a throwing route with a 500 OperationOutcome that holds nothing of the error', async () => {
    const lines: string[] = [];
    server = createSandboxHttpServer({ log: (l) => lines.push(l) });
    const port = await server.listen(0);
    const routes: Route[] = [
      {
        method: 'GET',
        path: '/boom',
        handle: async () => {
          throw new Error('Ana Testpatient (312) 555-0142');
        },
      },
    ];
    server.setRoutes(routes);
    const response = await fetch(`http://localhost:${port}/boom`);
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(JSON.parse(text).resourceType).toBe('OperationOutcome');
    expect(text).not.toContain('Testpatient');
    expect(lines.join('\n')).not.toContain('Testpatient');
  });

  it('answers 503 while starting and 405 for a known path with another method', async () => {
    server = createSandboxHttpServer({ log: () => undefined });
    const port = await server.listen(0);
    expect((await fetch(`http://localhost:${port}/x`)).status).toBe(503);
    server.setRoutes([{ method: 'GET', path: '/x', handle: async () => new Response('ok') }]);
    expect(await (await fetch(`http://localhost:${port}/x`)).text()).toBe('ok');
    const post = await fetch(`http://localhost:${port}/x`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET');
  });
});

describe('the production build under /app/', () => {
  it('serves files, falls back to index.html for client routes, and never leaves the build folder', async () => {
    const dir = tempDataDir();
    try {
      mkdirSync(join(dir, 'assets'));
      writeFileSync(join(dir, 'index.html'), '<!doctype html><title>app</title>');
      writeFileSync(join(dir, 'assets', 'a.js'), 'export {}');
      const route = distRoutes(dir)[0];
      const get = (rest: string): Promise<Response> =>
        route?.handle(new Request(`http://localhost/app/${rest}`), { '*': rest }) ??
        Promise.reject(new Error('no route'));
      const js = await get('assets/a.js');
      expect(js.headers.get('content-type')).toContain('javascript');
      expect(js.headers.get('cache-control')).toContain('immutable');
      expect(await (await get('worklist')).text()).toContain('<title>app</title>');
      expect((await get('../../etc/passwd')).status).toBe(404);
      expect((await get('missing.js')).status).toBe(404);
    } finally {
      removeDataDir(dir);
    }
  });
});
