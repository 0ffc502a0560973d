/**
 * The two Twilio webhooks when the FHIR server fails (429, 5xx) and when Twilio sends one request twice
 * at once: the message is recorded and acted on exactly once, by a retry or by the watchdog, and the
 * webhook answers 500 so Twilio can retry.
 */

import { getStatus, OperationOutcomeError } from '@medplum/core';
import type { Communication, CommunicationRequest } from '@medplum/fhirtypes';
import type { MockClient } from '@medplum/mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { handleStatus } from '../../src/bots/deliveryStatus';
import { handler } from '../../src/bots/inboundMessage';
import { installClock } from '../../src/bots/runtime';
import { handleWatchdog } from '../../src/bots/watchdog';
import { computeTwilioSignature } from '../../src/channels';
import { EXT, ID_SYSTEM, type PracticeSettings, type WorkflowDefinition } from '../../src/engine';
import { runDispatch } from '../../src/fhir/dispatchRun';
import { isPendingInbound } from '../../src/fhir/inbound';
import { REPLY_TO_EXT } from '../../src/fhir/replyRequests';
import { FhirFaults, isBatch, practiceWithRemindedPatient, secrets } from '../fixtures/medplum';

const AUTH_TOKEN = 'test-auth-token-0123456789';
const WEBHOOK_URL = 'https://medplum.example/webhook/inbound-membership';
const NOW = new Date('2026-11-28T16:00:00Z');

let medplum: MockClient;
let faults: FhirFaults;
let organization: string;
let practice: PracticeSettings;
let workflows: WorkflowDefinition[];
let patientId: string;
let uninstall: () => void;

beforeEach(async () => {
  faults = new FhirFaults();
  ({ medplum, organization, practice, workflows, patientId } = await practiceWithRemindedPatient(
    { telecom: [{ system: 'phone', use: 'mobile', value: '+13125550142' }] },
    faults,
  ));
  uninstall = installClock({ now: () => NOW });
});
afterEach(() => uninstall());

const sms = (body: string, sid: string): Record<string, string> => ({
  MessageSid: sid,
  From: '+13125550142',
  To: '+13125550100',
  Body: body,
  AccountSid: 'AC00000000000000000000000000000000',
});

async function post(params: Record<string, string>): Promise<string> {
  const binary = await handler(medplum, {
    bot: { reference: 'Bot/inbound' },
    contentType: 'application/x-www-form-urlencoded',
    input: new URLSearchParams(params).toString(),
    headers: {
      'x-twilio-signature': computeTwilioSignature({ authToken: AUTH_TOKEN, url: WEBHOOK_URL, params }),
    },
    secrets: secrets({
      CARELOOP_ORGANIZATION: organization,
      TWILIO_AUTH_TOKEN: AUTH_TOKEN,
      INBOUND_WEBHOOK_URL: WEBHOOK_URL,
    }),
  } as never);
  return Buffer.from(binary.data ?? '', 'base64').toString('utf8');
}

async function statusOf(work: Promise<unknown>): Promise<number> {
  const err = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(OperationOutcomeError);
  return getStatus((err as OperationOutcomeError).outcome);
}

async function inbound(): Promise<Communication[]> {
  const all = await medplum.searchResources('Communication', { _count: '200' }, { cache: 'no-cache' });
  return all.filter((c) => c.received && c.subject?.reference === `Patient/${patientId}`);
}

async function tasks(code: string): Promise<number> {
  const found = await medplum.searchResources('Task', { code, _count: '100' }, { cache: 'no-cache' });
  return found.filter((t) => t.for?.reference === `Patient/${patientId}`).length;
}

async function denials(): Promise<number> {
  const found = await medplum.searchResources(
    'Consent',
    { patient: `Patient/${patientId}` },
    { cache: 'no-cache' },
  );
  return found.filter((c) => c.provision?.type === 'deny').length;
}

const writesTask = isBatch((e) => e.resource?.resourceType === 'Task');
const writesConsent = isBatch((e) => e.resource?.resourceType === 'Consent');

