import type { OperationOutcomeError } from '@medplum/core';
import type { Communication } from '@medplum/fhirtypes';
import type { MockClient } from '@medplum/mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { handleStatus, handler } from '../../src/bots/deliveryStatus';
import { computeTwilioSignature } from '../../src/channels';
import { EXT, ID_SYSTEM, mediumFor, type PracticeSettings, type WorkflowDefinition } from '../../src/engine';
import { practiceWithRemindedPatient, secrets } from '../fixtures/medplum';

let medplum: MockClient;
let organization: string;
let practice: PracticeSettings;
let workflows: WorkflowDefinition[];
let patientId: string;
const NOW = new Date('2026-11-28T15:40:00Z');

beforeEach(async () => {
  ({ medplum, organization, practice, workflows, patientId } = await practiceWithRemindedPatient());
});

const callback = (status: string, errorCode?: string) =>
  handleStatus(
    medplum,
    { MessageSid: 'SM3day', MessageStatus: status, ...(errorCode ? { ErrorCode: errorCode } : {}) },
    { practice, workflows, now: NOW },
  );

async function message(): Promise<Communication | undefined> {
  const [c] = await medplum.searchResources(
    'Communication',
    { identifier: 'https://careloop.health/fhir/identifier/provider-message|SM3day' },
    { cache: 'no-cache' },
  );
  return c;
}

describe('delivery-status bot', () => {
  it('keeps the delivery status current and ignores callbacks that arrive out of order', async () => {
    expect((await callback('sent')).outcome).toBe('updated');
    expect((await callback('delivered')).outcome).toBe('updated');
    expect((await callback('sent')).outcome).toBe('ignored-stale');
    const c = await message();
    expect(c?.status).toBe('completed');
    expect(c?.extension?.find((e) => e.url === EXT.deliveryStatus)?.valueCode).toBe('delivered');
  });

  it('queues a message again after a transient failure (30003)', async () => {
    expect((await callback('undelivered', '30003')).outcome).toBe('requeued');
    const active = await medplum.searchResources(
      'CommunicationRequest',
      { subject: `Patient/${patientId}`, status: 'active' },
      { cache: 'no-cache' },
    );
    expect(active.some((r) => r.occurrenceDateTime === '2026-11-28T15:45:00.000Z')).toBe(true);
  });

  it('a landline (30006) falls back to a call and asks staff to fix the number', async () => {
    expect((await callback('failed', '30006')).outcome).toBe('failed');
    const active = await medplum.searchResources(
      'CommunicationRequest',
      { subject: `Patient/${patientId}`, status: 'active' },
      { cache: 'no-cache' },
    );
    expect(active.some((r) => r.medium?.[0]?.coding?.[0]?.code === 'voice')).toBe(true);
    const tasks = await medplum.searchResources(
      'Task',
      { patient: `Patient/${patientId}` },
      { cache: 'no-cache' },
    );
    expect(tasks.map((t) => t.code?.coding?.[0]?.code)).toContain('fix-contact');
    expect((await message())?.status).toBe('not-done');
  });

  it('an opt-out reported by the carrier (21610) is recorded as the patient opting out of SMS', async () => {
    await callback('failed', '21610');
    const consents = await medplum.searchResources(
      'Consent',
      { patient: `Patient/${patientId}` },
      { cache: 'no-cache' },
    );
    expect(consents.map((c) => [c.provision?.type, c.provision?.code?.[0]?.coding?.[0]?.code])).toEqual([
      ['deny', 'sms'],
    ]);
  });

  it("a reminder call's status callback (CallSid, CallStatus) keeps the call's record current", async () => {
    const sms = await message();
    const call = await medplum.createResource<Communication>({
      resourceType: 'Communication',
      identifier: [{ system: ID_SYSTEM.providerMessage, value: 'CA0123456789abcdef0123456789abcdef' }],
      extension: [{ url: EXT.deliveryStatus, valueCode: 'queued' }],
      status: 'in-progress',
      basedOn: sms?.basedOn,
      medium: [mediumFor('voice')],
      subject: { reference: `Patient/${patientId}` },
      sent: '2026-11-28T15:35:00Z',
      payload: [{ contentString: 'Press 1 to confirm.' }],
    });
    const result = await handleStatus(
      medplum,
      {
        CallSid: 'CA0123456789abcdef0123456789abcdef',
        CallStatus: 'completed',
        CallDuration: '28',
        Direction: 'outbound-api',
        From: '+13125550100',
        To: '+13125550142',
      },
      { practice, workflows, now: NOW },
    );
    expect(result).toEqual({ outcome: 'updated', communication: `Communication/${call.id}` });
    const after = await medplum.readResource('Communication', call.id ?? '');
    expect(after.status).toBe('completed');
    expect(after.extension?.find((e) => e.url === EXT.deliveryStatus)?.valueCode).toBe('completed');
  });

  it('refuses an unsigned callback with 403', async () => {
    const err = await handler(medplum, {
      bot: { reference: 'Bot/status' },
      contentType: 'application/x-www-form-urlencoded',
      input: 'MessageSid=SM3day&MessageStatus=delivered',
      headers: {},
      secrets: secrets({
        CARELOOP_ORGANIZATION: organization,
        TWILIO_AUTH_TOKEN: 'tok',
        STATUS_WEBHOOK_URL: 'https://medplum.example/webhook/status',
      }),
    } as never).catch((x: unknown) => x);
    expect((err as OperationOutcomeError).outcome.id).toBe('forbidden');
    const params = { MessageSid: 'SM3day', MessageStatus: 'delivered' };
    const ok = await handler(medplum, {
      bot: { reference: 'Bot/status' },
      contentType: 'application/x-www-form-urlencoded',
      input: new URLSearchParams(params).toString(),
      headers: {
        'x-twilio-signature': computeTwilioSignature({
          authToken: 'tok',
          url: 'https://medplum.example/webhook/status',
          params,
        }),
      },
      secrets: secrets({
        CARELOOP_ORGANIZATION: organization,
        TWILIO_AUTH_TOKEN: 'tok',
        STATUS_WEBHOOK_URL: 'https://medplum.example/webhook/status',
      }),
    } as never);
    expect(ok.contentType).toBe('text/xml');
    expect((await message())?.status).toBe('completed');
  });
});
