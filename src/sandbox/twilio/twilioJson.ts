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

/** Twilio's texts for the error codes the stand-in produces. */
const ERROR_MESSAGES: Readonly<Record<number, string>> = {
  30003: 'Unreachable destination handset',
  30006: 'Landline or unreachable carrier',
};

/**
 * A Message resource as Twilio answers `POST …/Messages.json` (201), `GET …/Messages/SM….json` and each
 * item of `GET …/Messages.json`: its current `status`, `error_code` (a number, or null), `date_sent`
 * (null until the carrier took it) and the `direction` Twilio uses (`outbound-api`, `outbound-reply`,
 * `inbound`).
 */
export function messageJson(accountSid: string, m: PhoneMessage): Record<string, unknown> {
  return {
    account_sid: accountSid,
    api_version: '2010-04-01',
    body: m.body,
    date_created: rfc2822(m.dateCreated),
    date_sent: m.dateSent ? rfc2822(m.dateSent) : null,
    date_updated: rfc2822(m.dateSent ?? m.dateCreated),
    direction: m.direction,
    error_code: m.errorCode ?? null,
    error_message: m.errorCode ? (ERROR_MESSAGES[m.errorCode] ?? null) : null,
    from: m.from,
    messaging_service_sid: m.messagingServiceSid ?? null,
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

/**
 * A Call resource as Twilio answers `POST …/Calls.json` (201) and `GET …/Calls/CA….json`: `status`
 * (`ringing` until the phone page answers it, then `in-progress`, `completed`), and once ended its
 * `end_time` and `duration` (the 25 s the status callback reports).
 */
export function callJson(accountSid: string, c: PhoneCall): Record<string, unknown> {
  return {
    account_sid: accountSid,
    answered_by: null,
    api_version: '2010-04-01',
    date_created: rfc2822(c.dateCreated),
    date_updated: rfc2822(c.dateEnded ?? c.dateCreated),
    direction: 'outbound-api',
    duration: c.dateEnded ? '25' : null,
    end_time: c.dateEnded ? rfc2822(c.dateEnded) : null,
    from: c.from,
    parent_call_sid: null,
    price: null,
    price_unit: 'USD',
    sid: c.sid,
    start_time: rfc2822(c.dateCreated),
    status: c.status,
    to: c.to,
    uri: `/2010-04-01/Accounts/${accountSid}/Calls/${c.sid}.json`,
  };
}
