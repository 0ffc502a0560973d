/**
 * Dispatch on Medplum's own FHIR server code: due messages through `runDispatch` against an in-process
 * FhirRouter over a MemoryRepository, next to a naive per-message loop on an identical copy of the data,
 * in the same run. Counts the FHIR requests each makes (every call that reaches `fetch`) and the wall
 * time. The carrier is a stand-in that accepts every message at once, so the figures are about FHIR
 * traffic only.
 *
 * Size: 400 patients × 5 messages by default. The full 10,000 messages (BENCH_DISPATCH_PATIENTS=2000)
 * took 30 minutes on 2 cores: MemoryRepository answers every search by scanning every resource of the
 * type, and each conditional create in the result batch scans all Communications (twice: the batch
 * resolves If-None-Exist, then the create checks again), so its time grows with the square of the
 * backlog. The request count does not: per page it is fixed (431 requests for 10,000 messages).
 */

import { performance } from 'node:perf_hooks';
import { ContentType, getStatus, MedplumClient } from '@medplum/core';
import { FhirRouter, MemoryRepository, type HttpMethod } from '@medplum/fhir-router';
import type {
  Appointment,
  Bundle,
  CarePlan,
  Communication,
  CommunicationRequest,
  Patient,
} from '@medplum/fhirtypes';
import { CS, EXT, ID_SYSTEM, mediumFor, practiceSettings, type WorkflowDefinition } from '../../src/engine';
import { runDispatch, type SendFn } from '../../src/fhir/dispatchRun';
import { loadLibraryWorkflows } from '../../src/fhir/library';
import { indexFhirDefinitions } from '../fixtures/fhirDefinitions';

const PATIENTS = Number(process.env.BENCH_DISPATCH_PATIENTS ?? 400);
const MESSAGES_PER_PATIENT = 5;
const MESSAGES = PATIENTS * MESSAGES_PER_PATIENT;
const FULL_SIZE_NOTE =
  'the full 10,000 (BENCH_DISPATCH_PATIENTS=2000) measured 431 requests, 4.31/100, 69.6× fewer than naive, ' +
  'but 30 min of MemoryRepository linear scans, so the default is smaller';
/** 20:00 UTC on a Tuesday: inside every US zone's 08:00–21:00 window, Honolulu included. */
const NOW = '2026-11-03T20:00:00.000Z';
const ZONES = [
  'America/New_York',
  'America/Chicago',
  'America/Denver',
  'America/Los_Angeles',
  'Pacific/Honolulu',
];
/**
 * One enrolment per purpose per patient, five purposes: the default caps (one a day per purpose) then
 * allow every message, as they would for a patient in five workflows at once.
 */
const ENROLMENTS: readonly { url: string; step: string; withAppointment: boolean }[] = [
  { url: 'appointment-reminders', step: 'reminder-1d', withAppointment: true },
  { url: 'chronic-care-management', step: 'weekly-check-in', withAppointment: false },
  { url: 'feedback-survey', step: 'survey', withAppointment: false },
  { url: 'new-patient-onboarding', step: 'welcome', withAppointment: true },
  { url: 'post-visit-follow-up', step: 'thank-you', withAppointment: false },
];

/** Per request kind, how many reached the server. */
class RequestCounter {
  total = 0;
  readonly byKind = new Map<string, { count: number; ms: number }>();
  record(kind: string, ms: number): void {
    this.total++;
    const seen = this.byKind.get(kind) ?? { count: 0, ms: 0 };
    this.byKind.set(kind, { count: seen.count + 1, ms: seen.ms + ms });
  }
}

/** `GET Patient?_id,_count`: method, type and parameter names, enough to tell the searches apart. */
function requestKind(method: string, path: string, query: URLSearchParams, body: unknown): string {
  if (method === 'POST' && path === '') {
    // A batch: which interactions it carries, e.g. "PUT CommunicationRequest +If-Match".
    const entries = (body as Bundle | undefined)?.entry ?? [];
    const parts = new Set(
      entries.map(
        (e) =>
          `${e.request?.method ?? '?'} ${e.request?.url?.split(/[/?]/)[0] ?? '?'}` +
          (e.request?.ifMatch ? ' +If-Match' : '') +
          (e.request?.ifNoneExist ? ' +If-None-Exist' : ''),
      ),
    );
    return `POST batch [${[...parts].sort().join(', ')}]`;
  }
  const names = [...new Set(query.keys())];
  return `${method} ${path}${names.length ? `?${names.join(',')}` : ''}`;
}

