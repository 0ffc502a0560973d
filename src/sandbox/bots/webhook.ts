/**
 * `POST /webhook/:id` as Medplum serves a public bot webhook: the body becomes `event.input` (a form post
 * as name → value, JSON parsed, anything else as text), the request headers `event.headers`, and the
 * bot's answer the response: a Binary is sent as its own content type (TwiML), anything else as JSON.
 * Medplum's URL names the bot's ProjectMembership; the sandbox has no memberships and uses the Bot's id.
 */

import { Buffer } from 'node:buffer';
import { getStatus, isOperationOutcome, OperationOutcomeError, badRequest, serverError } from '@medplum/core';
import type { Binary, OperationOutcome } from '@medplum/fhirtypes';
import { parseFormBody } from '../../channels/formBody';

/** What a webhook request turns into for the bot. */
export interface WebhookInput {
  readonly input: unknown;
  readonly contentType: string;
  readonly headers: Record<string, string>;
}

/** Reads a webhook request the way Medplum's webhook endpoint hands it to a bot. */
export async function webhookInput(request: Request): Promise<WebhookInput> {
  const contentType = (request.headers.get('content-type') ?? 'text/plain').toLowerCase();
  const text = await request.text();
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => {
    headers[name.toLowerCase()] = value;
  });
  let input: unknown = text;
  if (contentType.includes('application/x-www-form-urlencoded')) {
    input = parseFormBody(text);
  } else if (contentType.includes('json')) {
    input = text.trim() === '' ? {} : (JSON.parse(text) as unknown);
  }
  return { input, contentType: contentType.split(';')[0]?.trim() ?? contentType, headers };
}

function isBinary(value: unknown): value is Binary {
  return typeof value === 'object' && value !== null && (value as Binary).resourceType === 'Binary';
}

/** The HTTP answer for what a bot returned. */
export function webhookResponse(result: unknown): Response {
  if (isBinary(result)) {
    const body = result.data ? Buffer.from(result.data, 'base64') : Buffer.alloc(0);
    return new Response(body, {
      status: 200,
      headers: { 'content-type': result.contentType ?? 'application/octet-stream' },
    });
  }
  return new Response(JSON.stringify(result ?? null), {
    status: 200,
    headers: { 'content-type': 'application/json' },
  });
}

function outcomeResponse(outcome: OperationOutcome): Response {
  return new Response(JSON.stringify(outcome), {
    status: getStatus(outcome),
    headers: { 'content-type': 'application/fhir+json' },
  });
}

/**
 * The HTTP answer for a bot that threw: an OperationOutcomeError keeps its status (403 for a forged
 * signature, 400 for a malformed body); anything else is a 500 without the error's text, which can hold
 * patient data.
 */
export function webhookErrorResponse(err: unknown): Response {
  if (err instanceof OperationOutcomeError) return outcomeResponse(err.outcome);
  if (isOperationOutcome(err)) return outcomeResponse(err);
  return outcomeResponse(serverError(new Error('the bot failed; see the sandbox log')));
}

/** A 400 for a body that could not be read. */
export function unreadableBody(err: unknown): Response {
  return outcomeResponse(badRequest((err as Error).message));
}
