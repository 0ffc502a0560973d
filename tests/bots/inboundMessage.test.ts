import { getStatus, OperationOutcomeError } from '@medplum/core';
import type { Communication } from '@medplum/fhirtypes';
import type { MockClient } from '@medplum/mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../src/bots/inboundMessage';
import { installClock } from '../../src/bots/runtime';
import { computeTwilioSignature } from '../../src/channels';
import { EXT, ID_SYSTEM, mediumFor } from '../../src/engine';
import {
  addSecondPractice,
  filedUnder,
  practiceWithRemindedPatient,
  secrets,
  syntheticPatient,
} from '../fixtures/medplum';

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

const CALL_SID = 'CA0123456789abcdef0123456789abcdef';

/** What Twilio posts to a `<Gather action>` on a call we placed: From is our caller ID, To the patient. */
const gather = (digits: string, callSid = CALL_SID) => ({
  AccountSid: 'AC00000000000000000000000000000000',
  ApiVersion: '2010-04-01',
  CallSid: callSid,
  CallStatus: 'in-progress',
  Called: '+13125550142',
  Caller: '+13125550100',
  Direction: 'outbound-api',
  Digits: digits,
  FinishedOnKey: '',
  From: '+13125550100',
  To: '+13125550142',
  msg: 'Gather End',
});

/** The record dispatch writes for a reminder call it placed (as for the 3-day text, but by voice). */
async function placedCallRecord(callSid: string): Promise<Communication> {
  const [text] = await medplum.searchResources(
    'Communication',
    { identifier: `${ID_SYSTEM.providerMessage}|SM3day` },
    { cache: 'no-cache' },
  );
  return medplum.createResource<Communication>({
    resourceType: 'Communication',
    identifier: [{ system: ID_SYSTEM.providerMessage, value: callSid }],
    extension: [{ url: EXT.deliveryStatus, valueCode: 'queued' }],
    status: 'in-progress',
    basedOn: text?.basedOn,
    medium: [mediumFor('voice')],
    subject: { reference: `Patient/${patientId}` },
    recipient: [{ reference: `Patient/${patientId}` }],
    sent: '2026-11-28T15:45:00Z',
    payload: [{ contentString: 'Press 1 to confirm or 3 to reschedule.' }],
  });
}

/** The descriptions of tasks that ask a person to read a message (the plan's own planned tasks have none). */
async function tasks(): Promise<string[]> {
  return (await medplum.searchResources('Task', { _count: '100' }, { cache: 'no-cache' }))
    .map((t) => t.description ?? '')
    .filter((d) => d !== '');
}

describe('inbound-message bot: key presses on reminder calls we placed', () => {
  it('finds the patient by To when Direction is outbound-api, even before the call is on record', async () => {
    const xml = await twiml(gather('1'));
    expect(xml).toMatch(/^<Response><Say>.*confirmed.*<\/Say><Hangup\/><\/Response>$/);
    expect(xml).not.toContain('linked to a patient');
    const appointment = await medplum.readResource('Appointment', appointmentId);
    expect(appointment.participant?.find((p) => p.actor?.reference === `Patient/${patientId}`)?.status).toBe(
      'accepted',
    );
    expect(await tasks()).toEqual([]);
    const [press] = await inbound();
    expect(press?.payload?.[0]?.contentString).toBe('1');
  });

  it('finds the patient from the record of the call the CallSid names, and answers that call', async () => {
    const call = await placedCallRecord(CALL_SID);
    // Without Direction the CallSid alone says it is our call.
    const xml = await twiml(without(gather('3'), 'Direction'));
    expect(xml).toContain('<Say>');
    const [press] = await inbound();
    expect(press?.inResponseTo?.[0]?.reference).toBe(`Communication/${call.id}`);
    const open = await tasks();
    // The reschedule request goes to the schedulers; no one is asked who called.
    expect(open).toEqual([expect.stringContaining('Patient replied: "3"')]);
  });

  it("a call's status callback on this webhook is no reply: no message, no task, the call's status kept", async () => {
    const call = await placedCallRecord(CALL_SID);
    const statusCallback = {
      AccountSid: 'AC00000000000000000000000000000000',
      ApiVersion: '2010-04-01',
      CallSid: CALL_SID,
      CallStatus: 'completed',
      CallDuration: '31',
      Direction: 'outbound-api',
      From: '+13125550100',
      To: '+13125550142',
      Timestamp: 'Sat, 28 Nov 2026 15:46:00 +0000',
      SequenceNumber: '0',
    };
    expect(await twiml(statusCallback)).toBe('<Response/>');
    expect(await inbound()).toEqual([]);
    expect(await tasks()).toEqual([]);
    const after = await medplum.readResource('Communication', call.id ?? '');
    expect(after.status).toBe('completed');
    expect(after.extension?.find((e) => e.url === EXT.deliveryStatus)?.valueCode).toBe('completed');
  });
});

function without(params: Record<string, string>, name: string): Record<string, string> {
  return Object.fromEntries(Object.entries(params).filter(([key]) => key !== name));
}

