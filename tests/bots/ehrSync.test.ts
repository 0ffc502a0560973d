import type { Appointment, Basic, Bundle, CapabilityStatement, Patient } from '@medplum/fhirtypes';
import { MockClient } from '@medplum/mock';
import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_EHR_SCOPE,
  EhrSyncError,
  ehrSyncConfig,
  handler,
  runEhrSync,
  type EhrSyncConfig,
} from '../../src/bots/ehrSync';
import { BotConfigError, installClock } from '../../src/bots/runtime';
import { EHR_ID_SYSTEM, EHR_PARTICIPANT_STATUS_EXT } from '../../src/fhir/mirrorIdentifiers';
import { SmartBackendError } from '../../src/fhir/smartBackend';
import { SYNC_CURSOR_EXT, SYNC_CURSOR_SYSTEM } from '../../src/fhir/syncCursor';
import { indexFhirDefinitions } from '../fixtures/fhirDefinitions';
import { secrets } from '../fixtures/medplum';

const EHR = 'https://ehr.example.test/fhir/R4';
const TOKEN_URL = 'https://ehr.example.test/oauth2/token';
const CLIENT_ID = 'careloop-test-client';
const NOW = new Date('2026-11-20T21:00:00Z');
const MRN = 'urn:oid:2.16.840.1.113883.3.9999.1';

// ---- A fake EHR: SMART discovery, a token endpoint that checks our signature, a FHIR API ----

interface FakeEhr {
  appointments: Appointment[];
  patients: Map<string, Patient>;
  sorted: boolean;
  failPage?: number;
  slowPageMs?: number;
  nextLinkOverride?: string;
  capability: CapabilityStatement;
  tokenError?: { status: number; error: string };
  requests: string[];
  writes: { method: string; id: string; body: unknown; ifMatch: string | null }[];
}

let ehr: FakeEhr;
let publicKey: CryptoKey;
let privateJwk: string;
let clockTime: Date;

function lastUpdated(minute: number): string {
  return `2026-11-19T10:${String(minute).padStart(2, '0')}:00Z`;
}

function patient(id: string, given: string, phone: string): Patient {
  return {
    resourceType: 'Patient',
    id,
    meta: { lastUpdated: lastUpdated(0) },
    identifier: [{ system: MRN, value: `MRN-${id}` }],
    name: [{ given: [given], family: 'Testpatient' }],
    telecom: [{ system: 'phone', use: 'mobile', value: phone }],
    gender: 'female',
    birthDate: '1980-05-01',
  };
}

function appointment(id: string, patientId: string | undefined, minute: number): Appointment {
  return {
    resourceType: 'Appointment',
    id,
    meta: { versionId: '1', lastUpdated: lastUpdated(minute) },
    status: 'booked',
    start: `2026-12-0${(minute % 5) + 1}T15:30:00Z`,
    end: `2026-12-0${(minute % 5) + 1}T16:00:00Z`,
    participant: [
      ...(patientId
        ? [{ actor: { reference: `Patient/${patientId}` }, status: 'needs-action' as const }]
        : []),
      { actor: { reference: 'Practitioner/dr1', display: 'Dr. Test' }, status: 'accepted' },
    ],
  };
}

function freshEhr(): FakeEhr {
  return {
    patients: new Map([
      ['p1', patient('p1', 'Ana', '312-555-0142')],
      ['p2', patient('p2', 'Ben', '312-555-0143')],
    ]),
    appointments: [
      appointment('a1', 'p1', 0),
      appointment('a2', 'p2', 1),
      appointment('a3', 'p1', 2),
      appointment('a4', 'p2', 3),
      appointment('a5', 'p1', 4),
    ],
    sorted: true,
    capability: {
      resourceType: 'CapabilityStatement',
      status: 'active',
      date: '2026-01-01',
      kind: 'instance',
      fhirVersion: '4.0.1',
      format: ['json'],
      rest: [
        {
          mode: 'server',
          resource: [{ type: 'Appointment', interaction: [{ code: 'read' }, { code: 'patch' }] }],
        },
      ],
    },
    requests: [],
    writes: [],
  };
}

