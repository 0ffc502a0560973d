/**
 * Asking Twilio whether a text went out. Dispatch uses it for a message whose run stopped between sending
 * and recording (the claim ran out with nothing on record): the carrier's own log tells "sent" from "never
 * sent", so the message is neither lost nor sent twice. When Twilio cannot say, the caller assumes it may
 * have gone.
 */

import type { TwilioConfig } from './twilioConfig';
import { getTwilioList, type FetchImpl } from './twilioRest';

/** What the provider's log says about one message. */
export type SentLookup =
  | { readonly sent: true; readonly providerId: string; readonly status: string }
  | { readonly sent: false }
  | { readonly sent: 'unknown'; readonly reason: string };

/** Messages read per lookup (newest first); a number texted more often than this since the claim is "unknown". */
const PAGE_SIZE = 50;
/** Clock skew allowed between the bot and Twilio. */
const SKEW_MS = 2 * 60_000;

interface TwilioMessage {
  sid?: unknown;
  body?: unknown;
  status?: unknown;
  direction?: unknown;
  date_created?: unknown;
}

/**
 * Looks for an outbound text to `to` with exactly `body`, created at or after `since` (ISO), in the newest
 * page of the account's messages to that number.
 */
export async function findSentSms(
  cfg: TwilioConfig,
  message: { readonly to: string; readonly body: string; readonly since: string },
  fetchImpl?: FetchImpl,
): Promise<SentLookup> {
  const answer = await getTwilioList(
    cfg,
    'Messages.json',
    { To: message.to, PageSize: String(PAGE_SIZE) },
    fetchImpl,
  );
  if (answer instanceof Error) return { sent: 'unknown', reason: answer.message };
  const list = (answer as { messages?: unknown }).messages;
  if (!Array.isArray(list)) return { sent: 'unknown', reason: 'Twilio answered without a message list' };
  const since = Date.parse(message.since) - SKEW_MS;
  const messages = list as TwilioMessage[];
  const match = messages.find(
    (m) =>
      typeof m.direction === 'string' &&
      m.direction.startsWith('outbound') &&
      m.body === message.body &&
      Date.parse(String(m.date_created)) >= since,
  );
  if (match && typeof match.sid === 'string') {
    return {
      sent: true,
      providerId: match.sid,
      status: typeof match.status === 'string' ? match.status : 'sent',
    };
  }
  // Not found: certain only if the page reaches back past the claim (or holds everything there is).
  const oldest = Math.min(
    ...messages.map((m) => Date.parse(String(m.date_created))).filter((t) => !Number.isNaN(t)),
  );
  return messages.length < PAGE_SIZE || oldest < since
    ? { sent: false }
    : { sent: 'unknown', reason: `more than ${PAGE_SIZE} messages to this number since the claim` };
}
