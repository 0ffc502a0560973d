/**
 * Dispatch when the FHIR server fails (429, 5xx, whole requests or single batch entries) and when runs
 * overlap: no message is sent twice, no resource is duplicated, nothing stays claimed for ever, and what
 * a failed run sent is on record after the next one.
 */

import type { Appointment, BundleEntry, Communication, CommunicationRequest } from '@medplum/fhirtypes';
import type { MockClient } from '@medplum/mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { handleAppointment } from '../../src/bots/appointmentEvents';
import { EXT, ID_SYSTEM, type PracticeSettings, type WorkflowDefinition } from '../../src/engine';
import { DEFAULT_CLAIM_LEASE_MS } from '../../src/fhir/dispatchClaims';
import { DispatchWriteError, runDispatch, type LookupFn, type SendFn } from '../../src/fhir/dispatchRun';
import { loadPracticeSettings } from '../../src/fhir/practice';
import { loadActiveWorkflows } from '../../src/fhir/workflows';
import { FhirFaults, isBatch, medplumWithPractice, syntheticPatient } from '../fixtures/medplum';

const BOOKED_AT = new Date('2026-11-20T21:00:00Z'); // Fri 15:00 Chicago
const RUN = '2026-11-20T21:01:00.000Z'; // only each patient's booking confirmation is due
const FAST_RETRY = { attempts: 3, waitMs: 1 };

let medplum: MockClient;
let faults: FhirFaults;
let practice: PracticeSettings;
let workflows: WorkflowDefinition[];

beforeEach(async () => {
  faults = new FhirFaults();
  const setup = await medplumWithPractice({
    workflows: (p) => p.name === 'appointment-reminders',
    faults,
  });
  medplum = setup.medplum;
  practice = await loadPracticeSettings(medplum, setup.organization);
  workflows = (await loadActiveWorkflows(medplum)).workflows;
});

async function enrol(phone = '+13125550142'): Promise<string> {
  const patient = await medplum.createResource(
    syntheticPatient({ telecom: [{ system: 'phone', use: 'mobile', value: phone }] }),
  );
  const appointment = await medplum.createResource<Appointment>({
    resourceType: 'Appointment',
    status: 'booked',
    start: '2026-12-01T15:30:00Z',
    end: '2026-12-01T16:00:00Z',
    participant: [{ actor: { reference: `Patient/${patient.id}` }, status: 'needs-action' }],
  });
  await handleAppointment(medplum, appointment, { practice, workflows, now: BOOKED_AT });
  return patient.id ?? '';
}

function carrier(): { texts: string[]; send: SendFn } {
  const texts: string[] = [];
  return {
    texts,
    send: async (msg) => {
      texts.push(`${msg.to} ${msg.text}`);
      return { ok: true, providerId: `SM${texts.length}`, status: 'queued' };
    },
  };
}

function run(send: SendFn, at: string | Date, extra: Partial<Parameters<typeof runDispatch>[1]> = {}) {
  const now = new Date(at);
  return runDispatch(medplum, {
    practice,
    workflows,
    send,
    now: () => now,
    writeRetry: FAST_RETRY,
    ...extra,
  });
}

async function all<T extends 'CommunicationRequest' | 'Communication'>(
  type: T,
): Promise<(T extends 'Communication' ? Communication : CommunicationRequest)[]> {
  return (await medplum.searchResources(type, { _count: '1000' }, { cache: 'no-cache' })) as never;
}

/** The confirmation requests due at RUN. */
async function due(): Promise<CommunicationRequest[]> {
  return (await all('CommunicationRequest')).filter(
    (r) => r.status === 'active' && (r.occurrenceDateTime ?? '') <= RUN,
  );
}

/** Communications that record a send (MockClient's own sample data and thread headers left out). */
async function messages(): Promise<Communication[]> {
  return (await all('Communication')).filter((c) =>
    c.identifier?.some((i) => i.system === ID_SYSTEM.request),
  );
}

