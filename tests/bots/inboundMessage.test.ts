import { OperationOutcomeError } from '@medplum/core';
import type { Communication } from '@medplum/fhirtypes';
import type { MockClient } from '@medplum/mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../src/bots/inboundMessage';
import { installClock } from '../../src/bots/runtime';
import { computeTwilioSignature } from '../../src/channels';
import { practiceWithRemindedPatient, secrets } from '../fixtures/medplum';

const AUTH_TOKEN = 'test-auth-token-0123456789';
const WEBHOOK_URL = 'https://medplum.example/webhook/inbound-membership';
let medplum: MockClient;
let organization: string;
let uninstall: () => void;
let patientId: string;
let appointmentId: string;

beforeEach(async () => {
  ({ medplum, organization, patientId, appointmentId } = await practiceWithRemindedPatient({
    telecom: [{ system: 'phone', use: 'mobile', value: '(312) 555-0142' }],
  }));
  uninstall = installClock({ now: () => new Date('2026-11-28T16:00:00Z') });
});
afterEach(() => uninstall());

function event(params: Record<string, string>, signature?: string) {
  return {
    bot: { reference: 'Bot/inbound' },
    contentType: 'application/x-www-form-urlencoded',
    input: new URLSearchParams(params).toString(),
    headers: signature === undefined ? {} : { 'x-twilio-signature': signature },
    secrets: secrets({
      CARELOOP_ORGANIZATION: organization,
      TWILIO_AUTH_TOKEN: AUTH_TOKEN,
      INBOUND_WEBHOOK_URL: WEBHOOK_URL,
    }),
  } as never;
}

function signed(params: Record<string, string>) {
  return event(params, computeTwilioSignature({ authToken: AUTH_TOKEN, url: WEBHOOK_URL, params }));
}

const sms = (body: string, sid = 'SMin1', from = '+13125550142') => ({
  MessageSid: sid,
  From: from,
  To: '+13125550100',
  Body: body,
  AccountSid: 'AC00000000000000000000000000000000',
});

async function twiml(params: Record<string, string>): Promise<string> {
  const binary = await handler(medplum, signed(params));
  return Buffer.from(binary.data ?? '', 'base64').toString('utf8');
}

async function inbound(): Promise<Communication[]> {
  const all = await medplum.searchResources('Communication', { _count: '100' }, { cache: 'no-cache' });
  return all.filter((c) => c.received && c.subject?.reference === `Patient/${patientId}`);
}

describe('inbound-message bot', () => {
  it('a "C" confirms the appointment, is recorded in the thread and acknowledged', async () => {
    const xml = await twiml(sms('C'));
    expect(xml).toMatch(/^<Response><Message>.*confirmed/);
    const appointment = await medplum.readResource('Appointment', appointmentId);
    expect(appointment.participant?.find((p) => p.actor?.reference === `Patient/${patientId}`)?.status).toBe(
      'accepted',
    );
    const [message] = await inbound();
    expect(message?.subject?.reference).toBe(`Patient/${patientId}`);
    expect(message?.partOf).toBeDefined();
    expect(message?.inResponseTo).toBeDefined();
    expect(message?.payload?.[0]?.contentString).toBe('C');
  });

  it('refuses forged and unsigned requests with 403 and stores nothing', async () => {
    const before = (await medplum.searchResources('Communication', { _count: '100' }, { cache: 'no-cache' }))
      .length;
    for (const e of [event(sms('STOP'), 'forged'), event(sms('STOP'))]) {
      const err = await handler(medplum, e).catch((x: unknown) => x);
      expect(err).toBeInstanceOf(OperationOutcomeError);
      expect((err as OperationOutcomeError).outcome.id).toBe('forbidden');
    }
    // A signature over other parameters does not carry over.
    const tampered = event(
      { ...sms('C'), Body: 'STOP' },
      computeTwilioSignature({ authToken: AUTH_TOKEN, url: WEBHOOK_URL, params: sms('C') }),
    );
    await expect(handler(medplum, tampered)).rejects.toBeInstanceOf(OperationOutcomeError);
    expect(
      (await medplum.searchResources('Communication', { _count: '100' }, { cache: 'no-cache' })).length,
    ).toBe(before);
  });

  it('STOP records the opt-out at once and confirms it; no reminder goes out afterwards', async () => {
    const xml = await twiml(sms('STOP'));
    expect(xml).toContain('unsubscribed');
    const consents = await medplum.searchResources(
      'Consent',
      { patient: `Patient/${patientId}` },
      { cache: 'no-cache' },
    );
    expect(consents.map((c) => c.provision?.type)).toEqual(['deny']);
    const pending = await medplum.searchResources(
      'CommunicationRequest',
      { subject: `Patient/${patientId}`, status: 'active' },
      { cache: 'no-cache' },
    );
    expect(pending).toHaveLength(0);
  });

  it('handles a Twilio retry of the same message once', async () => {
    await twiml(sms('R', 'SMdup'));
    const again = await twiml(sms('R', 'SMdup'));
    expect(again).toBe('<Response/>');
    const tasks = await medplum.searchResources('Task', { code: 'reschedule' }, { cache: 'no-cache' });
    expect(tasks.filter((t) => t.for?.reference === `Patient/${patientId}`)).toHaveLength(1);
    expect(await inbound()).toHaveLength(1);
  });

  it('an unknown number gets a polite answer and a task for the front office', async () => {
    const xml = await twiml(sms('Is this the dentist?', 'SMunknown', '+13125550199'));
    expect(xml).toContain('linked to a patient at Lakeside Family Clinic. Please call 312-555-0100.');
    const tasks = await medplum.searchResources('Task', { _count: '100' }, { cache: 'no-cache' });
    expect(tasks.some((t) => t.description?.includes('matches no patient'))).toBe(true);
  });

  it('reads emoji and long replies, and refuses a malformed body with 400', async () => {
    expect(await twiml(sms('👍', 'SMemoji'))).toContain('confirmed');
    const long = `${'I have a question about parking and the forms. '.repeat(40)}Where do I go?`;
    expect(await twiml(sms(long, 'SMlong'))).toContain('team member');
    const bad = { ...(signed(sms('C')) as object), input: 42 } as never;
    const err = await handler(medplum, bad).catch((x: unknown) => x);
    expect((err as OperationOutcomeError).outcome.issue?.[0]?.code).toBe('invalid');
  });

  it('a key press on the reminder call is read like the SMS menu', async () => {
    const params = { CallSid: 'CA1', From: '+13125550142', To: '+13125550100', Digits: '1' };
    const xml = await twiml(params);
    expect(xml).toMatch(/^<Response><Say>.*confirmed.*<\/Say><Hangup\/><\/Response>$/);
  });
});
