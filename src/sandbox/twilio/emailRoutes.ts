/**
 * The email outbox: `POST /email/v1/send` takes what `MedplumClient.sendEmail` posts (nodemailer-style
 * options: to, subject, text, html, from, cc, bcc) and answers as Medplum does (an `allOk`
 * OperationOutcome); `GET /outbox` and `/outbox.json` list what was sent.
 */

import { allOk, badRequest } from '@medplum/core';
import type { Route, SandboxClock } from '../context';
import { esc, formatTime, html, json, page } from './html';
import type { TwilioStandIn } from './standIn';

function addressList(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(addressList).join(', ');
  if (typeof value === 'object' && value !== null && 'address' in value) {
    return String((value as { address: unknown }).address);
  }
  return '';
}

function outcome(body: unknown, status: number): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/fhir+json' } });
}

/** The outbox routes; emails are kept with the phone's state (same file). */
export function emailRoutes(standIn: TwilioStandIn, clock: SandboxClock): Route[] {
  return [
    {
      method: 'POST',
      path: '/email/v1/send',
      handle: async (request) => {
        if (!/^Bearer\s+\S+/i.test(request.headers.get('authorization') ?? '')) {
          return outcome(badRequest('Unauthorized: a bearer token is required'), 401);
        }
        let body: Record<string, unknown>;
        try {
          body = JSON.parse(await request.text()) as Record<string, unknown>;
        } catch {
          return outcome(badRequest('the body must be JSON email options (to, subject, text)'), 400);
        }
        const to = addressList(body.to);
        const subject = typeof body.subject === 'string' ? body.subject : '';
        const text =
          typeof body.text === 'string' ? body.text : typeof body.html === 'string' ? body.html : '';
        if (!to) return outcome(badRequest('Missing "to"'), 400);
        if (!subject && !text) return outcome(badRequest('Missing "subject" and "text"'), 400);
        const from = addressList(body.from);
        standIn.state().emails.push({
          id: crypto.randomUUID(),
          to,
          ...(from ? { from } : {}),
          subject,
          text,
          dateCreated: clock.now().toISOString(),
        });
        standIn.saveState();
        return outcome(allOk, 200);
      },
    },
    {
      method: 'GET',
      path: '/outbox.json',
      handle: async () => json({ now: clock.now().toISOString(), emails: standIn.state().emails }),
    },
    {
      method: 'GET',
      path: '/outbox',
      handle: async () => {
        const emails = [...standIn.state().emails].reverse();
        const items = emails
          .map(
            (e) =>
              `<li><strong>${esc(e.subject || '(no subject)')}</strong><br><span class="muted">To ${esc(e.to)} · ${esc(formatTime(e.dateCreated))}</span><p style="white-space:pre-wrap">${esc(e.text)}</p></li>`,
          )
          .join('');
        const body = `<p><a href="/phone">← Phone</a></p>${emails.length ? `<h2>Sent emails (${emails.length})</h2><ul class="list">${items}</ul>` : '<p>No emails sent yet.</p>'}`;
        return html(page('Sandbox email outbox', clock.now().toISOString(), '/outbox', body));
      },
    },
  ];
}
