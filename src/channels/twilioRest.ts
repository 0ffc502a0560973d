/** One authenticated, time-bounded form POST to the Twilio REST API. */

import { Buffer } from 'node:buffer';
import { clearTimeout, setTimeout } from 'node:timers';
import { URLSearchParams } from 'node:url';
import type { SendResult } from './sendResult';
import type { TwilioConfig } from './twilioConfig';
import { classifyHttpFailure, classifyNetworkFailure } from './twilioErrors';

// Imported from node: modules rather than read as globals so the code also runs in Medplum's vmcontext
// bot runtime, whose sandbox does not expose every Node global.

/** The fetch signature senders accept; tests and the sandbox pass their own. */
export type FetchImpl = typeof fetch;

/**
 * Default per-request timeout: Twilio normally answers in well under a second, and a stalled request must
 * not eat a time-bounded bot run.
 */
export const DEFAULT_TIMEOUT_MS = 10_000;

/** `Authorization` header value for HTTP Basic auth with the account SID and token. */
export function basicAuth(cfg: Pick<TwilioConfig, 'accountSid' | 'authToken'>): string {
  return `Basic ${Buffer.from(`${cfg.accountSid}:${cfg.authToken}`, 'utf8').toString('base64')}`;
}

/** The URL of an account-scoped resource list, e.g. `Messages.json`. */
export function accountResourceUrl(cfg: TwilioConfig, resource: 'Messages.json' | 'Calls.json'): string {
  return `${cfg.apiBaseUrl.replace(/\/+$/, '')}/2010-04-01/Accounts/${encodeURIComponent(cfg.accountSid)}/${resource}`;
}

function timeoutSignal(ms: number): AbortSignal | undefined {
  return typeof AbortSignal !== 'undefined' && typeof AbortSignal.timeout === 'function'
    ? AbortSignal.timeout(ms)
    : undefined;
}

/**
 * Fetches and reads the body within `timeoutMs`. The signal cancels the real request; the timer also
 * bounds a runtime without AbortSignal.timeout or an injected fetch that ignores signals.
 */
async function exchange(
  fetchImpl: FetchImpl,
  url: string,
  init: RequestInit,
  timeoutMs: number,
): Promise<{ response: Response; text: string }> {
  const signal = timeoutSignal(timeoutMs);
  const run = (async () => {
    const response = await fetchImpl(url, { ...init, ...(signal && { signal }) });
    // A stalled body is as unanswered as a stalled connection, so it counts against the same timeout.
    return { response, text: await response.text() };
  })();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new Error(`no answer within ${timeoutMs} ms`);
      error.name = 'TimeoutError';
      reject(error);
    }, timeoutMs);
  });
  // Whichever loses the race must not surface later as an unhandled rejection.
  run.catch(() => undefined);
  try {
    return await Promise.race([run, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * POSTs form fields (undefined values left out) and turns the answer into a SendResult: a created
 * resource's `sid` and `status`, or a classified failure. Never throws for what Twilio or the network do.
 */
export async function postTwilioForm(
  cfg: TwilioConfig,
  resource: 'Messages.json' | 'Calls.json',
  fields: Record<string, string | undefined>,
  fetchImpl: FetchImpl = fetch,
): Promise<SendResult> {
  const timeoutMs = cfg.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const form = new URLSearchParams();
  for (const [name, value] of Object.entries(fields)) {
    if (value !== undefined) form.append(name, value);
  }
  let response: Response;
  let text: string;
  try {
    ({ response, text } = await exchange(
      fetchImpl,
      accountResourceUrl(cfg, resource),
      {
        method: 'POST',
        headers: {
          Authorization: basicAuth(cfg),
          'Content-Type': 'application/x-www-form-urlencoded; charset=utf-8',
          Accept: 'application/json',
        },
        body: form.toString(),
      },
      timeoutMs,
    ));
  } catch (error) {
    return classifyNetworkFailure(error, timeoutMs);
  }
  if (!response.ok) {
    return classifyHttpFailure(response.status, text, response.headers.get('retry-after'));
  }
  let sid: unknown;
  let status: unknown;
  try {
    ({ sid, status } = JSON.parse(text) as { sid?: unknown; status?: unknown });
  } catch {
    // fall through: a 2xx we cannot read is handled below
  }
  if (typeof sid !== 'string' || sid === '') {
    return {
      ok: false,
      retryable: false,
      maybeSent: true,
      httpStatus: response.status,
      reason: `Twilio answered HTTP ${response.status} without a resource sid`,
    };
  }
  return { ok: true, providerId: sid, status: typeof status === 'string' ? status : 'queued' };
}

/**
 * GETs an account-scoped list (`Messages.json?To=…`) and returns the parsed JSON, or an Error saying why
 * not (HTTP status, timeout, unreadable body). Never throws.
 */
export async function getTwilioList(
  cfg: TwilioConfig,
  resource: 'Messages.json' | 'Calls.json',
  query: Record<string, string>,
  fetchImpl: FetchImpl = fetch,
): Promise<unknown> {
  return getTwilioJson(
    cfg,
    `${accountResourceUrl(cfg, resource)}?${new URLSearchParams(query).toString()}`,
    fetchImpl,
  );
}

/**
 * GETs one account-scoped resource by its SID (`Messages/SM….json`, `Calls/CA….json`) and returns the
 * parsed JSON, or an Error saying why not. Never throws.
 */
export async function getTwilioResource(
  cfg: TwilioConfig,
  resource: 'Messages' | 'Calls',
  sid: string,
  fetchImpl: FetchImpl = fetch,
): Promise<unknown> {
  const list = accountResourceUrl(cfg, resource === 'Messages' ? 'Messages.json' : 'Calls.json');
  return getTwilioJson(cfg, `${list.slice(0, -'.json'.length)}/${encodeURIComponent(sid)}.json`, fetchImpl);
}

async function getTwilioJson(cfg: TwilioConfig, url: string, fetchImpl: FetchImpl): Promise<unknown> {
  const timeoutMs = cfg.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  try {
    const { response, text } = await exchange(
      fetchImpl,
      url,
      { method: 'GET', headers: { Authorization: basicAuth(cfg), Accept: 'application/json' } },
      timeoutMs,
    );
    if (!response.ok) return new Error(`Twilio answered HTTP ${response.status}`);
    return JSON.parse(text) as unknown;
  } catch (error) {
    return error instanceof Error ? error : new Error(String(error));
  }
}