function headerRecord(headers: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  const entries =
    headers instanceof Headers
      ? [...headers.entries()]
      : Object.entries((headers ?? {}) as Record<string, string>);
  for (const [name, value] of entries) {
    if (typeof value === 'string') out[name.toLowerCase()] = value;
  }
  return out;
}

/**
 * A MedplumClient whose HTTP goes to `router.handleRequest` in-process: the same client code the bots
 * run, over Medplum's own routing, batch and search code, with every request counted.
 */
function routedClient(router: FhirRouter, repo: MemoryRepository, counter: RequestCounter): MedplumClient {
  return new MedplumClient({
    baseUrl: 'https://fhir.bench.local/',
    // A server-side bot gets no client cache either; a cache hit would also hide a request from the count.
    cacheTime: 0,
    fetch: async (url: string, init: { method?: string; headers?: unknown; body?: unknown } = {}) => {
      const parsed = new URL(url);
      const path = parsed.pathname.replace(/^\/fhir\/R4\/?/, '');
      const method = (init.method ?? 'GET').toUpperCase() as HttpMethod;
      const started = performance.now();
      const body: unknown =
        typeof init.body === 'string' && init.body !== '' ? JSON.parse(init.body) : undefined;
      const [outcome, resource] = await router.handleRequest(
        {
          method,
          url: `${path}${parsed.search}`,
          pathname: '',
          body,
          params: {},
          query: {},
          headers: headerRecord(init.headers),
        },
        repo,
      );
      counter.record(requestKind(method, path, parsed.searchParams, body), performance.now() - started);
      return new Response(JSON.stringify(resource ?? outcome), {
        status: getStatus(outcome),
        headers: { 'content-type': ContentType.FHIR_JSON },
      });
    },
  });
}

/** Seeds patients, appointments, CarePlans and due requests straight into the repository (not counted). */
async function seed(repo: MemoryRepository, workflows: readonly WorkflowDefinition[]): Promise<void> {
  const byName = new Map(workflows.map((w) => [w.url.split('/').at(-1) ?? '', w]));
  const appointmentStart = new Date(Date.parse(NOW) + 86_400_000).toISOString();
  const patients: string[] = [];
  const appointments: string[] = [];
  for (let p = 0; p < PATIENTS; p++) {
    const patient = await repo.createResource<Patient>({
      resourceType: 'Patient',
      name: [{ given: [`Pat${p}`], family: 'Bench' }],
      // Synthetic 555-01xx numbers: fictional, and valid for the phone-number library.
      telecom: [
        { system: 'phone', use: 'mobile', value: `+1312555${String(100 + (p % 100)).padStart(4, '0')}` },
      ],
      extension: [{ url: EXT.timeZone, valueCode: ZONES[p % ZONES.length] ?? 'America/Chicago' }],
    });
    patients.push(patient.id);
    const appointment = await repo.createResource<Appointment>({
      resourceType: 'Appointment',
      status: 'booked',
      start: appointmentStart,
      end: new Date(Date.parse(appointmentStart) + 1_800_000).toISOString(),
      participant: [{ actor: { reference: `Patient/${patient.id}` }, status: 'needs-action' }],
    });
    appointments.push(appointment.id);
  }
  // Enrolment-major order, so each page of 200 (sorted by due time) spans 200 different patients.
  for (let e = 0; e < MESSAGES_PER_PATIENT; e++) {
    const enrolment = ENROLMENTS[e % ENROLMENTS.length];
    const def = enrolment ? byName.get(enrolment.url) : undefined;
    if (!enrolment || !def) throw new Error(`the library has no ${enrolment?.url ?? 'such'} workflow`);
    for (let p = 0; p < PATIENTS; p++) {
      const patientRef = `Patient/${patients[p] ?? ''}` as const;
      const appointmentRef = `Appointment/${appointments[p] ?? ''}`;
      const key = `bench-${e}-${p}`;
      const carePlan = await repo.createResource<CarePlan>({
        resourceType: 'CarePlan',
        identifier: [{ system: ID_SYSTEM.enrolment, value: key }],
        status: 'active',
        intent: 'plan',
        instantiatesCanonical: [def.url],
        category: [{ coding: [{ system: CS.purpose, code: def.purpose }] }],
        subject: { reference: patientRef },
        ...(enrolment.withAppointment ? { supportingInfo: [{ reference: appointmentRef }] } : {}),
      });
      const i = e * PATIENTS + p;
      // Due over the hour before NOW, oldest first in seed order.
      const due = new Date(
        Date.parse(NOW) - 3_600_000 + Math.floor((i * 3_600_000) / MESSAGES),
      ).toISOString();
      await repo.createResource<CommunicationRequest>({
        resourceType: 'CommunicationRequest',
        extension: [
          { url: EXT.stepId, valueString: enrolment.step },
          { url: EXT.nominalTime, valueDateTime: due },
        ],
        identifier: [{ system: ID_SYSTEM.request, value: `${key}-${enrolment.step}` }],
        groupIdentifier: { system: ID_SYSTEM.enrolment, value: key },
        basedOn: [{ reference: `CarePlan/${carePlan.id}`, type: 'CarePlan' }],
        status: 'active',
        category: [{ coding: [{ system: CS.purpose, code: def.purpose }], text: def.title }],
        priority: 'routine',
        medium: [mediumFor('sms')],
        subject: { reference: patientRef },
        recipient: [{ reference: patientRef }],
        ...(enrolment.withAppointment ? { about: [{ reference: appointmentRef }] } : {}),
        occurrenceDateTime: due,
        authoredOn: '2026-10-27T15:00:00.000Z',
        payload: [{ contentString: `Bench Clinic: message ${i} for Pat${p}. Reply STOP to opt out.` }],
      });
    }
  }
}