describe('inbound webhook when FHIR fails', () => {
  it("a 503 while acting on STOP answers 500 and keeps the message pending; Twilio's retry acts on it once", async () => {
    faults.add({ when: writesConsent, status: 503, times: Infinity });
    expect(await statusOf(post(sms('STOP', 'SMstop')))).toBe(500);
    const [recorded, ...more] = await inbound();
    expect(more).toHaveLength(0);
    expect(recorded && isPendingInbound(recorded)).toBe(true);
    expect(recorded?.payload?.[0]?.contentString).toBe('STOP');
    expect(await denials()).toBe(0);

    faults.clear();
    expect(await post(sms('STOP', 'SMstop'))).toContain('unsubscribed');
    expect(await denials()).toBe(1);
    const [done, ...others] = await inbound();
    expect(others).toHaveLength(0);
    expect(done && isPendingInbound(done)).toBe(false);
    // A further retry is answered with nothing and changes nothing.
    expect(await post(sms('STOP', 'SMstop'))).toBe('<Response/>');
    expect(await denials()).toBe(1);
  });

  it('a 429 before anything is stored answers 500 and stores nothing; the retry handles it', async () => {
    faults.add({ when: (c) => c.method === 'GET' && c.path.includes('Patient?'), status: 429 });
    expect(await statusOf(post(sms('R', 'SMr1')))).toBe(500);
    expect(await inbound()).toHaveLength(0);
    expect(await post(sms('R', 'SMr1'))).toContain('No problem');
    expect(await tasks('reschedule')).toBe(1);
  });

  it('left pending with no retry, the watchdog finishes it and dispatch sends the answer', async () => {
    faults.add({ when: writesTask, status: 500, times: Infinity });
    expect(await statusOf(post(sms('R', 'SMr2')))).toBe(500);
    expect(await tasks('reschedule')).toBe(0);
    faults.clear();

    const later = new Date(NOW.getTime() + 10 * 60_000);
    const ctx = { practice, workflows, clock: () => later, settleMs: 0 };
    const first = await handleWatchdog(medplum, ctx);
    expect(first.inbound.resumed).toHaveLength(1);
    expect(first.errors).toEqual([]);
    expect(await tasks('reschedule')).toBe(1);
    expect((await inbound()).map(isPendingInbound)).toEqual([false]);
    const queued = (
      await medplum.searchResources(
        'CommunicationRequest',
        { subject: `Patient/${patientId}`, status: 'active', _count: '100' },
        { cache: 'no-cache' },
      )
    ).filter((r: CommunicationRequest) => r.extension?.some((e) => e.url === REPLY_TO_EXT));
    expect(queued).toHaveLength(1);

    const texts: string[] = [];
    await runDispatch(medplum, {
      practice,
      workflows,
      now: () => later,
      send: async (msg) => {
        texts.push(msg.text);
        return { ok: true, providerId: 'SManswer', status: 'queued' };
      },
    });
    expect(texts).toEqual([queued[0]?.payload?.[0]?.contentString]);
    expect(texts[0]).toContain('No problem');

    const second = await handleWatchdog(medplum, ctx);
    expect(second.inbound.resumed).toHaveLength(0);
    expect(await tasks('reschedule')).toBe(1);
  });

  /** Runs the watchdog 10 minutes on, then dispatch; returns the texts dispatch sent. */
  async function watchdogThenDispatch(): Promise<string[]> {
    const later = new Date(NOW.getTime() + 10 * 60_000);
    const resumed = await handleWatchdog(medplum, { practice, workflows, clock: () => later, settleMs: 0 });
    expect(resumed.inbound.resumed).toHaveLength(1);
    expect(resumed.errors).toEqual([]);
    const texts: string[] = [];
    await runDispatch(medplum, {
      practice,
      workflows,
      now: () => later,
      send: async (msg) => {
        texts.push(msg.text);
        return { ok: true, providerId: `SMsent${texts.length}`, status: 'queued' };
      },
    });
    return texts;
  }

  it('a STOP finished by the watchdog still gets its one confirmation text, and nothing else goes', async () => {
    faults.add({ when: writesConsent, status: 500, times: Infinity });
    expect(await statusOf(post(sms('STOP', 'SMstop2')))).toBe(500);
    faults.clear();

    const texts = await watchdogThenDispatch();
    expect(await denials()).toBe(1);
    expect(texts).toEqual([expect.stringContaining("You're unsubscribed from Lakeside Family Clinic")]);
    const revoked = await medplum.searchResources(
      'CommunicationRequest',
      { subject: `Patient/${patientId}`, status: 'revoked', _count: '100' },
      { cache: 'no-cache' },
    );
    expect(revoked.filter((r) => r.extension?.some((e) => e.url === REPLY_TO_EXT))).toEqual([]);
  });

  it('HELP from a patient who opted out, finished by the watchdog, is still answered', async () => {
    expect(await post(sms('STOP', 'SMstop3'))).toContain('unsubscribed');
    const writesAnswer = (c: { method: string; path: string; body: unknown }): boolean =>
      c.method === 'POST' &&
      c.path.startsWith('fhir/R4/Communication') &&
      JSON.stringify(c.body ?? '').includes('answer:Communication/');
    faults.add({ when: writesAnswer, status: 500, times: Infinity });
    expect(await statusOf(post(sms('HELP', 'SMhelp')))).toBe(500);
    faults.clear();

    const texts = await watchdogThenDispatch();
    expect(texts).toHaveLength(1);
    expect(texts[0]).toContain('Msg & data rates may apply');
  });

  it('two copies of one message at once: one answer, one Communication that counts, one task', async () => {
    const answers = await Promise.all([post(sms('R', 'SMtwin')), post(sms('R', 'SMtwin'))]);
    expect(answers.filter((a) => a !== '<Response/>')).toHaveLength(1);
    // The in-memory server lets both conditional creates through; the later copy is retired.
    const copies = await inbound();
    expect(copies.filter((c) => c.status !== 'entered-in-error')).toHaveLength(1);
    expect(copies.every((c) => !isPendingInbound(c))).toBe(true);
    expect(await tasks('reschedule')).toBe(1);
  });
});

