/**
 * What the two Twilio webhook bots (inbound message, delivery status) share: parsing and verifying the
 * signed form post, turning failures into the HTTP status Twilio should see, and the TwiML answer.
 */

import {
  badRequest,
  forbidden,
  getStatus,
  OperationOutcomeError,
  serverError,
  type BotEvent,
} from '@medplum/core';
import type { Binary } from '@medplum/fhirtypes';
import { parseFormBody, validateTwilioSignature } from '../channels';
import { requireSecret } from './runtime';

/**
 * Runs a webhook's work so that any failure other than bad input (400) answers 500: Twilio then logs
 * it and, with the connection override `#rp=5xx` on the webhook URL, retries, and the retry completes what
 * was recorded (FHIR 429 and 5xx are passing conditions, not the caller's fault).
 */
export async function asWebhookFailure<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof OperationOutcomeError && getStatus(err.outcome) === 400) throw err;
    if (err instanceof OperationOutcomeError && getStatus(err.outcome) >= 500) throw err;
    throw new OperationOutcomeError(serverError(err as Error));
  }
}

/**
 * Parses the form body and checks Twilio's signature against the exact public URL of this webhook, read
 * from the secret `urlSecret` (each webhook bot has its own URL).
 */
export function verifiedParams(
  event: BotEvent,
  urlSecret: 'INBOUND_WEBHOOK_URL' | 'STATUS_WEBHOOK_URL' = 'INBOUND_WEBHOOK_URL',
): Record<string, string> {
  let params: Record<string, string>;
  try {
    params = parseFormBody(event.input);
  } catch (err) {
    throw new OperationOutcomeError(badRequest((err as Error).message));
  }
  const headers = (event.headers ?? {}) as Record<string, string | string[] | undefined>;
  const header = headers['x-twilio-signature'] ?? headers['X-Twilio-Signature'];
  const signature = Array.isArray(header) ? header[0] : header;
  const ok = validateTwilioSignature({
    authToken: requireSecret(event.secrets, 'TWILIO_AUTH_TOKEN'),
    url: requireSecret(event.secrets, urlSecret),
    params,
    signature,
  });
  if (!ok) {
    // Logged without the body: it may hold a patient's words.
    console.warn(
      `webhook (${urlSecret}): rejected a request with ${signature ? 'an invalid' : 'no'} Twilio signature`,
    );
    throw new OperationOutcomeError(forbidden);
  }
  return params;
}

/** The Binary a webhook bot returns so Medplum answers the HTTP request with TwiML. */
export function twimlBinary(twiml: string): Binary {
  return {
    resourceType: 'Binary',
    contentType: 'text/xml',
    data: Buffer.from(twiml, 'utf8').toString('base64'),
  };
}
