import { MedplumClient } from '@medplum/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { validateTwilioSignature } from '../../src/channels/signature';
import { sendSms } from '../../src/channels/sms';
import type { TwilioConfig } from '../../src/channels/twilioConfig';
import { createTwilioStandIn, type TwilioStandIn } from '../../src/sandbox/twilio';
import { syntheticPatient } from '../fixtures/medplum';
import { startHarness, type Harness } from './botsHarness';

const SID = `AC${'2'.repeat(32)}`;
const TOKEN = 'stand-in-test-token';
const PRACTICE = '+13125550100';
const PATIENT = '+13125550142';

interface Received {
  url: string;
  params: Record<string, string>;
  valid: boolean;
}

let h: Harness;
let standIn: TwilioStandIn;
let received: Received[];
let config: TwilioConfig;

/** A webhook receiver on the harness that checks each request with the production signature check. */
function receiver(path: string, answer: string): void {
  h.use([
    {
      method: 'POST',
      path,
      handle: async (request) => {
        const params = Object.fromEntries(new URLSearchParams(await request.text()));
        const url = request.url;
        received.push({
          url,
          params,
          valid: validateTwilioSignature({
            authToken: TOKEN,
            url,
            params,
            signature: request.headers.get('x-twilio-signature'),
          }),
        });
        return new Response(answer, { headers: { 'content-type': 'text/xml' } });
      },
    },
  ]);
}

beforeEach(async () => {
  received = [];
  h = await startHarness({ start: new Date('2026-11-30T15:00:00Z') });
  standIn = createTwilioStandIn(h.ctx, {
    accountSid: SID,
    authToken: TOKEN,
    practiceNumber: PRACTICE,
    dataFile: `${h.dataDir}/phone.json`,
    smsUrl: () => `${h.baseUrl}/hooks/inbound`,
    landlines: ['+13125550177'],
    callbackDelayMs: 10,
    waitForRecord: false,
  });
  h.use(standIn.routes);
  receiver('/hooks/status', '<Response/>');
  receiver('/hooks/inbound', '<Response><Message>Thanks, you are confirmed &amp; set.</Message></Response>');
  config = {
    accountSid: SID,
    authToken: TOKEN,
    apiBaseUrl: `${h.baseUrl}/twilio`,
    from: PRACTICE,
    statusCallbackUrl: `${h.baseUrl}/hooks/status?source=sms`,
  };
});

afterEach(async () => {
  await standIn.idle();
  await h.close();
});

async function postMessage(fields: Record<string, string>, auth = `${SID}:${TOKEN}`): Promise<Response> {
  return fetch(`${h.baseUrl}/twilio/2010-04-01/Accounts/${SID}/Messages.json`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(auth).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams(fields).toString(),
  });
}

describe('Twilio stand-in REST API', () => {
  it('the production SMS sender gets a queued SM sid, then signed sent and delivered callbacks', async () => {
    const result = await sendSms(config, {
      to: PATIENT,
      body: 'Your visit is on Friday. Reply C to confirm.',
    });
    expect(result).toMatchObject({ ok: true, status: 'queued' });
    const sid = result.ok ? result.providerId : '';
    expect(sid).toMatch(/^SM[0-9a-f]{32}$/);
    await standIn.idle();
    const callbacks = received.filter((r) => r.url.includes('/hooks/status'));
    expect(callbacks.map((c) => c.params.MessageStatus)).toEqual(['sent', 'delivered']);
    expect(callbacks.every((c) => c.valid)).toBe(true);
    // The signature covers the exact URL, query string included.
    expect(callbacks[0]?.url).toBe(`${h.baseUrl}/hooks/status?source=sms`);
    expect(callbacks[0]?.params).toMatchObject({
      MessageSid: sid,
      AccountSid: SID,
      To: PATIENT,
      From: PRACTICE,
    });
    expect(standIn.messages().at(-1)?.status).toBe('delivered');
  });

  it('refuses wrong credentials with 401 in Twilio JSON', async () => {
    const res = await postMessage({ To: PATIENT, From: PRACTICE, Body: 'hi' }, `${SID}:wrong`);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: 20003, status: 401 });
    const none = await fetch(`${h.baseUrl}/twilio/2010-04-01/Accounts/${SID}/Messages.json`, {
      method: 'POST',
    });
    expect(none.status).toBe(401);
  });

  it('refuses a To that is not E.164 with 400 / 21211', async () => {
    const res = await postMessage({ To: '312-555-0142', From: PRACTICE, Body: 'hi' });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 21211, status: 400 });
    expect(standIn.messages()).toHaveLength(0);
  });

  it('a number that texted STOP gets 21610 until it texts START', async () => {
    await standIn.sendInbound({ from: PATIENT, body: 'STOP' });
    const refused = await postMessage({ To: PATIENT, From: PRACTICE, Body: 'Reminder' });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ code: 21610 });
    await standIn.sendInbound({ from: PATIENT, body: 'START' });
    expect((await postMessage({ To: PATIENT, From: PRACTICE, Body: 'Reminder' })).status).toBe(201);
  });

  it('a landline (listed, or only a home phone in the records) gets undelivered with 30006', async () => {
    const medplum = new MedplumClient({
      baseUrl: `${h.baseUrl}/`,
      fetch: (u: string, i?: RequestInit) => fetch(u, i),
    });
    medplum.setAccessToken('t');
    await medplum.createResource(
      syntheticPatient({ telecom: [{ system: 'phone', use: 'home', value: '(312) 555-0188' }] }),
    );
    for (const to of ['+13125550177', '+13125550188']) {
      const result = await sendSms(config, { to, body: 'Reminder' });
      expect(result.ok).toBe(true);
    }
    await standIn.idle();
    const finals = received.filter((r) => r.params.MessageStatus === 'undelivered');
    expect(finals).toHaveLength(2);
    expect(finals.every((f) => f.params.ErrorCode === '30006' && f.valid)).toBe(true);
  });
});