function keysOf(comms: Communication[]): string[] {
  return comms.map((c) => c.identifier?.find((i) => i.system === ID_SYSTEM.request)?.value ?? '');
}

const AFTER_LEASE = new Date(Date.parse(RUN) + DEFAULT_CLAIM_LEASE_MS + 60_000).toISOString();
/** The create of a Communication that records a send (not a thread header). */
const isCommunicationCreate = (e: BundleEntry): boolean =>
  e.request?.method === 'POST' &&
  e.request.url === 'Communication' &&
  (e.resource as Communication | undefined)?.identifier?.some((i) => i.system === ID_SYSTEM.request) === true;
const isRequestPut = (e: BundleEntry): boolean =>
  e.request?.method === 'PUT' && (e.request.url ?? '').startsWith('CommunicationRequest/');

describe('dispatch when FHIR fails', () => {
  it('a 429 on the search fails the run before anything is claimed or sent; the next run sends', async () => {
    await enrol();
    const { texts, send } = carrier();
    faults.add({ when: (c) => c.method === 'GET' && c.path.includes('CommunicationRequest?'), status: 429 });
    await expect(run(send, RUN)).rejects.toThrow();
    expect(texts).toHaveLength(0);
    expect((await due()).every((r) => !r.extension?.some((e) => e.url === EXT.dispatchClaim))).toBe(true);
    expect(await run(send, RUN)).toMatchObject({ sent: 1 });
    expect(texts).toHaveLength(1);
  });

  it('a refused claim batch (503) sends nothing and changes nothing; the next run sends once', async () => {
    await enrol();
    const before = await due();
    const { texts, send } = carrier();
    faults.add({ when: isBatch((e) => e.request?.ifMatch !== undefined), status: 503 });
    await expect(run(send, RUN)).rejects.toThrow();
    expect(texts).toHaveLength(0);
    expect((await due()).map((r) => r.meta?.versionId)).toEqual(before.map((r) => r.meta?.versionId));
    expect(await run(send, RUN)).toMatchObject({ sent: 1 });
    expect(await run(send, RUN)).toMatchObject({ sent: 0 });
    expect(texts).toHaveLength(1);
  });

  it('one claim refused with 503 in a batch: the others go, that one goes on the next run', async () => {
    await enrol('+13125550142');
    await enrol('+13125550143');
    const { texts, send } = carrier();
    faults.add({
      when: isBatch((e) => e.request?.ifMatch !== undefined),
      status: 503,
      entries: (_, i) => i === 0,
    });
    expect(await run(send, RUN)).toMatchObject({ sent: 1, skippedClaimed: 1 });
    expect(await run(send, RUN)).toMatchObject({ sent: 1 });
    expect(texts.map((t) => t.split(' ')[0]).sort()).toEqual(['+13125550142', '+13125550143']);
    expect(keysOf(await messages())).toHaveLength(2);
  });

  it('a Communication refused once (503) is written again in the same run', async () => {
    await enrol();
    const { texts, send } = carrier();
    faults.add({ when: isBatch(isCommunicationCreate), status: 503, entries: isCommunicationCreate });
    expect(await run(send, RUN)).toMatchObject({ sent: 1 });
    const [message, ...others] = await messages();
    expect(others).toHaveLength(0);
    expect(message?.identifier).toContainEqual({ system: ID_SYSTEM.providerMessage, value: 'SM1' });
    expect(await due()).toHaveLength(0);
    expect(texts).toHaveLength(1);
  });

  it('results refused for good (503): the run fails, a run within the lease leaves the message alone, a run after it records it once without resending', async () => {
    await enrol();
    const [request] = await due();
    const { texts, send } = carrier();
    // The claim batch is version-checked (If-Match): it goes through; every results batch is refused.
    faults.add({
      when: isBatch((e) => isRequestPut(e) && e.request?.ifMatch === undefined),
      status: 503,
      times: Infinity,
    });
    const failed = run(send, RUN);
    await expect(failed).rejects.toBeInstanceOf(DispatchWriteError);
    await expect(failed).rejects.toThrow(`CommunicationRequest/${request?.id}`);
    expect(texts).toHaveLength(1);
    const claimed = await medplum.readResource('CommunicationRequest', request?.id ?? '');
    expect(claimed.status).toBe('active');
    expect(claimed.extension?.find((e) => e.url === EXT.dispatchClaim)?.valueDateTime).toBe(RUN);

    faults.clear();
    // Five minutes later the claim still holds: the message is neither sent nor touched.
    expect(await run(send, '2026-11-20T21:06:00Z')).toMatchObject({ sent: 0, skippedClaimed: 1 });
    expect(texts).toHaveLength(1);

    // After the lease it is finished from the record: sent once, delivery unknown, not sent again.
    expect(await run(send, AFTER_LEASE)).toMatchObject({ sent: 0, recovered: 1 });
    expect(texts).toHaveLength(1);
    const done = await medplum.readResource('CommunicationRequest', request?.id ?? '');
    expect(done.status).toBe('completed');
    expect(done.extension?.some((e) => e.url === EXT.dispatchClaim)).toBe(false);
    const [message, ...others] = await messages();
    expect(others).toHaveLength(0);
    expect(message?.extension?.find((e) => e.url === EXT.deliveryStatus)?.valueCode).toBe('unknown');
    expect(message?.note?.[0]?.text).toContain('not sent again');
    expect(message?.payload?.[0]?.contentString).toBe(request?.payload?.[0]?.contentString);

    expect(await run(send, new Date(Date.parse(AFTER_LEASE) + 60_000))).toMatchObject({
      sent: 0,
      recovered: 0,
    });
    expect(texts).toHaveLength(1);
    expect(await messages()).toHaveLength(1);
  });

  it('the request updated but its Communication refused for good: put back under an expired claim, recorded by the very next run', async () => {
    await enrol();
    const [request] = await due();
    const { texts, send } = carrier();
    faults.add({
      when: isBatch(isCommunicationCreate),
      status: 500,
      times: FAST_RETRY.attempts,
      entries: isCommunicationCreate,
    });
    await expect(run(send, RUN)).rejects.toBeInstanceOf(DispatchWriteError);
    expect(await messages()).toHaveLength(0);
    const putBack = await medplum.readResource('CommunicationRequest', request?.id ?? '');
    expect(putBack.status).toBe('active');

    expect(await run(send, '2026-11-20T21:02:00Z')).toMatchObject({ sent: 0, recovered: 1 });
    expect(texts).toHaveLength(1);
    expect(await messages()).toHaveLength(1);
    expect((await medplum.readResource('CommunicationRequest', request?.id ?? '')).status).toBe('completed');
  });

  it('the Communication written but the request update refused: the next run after the lease completes it from the record', async () => {
    await enrol();
    const [request] = await due();
    const { texts, send } = carrier();
    faults.add({
      when: isBatch((e) => isRequestPut(e) && e.request?.ifMatch === undefined),
      status: 503,
      times: FAST_RETRY.attempts,
      entries: isRequestPut,
    });
    await expect(run(send, RUN)).rejects.toBeInstanceOf(DispatchWriteError);
    expect(await messages()).toHaveLength(1);

    expect(await run(send, AFTER_LEASE)).toMatchObject({ sent: 0, recovered: 1 });
    const done = await medplum.readResource('CommunicationRequest', request?.id ?? '');
    expect(done.status).toBe('completed');
    expect(done.occurrenceDateTime).toBe(RUN);
    const [message, ...others] = await messages();
    expect(others).toHaveLength(0);
    expect(message?.identifier).toContainEqual({ system: ID_SYSTEM.providerMessage, value: 'SM1' });
    expect(texts).toHaveLength(1);
  });
});

