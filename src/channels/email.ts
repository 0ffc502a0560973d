/** Sending an email through Medplum's email API (`POST /email/v1/send`). */

import { randomUUID } from 'node:crypto';
import {
  getStatus,
  isOk,
  isOperationOutcome,
  OperationOutcomeError,
  type MedplumClient,
} from '@medplum/core';
import { rejected, type SendResult } from './sendResult';

/** One outbound plain-text email. */
export interface EmailMessage {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
}

// One plain address, nothing a mail header could be split on (commas, angle brackets, line breaks).
const ADDRESS = /^[^\s@,;<>"()]+@[^\s@,;<>"()]+\.[^\s@,;<>"()]+$/;

/** True for a single plain email address that is safe to put in a To header. */
export function isEmailAddress(value: string): boolean {
  return value.length <= 254 && ADDRESS.test(value);
}

function failureFromOutcome(httpStatus: number, detail: string): SendResult {
  const retryable = httpStatus === 429 || httpStatus >= 500;
  return {
    ok: false,
    retryable,
    httpStatus,
    reason: `Medplum email API answered ${httpStatus}${detail ? `: ${detail.slice(0, 300)}` : ''}`,
    // A 5xx may come after the mail was handed to the mail service.
    ...(httpStatus >= 500 && { maybeSent: true }),
  };
}

/**
 * Sends a plain-text email with `medplum.sendEmail` (the project needs the `email` feature and the bot
 * permission to send). An invalid address or empty content is refused without a request; 429 and 5xx
 * answers and network errors are retryable, other 4xx are not. Medplum returns no message id, so
 * `providerId` is a fresh `email-…` UUID that identifies this attempt on the Communication.
 */
export async function sendEmail(medplum: MedplumClient, message: EmailMessage): Promise<SendResult> {
  const to = message.to.trim();
  if (!isEmailAddress(to)) {
    return rejected('recipient is not a valid email address; nothing was sent', { invalidAddress: true });
  }
  if (/[\r\n]/.test(message.subject)) {
    return rejected('email subject contains a line break; nothing was sent');
  }
  if (message.subject.trim() === '' || message.text.trim() === '') {
    return rejected('email subject or text is empty; nothing was sent');
  }
  try {
    const outcome: unknown = await medplum.sendEmail({ to, subject: message.subject, text: message.text });
    if (isOperationOutcome(outcome) && !isOk(outcome)) {
      return failureFromOutcome(getStatus(outcome), outcome.issue?.[0]?.details?.text ?? '');
    }
    return { ok: true, providerId: `email-${randomUUID()}`, status: 'sent' };
  } catch (error) {
    if (error instanceof OperationOutcomeError) {
      return failureFromOutcome(getStatus(error.outcome), error.outcome.issue?.[0]?.details?.text ?? '');
    }
    const reason = error instanceof Error ? error.message : String(error);
    return {
      ok: false,
      retryable: true,
      maybeSent: true,
      reason: `could not reach the Medplum email API (${reason})`,
    };
  }
}