describe('delivery-status webhook when FHIR fails', () => {
  const callback = (status: string, errorCode?: string) =>
    handleStatus(
      medplum,
      { MessageSid: 'SM3day', MessageStatus: status, ...(errorCode ? { ErrorCode: errorCode } : {}) },
      { practice, workflows, now: new Date('2026-11-28T15:40:00Z') },
    );

  async function sent3day(): Promise<{ message?: Communication; request?: CommunicationRequest }> {
    const [message] = await medplum.searchResources(
      'Communication',
      { identifier: `${ID_SYSTEM.providerMessage}|SM3day` },
      { cache: 'no-cache' },
    );
    const ref = message?.basedOn?.[0]?.reference ?? '';
    const request = ref
      ? await medplum.readResource('CommunicationRequest', ref.slice('CommunicationRequest/'.length))
      : undefined;
    return { ...(message ? { message } : {}), ...(request ? { request } : {}) };
  }

  it('30003 with the requeue refused: the status is not recorded, so the retried callback requeues once', async () => {
    faults.add({ when: (c) => c.method === 'PUT' && c.path.includes('CommunicationRequest/'), status: 503 });
    await expect(callback('undelivered', '30003')).rejects.toThrow();
    const before = await sent3day();
    expect(before.message?.extension?.find((e) => e.url === EXT.deliveryStatus)?.valueCode).not.toBe(
      'undelivered',
    );
    expect(before.request?.status).toBe('completed');

    expect((await callback('undelivered', '30003')).outcome).toBe('requeued');
    // Twilio sends the same callback again: still one requeue, one attempt counted.
    expect((await callback('undelivered', '30003')).outcome).toBe('ignored-stale');
    const after = await sent3day();
    expect(after.request?.status).toBe('active');
    expect(after.request?.extension?.find((e) => e.url === EXT.dispatchAttempts)?.valueInteger).toBe(1);
  });

  it('a late failure callback about a send that was since repeated does not queue it a third time', async () => {
    expect((await callback('undelivered', '30003')).outcome).toBe('requeued');
    // Dispatch sends it again (a second Communication, keyed by the attempt).
    await runDispatch(medplum, {
      practice,
      workflows,
      now: () => new Date('2026-11-28T15:46:00Z'),
      send: async () => ({ ok: true, providerId: 'SM3day-again', status: 'queued' }),
    });
    const { request } = await sent3day();
    expect(request?.status).toBe('completed');
    // A duplicate "failed" for the first send arrives late.
    await callback('failed', '30003');
    expect((await sent3day()).request?.status).toBe('completed');
  });
});
