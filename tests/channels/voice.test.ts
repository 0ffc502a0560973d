import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { placeCall, voiceReminderTwiml } from '../../src/channels';
import { CALLS_URL, FROM, PATIENT, testConfig } from './twilioFixtures';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

const TWIML = voiceReminderTwiml({
  text: 'This is Lakeside Family Clinic. Press 1 to confirm or 3 to reschedule.',
  language: 'en',
  gatherActionUrl: 'https://hooks.example/voice',
});

describe('placeCall', () => {
  it('posts To, From, Twiml and the call status callback to Calls.json', async () => {
    const forms: URLSearchParams[] = [];
    server.use(
      http.post(CALLS_URL, async ({ request }) => {
        forms.push(new URLSearchParams(await request.text()));
        return HttpResponse.json(
          { sid: 'CA0123456789abcdef0123456789abcdef', status: 'queued' },
          { status: 201 },
        );
      }),
    );
    const result = await placeCall(
      testConfig({
        statusCallbackUrl: 'https://hooks.example/status',
        voiceCallbackUrl: 'https://hooks.example/voice',
      }),
      { to: PATIENT, twiml: TWIML },
    );
    expect(result).toEqual({ ok: true, providerId: 'CA0123456789abcdef0123456789abcdef', status: 'queued' });
    expect(Object.fromEntries(forms[0] ?? [])).toEqual({
      To: PATIENT,
      From: FROM,
      Twiml: TWIML,
      // The call's end goes to the delivery-status bot; only the key press goes to the Gather action.
      StatusCallback: 'https://hooks.example/status',
      StatusCallbackEvent: 'completed',
    });
    expect(TWIML).toContain('action="https://hooks.example/voice"');
  });

  it('never sends call status to the Gather action URL', async () => {
    const forms: URLSearchParams[] = [];
    server.use(
      http.post(CALLS_URL, async ({ request }) => {
        forms.push(new URLSearchParams(await request.text()));
        return HttpResponse.json(
          { sid: 'CA0123456789abcdef0123456789abcdef', status: 'queued' },
          { status: 201 },
        );
      }),
    );
    await placeCall(testConfig({ voiceCallbackUrl: 'https://hooks.example/voice' }), {
      to: PATIENT,
      twiml: TWIML,
    });
    expect(forms[0]?.has('StatusCallback')).toBe(false);
    expect(forms[0]?.has('StatusCallbackEvent')).toBe(false);
  });

  it('refuses a bad number or an oversized script without a request', async () => {
    expect(await placeCall(testConfig(), { to: '555-0142', twiml: TWIML })).toMatchObject({
      ok: false,
      invalidNumber: true,
    });
    expect(await placeCall(testConfig(), { to: PATIENT, twiml: 'x'.repeat(4001) })).toMatchObject({
      ok: false,
      retryable: false,
    });
  });

  it('classifies Twilio errors like SMS', async () => {
    server.use(
      http.post(CALLS_URL, () =>
        HttpResponse.json({ code: 21211, message: 'Invalid To', status: 400 }, { status: 400 }),
      ),
    );
    expect(await placeCall(testConfig(), { to: PATIENT, twiml: TWIML })).toMatchObject({
      ok: false,
      retryable: false,
      invalidNumber: true,
    });
  });
});