/** Does the server answer `_include`? Included resources come back with search.mode "include". */
async function includeSupport(medplum: MedplumClient): Promise<{ matches: number; included: number }> {
  const bundle: Bundle = await medplum.search(
    'CommunicationRequest',
    new URLSearchParams([
      ['status', 'active'],
      ['_count', '10'],
      ['_include', 'CommunicationRequest:subject'],
      ['_include', 'CommunicationRequest:based-on'],
    ]),
    { cache: 'no-cache' },
  );
  const entries = bundle.entry ?? [];
  return {
    matches: entries.filter((e) => e.search?.mode !== 'include').length,
    included: entries.filter(
      (e) => e.search?.mode === 'include' || e.resource?.resourceType !== 'CommunicationRequest',
    ).length,
  };
}

/** What a naive dispatcher does: search what is due, then per message read, send, create, update. */
async function naiveDispatch(medplum: MedplumClient, send: SendFn): Promise<number> {
  let sent = 0;
  for (;;) {
    const due = await medplum.searchResources(
      'CommunicationRequest',
      { status: 'active', occurrence: `le${NOW}`, _sort: 'occurrence', _count: '1000' },
      { cache: 'no-cache' },
    );
    if (due.length === 0) return sent;
    for (const request of due) {
      const patientId = request.subject?.reference?.split('/')[1] ?? '';
      const patient = await medplum.readResource('Patient', patientId);
      const to = patient.telecom?.find((t) => t.use === 'mobile')?.value ?? '';
      const text = request.payload?.[0]?.contentString ?? '';
      const result = await send({ channel: 'sms', to, text, language: 'en', key: request.id ?? '' });
      if (result.ok) sent++;
      await medplum.createResource<Communication>({
        resourceType: 'Communication',
        basedOn: [{ reference: `CommunicationRequest/${request.id ?? ''}` }],
        status: result.ok ? 'in-progress' : 'not-done',
        subject: request.subject,
        medium: request.medium,
        sent: NOW,
        payload: [{ contentString: text }],
        ...(result.ok
          ? { identifier: [{ system: ID_SYSTEM.providerMessage, value: result.providerId }] }
          : {}),
      });
      await medplum.updateResource({ ...request, status: result.ok ? 'completed' : 'revoked' });
    }
  }
}