describe('phone page', () => {
  it('a reply from the phone page reaches the inbound webhook signed, and the TwiML answer shows as the next message', async () => {
    await sendSms(config, { to: PATIENT, body: 'Reply C to confirm.' });
    const res = await fetch(`${h.baseUrl}/phone/${encodeURIComponent(PATIENT)}/reply`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: 'body=C',
    });
    expect(res.status).toBe(200);
    const inbound = received.find((r) => r.url.endsWith('/hooks/inbound'));
    expect(inbound?.valid).toBe(true);
    expect(inbound?.params).toMatchObject({
      From: PATIENT,
      To: PRACTICE,
      Body: 'C',
      AccountSid: SID,
      NumSegments: '1',
    });
    expect(inbound?.params.MessageSid).toMatch(/^SM[0-9a-f]{32}$/);
    const thread = (await (await fetch(`${h.baseUrl}/phone/${encodeURIComponent(PATIENT)}.json`)).json()) as {
      items: { direction?: string; body?: string }[];
    };
    expect(thread.items.map((i) => [i.direction, i.body])).toEqual([
      ['outbound-api', 'Reply C to confirm.'],
      ['inbound', 'C'],
      ['outbound-reply', 'Thanks, you are confirmed & set.'],
    ]);
  });

  it('lists conversations with the patient name and renders escaped, self-contained HTML', async () => {
    const medplum = new MedplumClient({
      baseUrl: `${h.baseUrl}/`,
      fetch: (u: string, i?: RequestInit) => fetch(u, i),
    });
    medplum.setAccessToken('t');
    await medplum.createResource(syntheticPatient());
    await sendSms(config, { to: PATIENT, body: '<b>Reminder</b>' });
    const list = (await (await fetch(`${h.baseUrl}/phone.json`)).json()) as {
      numbers: { number: string; names: string[] }[];
    };
    expect(list.numbers).toEqual([expect.objectContaining({ number: PATIENT, names: ['Ana Testpatient'] })]);
    const page = await (await fetch(`${h.baseUrl}/phone/${encodeURIComponent(PATIENT)}`)).text();
    expect(page).toContain('&lt;b&gt;Reminder&lt;/b&gt;');
    expect(page).toContain('name="viewport"');
    expect(page).not.toMatch(/<(script|link)[^>]+(src|href)=/);
    expect(page).toContain('+1 day');
  });

  it('keeps conversations across a restart', async () => {
    await sendSms(config, { to: PATIENT, body: 'Kept' });
    await standIn.idle();
    const again = createTwilioStandIn(h.ctx, {
      accountSid: SID,
      authToken: TOKEN,
      practiceNumber: PRACTICE,
      dataFile: `${h.dataDir}/phone.json`,
    });
    expect(again.messages().map((m) => m.body)).toEqual(['Kept']);
  });

  it('a call shows its script and a key press posts a signed Gather result, then the call completes', async () => {
    const twiml = `<Response><Gather input="dtmf" numDigits="1" action="${h.baseUrl}/hooks/inbound"><Say language="en-US">Press 1 to confirm.</Say></Gather><Hangup/></Response>`;
    const res = await fetch(`${h.baseUrl}/twilio/2010-04-01/Accounts/${SID}/Calls.json`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${SID}:${TOKEN}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({
        To: PATIENT,
        From: PRACTICE,
        Twiml: twiml,
        StatusCallback: `${h.baseUrl}/hooks/status`,
        StatusCallbackEvent: 'completed',
      }).toString(),
    });
    expect(res.status).toBe(201);
    const call = (await res.json()) as { sid: string };
    expect(call.sid).toMatch(/^CA[0-9a-f]{32}$/);
    const page = await (await fetch(`${h.baseUrl}/phone/${encodeURIComponent(PATIENT)}`)).text();
    expect(page).toContain('Press 1 to confirm.');
    const press = await fetch(`${h.baseUrl}/phone/${encodeURIComponent(PATIENT)}/calls/${call.sid}/keys`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'digits=1',
      redirect: 'manual',
    });
    expect(press.status).toBe(303);
    const gather = received.find((r) => r.params.Digits === '1');
    expect(gather).toMatchObject({
      valid: true,
      params: expect.objectContaining({ CallSid: call.sid, To: PATIENT }),
    });
    expect(received.find((r) => r.params.CallStatus === 'completed')?.valid).toBe(true);
  });

  it('MedplumClient.sendEmail lands in the outbox', async () => {
    const medplum = new MedplumClient({
      baseUrl: `${h.baseUrl}/`,
      fetch: (u: string, i?: RequestInit) => fetch(u, i),
    });
    medplum.setAccessToken('t');
    const outcome = await medplum.sendEmail({
      to: 'ana@example.test',
      subject: 'A message from Lakeside',
      text: 'See you Friday.',
    });
    expect(outcome).toMatchObject({ resourceType: 'OperationOutcome' });
    const outbox = (await (await fetch(`${h.baseUrl}/outbox.json`)).json()) as {
      emails: { to: string; subject: string }[];
    };
    expect(outbox.emails).toEqual([
      expect.objectContaining({ to: 'ana@example.test', subject: 'A message from Lakeside' }),
    ]);
    expect(await (await fetch(`${h.baseUrl}/outbox`)).text()).toContain('See you Friday.');
  });
});