describe("dispatch finishing a run that stopped before recording, with the carrier's log", () => {
  /** Sends at RUN, then every results batch of that run is refused: the message is claimed, unrecorded. */
  async function abandonedAfterSending(): Promise<{ texts: string[]; request: CommunicationRequest }> {
    await enrol();
    const [request] = await due();
    const { texts, send } = carrier();
    faults.add({
      when: isBatch((e) => isRequestPut(e) && e.request?.ifMatch === undefined),
      status: 503,
      times: Infinity,
    });
    await expect(run(send, RUN)).rejects.toBeInstanceOf(DispatchWriteError);
    faults.clear();
    if (!request) throw new Error('fixture should have a due request');
    return { texts, request };
  }

  it("the log shows it went out: recorded with the carrier's id, not sent again", async () => {
    const { texts, request } = await abandonedAfterSending();
    const asked: string[] = [];
    const lookupSent: LookupFn = async (msg) => {
      asked.push(`${msg.to} ${msg.since}`);
      return { sent: true, providerId: 'SM1', status: 'delivered' };
    };
    const { send } = carrier();
    expect(await run(send, AFTER_LEASE, { lookupSent })).toMatchObject({ sent: 0, recovered: 1 });
    expect(asked).toEqual([`+13125550142 ${RUN}`]);
    expect(texts).toHaveLength(1);
    const [message, ...others] = await messages();
    expect(others).toHaveLength(0);
    expect(message?.identifier).toContainEqual({ system: ID_SYSTEM.providerMessage, value: 'SM1' });
    expect((await medplum.readResource('CommunicationRequest', request.id ?? '')).status).toBe('completed');
  });

  // The first run did send here; the lookup stands in for a run that stopped before its send.
  it('the log shows it never went out: sent now, once', async () => {
    const { request } = await abandonedAfterSending();
    const lookupSent: LookupFn = async () => ({ sent: false });
    const { texts, send } = carrier();
    expect(await run(send, AFTER_LEASE, { lookupSent })).toMatchObject({ sent: 1, recovered: 0 });
    expect(texts).toHaveLength(1);
    expect(await run(send, new Date(Date.parse(AFTER_LEASE) + 60_000), { lookupSent })).toMatchObject({
      sent: 0,
    });
    expect(texts).toHaveLength(1);
    const [message, ...others] = await messages();
    expect(others).toHaveLength(0);
    expect(message?.identifier).toContainEqual({ system: ID_SYSTEM.providerMessage, value: 'SM1' });
    expect((await medplum.readResource('CommunicationRequest', request.id ?? '')).status).toBe('completed');
  });

  it('the log cannot say (or the lookup fails): recorded as sent with unknown delivery, not sent again', async () => {
    await abandonedAfterSending();
    const lookupSent: LookupFn = async () => {
      throw new Error('Twilio unreachable');
    };
    const { texts, send } = carrier();
    expect(await run(send, AFTER_LEASE, { lookupSent })).toMatchObject({ sent: 0, recovered: 1 });
    expect(texts).toHaveLength(0);
    const [message] = await messages();
    expect(message?.extension?.find((e) => e.url === EXT.deliveryStatus)?.valueCode).toBe('unknown');
  });
});

