import axe from 'axe-core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sendSms } from '../../src/channels/sms';
import { createTwilioStandIn, type TwilioStandIn } from '../../src/sandbox/twilio';
import { startHarness, type Harness } from './botsHarness';

const SID = `AC${'3'.repeat(32)}`;
const TOKEN = 'a11y-token';
const PRACTICE = '+13125550100';
const PATIENT = '+13125550142';

let h: Harness;
let standIn: TwilioStandIn;

beforeEach(async () => {
  h = await startHarness({ start: new Date('2026-11-30T15:00:00Z') });
  standIn = createTwilioStandIn(h.ctx, {
    accountSid: SID,
    authToken: TOKEN,
    practiceNumber: PRACTICE,
    waitForRecord: false,
    callbackDelayMs: 1,
  });
  h.use(standIn.routes);
});

afterEach(async () => {
  await standIn.idle();
  await h.close();
});

interface DomWindow {
  eval(source: string): void;
  document: Document;
  axe: typeof axe;
}

// jsdom ships no type declarations; the module name in a variable keeps the import untyped on purpose.
const JSDOM_MODULE = 'jsdom';

async function violations(path: string): Promise<string[]> {
  const { JSDOM } = (await import(JSDOM_MODULE)) as {
    JSDOM: new (html: string, options: { runScripts: string }) => { window: DomWindow };
  };
  const html = await (await fetch(`${h.baseUrl}${path}`)).text();
  const dom = new JSDOM(html, { runScripts: 'outside-only' });
  dom.window.eval(axe.source);
  const run = dom.window.axe.run(dom.window.document, {
    // jsdom has no layout: contrast cannot be computed there.
    rules: { 'color-contrast': { enabled: false } },
  });
  return (await run).violations.map((v) => `${v.id}: ${v.help}`);
}

describe('phone and outbox pages are accessible', () => {
  it('has no axe violations on the list, a thread with a call, and the outbox', async () => {
    await sendSms(
      { accountSid: SID, authToken: TOKEN, apiBaseUrl: `${h.baseUrl}/twilio`, from: PRACTICE },
      { to: PATIENT, body: 'Reminder: reply C to confirm.' },
    );
    await fetch(`${h.baseUrl}/twilio/2010-04-01/Accounts/${SID}/Calls.json`, {
      method: 'POST',
      headers: {
        authorization: `Basic ${Buffer.from(`${SID}:${TOKEN}`).toString('base64')}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams({
        To: PATIENT,
        From: PRACTICE,
        Twiml: '<Response><Gather action="http://127.0.0.1:1/x"><Say>Press 1</Say></Gather></Response>',
      }).toString(),
    });
    expect(await violations('/phone')).toEqual([]);
    expect(await violations(`/phone/${encodeURIComponent(PATIENT)}`)).toEqual([]);
    expect(await violations('/outbox')).toEqual([]);
  });
});
