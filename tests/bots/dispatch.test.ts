import { Buffer } from 'node:buffer';
import type { BotEvent } from '@medplum/core';
import type { Appointment, Communication, CommunicationRequest } from '@medplum/fhirtypes';
import type { MockClient } from '@medplum/mock';
import { delay, http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { handleAppointment } from '../../src/bots/appointmentEvents';
import { channelLookup, channelSender, handler } from '../../src/bots/dispatch';
import { BotConfigError, installClock } from '../../src/bots/runtime';
import { EXT, ID_SYSTEM, type PracticeSettings, type WorkflowDefinition } from '../../src/engine';
import { runDispatch } from '../../src/fhir/dispatchRun';
import { loadPracticeSettings } from '../../src/fhir/practice';
import { loadActiveWorkflows } from '../../src/fhir/workflows';
import { medplumWithPractice, secrets, syntheticPatient } from '../fixtures/medplum';

// Synthetic account and 555-01xx numbers (fictional).
const ACCOUNT_SID = `AC${'0123456789abcdef'.repeat(2)}`;
const AUTH_TOKEN = 'test-auth-token-not-real';
const FROM = '+13125550100';
const PATIENT_PHONE = '+13125550142';
const TWILIO = 'https://twilio.test';
const MESSAGES_URL = `${TWILIO}/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`;
const BOOKED_AT = new Date('2026-11-20T21:00:00Z'); // Fri 15:00 Chicago
const FIRST_RUN = new Date('2026-11-20T21:01:00Z'); // only the booking confirmation is due

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

let medplum: MockClient;
let organization: string;
let practice: PracticeSettings;
let workflows: WorkflowDefinition[];
let patientId: string;
let clockTime: Date;
let uninstall: () => void;

beforeEach(async () => {
  ({ medplum, organization } = await medplumWithPractice({
    workflows: (p) => p.name === 'appointment-reminders',
  }));
  practice = await loadPracticeSettings(medplum, organization);
  workflows = (await loadActiveWorkflows(medplum)).workflows;
  const patient = await medplum.createResource(
    syntheticPatient({ telecom: [{ system: 'phone', use: 'mobile', value: PATIENT_PHONE }] }),
  );
  patientId = patient.id ?? '';
  const appointment = await medplum.createResource<Appointment>({
    resourceType: 'Appointment',
    status: 'booked',
    start: '2026-12-01T15:30:00Z',
    end: '2026-12-01T16:00:00Z',
    participant: [{ actor: { reference: `Patient/${patientId}` }, status: 'needs-action' }],
  });
  await handleAppointment(medplum, appointment, { practice, workflows, now: BOOKED_AT });
  clockTime = FIRST_RUN;
  uninstall = installClock({ now: () => clockTime });
});
afterEach(() => uninstall());

const TWILIO_SECRETS: Record<string, string> = {
  TWILIO_ACCOUNT_SID: ACCOUNT_SID,
  TWILIO_AUTH_TOKEN: AUTH_TOKEN,
  TWILIO_FROM_NUMBER: FROM,
  TWILIO_API_BASE_URL: TWILIO,
};

function event(values: Record<string, string> = { ...TWILIO_SECRETS, CARELOOP_ORGANIZATION: organization }) {
  return {
    bot: { reference: 'Bot/dispatch' },
    contentType: 'application/json',
    input: {},
    secrets: secrets(values),
  } as BotEvent;
}

interface Seen {
  authorization: string | null;
  form: URLSearchParams;
}

/** Answers Messages.json with each of `answers` in turn (the last one repeats) and records the requests. */
function twilio(...answers: (() => Response | Promise<Response>)[]): Seen[] {
  const seen: Seen[] = [];
  server.use(
    http.post(MESSAGES_URL, async ({ request }) => {
      seen.push({
        authorization: request.headers.get('authorization'),
        form: new URLSearchParams(await request.text()),
      });
      const answer = answers[Math.min(seen.length, answers.length) - 1];
      if (!answer) throw new Error('no Twilio answer configured');
      return answer();
    }),
  );
  return seen;
}

const created = (sid: string) => () => HttpResponse.json({ sid, status: 'queued' }, { status: 201 });
const twilioError = (status: number, code: number, message: string) => () =>
  HttpResponse.json(
    { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status },
    { status },
  );

async function requests(): Promise<CommunicationRequest[]> {
  return medplum.searchResources(
    'CommunicationRequest',
    { subject: `Patient/${patientId}`, _count: '100' },
    { cache: 'no-cache' },
  );
}

/** The request the first run sends: the booking confirmation, the only one due at FIRST_RUN. */
async function dueRequest(): Promise<CommunicationRequest> {
  const due = (await requests()).filter(
    (r) => r.status === 'active' && (r.occurrenceDateTime ?? '') <= FIRST_RUN.toISOString(),
  );
  expect(due).toHaveLength(1);
  return due[0] as CommunicationRequest;
}

async function messages(): Promise<Communication[]> {
  const all = await medplum.searchResources(
    'Communication',
    { subject: `Patient/${patientId}`, _count: '100' },
    { cache: 'no-cache' },
  );
  return all.filter((c) => c.partOf);
}

async function reread(request: CommunicationRequest): Promise<CommunicationRequest> {
  return medplum.readResource('CommunicationRequest', request.id ?? '');
}

describe('dispatch bot', () => {
  it('texts the due message through Twilio and records the Communication with its SID', async () => {
    const request = await dueRequest();
    const seen = twilio(created('SM00000000000000000000000000000001'));
    const summary = await handler(medplum, event());
    expect(summary).toMatchObject({ sent: 1, failed: 0, retried: 0 });

    expect(seen).toHaveLength(1);
    const [post] = seen;
    expect(post?.authorization).toBe(
      `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`,
    );
    expect(post?.form.get('To')).toBe(PATIENT_PHONE);
    expect(post?.form.get('From')).toBe(FROM);
    expect(post?.form.get('Body')).toBe(request.payload?.[0]?.contentString);
    expect(post?.form.get('Body')).toContain('Lakeside Family Clinic');

    const [message, ...others] = await messages();
    expect(others).toHaveLength(0);
    expect(message?.identifier).toContainEqual({
      system: ID_SYSTEM.providerMessage,
      value: 'SM00000000000000000000000000000001',
    });
    expect(message?.status).toBe('in-progress');
    expect(message?.sent).toBe(FIRST_RUN.toISOString());
    expect(message?.payload?.[0]?.contentString).toBe(request.payload?.[0]?.contentString);
    expect((await reread(request)).status).toBe('completed');

    // The next minute's run finds nothing due: Twilio is not called again.
    clockTime = new Date('2026-11-20T21:02:00Z');
    expect((await handler(medplum, event())).sent).toBe(0);
    expect(seen).toHaveLength(1);
  });

  it('keeps a rate-limited (429) message and sends it on a later run', async () => {
    const request = await dueRequest();
    const seen = twilio(
      twilioError(429, 20429, 'Too Many Requests'),
      created('SM00000000000000000000000000000002'),
    );
    expect(await handler(medplum, event())).toMatchObject({ sent: 0, retried: 1, failed: 0 });
    const waiting = await reread(request);
    expect(waiting.status).toBe('active');
    expect(waiting.occurrenceDateTime).toBe('2026-11-20T21:02:00.000Z');
    expect(waiting.extension?.find((e) => e.url === EXT.dispatchAttempts)?.valueInteger).toBe(1);
    expect(await messages()).toHaveLength(0);

    // Backoff is a minute: a run before then leaves it alone, the run after sends it.
    clockTime = new Date('2026-11-20T21:01:30Z');
    expect((await handler(medplum, event())).sent).toBe(0);
    expect(seen).toHaveLength(1);
    clockTime = new Date('2026-11-20T21:02:00Z');
    expect((await handler(medplum, event())).sent).toBe(1);
    expect(seen).toHaveLength(2);
    expect(seen[1]?.form.get('Body')).toBe(request.payload?.[0]?.contentString);
    expect((await reread(request)).status).toBe('completed');
    expect((await messages()).flatMap((m) => m.identifier ?? []).map((i) => i.value)).toContain(
      'SM00000000000000000000000000000002',
    );
  });

  it('records a carrier opt-out (21610) as the patient opting out of SMS and revokes the request', async () => {
    const request = await dueRequest();
    const seen = twilio(twilioError(400, 21610, 'Attempt to send to unsubscribed recipient +13125550142'));
    expect(await handler(medplum, event())).toMatchObject({ sent: 0, failed: 1 });
    expect(seen).toHaveLength(1);

    const revoked = await reread(request);
    expect(revoked.status).toBe('revoked');
    expect(revoked.statusReason?.text).toContain('21610');
    const consents = await medplum.searchResources(
      'Consent',
      { patient: `Patient/${patientId}` },
      { cache: 'no-cache' },
    );
    expect(
      consents.map((c) => [c.status, c.provision?.type, c.provision?.code?.[0]?.coding?.[0]?.code]),
    ).toEqual([['active', 'deny', 'sms']]);
    // The attempt stays on record as not done.
    expect((await messages()).map((m) => m.status)).toEqual(['not-done']);

    // The opt-out holds on later runs: the 3-day reminder is not texted.
    clockTime = new Date('2026-11-28T15:31:00Z');
    await handler(medplum, event());
    expect(seen).toHaveLength(1);
  });

  it.each([
    [500, 20500, 'Internal Server Error'],
    [503, 20503, 'Service Unavailable'],
  ])(
    'does not resend after a Twilio %i: the message is recorded with unknown delivery',
    async (status, code, text) => {
      const request = await dueRequest();
      const seen = twilio(twilioError(status, code, text));
      expect(await handler(medplum, event())).toMatchObject({ sent: 1, retried: 0 });
      expect((await reread(request)).status).toBe('completed');
      const [message] = await messages();
      expect(message?.extension?.find((e) => e.url === EXT.deliveryStatus)?.valueCode).toBe('unknown');
      expect(message?.identifier?.some((i) => i.system === ID_SYSTEM.providerMessage)).toBe(false);

      clockTime = new Date('2026-11-20T21:05:00Z');
      await handler(medplum, event());
      expect(seen).toHaveLength(1);
    },
  );

  // The bot's Twilio timeout is not configurable through secrets (twilioConfigFromSecrets has no timeout
  // secret and the default is 10 s), so the timeout runs through the bot's own sender with a short timeout.
  it('does not resend after a timeout: the message is recorded with unknown delivery', async () => {
    const request = await dueRequest();
    const seen = twilio(async () => {
      await delay(500);
      return created('SM00000000000000000000000000000003')();
    });
    const send = channelSender(
      medplum,
      { accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, apiBaseUrl: TWILIO, from: FROM, timeoutMs: 50 },
      { practiceName: practice.name, gatherActionUrl: '', now: () => clockTime.getTime() },
    );
    const summary = await runDispatch(medplum, { practice, workflows, send, now: () => clockTime });
    expect(summary).toMatchObject({ sent: 1, retried: 0 });
    expect(seen).toHaveLength(1);
    expect((await reread(request)).status).toBe('completed');
    const [message] = await messages();
    expect(message?.extension?.find((e) => e.url === EXT.deliveryStatus)?.valueCode).toBe('unknown');

    clockTime = new Date('2026-11-20T21:05:00Z');
    await runDispatch(medplum, { practice, workflows, send, now: () => clockTime });
    expect(seen).toHaveLength(1);
  });

  it('places a call whose key presses go to the inbound bot and whose status goes to the delivery-status bot', async () => {
    const forms: URLSearchParams[] = [];
    server.use(
      http.post(`${TWILIO}/2010-04-01/Accounts/${ACCOUNT_SID}/Calls.json`, async ({ request }) => {
        forms.push(new URLSearchParams(await request.text()));
        return HttpResponse.json(
          { sid: 'CA0123456789abcdef0123456789abcdef', status: 'queued' },
          { status: 201 },
        );
      }),
    );
    const send = channelSender(
      medplum,
      {
        accountSid: ACCOUNT_SID,
        authToken: AUTH_TOKEN,
        apiBaseUrl: TWILIO,
        from: FROM,
        statusCallbackUrl: 'https://medplum.example/webhook/status',
        voiceCallbackUrl: 'https://medplum.example/webhook/inbound',
      },
      {
        practiceName: practice.name,
        gatherActionUrl: 'https://medplum.example/webhook/inbound',
        now: () => clockTime.getTime(),
      },
    );
    const result = await send({
      channel: 'voice',
      to: PATIENT_PHONE,
      text: 'This is Lakeside Family Clinic. Press 1 to confirm or 3 to reschedule.',
      language: 'en',
      key: 'k',
    });
    expect(result).toMatchObject({ ok: true, providerId: 'CA0123456789abcdef0123456789abcdef' });
    expect(forms[0]?.get('StatusCallback')).toBe('https://medplum.example/webhook/status');
    expect(forms[0]?.get('Twiml')).toContain('action="https://medplum.example/webhook/inbound"');
  });

  it.each(['CARELOOP_ORGANIZATION', 'TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM_NUMBER'])(
    'fails with a clear error naming %s when it is missing, and sends nothing',
    async (missing) => {
      const seen = twilio(created('SM00000000000000000000000000000004'));
      const values = Object.fromEntries(
        Object.entries({ ...TWILIO_SECRETS, CARELOOP_ORGANIZATION: organization }).filter(
          ([name]) => name !== missing,
        ),
      );
      const run = handler(medplum, event(values));
      await expect(run).rejects.toThrow(BotConfigError);
      await expect(run).rejects.toThrow(`bot secret ${missing} is not set`);
      expect(seen).toHaveLength(0);
      expect((await dueRequest()).status).toBe('active');
    },
  );

  it("asks Twilio's message log about texts whose run stopped before recording them; other channels cannot say", async () => {
    const asked: string[] = [];
    server.use(
      http.get(MESSAGES_URL, ({ request }) => {
        asked.push(new URL(request.url).searchParams.get('To') ?? '');
        return HttpResponse.json({
          messages: [
            {
              sid: 'SM00000000000000000000000000000009',
              body: 'Hello',
              status: 'delivered',
              direction: 'outbound-api',
              date_created: 'Fri, 20 Nov 2026 21:01:02 +0000',
            },
          ],
        });
      }),
    );
    const lookup = channelLookup({
      accountSid: ACCOUNT_SID,
      authToken: AUTH_TOKEN,
      apiBaseUrl: TWILIO,
      from: FROM,
    });
    const since = FIRST_RUN.toISOString();
    expect(await lookup({ channel: 'sms', to: PATIENT_PHONE, text: 'Hello', since })).toEqual({
      sent: true,
      providerId: 'SM00000000000000000000000000000009',
      status: 'delivered',
    });
    expect(await lookup({ channel: 'voice', to: PATIENT_PHONE, text: 'Hello', since })).toMatchObject({
      sent: 'unknown',
    });
    expect(asked).toEqual([PATIENT_PHONE]);
  });
});
