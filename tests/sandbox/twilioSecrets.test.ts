import { MedplumClient } from '@medplum/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { channelLookup, channelSender } from '../../src/bots/dispatch';
import { optionalSecret } from '../../src/bots/runtime';
import { statusLookup } from '../../src/bots/watchdog';
import { validateTwilioSignature } from '../../src/channels/signature';
import { twilioConfigFromSecrets, type TwilioConfig } from '../../src/channels/twilioConfig';
import { sandboxSecrets } from '../../src/sandbox/bots/secrets';
import { createTwilioStandIn, type TwilioStandIn } from '../../src/sandbox/twilio';
import { startHarness, type Harness } from './botsHarness';

const SID = `AC${'5'.repeat(32)}`;
const TOKEN = 'sandbox-secrets-token';
const PRACTICE = '+13125550100';
const PATIENT = '+13125550142';

interface Received {
  path: string;
  params: Record<string, string>;
  valid: boolean;
}

let h: Harness;
let standIn: TwilioStandIn;
let received: Received[];
let config: TwilioConfig;
let inboundUrl: string;
let statusUrl: string;

beforeEach(async () => {
  received = [];
  h = await startHarness({ start: new Date('2026-11-30T15:00:00Z') });
  inboundUrl = `${h.baseUrl}/webhook/inbound-bot`;
  statusUrl = `${h.baseUrl}/webhook/status-bot`;
  standIn = createTwilioStandIn(h.ctx, {
    accountSid: SID,
    authToken: TOKEN,
    practiceNumber: PRACTICE,
    smsUrl: inboundUrl,
    callbackDelayMs: 5,
    waitForRecord: false,
  });
  h.use(standIn.routes);
  // Stand-ins for the two webhook bots: record what reaches each, checked with the production signature check.
  for (const url of [inboundUrl, statusUrl]) {
    const path = new URL(url).pathname;
    h.use([
      {
        method: 'POST',
        path,
        handle: async (request) => {
          const params = Object.fromEntries(new URLSearchParams(await request.text()));
          received.push({
            path,
            params,
            valid: validateTwilioSignature({
              authToken: TOKEN,
              url,
              params,
              signature: request.headers.get('x-twilio-signature'),
            }),
          });
          return new Response('<Response><Say>Thank you.</Say></Response>', {
            headers: { 'content-type': 'text/xml' },
          });
        },
      },
    ]);
  }
  config = twilioConfigFromSecrets(
    sandboxSecrets({
      organization: 'Organization/lakeside-family-clinic',
      baseUrl: h.baseUrl,
      twilio: { accountSid: SID, authToken: TOKEN, from: PRACTICE },
      inboundWebhookUrl: inboundUrl,
      statusWebhookUrl: statusUrl,
    }),
  );
});

afterEach(async () => {
  await standIn.stop();
  await h.close();
});

describe('sandbox secrets for the Twilio bots', () => {
  it('every bot, the watchdog included, gets the account pointed at the stand-in and both webhook URLs', () => {
    const secrets = sandboxSecrets({
      organization: 'Organization/lakeside-family-clinic',
      baseUrl: h.baseUrl,
      twilio: { accountSid: SID, authToken: TOKEN, from: PRACTICE },
      inboundWebhookUrl: inboundUrl,
      statusWebhookUrl: statusUrl,
    });
    // The watchdog runs its delivery reconcile only when TWILIO_ACCOUNT_SID is set.
    expect(optionalSecret(secrets, 'TWILIO_ACCOUNT_SID')).toBe(SID);
    expect(config).toEqual({
      accountSid: SID,
      authToken: TOKEN,
      from: PRACTICE,
      apiBaseUrl: `${h.baseUrl}/twilio`,
      // Status of texts and calls → the delivery-status bot; key presses (Gather) → the inbound bot.
      statusCallbackUrl: statusUrl,
      voiceCallbackUrl: inboundUrl,
      // Paced as a registered campaign, so a start-up backlog reaches the phone page in seconds.
      senderRate: 25,
    });
    expect(optionalSecret(secrets, 'STATUS_WEBHOOK_URL')).toBe(statusUrl);
    expect(optionalSecret(secrets, 'INBOUND_WEBHOOK_URL')).toBe(inboundUrl);
  });

  it("the watchdog's status lookup, built from those secrets, reads a text's status from the stand-in", async () => {
    const medplum = new MedplumClient({
      baseUrl: `${h.baseUrl}/`,
      fetch: (u: string, i?: RequestInit) => fetch(u, i),
    });
    const send = channelSender(medplum, config, {
      practiceName: 'Lakeside Family Clinic',
      gatherActionUrl: inboundUrl,
      now: () => h.clock.now().getTime(),
    });
    const since = h.clock.now().toISOString();
    const result = await send({ channel: 'sms', to: PATIENT, text: 'Reminder', language: 'en', key: 'k1' });
    const sid = result.ok ? result.providerId : '';
    await standIn.idle();
    expect(await statusLookup(config)({ channel: 'sms', sid })).toEqual({
      known: true,
      callback: { MessageSid: sid, MessageStatus: 'delivered' },
    });
    // Dispatch's lookup of a stopped run reads the same log.
    expect(await channelLookup(config)({ channel: 'sms', to: PATIENT, text: 'Reminder', since })).toEqual({
      sent: true,
      providerId: sid,
      status: 'delivered',
    });
    // The text's status callbacks reached the delivery-status webhook, signed for its URL.
    const statuses = received.filter((r) => r.params.MessageSid === sid);
    expect(statuses.map((r) => [r.path, r.params.MessageStatus, r.valid])).toEqual([
      ['/webhook/status-bot', 'sent', true],
      ['/webhook/status-bot', 'delivered', true],
    ]);
  });

  it("a reminder call from dispatch's sender: the key press goes to the inbound bot, the call status to the delivery-status bot", async () => {
    const medplum = new MedplumClient({
      baseUrl: `${h.baseUrl}/`,
      fetch: (u: string, i?: RequestInit) => fetch(u, i),
    });
    const send = channelSender(medplum, config, {
      practiceName: 'Lakeside Family Clinic',
      gatherActionUrl: config.voiceCallbackUrl ?? '',
      now: () => h.clock.now().getTime(),
    });
    const result = await send({
      channel: 'voice',
      to: PATIENT,
      text: 'Your visit is on Friday.',
      language: 'en',
      key: 'k2',
    });
    const sid = result.ok ? result.providerId : '';
    expect(standIn.calls()).toEqual([
      expect.objectContaining({ sid, gatherAction: inboundUrl, statusCallback: statusUrl }),
    ]);
    await standIn.pressKey(sid, '1');
    const forCall = received.filter((r) => r.params.CallSid === sid);
    expect(forCall.map((r) => [r.path, r.params.Digits ?? r.params.CallStatus, r.valid])).toEqual([
      ['/webhook/inbound-bot', '1', true],
      ['/webhook/status-bot', 'completed', true],
    ]);
    expect(await statusLookup(config)({ channel: 'voice', sid })).toEqual({
      known: true,
      callback: { CallSid: sid, CallStatus: 'completed' },
    });
  });
});