function bundle(resources: (Appointment | Patient)[], next?: string): Bundle {
  return {
    resourceType: 'Bundle',
    type: 'searchset',
    ...(next ? { link: [{ relation: 'next', url: next }] } : {}),
    entry: resources.map((resource) => ({ resource, search: { mode: 'match' as const } })),
  };
}

function authorized(request: Request): boolean {
  return request.headers.get('authorization') === 'Bearer test-access-token';
}

const server = setupServer(
  http.get(`${EHR}/.well-known/smart-configuration`, () =>
    HttpResponse.json({
      token_endpoint: TOKEN_URL,
      token_endpoint_auth_methods_supported: ['private_key_jwt'],
      token_endpoint_auth_signing_alg_values_supported: ['RS384', 'ES384'],
    }),
  ),
  http.post(TOKEN_URL, async ({ request }) => {
    if (ehr.tokenError) {
      return HttpResponse.json({ error: ehr.tokenError.error }, { status: ehr.tokenError.status });
    }
    const form = new URLSearchParams(await request.text());
    const [h, p, s] = (form.get('client_assertion') ?? '').split('.');
    const valid =
      !!h &&
      !!p &&
      !!s &&
      (await crypto.subtle.verify(
        { name: 'RSASSA-PKCS1-v1_5' },
        publicKey,
        Buffer.from(s, 'base64url'),
        new TextEncoder().encode(`${h}.${p}`),
      )) &&
      (JSON.parse(Buffer.from(p, 'base64url').toString()) as { iss?: string }).iss === CLIENT_ID;
    if (!valid) {
      return HttpResponse.json({ error: 'invalid_client' }, { status: 400 });
    }
    return HttpResponse.json({
      access_token: 'test-access-token',
      token_type: 'bearer',
      expires_in: 300,
      scope: form.get('scope'),
    });
  }),
  http.get(`${EHR}/metadata`, () => HttpResponse.json(ehr.capability)),
  http.get(`${EHR}/Appointment`, ({ request }) => {
    if (!authorized(request)) return new HttpResponse(null, { status: 401 });
    const url = new URL(request.url);
    ehr.requests.push(`GET Appointment?${url.searchParams.toString()}`);
    const page = Number(url.searchParams.get('_page') ?? '0');
    if (ehr.slowPageMs) clockTime = new Date(clockTime.getTime() + ehr.slowPageMs);
    if (ehr.failPage === page) {
      return HttpResponse.json(
        { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'exception' }] },
        { status: 500 },
      );
    }
    const ge = url.searchParams.get('_lastUpdated')?.replace(/^ge/, '');
    const count = Number(url.searchParams.get('_count') ?? '100');
    let list = ehr.appointments.filter((a) => !ge || Date.parse(a.meta?.lastUpdated ?? '') >= Date.parse(ge));
    list = ehr.sorted
      ? [...list].sort(
          (a, b) => Date.parse(a.meta?.lastUpdated ?? '') - Date.parse(b.meta?.lastUpdated ?? ''),
        )
      : [...list].reverse();
    const slice = list.slice(page * count, (page + 1) * count);
    url.searchParams.set('_page', String(page + 1));
    const next = list.length > (page + 1) * count ? (ehr.nextLinkOverride ?? url.toString()) : undefined;
    return HttpResponse.json(bundle(slice, next));
  }),
  http.get(`${EHR}/Appointment/:id`, ({ request, params }) => {
    if (!authorized(request)) return new HttpResponse(null, { status: 401 });
    const a = ehr.appointments.find((x) => x.id === params.id);
    if (!a) return new HttpResponse(null, { status: 404 });
    return HttpResponse.json(a, { headers: { etag: `W/"${a.meta?.versionId ?? '1'}"` } });
  }),
  http.patch(`${EHR}/Appointment/:id`, async ({ request, params }) => {
    const a = ehr.appointments.find((x) => x.id === params.id);
    if (!a) return new HttpResponse(null, { status: 404 });
    const ops = (await request.json()) as { op: string; path: string; value: unknown }[];
    ehr.writes.push({
      method: 'PATCH',
      id: String(params.id),
      body: ops,
      ifMatch: request.headers.get('if-match'),
    });
    for (const op of ops) {
      const m = /^\/participant\/(\d+)\/status$/.exec(op.path);
      const participant = m ? a.participant[Number(m[1])] : undefined;
      if (op.op === 'replace' && participant) participant.status = op.value as 'accepted';
    }
    a.meta = { versionId: String(Number(a.meta?.versionId ?? '1') + 1), lastUpdated: lastUpdated(30) };
    return HttpResponse.json(a);
  }),
  http.put(`${EHR}/Appointment/:id`, async ({ request, params }) => {
    const body = (await request.json()) as Appointment;
    ehr.writes.push({ method: 'PUT', id: String(params.id), body, ifMatch: request.headers.get('if-match') });
    return HttpResponse.json(body);
  }),
  http.get(`${EHR}/Patient`, ({ request }) => {
    if (!authorized(request)) return new HttpResponse(null, { status: 401 });
    const url = new URL(request.url);
    ehr.requests.push(`GET Patient?${url.searchParams.toString()}`);
    const ids = (url.searchParams.get('_id') ?? '').split(',');
    return HttpResponse.json(bundle(ids.map((id) => ehr.patients.get(id)).filter((p) => p !== undefined)));
  }),
  http.get(`${EHR}/Patient/:id`, ({ request, params }) => {
    if (!authorized(request)) return new HttpResponse(null, { status: 401 });
    ehr.requests.push(`GET Patient/${String(params.id)}`);
    const p = ehr.patients.get(String(params.id));
    return p ? HttpResponse.json(p) : new HttpResponse(null, { status: 404 });
  }),
);

