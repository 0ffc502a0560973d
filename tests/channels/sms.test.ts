import { delay, http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { installClock } from '../../src/bots/runtime';
import { sendSms, type SendResult } from '../../src/channels';
import { ACCOUNT_SID, AUTH_TOKEN, FROM, MESSAGES_URL, PATIENT, testConfig } from './twilioFixtures';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

interface Captured {
  url: string;
  method: string;
  headers: Headers;
  form: URLSearchParams;
}

/** Answers Messages.json with `answer` and records what was sent. */
function onMessages(answer: () => Response | Promise<Response>): Captured[] {
  const seen: Captured[] = [];
  server.use(
    http.post(MESSAGES_URL, async ({ request }) => {
      seen.push({
        url: request.url,
        method: request.method,
        headers: request.headers,
        form: new URLSearchParams(await request.text()),
      });
      return answer();
    }),
  );
  return seen;
}

function twilioError(
  status: number,
  code: number,
  message: string,
  headers?: Record<string, string>,
): Response {
  return HttpResponse.json(
    { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status },
    { status, ...(headers && { headers }) },
  );
}

const created = (): Response =>
  HttpResponse.json({ sid: 'SM0123456789abcdef0123456789abcdef', status: 'queued' }, { status: 201 });

describe('sendSms request', () => {
  it('posts the form to Messages.json with Basic auth', async () => {
    const seen = onMessages(created);
    const result = await sendSms(testConfig({ statusCallbackUrl: 'https://hooks.example/status' }), {
      to: PATIENT,
      body: 'Lakeside Family Clinic: see you Tue 3:30 PM. Reply C to confirm. Reply STOP to opt out.',
    });
    expect(result).toEqual({ ok: true, providerId: 'SM0123456789abcdef0123456789abcdef', status: 'queued' });
    expect(seen).toHaveLength(1);
    const [req] = seen;
    expect(req?.method).toBe('POST');
    expect(req?.url).toBe(MESSAGES_URL);
    const expectedAuth = `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`;
    expect(req?.headers.get('authorization')).toBe(expectedAuth);
    expect(req?.headers.get('content-type')).toContain('application/x-www-form-urlencoded');
    expect(Object.fromEntries(req?.form ?? [])).toEqual({
      To: PATIENT,
      From: FROM,
      Body: 'Lakeside Family Clinic: see you Tue 3:30 PM. Reply C to confirm. Reply STOP to opt out.',
      StatusCallback: 'https://hooks.example/status',
    });
  });

  it('uses the messaging service instead of From, and a per-message callback', async () => {
    const seen = onMessages(created);
    const mg = `MG${'cd'.repeat(16)}`;
    await sendSms(
      testConfig({ messagingServiceSid: mg, statusCallbackUrl: 'https://hooks.example/default' }),
      {
        to: PATIENT,
        body: 'Hola ¿qué tal? 👋',
        statusCallback: 'https://hooks.example/this-one',
      },
    );
    const form = seen[0]?.form;
    expect(form?.get('MessagingServiceSid')).toBe(mg);
    expect(form?.has('From')).toBe(false);
    expect(form?.get('Body')).toBe('Hola ¿qué tal? 👋');
    expect(form?.get('StatusCallback')).toBe('https://hooks.example/this-one');
  });

  it('omits StatusCallback when none is configured', async () => {
    const seen = onMessages(created);
    await sendSms(testConfig(), { to: PATIENT, body: 'hi' });
    expect(seen[0]?.form.has('StatusCallback')).toBe(false);
  });

  it('calls the injected fetch instead of the global one', async () => {
    const calls: string[] = [];
    const fake: typeof fetch = async (input) => {
      calls.push(String(input));
      return created();
    };
    const result = await sendSms(testConfig(), { to: PATIENT, body: 'hi' }, fake);
    expect(result.ok).toBe(true);
    expect(calls).toEqual([MESSAGES_URL]);
  });

  it.each(['3125550142', '+1 312 555 0142', '+15555550142', '', 'not a number'])(
    'refuses recipient %j without a request',
    async (to) => {
      const seen = onMessages(created);
      const result = await sendSms(testConfig(), { to, body: 'hi' });
      expect(result).toMatchObject({ ok: false, retryable: false, invalidNumber: true });
      expect(seen).toHaveLength(0);
    },
  );

  it('refuses an empty or over-long body without a request', async () => {
    const seen = onMessages(created);
    expect(await sendSms(testConfig(), { to: PATIENT, body: '  ' })).toMatchObject({
      ok: false,
      retryable: false,
    });
    expect(await sendSms(testConfig(), { to: PATIENT, body: 'x'.repeat(1601) })).toMatchObject({
      ok: false,
      retryable: false,
    });
    expect(seen).toHaveLength(0);
  });
});

describe('sendSms failures', () => {
  async function failWith(answer: () => Response | Promise<Response>): Promise<SendResult> {
    onMessages(answer);
    return sendSms(testConfig(), { to: PATIENT, body: 'hi' });
  }

  it('429 / 20429 is retryable and carries Retry-After', async () => {
    const result = await failWith(() => twilioError(429, 20429, 'Too Many Requests', { 'Retry-After': '7' }));
    expect(result).toMatchObject({
      ok: false,
      retryable: true,
      code: 20429,
      httpStatus: 429,
      retryAfterMs: 7000,
    });
  });

  it('reads Retry-After as an HTTP date against the bot clock', async () => {
    const now = new Date('2026-11-20T15:00:00Z');
    const restore = installClock({ now: () => now });
    try {
      const result = await failWith(() =>
        twilioError(429, 20429, 'Too Many Requests', { 'Retry-After': 'Fri, 20 Nov 2026 15:00:30 GMT' }),
      );
      expect(result).toMatchObject({ ok: false, retryable: true, retryAfterMs: 30_000 });
    } finally {
      restore();
    }
  });

  it('a 429 without Retry-After is still retryable, with no wait given', async () => {
    const result = await failWith(() => twilioError(429, 20429, 'Too Many Requests'));
    expect(result).toMatchObject({ ok: false, retryable: true });
    expect(result.ok === false && result.retryAfterMs).toBeUndefined();
  });

  it('500 is retryable and may have been sent', async () => {
    const result = await failWith(() => twilioError(500, 20500, 'Internal Server Error'));
    expect(result).toMatchObject({ ok: false, retryable: true, httpStatus: 500, maybeSent: true });
  });

  it('a 503 with an HTML body is retryable', async () => {
    const result = await failWith(() => new HttpResponse('<html>busy</html>', { status: 503 }));
    expect(result).toMatchObject({ ok: false, retryable: true, httpStatus: 503 });
  });

  it('a timeout is retryable and may have been sent', async () => {
    onMessages(async () => {
      await delay('infinite');
      return created();
    });
    const result = await sendSms(testConfig({ timeoutMs: 50 }), { to: PATIENT, body: 'hi' });
    expect(result).toMatchObject({ ok: false, retryable: true, maybeSent: true });
    expect(result.ok === false && result.reason).toContain('50 ms');
  });

  it('times out an injected fetch that ignores the abort signal', async () => {
    const hanging: typeof fetch = () => new Promise<Response>(() => undefined);
    const result = await sendSms(testConfig({ timeoutMs: 30 }), { to: PATIENT, body: 'hi' }, hanging);
    expect(result).toMatchObject({ ok: false, retryable: true, maybeSent: true });
  });

  it('a dropped connection is retryable', async () => {
    const result = await failWith(() => HttpResponse.error());
    expect(result).toMatchObject({ ok: false, retryable: true });
  });

  it('a refused connection is retryable and certainly not sent', async () => {
    const refused: typeof fetch = () =>
      Promise.reject(
        new TypeError('fetch failed', {
          cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }),
        }),
      );
    const result = await sendSms(testConfig(), { to: PATIENT, body: 'hi' }, refused);
    expect(result).toMatchObject({ ok: false, retryable: true });
    expect(result.ok === false && result.maybeSent).toBeUndefined();
  });

  it('21610 (opted out) is permanent and flagged', async () => {
    const result = await failWith(() =>
      twilioError(400, 21610, 'Attempt to send to unsubscribed recipient +13125550142'),
    );
    expect(result).toMatchObject({
      ok: false,
      retryable: false,
      optedOut: true,
      code: 21610,
      httpStatus: 400,
    });
    // Twilio's message quotes the number; the reason does not repeat it.
    expect(result.ok === false && result.reason).not.toContain('5550142');
  });

  it('21211 (invalid To) is permanent and flags the number', async () => {
    const result = await failWith(() =>
      twilioError(400, 21211, "The 'To' number +13125550142 is not a valid phone number."),
    );
    expect(result).toMatchObject({ ok: false, retryable: false, invalidNumber: true, code: 21211 });
  });

  it('21614 (not a mobile) is permanent and flags a landline', async () => {
    const result = await failWith(() => twilioError(400, 21614, "'To' number is not a valid mobile number"));
    expect(result).toMatchObject({ ok: false, retryable: false, landline: true, code: 21614 });
  });

  it('other 4xx are not retryable', async () => {
    const result = await failWith(() => twilioError(401, 20003, 'Authenticate'));
    expect(result).toMatchObject({ ok: false, retryable: false, code: 20003, httpStatus: 401 });
    expect(result.ok === false && (result.optedOut || result.landline || result.invalidNumber)).toBeFalsy();
  });

  it('a 2xx without a sid is reported, not trusted', async () => {
    const result = await failWith(() => HttpResponse.json({ status: 'queued' }, { status: 201 }));
    expect(result).toMatchObject({ ok: false, retryable: false, maybeSent: true });
  });
});
