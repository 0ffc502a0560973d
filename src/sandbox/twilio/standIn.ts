/**
 * The Twilio stand-in: the REST endpoints the production channel posts to (`Messages.json`,
 * `Calls.json`) with Twilio's auth, validation and answers, the reads it makes (one message or call by
 * SID, the message log: restReads.ts), and the carrier side: signed status callbacks,
 * STOP/START at the carrier, landlines that never receive a text, and the patient's replies and key
 * presses sent to the practice's webhooks exactly as Twilio would.
 */

import { MedplumClient } from '@medplum/core';
import type { Patient } from '@medplum/fhirtypes';
import { isE164 } from '../../channels/phone';
import { ID_SYSTEM, smsSegments, toE164 } from '../../engine';
import { patientsByPhone } from '../../fhir/inbound';
import type { Route, SandboxContext } from '../context';
import { refuseUnauthorized } from './accountAuth';
import { restReadRoutes } from './restReads';
import { newSid } from './sids';
import { postSignedForm } from './signedPost';
import { openPhoneStore, type PhoneCall, type PhoneMessage, type PhoneState } from './store';
import { twimlGatherAction, twimlMessages, twimlSays } from './twiml';
import { callJson, messageJson, twilioError } from './twilioJson';

/** How the stand-in is set up. */
export interface TwilioStandInOptions {
  readonly accountSid: string;
  readonly authToken: string;
  /** The practice's number (TWILIO_FROM_NUMBER); patients' replies are sent to it. */
  readonly practiceNumber: string;
  /** Where messages and calls are kept across restarts (in the data folder). */
  readonly dataFile?: string;
  /**
   * The number's "A message comes in" webhook: the inbound-message bot's URL. A function, because the
   * runtime knows it only once the bots are installed.
   */
  readonly smsUrl?: string | (() => string);
  /** Numbers that are landlines whatever the records say (texts fail with 30006). */
  readonly landlines?: readonly string[];
  /** Real ms before each status callback (default 300). */
  readonly callbackDelayMs?: number;
  /**
   * Hold status callbacks until the Communication carrying the message sid exists (default true, at most
   * 2 minutes). Real Twilio does not wait: see docs/sandbox-runtime.md.
   */
  readonly waitForRecord?: boolean;
  readonly log?: (line: string) => void;
}

/** A patient's reply as the phone page sends it. */
export interface InboundText {
  readonly from: string;
  readonly body: string;
}

/** The running stand-in. */
export interface TwilioStandIn {
  readonly routes: Route[];
  /** Every message, oldest first. */
  messages(): readonly PhoneMessage[];
  calls(): readonly PhoneCall[];
  /** The persisted state (messages, calls, opt-outs, emails). */
  state(): PhoneState;
  /** Sends a patient's text to the practice's inbound webhook (signed); returns the TwiML replies stored. */
  sendInbound(text: InboundText): Promise<{ status: number; replies: string[] }>;
  /** A key press on a call: a signed Gather result to the call's action URL, then the call completes. */
  pressKey(callSid: string, digits: string): Promise<{ status: number; answer: string[] }>;
  /** Ends a call without a key press (status callback `completed`). */
  hangUp(callSid: string): Promise<void>;
  /** Looks up the patients using a number (service token, production lookup). */
  patientsFor(number: string): Promise<Patient[]>;
  /** Records an email (the `/email/v1/send` endpoint uses this). */
  saveState(): void;
  /** Resolves when no status callback is pending. */
  idle(): Promise<void>;
  /** Stops sending callbacks (those still waiting are dropped) and waits for the ones in flight. */
  stop(): Promise<void>;
}