describe('inbound-message bot: bad input gets a clear answer and loses nothing', () => {
  async function refusal(input: unknown): Promise<{ status: number; text: string }> {
    const bad = { ...(signed(sms('C')) as object), input } as never;
    const err = await handler(medplum, bad).catch((x: unknown) => x);
    expect(err).toBeInstanceOf(OperationOutcomeError);
    const outcome = (err as OperationOutcomeError).outcome;
    return { status: getStatus(outcome), text: outcome.issue?.[0]?.details?.text ?? '' };
  }

  it('a body that is not a form, nested, or oversized is refused with 400 saying why, and nothing is stored', async () => {
    expect(await refusal(['Body', 'C'])).toEqual({ status: 400, text: expect.stringContaining('array') });
    expect(await refusal({ Body: { nested: 'C' } })).toEqual({
      status: 400,
      text: expect.stringContaining('not a string'),
    });
    expect(await refusal(`Body=${'x'.repeat(40_000)}`)).toEqual({
      status: 400,
      text: expect.stringContaining('larger than'),
    });
    expect(await inbound()).toHaveLength(0);
  });

  it('a signed body without From is refused with 400 naming the field', async () => {
    const err = await handler(medplum, signed(without(sms('C', 'SMnofrom'), 'From'))).catch(
      (x: unknown) => x,
    );
    const outcome = (err as OperationOutcomeError).outcome;
    expect(getStatus(outcome)).toBe(400);
    expect(outcome.issue?.[0]?.details?.text).toContain('From');
  });

  it.each([
    ['an alphanumeric sender', 'LAKESIDE'],
    ['a short code', '72345'],
    ['a number too short to be E.164', '+1555'],
  ])('%s is an unknown number: a polite answer, the message kept, a task to read it', async (_, from) => {
    const xml = await twiml(sms('Hello? 👋', `SM-${from}`, from));
    expect(xml).toContain('isn&apos;t linked to a patient at Lakeside Family Clinic');
    const all = await medplum.searchResources('Communication', { _count: '200' }, { cache: 'no-cache' });
    const kept = all.filter((c) => c.identifier?.some((i) => i.value === `SM-${from}`));
    expect(kept.map((c) => c.payload?.[0]?.contentString)).toEqual(['Hello? 👋']);
    const tasks = await medplum.searchResources('Task', { _count: '100' }, { cache: 'no-cache' });
    expect(tasks.filter((t) => t.focus?.reference === `Communication/${kept[0]?.id}`)).toHaveLength(1);
  });

  it('a message without a Body or without a MessageSid is still recorded and answered', async () => {
    expect(await twiml(without(sms('', 'SMempty'), 'Body'))).toContain('team member');
    expect(await twiml(without(sms('C'), 'MessageSid'))).toContain('confirmed');
    // FHIR has no empty strings: the empty message is kept without text.
    expect((await inbound()).map((c) => c.payload?.[0]?.contentString)).toEqual([undefined, 'C']);
  });

  it('a 2,000-character reply with emoji and accents is stored whole', async () => {
    const words = '¿Puedo llevar a mi hijo? 👶🏽 Gracias. ';
    const long = words.repeat(Math.ceil(2000 / words.length)).slice(0, 2000);
    expect(await twiml(sms(long, 'SMlong2000'))).toContain('<Response><Message>');
    const [kept] = await inbound();
    expect(kept?.payload?.[0]?.contentString).toBe(long);
  });
});

describe('inbound-message bot in a project holding several practices', () => {
  let riverbend: string;

  beforeEach(async () => {
    riverbend = await addSecondPractice(medplum);
    // Lakeside's patient is filed under Lakeside, as the EHR sync files it.
    const ours = await medplum.readResource('Patient', patientId);
    await medplum.updateResource({ ...ours, ...filedUnder(organization) });
  });

  /** A Riverbend patient with `phone`, texted by Riverbend more recently than Lakeside texted its patient. */
  async function theirPatient(phone: string): Promise<string> {
    const p = await medplum.createResource(
      syntheticPatient({
        ...filedUnder(riverbend),
        telecom: [{ system: 'phone', use: 'mobile', value: phone }],
      }),
    );
    await medplum.createResource<Communication>({
      resourceType: 'Communication',
      meta: { accounts: [{ reference: riverbend as `Organization/${string}` }] },
      status: 'completed',
      basedOn: [{ reference: 'CommunicationRequest/riverbend-reminder' }],
      medium: [mediumFor('sms')],
      subject: { reference: `Patient/${p.id}` },
      sent: '2026-11-28T15:45:00Z',
      payload: [{ contentString: 'Riverbend Health Center: see you Tuesday.' }],
    });
    return `Patient/${p.id}`;
  }

  async function answersFor(patientRef: string): Promise<Communication[]> {
    const all = await medplum.searchResources('Communication', { _count: '100' }, { cache: 'no-cache' });
    return all.filter((c) => c.received && c.subject?.reference === patientRef);
  }

  it("a number shared with another practice's patient is this practice's patient", async () => {
    const theirs = await theirPatient('+13125550142');
    const xml = await twiml(sms('C', 'SMshared'));
    expect(xml).toMatch(/^<Response><Message>.*confirmed/);
    expect(await inbound()).toHaveLength(1);
    expect(await answersFor(theirs)).toHaveLength(0);
    const appointment = await medplum.readResource('Appointment', appointmentId);
    expect(appointment.participant?.find((p) => p.actor?.reference === `Patient/${patientId}`)?.status).toBe(
      'accepted',
    );
  });

  it('a number only another practice knows is an unknown number here', async () => {
    const theirs = await theirPatient('+12065550161');
    const xml = await twiml(sms('C', 'SMtheirs', '+12065550161'));
    expect(xml).toContain('linked to a patient at Lakeside Family Clinic. Please call 312-555-0100.');
    expect(await answersFor(theirs)).toHaveLength(0);
    const tasks = await medplum.searchResources('Task', { _count: '100' }, { cache: 'no-cache' });
    expect(tasks.filter((t) => t.description?.includes('matches no patient'))).toHaveLength(1);
    expect(tasks.some((t) => t.for?.reference === theirs)).toBe(false);
  });
});
