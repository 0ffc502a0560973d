import { describe, expect, it } from 'vitest';
import { fetchDeliveryStatus, type TwilioConfig } from '../../src/channels';

const CFG: TwilioConfig = {
  accountSid: `AC${'0123456789abcdef'.repeat(2)}`,
  authToken: 'test-auth-token-not-real',
  apiBaseUrl: 'https://twilio.test',
  from: '+13125550100',
};
const SMS_SID = `SM${'0123456789abcdef'.repeat(2)}`;
const CALL_SID = `CA${'0123456789abcdef'.repeat(2)}`;

function twilioAnswering(status: number, body: unknown): { fetchImpl: typeof fetch; urls: string[] } {
  const urls: string[] = [];
  const fetchImpl = (async (url: string | URL | Request) => {
    urls.push(String(url));
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
  return { fetchImpl, urls };
}

describe('fetchDeliveryStatus', () => {
  it("reads a text's status and error code from Messages/{sid}.json, shaped like its callback", async () => {
    const twilio = twilioAnswering(200, { sid: SMS_SID, status: 'undelivered', error_code: 30003 });
    expect(await fetchDeliveryStatus(CFG, { channel: 'sms', sid: SMS_SID }, twilio.fetchImpl)).toEqual({
      known: true,
      callback: { MessageSid: SMS_SID, MessageStatus: 'undelivered', ErrorCode: '30003' },
    });
    expect(new URL(twilio.urls[0] ?? '').pathname).toBe(
      `/2010-04-01/Accounts/${CFG.accountSid}/Messages/${SMS_SID}.json`,
    );
  });

  it("reads a call's status from Calls/{sid}.json", async () => {
    const twilio = twilioAnswering(200, { sid: CALL_SID, status: 'no-answer' });
    expect(await fetchDeliveryStatus(CFG, { channel: 'voice', sid: CALL_SID }, twilio.fetchImpl)).toEqual({
      known: true,
      callback: { CallSid: CALL_SID, CallStatus: 'no-answer' },
    });
    expect(twilio.urls[0]).toContain(`/Calls/${CALL_SID}.json`);
  });

  it('says "not known" for a failing Twilio, an odd answer or a SID that is not Twilio\'s, without asking', async () => {
    const failing = twilioAnswering(404, { code: 20404 });
    expect(await fetchDeliveryStatus(CFG, { channel: 'sms', sid: SMS_SID }, failing.fetchImpl)).toEqual({
      known: false,
      reason: 'Twilio answered HTTP 404',
    });
    const odd = twilioAnswering(200, { sid: SMS_SID });
    expect((await fetchDeliveryStatus(CFG, { channel: 'sms', sid: SMS_SID }, odd.fetchImpl)).known).toBe(
      false,
    );
    const never = twilioAnswering(200, {});
    expect(
      (await fetchDeliveryStatus(CFG, { channel: 'sms', sid: '../Calls/x' }, never.fetchImpl)).known,
    ).toBe(false);
    expect((await fetchDeliveryStatus(CFG, { channel: 'voice', sid: SMS_SID }, never.fetchImpl)).known).toBe(
      false,
    );
    expect(never.urls).toEqual([]);
  });
});
