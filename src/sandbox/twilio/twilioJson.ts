/** Twilio's REST answers: the resource JSON and the error JSON, in Twilio's field names. */

import type { PhoneCall, PhoneMessage } from './store';

/** Twilio's error body (`code`, `message`, `more_info`, `status`) with that HTTP status. */
export function twilioError(status: number, code: number, message: string): Response {
  return new Response(
    JSON.stringify({ code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }),
    { status, headers: { 'content-type': 'application/json' } },
  );
}

function rfc2822(iso: string): string {
  return new Date(iso).toUTCString().replace('GMT', '+0000');
}

/** A Message resource as Twilio answers `POST …/Messages.json` (201). */
export function messageJson(accountSid: string, m: PhoneMessage, messagingServiceSid?: string): unknown {
  return {
    account_sid: accountSid,
    api_version: '2010-04-01',
    body: m.body,
    date_created: rfc2822(m.dateCreated),
    date_sent: null,
    date_updated: rfc2822(m.dateCreated),
    direction: m.direction === 'inbound' ? 'inbound' : 'outbound-api',
    error_code: null,
    error_message: null,
    from: m.from,
    messaging_service_sid: messagingServiceSid ?? null,
    num_media: '0',
    num_segments: String(m.numSegments),
    price: null,
    price_unit: 'USD',
    sid: m.sid,
    status: m.status,
    subresource_uris: { media: `/2010-04-01/Accounts/${accountSid}/Messages/${m.sid}/Media.json` },
    to: m.to,
    uri: `/2010-04-01/Accounts/${accountSid}/Messages/${m.sid}.json`,
  };
}

/** A Call resource as Twilio answers `POST …/Calls.json` (201). */
export function callJson(accountSid: string, c: PhoneCall): Record<string, unknown> {
  return {
    account_sid: accountSid,
    api_version: '2010-04-01',
    date_created: rfc2822(c.dateCreated),
    date_updated: rfc2822(c.dateCreated),
    direction: 'outbound-api',
    from: c.from,
    to: c.to,
    sid: c.sid,
    status: c.status,
    uri: `/2010-04-01/Accounts/${accountSid}/Calls/${c.sid}.json`,
  };
}