const OPT_OUT = new Set(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT', 'REVOKE', 'OPTOUT']);
const OPT_IN = new Set(['START', 'UNSTOP', 'YES']);

/** Creates the carrier side and REST API; its routes live under `/twilio/2010-04-01/Accounts/:sid/`. */
export function createCarrier(ctx: SandboxContext, options: TwilioStandInOptions): TwilioStandIn {
  const store = openPhoneStore(options.dataFile);
  const state = store.state;
  const log = options.log ?? ((line: string) => console.warn(line));
  const delay = options.callbackDelayMs ?? 300;
  const pending = new Set<Promise<unknown>>();
  const track = (p: Promise<unknown>): void => {
    pending.add(p);
    const done = (): void => {
      pending.delete(p);
    };
    p.then(done, done);
  };
  const medplum = (): MedplumClient => {
    const client = new MedplumClient({
      baseUrl: `${ctx.baseUrl}/`,
      cacheTime: 0,
      fetch: (url: string, init?: RequestInit) => fetch(url, init),
    });
    client.setAccessToken(ctx.issueServiceToken('ClientApplication/careloop-sandbox-phone'));
    return client;
  };
  const now = (): string => ctx.clock.now().toISOString();
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

  async function patientsFor(number: string): Promise<Patient[]> {
    try {
      return await patientsByPhone(medplum(), number);
    } catch {
      return [];
    }
  }

  async function isLandline(number: string): Promise<boolean> {
    if (options.landlines?.includes(number)) return true;
    // Records say so: the number is only on patients' home or work lines, never as a mobile or SMS point.
    const points = (await patientsFor(number)).flatMap((p) =>
      (p.telecom ?? [])
        .filter((t) => t.system === 'phone' || t.system === 'sms')
        .filter((t) => toE164(t.value ?? '') === number),
    );
    return (
      points.length > 0 && points.every((t) => t.system === 'phone' && (t.use === 'home' || t.use === 'work'))
    );
  }

  // Sids waiting for their Communication, checked together once a second by one search (not one
  // poller per message: a page of 200 sends would otherwise search the store 400 times a second).
  const awaiting = new Map<string, { resolve: () => void; until: number }>();
  let stopped = false;
  let watching = false;
  async function watchRecords(): Promise<void> {
    if (watching) return;
    watching = true;
    const client = medplum();
    try {
      while (awaiting.size > 0) {
        await sleep(1000);
        const sids = [...awaiting.keys()];
        for (let i = 0; i < sids.length; i += 50) {
          const chunk = sids.slice(i, i + 50);
          let found: string[] = [];
          try {
            const comms = await client.searchResources(
              'Communication',
              {
                identifier: chunk.map((sid) => `${ID_SYSTEM.providerMessage}|${sid}`).join(','),
                _count: '100',
              },
              { cache: 'no-cache' },
            );
            found = comms.flatMap((c) => (c.identifier ?? []).map((id) => id.value ?? ''));
          } catch {
            // the store may be busy: try again next round
          }
          for (const sid of chunk) {
            const waiter = awaiting.get(sid);
            if (waiter && (found.includes(sid) || Date.now() > waiter.until)) {
              awaiting.delete(sid);
              waiter.resolve();
            }
          }
        }
      }
    } finally {
      watching = false;
    }
  }

  /** Waits until the dispatcher has recorded the message (its provider id on a Communication). */
  function recorded(sid: string): Promise<void> {
    if (options.waitForRecord === false) return Promise.resolve();
    return new Promise((resolve) => {
      awaiting.set(sid, { resolve, until: Date.now() + 120_000 });
      void watchRecords();
    });
  }

  async function messageCallbacks(message: PhoneMessage, landline: boolean): Promise<void> {
    if (!message.statusCallback) {
      message.status = landline ? 'undelivered' : 'delivered';
      message.dateSent = now();
      if (landline) message.errorCode = 30006;
      store.save();
      return;
    }
    await recorded(message.sid);
    if (stopped) return;
    const steps: { status: string; errorCode?: number }[] = [
      { status: 'sent' },
      landline ? { status: 'undelivered', errorCode: 30006 } : { status: 'delivered' },
    ];
    for (const step of steps) {
      await sleep(delay);
      if (stopped) return;
      message.status = step.status;
      if (step.status === 'sent') message.dateSent = now();
      if (step.errorCode) message.errorCode = step.errorCode;
      store.save();
      const params: Record<string, string> = {
        AccountSid: options.accountSid,
        ApiVersion: '2010-04-01',
        From: message.from,
        To: message.to,
        MessageSid: message.sid,
        SmsSid: message.sid,
        MessageStatus: step.status,
        SmsStatus: step.status,
        ...(step.errorCode ? { ErrorCode: String(step.errorCode) } : {}),
      };
      const answer = await postSignedForm(message.statusCallback, params, options.authToken);
      if (answer.status < 200 || answer.status >= 300) {
        // Twilio does not retry a failed callback either.
        log(`twilio stand-in: status callback ${step.status} for ${message.sid} answered ${answer.status}`);
      }
    }
  }

  /**
   * A POST of Twilio's form body to one of the account's resources (`Messages.json`, `Calls.json`):
   * refused, as Twilio does, unless it carries the account's credentials.
   */
  const accountPost = (resource: string, create: (form: URLSearchParams) => Promise<Response>): Route => ({
    method: 'POST',
    path: `/twilio/2010-04-01/Accounts/:sid/${resource}`,
    handle: async (request, params) =>
      refuseUnauthorized(options, request, params.sid ?? '') ??
      create(new URLSearchParams(await request.text())),
  });

  const createMessage = accountPost('Messages.json', async (form) => {
    const to = form.get('To') ?? '';
    const badTo = toError(to, 21604, "A 'To' phone number is required.");
    if (badTo) return badTo;
    const from = form.get('From') ?? '';
    const service = form.get('MessagingServiceSid') ?? undefined;
    const body = form.get('Body') ?? '';
    const statusCallback = form.get('StatusCallback') ?? undefined;
    if (!from && !service) return twilioError(400, 21603, "A 'From' phone number is required.");
    if (from && from !== options.practiceNumber) {
      return twilioError(
        400,
        21606,
        `The From phone number ${from} is not a valid, SMS-capable inbound phone number or short code for your account.`,
      );
    }
    if (!body.trim()) return twilioError(400, 21602, 'Message body is required.');
    if (body.length > 1600)
      return twilioError(400, 21617, 'The concatenated message body exceeds the 1600 character limit.');
    if (state.optedOut.includes(to)) {
      return twilioError(400, 21610, 'Attempt to send to unsubscribed recipient');
    }
    if (statusCallback && !/^https?:\/\//.test(statusCallback)) {
      return twilioError(400, 21609, 'The StatusCallback URL is not a valid URL.');
    }
    const message: PhoneMessage = {
      sid: newSid('SM'),
      direction: 'outbound-api',
      from: from || options.practiceNumber,
      to,
      body,
      status: 'queued',
      dateCreated: now(),
      ...(statusCallback ? { statusCallback } : {}),
      ...(service ? { messagingServiceSid: service } : {}),
      numSegments: smsSegments(body).segments,
    };
    state.messages.push(message);
    store.save();
    const landline = await isLandline(to);
    track(
      messageCallbacks(message, landline).catch((err: unknown) =>
        log(`twilio stand-in: callbacks for ${message.sid} failed: ${(err as Error).message}`),
      ),
    );
    return created(messageJson(options.accountSid, message));
  });

  const createCall = accountPost('Calls.json', async (form) => {
    const to = form.get('To') ?? '';
    const badTo = toError(to, 21201, "No 'To' number is specified");
    if (badTo) return badTo;
    const from = form.get('From') ?? '';
    const twiml = form.get('Twiml') ?? '';
    const url = form.get('Url') ?? '';
    if (!from) return twilioError(400, 21213, "No 'From' number is specified");
    if (from !== options.practiceNumber) {
      return twilioError(
        400,
        21210,
        `The source phone number provided, ${from}, is not yet verified for your account.`,
      );
    }
    if (!twiml && !url) return twilioError(400, 21205, 'Url or Twiml parameter is required.');
    if (twiml.length > 4000)
      return twilioError(400, 13101, 'Twiml parameter is longer than 4000 characters.');
    const statusCallback = form.get('StatusCallback') ?? undefined;
    // A Url call would fetch its TwiML; the production channel always sends it inline.
    const script = twiml || `<Response><Say>(TwiML from ${url})</Say></Response>`;
    const gatherAction = twimlGatherAction(script);
    const call: PhoneCall = {
      sid: newSid('CA'),
      from,
      to,
      say: twimlSays(script).join(' '),
      ...(gatherAction ? { gatherAction } : {}),
      // The phone page "answers" it: a key press or hang-up completes the call.
      status: 'ringing',
      dateCreated: now(),
      ...(statusCallback ? { statusCallback } : {}),
    };
    state.calls.push(call);
    store.save();
    return created({ ...callJson(options.accountSid, call), status: 'queued' });
  });

  async function completeCall(call: PhoneCall): Promise<void> {
    call.status = 'completed';
    call.dateEnded = now();
    store.save();
    if (!call.statusCallback) return;
    await postSignedForm(
      call.statusCallback,
      {
        AccountSid: options.accountSid,
        ApiVersion: '2010-04-01',
        CallSid: call.sid,
        CallStatus: 'completed',
        CallDuration: '25',
        Direction: 'outbound-api',
        From: call.from,
        To: call.to,
      },
      options.authToken,
    );
  }

  const smsUrl = (): string | undefined =>
    typeof options.smsUrl === 'function' ? options.smsUrl() : options.smsUrl;

  return {
    routes: [createMessage, createCall, ...restReadRoutes(options, () => state)],
    messages: () => state.messages,
    calls: () => state.calls,
    state: () => state,
    saveState: () => store.save(),
    patientsFor,
    async sendInbound({ from, body }: InboundText): Promise<{ status: number; replies: string[] }> {
      const number = toE164(from) ?? from;
      const word = body.trim().toUpperCase();
      if (OPT_OUT.has(word) && !state.optedOut.includes(number)) state.optedOut.push(number);
      if (OPT_IN.has(word)) state.optedOut = state.optedOut.filter((n) => n !== number);
      const sid = newSid('SM');
      state.messages.push({
        sid,
        direction: 'inbound',
        from: number,
        to: options.practiceNumber,
        body,
        status: 'received',
        dateCreated: now(),
        dateSent: now(),
        numSegments: smsSegments(body).segments,
      });
      store.save();
      const url = smsUrl();
      if (!url) return { status: 0, replies: [] };
      const answer = await postSignedForm(
        url,
        {
          ToCountry: 'US',
          SmsMessageSid: sid,
          NumMedia: '0',
          SmsSid: sid,
          SmsStatus: 'received',
          Body: body,
          To: options.practiceNumber,
          NumSegments: String(smsSegments(body).segments),
          MessageSid: sid,
          AccountSid: options.accountSid,
          From: number,
          ApiVersion: '2010-04-01',
          FromCountry: 'US',
        },
        options.authToken,
      );
      const replies = answer.status === 200 ? twimlMessages(answer.body) : [];
      for (const text of replies) {
        state.messages.push({
          sid: newSid('SM'),
          direction: 'outbound-reply',
          from: options.practiceNumber,
          to: number,
          body: text,
          status: 'delivered',
          dateCreated: now(),
          dateSent: now(),
          numSegments: smsSegments(text).segments,
        });
      }
      store.save();
      if (answer.status !== 200) log(`twilio stand-in: the inbound webhook answered ${answer.status}`);
      return { status: answer.status, replies };
    },
    async pressKey(callSid: string, digits: string): Promise<{ status: number; answer: string[] }> {
      const call = state.calls.find((c) => c.sid === callSid);
      if (!call) throw new Error(`no call ${callSid}`);
      if (call.status === 'completed') throw new Error('this call has ended');
      if (!/^[0-9*#]$/.test(digits)) throw new Error('a key press is one of 0-9, * or #');
      call.digits = digits;
      call.status = 'in-progress';
      let status = 0;
      let answer: string[] = [];
      if (call.gatherAction) {
        // As Twilio posts a Gather result on an outbound call: From is the caller ID, To the callee.
        const result = await postSignedForm(
          call.gatherAction,
          {
            AccountSid: options.accountSid,
            ApiVersion: '2010-04-01',
            CallSid: call.sid,
            CallStatus: 'in-progress',
            Digits: digits,
            Direction: 'outbound-api',
            FinishedOnKey: '',
            From: call.from,
            To: call.to,
            msg: 'Gather End',
          },
          options.authToken,
        );
        status = result.status;
        answer = result.status === 200 ? twimlSays(result.body) : [];
        call.answer = answer.join(' ');
      }
      await completeCall(call);
      return { status, answer };
    },
    async hangUp(callSid: string): Promise<void> {
      const call = state.calls.find((c) => c.sid === callSid);
      if (!call) throw new Error(`no call ${callSid}`);
      if (call.status !== 'completed') await completeCall(call);
    },
    async stop(): Promise<void> {
      stopped = true;
      for (const [sid, waiter] of awaiting) {
        awaiting.delete(sid);
        waiter.resolve();
      }
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
    async idle(): Promise<void> {
      while (pending.size > 0) await Promise.allSettled([...pending]);
    },
  };
}

/** Twilio's refusal of a missing To number (its code differs by resource) or one not in E.164 form. */
function toError(to: string, missingCode: number, missingMessage: string): Response | undefined {
  if (!to) return twilioError(400, missingCode, missingMessage);
  if (!isE164(to)) return twilioError(400, 21211, `The 'To' number ${to} is not a valid phone number.`);
  return undefined;
}

/** Twilio's answer to a created message or call: the resource as JSON, 201. */
function created(resource: object): Response {
  return new Response(JSON.stringify(resource), {
    status: 201,
    headers: { 'content-type': 'application/json' },
  });
}
