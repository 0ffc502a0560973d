/**
 * Posting a webhook the way Twilio does: a form body signed with `X-Twilio-Signature`, computed by the
 * production channel's own `computeTwilioSignature` over the exact URL and the sorted parameters, sent
 * over HTTP so the signature covers the URL the receiver sees.
 */

import { computeTwilioSignature } from '../../channels/signature';

/** What the receiver answered. */
export interface WebhookAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

/** POSTs `params` to `url`, signed with `authToken`; never throws (a network failure is status 0). */
export async function postSignedForm(
  url: string,
  params: Readonly<Record<string, string>>,
  authToken: string,
  fetchImpl: typeof fetch = fetch,
): Promise<WebhookAnswer> {
  const signature = computeTwilioSignature({ authToken, url, params });
  try {
    const response = await fetchImpl(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
        'x-twilio-signature': signature,
        'user-agent': 'TwilioProxy/1.1 (Careloop sandbox)',
        'i-twilio-idempotency-token': crypto.randomUUID(),
      },
      body: new URLSearchParams(params).toString(),
    });
    return {
      status: response.status,
      contentType: response.headers.get('content-type') ?? '',
      body: await response.text(),
    };
  } catch (err) {
    return { status: 0, contentType: '', body: (err as Error).message };
  }
}