let medplum: MockClient;
let organization: string;
let uninstall: () => void;

beforeAll(async () => {
  server.listen({ onUnhandledRequest: 'error' });
  const pair = (await crypto.subtle.generateKey(
    {
      name: 'RSASSA-PKCS1-v1_5',
      modulusLength: 2048,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: 'SHA-384',
    },
    true,
    ['sign', 'verify'],
  )) as CryptoKeyPair;
  publicKey = pair.publicKey;
  privateJwk = JSON.stringify({
    ...(await crypto.subtle.exportKey('jwk', pair.privateKey)),
    kid: 'test-key-1',
  });
});
afterAll(() => server.close());

beforeEach(async () => {
  indexFhirDefinitions();
  medplum = new MockClient();
  const org = await medplum.createResource({ resourceType: 'Organization', name: 'Lakeside Family Clinic' });
  organization = `Organization/${org.id}`;
  ehr = freshEhr();
  clockTime = NOW;
  uninstall = installClock({ now: () => clockTime });
});
afterEach(() => {
  uninstall();
  server.resetHandlers();
});

function config(overrides: Partial<EhrSyncConfig> = {}): EhrSyncConfig {
  return {
    base: EHR,
    clientId: CLIENT_ID,
    privateKey: privateJwk,
    scope: DEFAULT_EHR_SCOPE,
    initialSince: '2026-11-01T00:00:00Z',
    writeBack: true,
    organization,
    ...overrides,
  };
}

async function appointmentMirrors(): Promise<Appointment[]> {
  return medplum.searchResources(
    'Appointment',
    { identifier: `${EHR_ID_SYSTEM}|`, _count: '100' },
    { cache: 'no-cache' },
  );
}

async function patientMirrors(): Promise<Patient[]> {
  return medplum.searchResources(
    'Patient',
    { identifier: `${EHR_ID_SYSTEM}|`, _count: '100' },
    { cache: 'no-cache' },
  );
}

async function storedCursor(): Promise<string | undefined> {
  const basic = await medplum.searchOne(
    'Basic',
    { identifier: `${SYNC_CURSOR_SYSTEM}|ehr-sync:${EHR}` },
    { cache: 'no-cache' },
  );
  return (basic as Basic | undefined)?.extension?.find((e) => e.url === SYNC_CURSOR_EXT.lastUpdated)
    ?.valueInstant;
}

