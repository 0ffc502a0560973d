import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fetchDeliveryStatus } from '../../src/channels/providerStatus';
import { findSentSms } from '../../src/channels/sentLookup';
import { sendSms } from '../../src/channels/sms';
import type { TwilioConfig } from '../../src/channels/twilioConfig';
import { placeCall } from '../../src/channels/voice';
import { createTwilioStandIn, type TwilioStandIn } from '../../src/sandbox/twilio';
import { startHarness, type Harness } from './botsHarness';

const SID = `AC${'3'.repeat(32)}`;
const TOKEN = 'stand-in-read-token';
const PRACTICE = '+13125550100';
const PATIENT = '+13125550142';
const OTHER = '+13125550143';
const LANDLINE = '+13125550177';
const UNKNOWN_SM = `SM${'0'.repeat(32)}`;

let h: Harness;
let standIn: TwilioStandIn;
let config: TwilioConfig;

beforeEach(async () => {
  h = await startHarness({ start: new Date('2026-11-30T15:00:00Z') });
  standIn = createTwilioStandIn(h.ctx, {
    accountSid: SID,
    authToken: TOKEN,
    practiceNumber: PRACTICE,
    landlines: [LANDLINE],
    // Long enough that a read right after the POST still finds the message queued.
    callbackDelayMs: 150,
    waitForRecord: false,
  });
  h.use(standIn.routes);
  h.use([{ method: 'POST', path: '/hooks/status', handle: () => Promise.resolve(new Response('')) }]);
  config = {
    accountSid: SID,
    authToken: TOKEN,
    apiBaseUrl: `${h.baseUrl}/twilio`,
    from: PRACTICE,
    statusCallbackUrl: `${h.baseUrl}/hooks/status`,
  };
});

afterEach(async () => {
  await standIn.stop();
  await h.close();
});

async function get(path: string, auth = `${SID}:${TOKEN}`): Promise<Response> {
  return fetch(`${h.baseUrl}/twilio/2010-04-01/Accounts/${path}`, {
    headers: { authorization: `Basic ${Buffer.from(auth).toString('base64')}` },
  });
}

async function sent(to: string, body: string): Promise<string> {
  const result = await sendSms(config, { to, body });
  if (!result.ok) throw new Error(result.reason);
  return result.providerId;
}

describe('Twilio stand-in: a message or call by SID (what the watchdog reads)', () => {
  it('fetchDeliveryStatus reads a text as queued, then delivered once the carrier is done', async () => {
    const sid = await sent(PATIENT, 'Your visit is on Friday.');
    // Callbacks are delayed, so right after the POST Twilio still has it queued.
    expect(await fetchDeliveryStatus(config, { channel: 'sms', sid })).toEqual({
      known: true,
      callback: { MessageSid: sid, MessageStatus: 'queued' },
    });
    await standIn.idle();
    expect(await fetchDeliveryStatus(config, { channel: 'sms', sid })).toEqual({
      known: true,
      callback: { MessageSid: sid, MessageStatus: 'delivered' },
    });
  });

  it('a landline text reads undelivered with error 30006, in the callback shape the status logic maps', async () => {
    const sid = await sent(LANDLINE, 'Reminder');
    await standIn.idle();
    expect(await fetchDeliveryStatus(config, { channel: 'sms', sid })).toEqual({
      known: true,
      callback: { MessageSid: sid, MessageStatus: 'undelivered', ErrorCode: '30006' },
    });
    const resource = (await (await get(`${SID}/Messages/${sid}.json`)).json()) as Record<string, unknown>;
    expect(resource).toMatchObject({
      sid,
      to: LANDLINE,
      from: PRACTICE,
      status: 'undelivered',
      error_code: 30006,
      error_message: 'Landline or unreachable carrier',
      direction: 'outbound-api',
    });
    expect(resource.date_sent).toMatch(/^Mon, 30 Nov 2026 15:0\d:\d\d \+0000$/);
  });

  it('a call reads ringing until answered on the phone page, then completed', async () => {
    const placed = await placeCall(config, {
      to: PATIENT,
      twiml: '<Response><Say>Your visit is on Friday.</Say></Response>',
    });
    const sid = placed.ok ? placed.providerId : '';
    expect(sid).toMatch(/^CA[0-9a-f]{32}$/);
    expect(await fetchDeliveryStatus(config, { channel: 'voice', sid })).toEqual({
      known: true,
      callback: { CallSid: sid, CallStatus: 'ringing' },
    });
    await standIn.hangUp(sid);
    expect(await fetchDeliveryStatus(config, { channel: 'voice', sid })).toEqual({
      known: true,
      callback: { CallSid: sid, CallStatus: 'completed' },
    });
    const resource = (await (await get(`${SID}/Calls/${sid}.json`)).json()) as Record<string, unknown>;
    expect(resource).toMatchObject({ sid, to: PATIENT, from: PRACTICE, status: 'completed', duration: '25' });
    expect(resource.end_time).toMatch(/\+0000$/);
  });

  it('an unknown SID answers 404 in Twilio error JSON (code 20404), which reads as "not known"', async () => {
    const res = await get(`${SID}/Messages/${UNKNOWN_SM}.json`);
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({
      code: 20404,
      status: 404,
      message: `The requested resource /2010-04-01/Accounts/${SID}/Messages/${UNKNOWN_SM}.json was not found`,
      more_info: 'https://www.twilio.com/docs/errors/20404',
    });
    expect((await get(`${SID}/Calls/CA${'0'.repeat(32)}.json`)).status).toBe(404);
    // A message SID asked for as a call is not that call either.
    const sid = await sent(PATIENT, 'Reminder');
    expect((await get(`${SID}/Calls/${sid}.json`)).status).toBe(404);
    expect(await fetchDeliveryStatus(config, { channel: 'sms', sid: UNKNOWN_SM })).toEqual({
      known: false,
      reason: 'Twilio answered HTTP 404',
    });
  });

  it('refuses wrong credentials (401, 20003) and another account (404, 20404)', async () => {
    const sid = await sent(PATIENT, 'Reminder');
    const wrong = await get(`${SID}/Messages/${sid}.json`, `${SID}:wrong`);
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ code: 20003, status: 401 });
    const bare = await fetch(`${h.baseUrl}/twilio/2010-04-01/Accounts/${SID}/Messages/${sid}.json`);
    expect(bare.status).toBe(401);
    const other = `AC${'4'.repeat(32)}`;
    const elsewhere = await get(`${other}/Messages/${sid}.json`);
    expect(elsewhere.status).toBe(404);
    expect(await elsewhere.json()).toMatchObject({ code: 20404 });
    expect(await fetchDeliveryStatus({ ...config, authToken: 'wrong' }, { channel: 'sms', sid })).toEqual({
      known: false,
      reason: 'Twilio answered HTTP 401',
    });
  });
});

