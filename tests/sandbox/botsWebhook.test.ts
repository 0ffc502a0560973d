import { forbidden, OperationOutcomeError } from '@medplum/core';
import { describe, expect, it } from 'vitest';
import { cronDue } from '../../src/sandbox/bots/cron';
import { webhookErrorResponse, webhookInput, webhookResponse } from '../../src/sandbox/bots/webhook';

function post(body: string, contentType: string, headers: Record<string, string> = {}): Request {
  return new Request('http://sandbox.test/webhook/b1', {
    method: 'POST',
    headers: { 'content-type': contentType, ...headers },
    body,
  });
}

describe('webhook shapes (Medplum semantics)', () => {
  it('a form post becomes event.input as name → value, with the headers and content type', async () => {
    const read = await webhookInput(
      post('From=%2B13125550142&Body=C+please&Body=C', 'application/x-www-form-urlencoded; charset=utf-8', {
        'X-Twilio-Signature': 'abc=',
      }),
    );
    expect(read.input).toEqual({ From: '+13125550142', Body: 'C' });
    expect(read.contentType).toBe('application/x-www-form-urlencoded');
    expect(read.headers['x-twilio-signature']).toBe('abc=');
  });

  it('JSON is parsed and anything else is passed as text', async () => {
    expect((await webhookInput(post('{"since":"2026-11-01T00:00:00Z"}', 'application/json'))).input).toEqual({
      since: '2026-11-01T00:00:00Z',
    });
    expect((await webhookInput(post('MSH|^~\\&|', 'x-application/hl7-v2+er7'))).input).toBe('MSH|^~\\&|');
  });

  it('a returned Binary is the response with its content type (TwiML); a plain value is JSON', async () => {
    const twiml = '<Response><Message>Thanks</Message></Response>';
    const binary = webhookResponse({
      resourceType: 'Binary',
      contentType: 'text/xml',
      data: Buffer.from(twiml).toString('base64'),
    });
    expect(binary.headers.get('content-type')).toBe('text/xml');
    expect(await binary.text()).toBe(twiml);
    const plain = webhookResponse({ outcome: 'updated' });
    expect(plain.headers.get('content-type')).toBe('application/json');
    expect(await plain.json()).toEqual({ outcome: 'updated' });
  });

  it('a refused signature keeps its 403; other errors are a 500 that does not repeat their text', async () => {
    expect(webhookErrorResponse(new OperationOutcomeError(forbidden)).status).toBe(403);
    const other = webhookErrorResponse(new Error('patient Ana said something private'));
    expect(other.status).toBe(500);
    expect(await other.text()).not.toContain('Ana');
  });
});

describe('cron by sandbox time', () => {
  it('is due when a firing falls in (since, now], once however many were skipped', () => {
    const since = new Date('2026-11-30T13:59:30Z');
    expect(cronDue('0 14 * * *', since, new Date('2026-11-30T14:00:00Z'))).toBe(true);
    expect(cronDue('0 14 * * *', since, new Date('2026-11-30T13:59:59Z'))).toBe(false);
    expect(cronDue('*/15 * * * *', new Date('2026-11-30T14:00:00Z'), new Date('2026-11-30T14:14:59Z'))).toBe(
      false,
    );
    expect(cronDue('*/15 * * * *', new Date('2026-11-30T14:00:00Z'), new Date('2026-12-03T14:00:00Z'))).toBe(
      true,
    );
  });
});
