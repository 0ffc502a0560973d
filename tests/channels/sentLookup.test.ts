import { describe, expect, it } from 'vitest';
import { findSentSms, type TwilioConfig } from '../../src/channels';

const CFG: TwilioConfig = {
  accountSid: `AC${'0123456789abcdef'.repeat(2)}`,
  authToken: 'test-auth-token-not-real',
  apiBaseUrl: 'https://twilio.test',
  from: '+13125550100',
};
const TO = '+13125550142';
const BODY = 'Lakeside Family Clinic: your visit is on Tue, Dec 1 at 9:30 AM. Reply C to confirm.';
const SINCE = '2026-11-20T21:01:00.000Z';

function twilioAnswering(
  status: number,
  body: unknown,
): { fetchImpl: typeof fetch; urls: string[]; auth: string[] } {
  const urls: string[] = [];
  const auth: string[] = [];
  const fetchImpl = (async (url: string | URL | Request, init?: RequestInit) => {
    urls.push(String(url));
    auth.push(new Headers(init?.headers).get('authorization') ?? '');
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
  }) as typeof fetch;
  return { fetchImpl, urls, auth };
}

const message = (over: Record<string, unknown>) => ({
  sid: 'SM00000000000000000000000000000001',
  body: BODY,
  status: 'delivered',
  direction: 'outbound-api',
  date_created: 'Fri, 20 Nov 2026 21:01:02 +0000',
  ...over,
});

describe('findSentSms', () => {
  it("finds the text in Twilio's log of messages to the number, with its sid and status", async () => {
    const twilio = twilioAnswering(200, { messages: [message({})] });
    expect(await findSentSms(CFG, { to: TO, body: BODY, since: SINCE }, twilio.fetchImpl)).toEqual({
      sent: true,
      providerId: 'SM00000000000000000000000000000001',
      status: 'delivered',
    });
    const url = new URL(twilio.urls[0] ?? '');
    expect(url.pathname).toBe(`/2010-04-01/Accounts/${CFG.accountSid}/Messages.json`);
    expect(url.searchParams.get('To')).toBe(TO);
    expect(twilio.auth[0]).toMatch(/^Basic /);
  });

  it('says "not sent" when the log reaches back past the claim without it', async () => {
    const twilio = twilioAnswering(200, {
      messages: [
        message({ body: 'Another text', date_created: 'Fri, 20 Nov 2026 21:05:00 +0000' }),
        message({ direction: 'inbound', date_created: 'Fri, 20 Nov 2026 21:03:00 +0000' }),
        message({ date_created: 'Mon, 16 Nov 2026 15:00:00 +0000' }),
      ],
    });
    expect(await findSentSms(CFG, { to: TO, body: BODY, since: SINCE }, twilio.fetchImpl)).toEqual({
      sent: false,
    });
  });

  it('cannot say when a full page of newer messages hides the time of the claim, or Twilio fails', async () => {
    const newer = Array.from({ length: 50 }, (_, i) =>
      message({ sid: `SMother${i}`, body: `other ${i}`, date_created: 'Fri, 20 Nov 2026 22:00:00 +0000' }),
    );
    const full = twilioAnswering(200, { messages: newer });
    expect((await findSentSms(CFG, { to: TO, body: BODY, since: SINCE }, full.fetchImpl)).sent).toBe(
      'unknown',
    );
    const failing = twilioAnswering(500, { code: 20500, message: 'Internal Server Error' });
    expect(await findSentSms(CFG, { to: TO, body: BODY, since: SINCE }, failing.fetchImpl)).toEqual({
      sent: 'unknown',
      reason: 'Twilio answered HTTP 500',
    });
    const odd = twilioAnswering(200, { nothing: true });
    expect((await findSentSms(CFG, { to: TO, body: BODY, since: SINCE }, odd.fetchImpl)).sent).toBe(
      'unknown',
    );
  });
});