describe('Twilio stand-in: the message log (what dispatch reads after a stopped run)', () => {
  it('findSentSms finds a text that went out, with its SID, and not one that never did', async () => {
    const since = h.clock.now().toISOString();
    const sid = await sent(PATIENT, 'Your visit is on Friday. Reply C to confirm.');
    await sent(OTHER, 'Someone else');
    await standIn.idle();
    expect(
      await findSentSms(config, { to: PATIENT, body: 'Your visit is on Friday. Reply C to confirm.', since }),
    ).toEqual({ sent: true, providerId: sid, status: 'delivered' });
    expect(await findSentSms(config, { to: PATIENT, body: 'Never sent', since })).toEqual({ sent: false });
    // The same text sent to another number is not this patient's.
    expect(
      await findSentSms(config, { to: OTHER, body: 'Your visit is on Friday. Reply C to confirm.', since }),
    ).toEqual({
      sent: false,
    });
  });

  it("findSentSms ignores a matching text from before the claim, and the patient's own replies", async () => {
    await sent(PATIENT, 'C');
    await standIn.idle();
    h.clock.advance(60 * 60_000);
    const since = h.clock.now().toISOString();
    await standIn.sendInbound({ from: PATIENT, body: 'C' });
    expect(await findSentSms(config, { to: PATIENT, body: 'C', since })).toEqual({ sent: false });
  });

  it('lists newest first, filtered by To and From, with Twilio paging fields', async () => {
    const first = await sent(PATIENT, 'one');
    h.clock.advance(60_000);
    const second = await sent(PATIENT, 'two');
    await sent(OTHER, 'three');
    await standIn.idle();
    const res = await get(`${SID}/Messages.json?To=${encodeURIComponent(PATIENT)}&PageSize=1`);
    expect(res.status).toBe(200);
    const page = (await res.json()) as {
      messages: { sid: string; body: string }[];
      next_page_uri: string | null;
      page: number;
      page_size: number;
    };
    expect(page.messages.map((m) => m.sid)).toEqual([second]);
    expect(page).toMatchObject({ page: 0, page_size: 1 });
    expect(page.next_page_uri).toContain('Page=1');
    const next = (await (
      await get(page.next_page_uri?.replace('/2010-04-01/Accounts/', '') ?? '')
    ).json()) as {
      messages: { sid: string }[];
      next_page_uri: string | null;
    };
    expect(next.messages.map((m) => m.sid)).toEqual([first]);
    expect(next.next_page_uri).toBeNull();
    const fromPatient = (await (
      await get(`${SID}/Messages.json?From=${encodeURIComponent(PATIENT)}`)
    ).json()) as {
      messages: unknown[];
    };
    expect(fromPatient.messages).toEqual([]);
  });

  it('filters by DateSent (day or instant, >= and <=) and refuses a date it cannot read', async () => {
    const early = await sent(PATIENT, 'early');
    await standIn.idle();
    h.clock.advance(24 * 60 * 60_000);
    const late = await sent(PATIENT, 'late');
    await standIn.idle();
    const sids = async (query: string): Promise<string[]> => {
      const body = (await (await get(`${SID}/Messages.json?${query}`)).json()) as {
        messages: { sid: string }[];
      };
      return body.messages.map((m) => m.sid);
    };
    expect(await sids('DateSent=2026-11-30')).toEqual([early]);
    expect(await sids('DateSent>=2026-12-01')).toEqual([late]);
    expect(await sids('DateSent<=2026-11-30')).toEqual([early]);
    expect(await sids('DateSent>=2026-11-30T16:00:00Z')).toEqual([late]);
    expect(await sids('DateSent>=2026-11-30&DateSent<=2026-12-01')).toEqual([late, early]);
    const bad = await get(`${SID}/Messages.json?DateSent=yesterday`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 20001, status: 400 });
    expect((await get(`${SID}/Messages.json?PageSize=0`)).status).toBe(400);
  });
});