describe('dispatch runs that overlap', () => {
  it('a run that starts while another is still sending leaves its claimed messages alone; they end up sent once', async () => {
    await enrol('+13125550142');
    await enrol('+13125550143');
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const texts: string[] = [];
    const slow: SendFn = async (msg) => {
      texts.push(msg.to);
      await gate;
      return { ok: true, providerId: `SMslow${texts.length}`, status: 'queued' };
    };
    const first = run(slow, RUN);
    while (texts.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    // The next minute's run sees both messages claimed a moment ago.
    const { texts: second, send } = carrier();
    expect(await run(send, '2026-11-20T21:02:00Z')).toMatchObject({ sent: 0, skippedClaimed: 2 });
    expect(second).toHaveLength(0);
    release();
    expect(await first).toMatchObject({ sent: 2 });
    expect(await due()).toHaveLength(0);
    expect(await messages()).toHaveLength(2);
    expect(await run(send, '2026-11-20T21:03:00Z')).toMatchObject({ sent: 0, skippedClaimed: 0 });
  });

  it('three copies at once over several patients: each message once, one thread each, no duplicates', async () => {
    const phones = ['+13125550142', '+13125550143', '+13125550144', '+13125550145'];
    for (const p of phones) await enrol(p);
    const { texts, send } = carrier();
    const results = await Promise.all([run(send, RUN), run(send, RUN), run(send, RUN)]);
    expect(results.reduce((n, r) => n + r.sent, 0)).toBe(phones.length);
    expect(texts.map((t) => t.split(' ')[0]).sort()).toEqual(phones);
    const comms = await all('Communication');
    expect(comms.filter((c) => c.identifier?.some((i) => i.system === ID_SYSTEM.thread))).toHaveLength(
      phones.length,
    );
    const keys = keysOf(await messages());
    expect(new Set(keys).size).toBe(phones.length);
    expect(keys).toHaveLength(phones.length);
    expect(await due()).toHaveLength(0);
  });

  it('a run out of time mid-page gives the unsent messages back; the next run sends them once', async () => {
    await enrol('+13125550142');
    await enrol('+13125550143');
    let clock = Date.parse(RUN);
    const texts: string[] = [];
    const send: SendFn = async (msg) => {
      texts.push(msg.to);
      clock += 60_000; // each send takes a minute
      return { ok: true, providerId: `SM${texts.length}`, status: 'queued' };
    };
    const summary = await runDispatch(medplum, {
      practice,
      workflows,
      send,
      now: () => new Date(clock),
      budgetMs: 30_000,
    });
    expect(summary).toMatchObject({ sent: 1, released: 1 });
    const waiting = await due();
    expect(waiting).toHaveLength(1);
    expect(waiting[0]?.extension?.some((e) => e.url === EXT.dispatchClaim)).toBe(false);
    expect(await run(carrier().send, new Date(clock).toISOString())).toMatchObject({ sent: 1 });
    expect(await messages()).toHaveLength(2);
  });

  it('the same planned message created twice (a non-atomic conditional create) is sent once; the copy is revoked', async () => {
    const patient = await medplum.createResource(syntheticPatient());
    const appointment = await medplum.createResource<Appointment>({
      resourceType: 'Appointment',
      status: 'booked',
      start: '2026-12-01T15:30:00Z',
      end: '2026-12-01T16:00:00Z',
      participant: [{ actor: { reference: `Patient/${patient.id}` }, status: 'needs-action' }],
    });
    // MockClient's conditional creates race: two booking events at once plan the enrolment twice.
    const ctx = { practice, workflows, now: BOOKED_AT };
    await Promise.all([
      handleAppointment(medplum, appointment, ctx),
      handleAppointment(medplum, appointment, ctx),
    ]);
    const copies = await due();
    expect(copies.length).toBe(2);
    expect(new Set(copies.map((r) => r.identifier?.[0]?.value)).size).toBe(1);
    const { texts, send } = carrier();
    await run(send, RUN);
    await run(send, '2026-11-20T21:02:00Z');
    expect(texts).toHaveLength(1);
    const after = await Promise.all(
      copies.map((r) => medplum.readResource('CommunicationRequest', r.id ?? '')),
    );
    expect(after.map((r) => r.status).sort()).toEqual(['completed', 'revoked']);
    expect(after.find((r) => r.status === 'revoked')?.statusReason?.text).toMatch(
      /^duplicate of CommunicationRequest\//,
    );
  });
});