function fakeCarrier(): SendFn {
  let n = 0;
  return async () => ({ ok: true, providerId: `SMbench${++n}`, status: 'queued' });
}

interface Row {
  readonly label: string;
  readonly sent: number;
  readonly requests: number;
  readonly ms: number;
}

function printRow(row: Row): void {
  const per100 = row.sent ? (row.requests / row.sent) * 100 : Number.NaN;
  console.log(
    `${row.label.padEnd(12)} ${String(row.sent).padStart(7)} ${String(row.requests).padStart(10)} ${per100.toFixed(2).padStart(10)} ${(row.ms / 1000).toFixed(1).padStart(9)} s`,
  );
}

/** Seeds two identical servers, runs both dispatchers, prints the comparison. */
export async function benchDispatch(): Promise<void> {
  indexFhirDefinitions();
  const workflows = loadLibraryWorkflows();
  const practice = practiceSettings({
    name: 'Bench Clinic',
    phone: '+13125550100',
    timeZone: 'America/Chicago',
  });
  const router = new FhirRouter();

  const seedStart = performance.now();
  const repo = new MemoryRepository();
  const naiveRepo = new MemoryRepository();
  await seed(repo, workflows);
  await seed(naiveRepo, workflows);
  const seedMs = performance.now() - seedStart;

  const probeCounter = new RequestCounter();
  const include = await includeSupport(routedClient(router, repo, probeCounter));

  const counter = new RequestCounter();
  const medplum = routedClient(router, repo, counter);
  const t0 = performance.now();
  const summary = await runDispatch(medplum, {
    practice,
    workflows,
    send: fakeCarrier(),
    // Time stands still for the run: the 45 s budget is a production guard, and the bench measures the
    // whole backlog in one run.
    now: () => new Date(NOW),
  });
  const batchedMs = performance.now() - t0;

  const naiveCounter = new RequestCounter();
  const n0 = performance.now();
  const naiveSent = await naiveDispatch(routedClient(router, naiveRepo, naiveCounter), fakeCarrier());
  const naiveMs = performance.now() - n0;

  const communications = await repo.searchResources<Communication>({
    resourceType: 'Communication',
    count: MESSAGES * 2,
  });
  const messages = communications.filter((c) => c.partOf).length;

  console.log(
    `\ndispatch on @medplum/fhir-router (MemoryRepository): ${PATIENTS} patients, ${MESSAGES} due SMS, fake carrier (seeded twice in ${(seedMs / 1000).toFixed(1)} s)`,
  );
  if (MESSAGES < 10_000) console.log(`(${FULL_SIZE_NOTE})`);
  console.log(
    `_include on FhirRouter+MemoryRepository: ${include.included} included resources for ${include.matches} matches → ${include.included ? 'supported' : 'NOT supported (ignored): runDispatch falls back to _id searches'}`,
  );
  console.log('dispatcher      sent   requests  req/100 msg   wall time');
  printRow({ label: 'runDispatch', sent: summary.sent, requests: counter.total, ms: batchedMs });
  printRow({ label: 'naive', sent: naiveSent, requests: naiveCounter.total, ms: naiveMs });
  const ratio = counter.total ? naiveCounter.total / counter.total : Number.NaN;
  const per100 = summary.sent ? (counter.total / summary.sent) * 100 : Number.POSITIVE_INFINITY;
  console.log(
    `ratio: ${ratio.toFixed(1)}× fewer requests than naive; target ≤5 per 100 and ≥10×: ${per100 <= 5 && ratio >= 10 ? 'met' : 'MISSED'}`,
  );
  console.log(
    `runDispatch summary: ${JSON.stringify(summary)}; ${messages} Communications recorded in threads`,
  );
  console.log('runDispatch requests by kind (count, server time; concurrent requests overlap):');
  for (const [kind, { count, ms }] of [...counter.byKind].sort((a, b) => b[1].ms - a[1].ms)) {
    console.log(`  ${String(count).padStart(5)}  ${(ms / 1000).toFixed(1).padStart(6)} s  ${kind}`);
  }
}