function mirrorOf(mirrors: Appointment[], ehrId: string): Appointment | undefined {
  return mirrors.find((m) => m.identifier?.some((i) => i.value === `${EHR}/Appointment/${ehrId}`));
}

describe('ehr-sync bot', () => {
  it('mirrors changed appointments and their patients, reading each patient once, through the handler', async () => {
    const summary = await handler(medplum, {
      bot: { reference: 'Bot/ehr-sync' },
      contentType: 'application/json',
      input: {},
      secrets: secrets({
        EHR_FHIR_BASE: EHR,
        EHR_CLIENT_ID: CLIENT_ID,
        EHR_PRIVATE_KEY: privateJwk,
        EHR_SYNC_START: '2026-11-01T00:00:00Z',
        CARELOOP_ORGANIZATION: organization,
      }),
    } as never);
    expect(summary).toMatchObject({
      complete: true,
      pages: 1,
      appointments: { created: 5, updated: 0, unchanged: 0, skipped: 0 },
      patients: { created: 2, updated: 0, unchanged: 0 },
      cursor: { from: '2026-11-01T00:00:00Z', to: '2026-11-19T10:04:00.000Z' },
    });
    const patientRequests = ehr.requests.filter((r) => r.startsWith('GET Patient'));
    expect(patientRequests).toEqual(['GET Patient?_id=p1%2Cp2&_count=2']);

    const mirrors = await appointmentMirrors();
    const patients = await patientMirrors();
    expect(mirrors).toHaveLength(5);
    expect(patients).toHaveLength(2);
    const ana = patients.find((p) => p.name?.[0]?.given?.[0] === 'Ana');
    expect(mirrorOf(mirrors, 'a1')?.participant[0]?.actor?.reference).toBe(`Patient/${ana?.id}`);
    expect(mirrorOf(mirrors, 'a1')?.meta?.accounts).toEqual([{ reference: organization }]);
    expect(await storedCursor()).toBe('2026-11-19T10:04:00.000Z');
    // Read-only scope: nothing to write back, and the EHR was not asked for its capabilities.
    expect(summary.writeBack).toMatchObject({ pending: 0, written: 0 });
  });

  it('is idempotent: a second run creates nothing and writes nothing', async () => {
    await runEhrSync(medplum, config());
    const before = await appointmentMirrors();
    const second = await runEhrSync(medplum, config({ initialSince: undefined }), { overlapMs: 10 * 60_000 });
    expect(second.appointments).toEqual({ created: 0, updated: 0, unchanged: 5, skipped: 0 });
    expect(second.patients).toEqual({ created: 0, updated: 0, unchanged: 2 });
    const after = await appointmentMirrors();
    expect(after.map((a) => `${a.id}@${a.meta?.versionId}`).sort()).toEqual(
      before.map((a) => `${a.id}@${a.meta?.versionId}`).sort(),
    );
    expect(await patientMirrors()).toHaveLength(2);
  });

  it('picks up what changed in the EHR since the cursor', async () => {
    await runEhrSync(medplum, config());
    const a3 = ehr.appointments.find((a) => a.id === 'a3') as Appointment;
    a3.status = 'cancelled';
    a3.meta = { versionId: '2', lastUpdated: lastUpdated(20) };
    const second = await runEhrSync(medplum, config());
    // From the cursor (10:04) less the one-minute overlap for late commits.
    expect(ehr.requests.filter((r) => r.startsWith('GET Appointment')).at(-1)).toContain(
      '_lastUpdated=ge2026-11-19T10%3A03%3A00.000Z',
    );
    expect(second.appointments).toMatchObject({ updated: 1, created: 0 });
    expect(mirrorOf(await appointmentMirrors(), 'a3')?.status).toBe('cancelled');
    expect(await storedCursor()).toBe('2026-11-19T10:20:00.000Z');
  });

  it('keeps the cursor at the last written page when the EHR fails mid-run, and the next run finishes', async () => {
    ehr.failPage = 1;
    const error = await runEhrSync(medplum, config(), { pageSize: 2, overlapMs: 0 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EhrSyncError);
    expect((error as Error).message).toMatch(/HTTP 500 \(exception\)/);
    expect((error as EhrSyncError).summary).toMatchObject({ complete: false, stoppedBy: 'error', pages: 1 });
    expect(await storedCursor()).toBe('2026-11-19T10:01:00.000Z');
    expect(await appointmentMirrors()).toHaveLength(2);

    ehr.failPage = undefined;
    ehr.requests = [];
    const resumed = await runEhrSync(medplum, config(), { pageSize: 2, overlapMs: 0 });
    expect(ehr.requests[0]).toContain('_lastUpdated=ge2026-11-19T10%3A01%3A00.000Z');
    expect(resumed).toMatchObject({ complete: true, appointments: { created: 3, unchanged: 1 } });
    expect(await appointmentMirrors()).toHaveLength(5);
    expect(await storedCursor()).toBe('2026-11-19T10:04:00.000Z');
  });

  it('stops within its time budget, leaving the cursor where it got to', async () => {
    ehr.slowPageMs = 30_000;
    const summary = await runEhrSync(medplum, config(), { pageSize: 2, budgetMs: 50_000 });
    expect(summary).toMatchObject({ complete: false, stoppedBy: 'time-budget', pages: 2 });
    expect(await storedCursor()).toBe('2026-11-19T10:03:00.000Z');
    expect(summary.writeBack).toBeUndefined();
  });

  it('moves the cursor only on a complete run when the EHR ignores _sort', async () => {
    ehr.sorted = false;
    ehr.failPage = 1;
    const error = await runEhrSync(medplum, config(), { pageSize: 2 }).catch((e: unknown) => e);
    expect((error as EhrSyncError).summary.warnings[0]).toMatch(/not return Appointments sorted/);
    expect(await storedCursor()).toBeUndefined();
    ehr.failPage = undefined;
    const summary = await runEhrSync(medplum, config(), { pageSize: 2 });
    expect(summary.complete).toBe(true);
    expect(await storedCursor()).toBe('2026-11-19T10:04:00.000Z');
  });

  it('skips appointments without a patient or whose patient the EHR will not show', async () => {
    ehr.appointments.push(appointment('blocked', undefined, 5), appointment('a-gone', 'p-gone', 6));
    const summary = await runEhrSync(medplum, config());
    expect(summary.appointments).toMatchObject({ created: 5, skipped: 2 });
    expect(summary.warnings).toContain(
      'Patient/p-gone is not readable in the EHR (HTTP 404); its appointments are skipped',
    );
  });

  it('fails before reading or writing anything when the token is refused', async () => {
    ehr.tokenError = { status: 401, error: 'invalid_client' };
    const error = await runEhrSync(medplum, config()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SmartBackendError);
    expect((error as Error).message).toMatch(/token endpoint .* HTTP 401 invalid_client/);
    expect(await appointmentMirrors()).toHaveLength(0);
    expect(await storedCursor()).toBeUndefined();
  });

  it('refuses a next link that leaves the EHR, so the token never goes elsewhere', async () => {
    ehr.nextLinkOverride = 'https://elsewhere.example.test/fhir/Appointment?page=2';
    await expect(runEhrSync(medplum, config(), { pageSize: 2 })).rejects.toThrow(/outside the EHR base/);
  });

  it('names the secret at fault', () => {
    expect(() => ehrSyncConfig(secrets({ EHR_FHIR_BASE: EHR, EHR_CLIENT_ID: CLIENT_ID }))).toThrow(
      new BotConfigError('bot secret EHR_PRIVATE_KEY is not set'),
    );
    expect(() =>
      ehrSyncConfig(
        secrets({ EHR_FHIR_BASE: 'http://ehr.example.test/fhir', EHR_CLIENT_ID: 'x', EHR_PRIVATE_KEY: 'y' }),
      ),
    ).toThrow(/must be an https URL/);
    expect(
      ehrSyncConfig(secrets({ EHR_FHIR_BASE: `${EHR}/`, EHR_CLIENT_ID: 'x', EHR_PRIVATE_KEY: 'y' })),
    ).toMatchObject({
      base: EHR,
      scope: DEFAULT_EHR_SCOPE,
      writeBack: true,
    });
  });
});

describe('write-back of the patient answer', () => {
  async function confirmLocally(ehrId: string): Promise<void> {
    const mirror = mirrorOf(await appointmentMirrors(), ehrId) as Appointment;
    await medplum.updateResource({
      ...mirror,
      participant: mirror.participant.map((p) =>
        p.actor?.reference?.startsWith('Patient/') ? { ...p, status: 'accepted' as const } : p,
      ),
    });
  }

  it('patches the EHR appointment when scope and capability allow, and the next sync keeps the answer', async () => {
    const scope = `${DEFAULT_EHR_SCOPE} system/Appointment.u`;
    await runEhrSync(medplum, config({ scope }));
    await confirmLocally('a1');
    const run = await runEhrSync(medplum, config({ scope }));
    expect(run.writeBack).toMatchObject({ mode: 'patch', pending: 1, written: 1, failed: 0 });
    expect(ehr.writes).toEqual([
      {
        method: 'PATCH',
        id: 'a1',
        ifMatch: 'W/"1"',
        body: [
          { op: 'test', path: '/participant/0/actor/reference', value: 'Patient/p1' },
          { op: 'replace', path: '/participant/0/status', value: 'accepted' },
        ],
      },
    ]);
    const mirror = mirrorOf(await appointmentMirrors(), 'a1');
    expect(mirror?.participant[0]?.extension).toEqual([
      { url: EHR_PARTICIPANT_STATUS_EXT, valueCode: 'accepted' },
    ]);

    // The EHR now reports the answer itself; syncing it changes nothing and writes nothing back.
    const after = await runEhrSync(medplum, config({ scope }));
    expect(after.writeBack).toMatchObject({ pending: 0, written: 0 });
    expect(mirrorOf(await appointmentMirrors(), 'a1')?.participant[0]?.status).toBe('accepted');
    expect(ehr.writes).toHaveLength(1);
  });

  it('uses a versioned PUT when the EHR offers update but not patch', async () => {
    ehr.capability.rest = [
      { mode: 'server', resource: [{ type: 'Appointment', interaction: [{ code: 'update' }] }] },
    ];
    const scope = `${DEFAULT_EHR_SCOPE} system/Appointment.write`;
    await runEhrSync(medplum, config({ scope }));
    await confirmLocally('a2');
    const run = await runEhrSync(medplum, config({ scope }));
    expect(run.writeBack).toMatchObject({ mode: 'update', written: 1 });
    expect(ehr.writes[0]).toMatchObject({ method: 'PUT', id: 'a2', ifMatch: 'W/"1"' });
    expect((ehr.writes[0]?.body as Appointment).participant[0]?.status).toBe('accepted');
  });

  it('keeps the answer on the mirror when the token cannot update Appointments', async () => {
    await runEhrSync(medplum, config());
    await confirmLocally('a1');
    const run = await runEhrSync(medplum, config());
    expect(run.writeBack).toMatchObject({
      mode: 'none',
      reason: 'the access token has no Appointment update scope',
      pending: 1,
      written: 0,
    });
    expect(ehr.writes).toHaveLength(0);
    expect(mirrorOf(await appointmentMirrors(), 'a1')?.participant[0]?.status).toBe('accepted');
  });

  it('keeps the answer on the mirror when the EHR offers no Appointment write', async () => {
    ehr.capability.rest = [
      { mode: 'server', resource: [{ type: 'Appointment', interaction: [{ code: 'read' }] }] },
    ];
    const scope = `${DEFAULT_EHR_SCOPE} system/Appointment.u`;
    await runEhrSync(medplum, config({ scope }));
    await confirmLocally('a1');
    const run = await runEhrSync(medplum, config({ scope }));
    expect(run.writeBack).toMatchObject({ mode: 'none', pending: 1, written: 0 });
    expect(run.writeBack?.reason).toMatch(/neither patch nor update/);
    expect(ehr.writes).toHaveLength(0);
  });
});
