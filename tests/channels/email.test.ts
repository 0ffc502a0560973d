import { allOk, badRequest, OperationOutcomeError, serverError, tooManyRequests } from '@medplum/core';
import { MockClient } from '@medplum/mock';
import { describe, expect, it, vi } from 'vitest';
import { sendEmail } from '../../src/channels';

const MESSAGE = {
  to: 'pat.example@example.com',
  subject: 'Your visit on Tue',
  text: 'See you Tuesday at 3:30 PM.',
};

function clientAnswering(answer: () => Promise<unknown>): { medplum: MockClient; calls: unknown[] } {
  const medplum = new MockClient();
  const calls: unknown[] = [];
  vi.spyOn(medplum, 'sendEmail').mockImplementation(async (email) => {
    calls.push(email);
    return answer() as ReturnType<MockClient['sendEmail']>;
  });
  return { medplum, calls };
}

describe('sendEmail', () => {
  it('sends through medplum.sendEmail and reports an attempt id', async () => {
    const { medplum, calls } = clientAnswering(async () => allOk);
    const result = await sendEmail(medplum, MESSAGE);
    expect(calls).toEqual([MESSAGE]);
    expect(result).toMatchObject({ ok: true, status: 'sent' });
    expect(result.ok && result.providerId).toMatch(/^email-[0-9a-f-]{36}$/);
  });

  it("works against MockClient's own sendEmail", async () => {
    expect(await sendEmail(new MockClient(), MESSAGE)).toMatchObject({ ok: true });
  });

  it.each([
    '',
    'not-an-address',
    'a@b',
    'a@example.com, b@example.com',
    'Pat <pat@example.com>',
    'a@example.com\r\nBcc: x@example.com',
  ])('refuses %j without a request', async (to) => {
    const { medplum, calls } = clientAnswering(async () => allOk);
    expect(await sendEmail(medplum, { ...MESSAGE, to })).toMatchObject({
      ok: false,
      retryable: false,
      invalidAddress: true,
    });
    expect(calls).toHaveLength(0);
  });

  it('refuses a subject with a line break or empty content', async () => {
    const { medplum, calls } = clientAnswering(async () => allOk);
    expect(await sendEmail(medplum, { ...MESSAGE, subject: 'Hi\r\nBcc: x@example.com' })).toMatchObject({
      ok: false,
    });
    expect(await sendEmail(medplum, { ...MESSAGE, text: ' ' })).toMatchObject({ ok: false });
    expect(calls).toHaveLength(0);
  });

  it('429 and 5xx are retryable', async () => {
    const throttled = clientAnswering(() => Promise.reject(new OperationOutcomeError(tooManyRequests)));
    expect(await sendEmail(throttled.medplum, MESSAGE)).toMatchObject({
      ok: false,
      retryable: true,
      httpStatus: 429,
    });
    const broken = clientAnswering(() =>
      Promise.reject(new OperationOutcomeError(serverError(new Error('smtp down')))),
    );
    expect(await sendEmail(broken.medplum, MESSAGE)).toMatchObject({
      ok: false,
      retryable: true,
      httpStatus: 500,
    });
  });

  it('other 4xx are not retryable', async () => {
    const { medplum } = clientAnswering(() =>
      Promise.reject(new OperationOutcomeError(badRequest('Email not enabled'))),
    );
    const result = await sendEmail(medplum, MESSAGE);
    expect(result).toMatchObject({ ok: false, retryable: false, httpStatus: 400 });
    expect(result.ok === false && result.reason).toContain('Email not enabled');
  });

  it('a network error is retryable', async () => {
    const { medplum } = clientAnswering(() => Promise.reject(new TypeError('Failed to fetch')));
    expect(await sendEmail(medplum, MESSAGE)).toMatchObject({ ok: false, retryable: true });
  });
});
