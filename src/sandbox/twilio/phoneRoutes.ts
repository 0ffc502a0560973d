/**
 * The phone page: `GET /phone` lists the numbers that have a conversation (with the patients' names from
 * the store), `GET /phone/:number` shows one thread (texts both ways, calls with their keypad), and the
 * forms post the patient's reply or key press, which the stand-in sends to the practice's webhooks as
 * Twilio would. `.json` variants (`/phone.json`, `/phone/:number.json`) are for tests and scripts.
 */

import type { Patient } from '@medplum/fhirtypes';
import { toE164 } from '../../engine';
import type { Route, SandboxClock } from '../context';
import { esc, formatTime, html, json, page } from './html';
import type { TwilioStandIn } from './standIn';
import type { PhoneCall, PhoneMessage } from './store';

/** One number's conversation summary. */
export interface PhoneNumberSummary {
  readonly number: string;
  readonly names: string[];
  readonly messages: number;
  readonly calls: number;
  readonly last: string;
  readonly lastText: string;
}

type ThreadItem =
  { kind: 'message'; at: string; message: PhoneMessage } | { kind: 'call'; at: string; call: PhoneCall };

function patientNumber(m: PhoneMessage): string {
  return m.direction === 'inbound' ? m.from : m.to;
}

function patientName(p: Patient): string {
  const n = p.name?.[0];
  return [n?.given?.join(' '), n?.family].filter(Boolean).join(' ') || 'Unnamed patient';
}

function thread(standIn: TwilioStandIn, number: string): ThreadItem[] {
  const items: ThreadItem[] = [
    ...standIn
      .messages()
      .filter((m) => patientNumber(m) === number)
      .map((m) => ({ kind: 'message' as const, at: m.dateCreated, message: m })),
    ...standIn
      .calls()
      .filter((c) => c.to === number)
      .map((c) => ({ kind: 'call' as const, at: c.dateCreated, call: c })),
  ];
  return items.sort((a, b) => a.at.localeCompare(b.at));
}

async function summaries(standIn: TwilioStandIn): Promise<PhoneNumberSummary[]> {
  const numbers = new Map<string, { messages: number; calls: number; last: string; lastText: string }>();
  const touch = (n: string, at: string, text: string, kind: 'messages' | 'calls'): void => {
    const s = numbers.get(n) ?? { messages: 0, calls: 0, last: '', lastText: '' };
    s[kind] += 1;
    if (at >= s.last) {
      s.last = at;
      s.lastText = text;
    }
    numbers.set(n, s);
  };
  for (const m of standIn.messages()) touch(patientNumber(m), m.dateCreated, m.body, 'messages');
  for (const c of standIn.calls()) touch(c.to, c.dateCreated, `Call: ${c.say}`, 'calls');
  const list = [...numbers.entries()].sort((a, b) => b[1].last.localeCompare(a[1].last));
  return Promise.all(
    list.map(async ([number, s]) => ({
      number,
      names: (await standIn.patientsFor(number)).map(patientName),
      ...s,
    })),
  );
}

function statusText(m: PhoneMessage): string {
  if (m.direction === 'inbound') return 'sent by patient';
  return m.errorCode ? `${m.status} (error ${m.errorCode})` : m.status;
}

function messageHtml(m: PhoneMessage): string {
  const mine = m.direction === 'inbound';
  const who = mine ? 'Patient' : m.direction === 'outbound-reply' ? 'Practice (reply)' : 'Practice';
  const failed = m.status === 'undelivered' || m.status === 'failed';
  return `<li class="bubble ${mine ? 'in' : 'out'}"><span class="sr">${who}: </span>${esc(m.body)}<br><span class="muted">${who} · ${esc(formatTime(m.dateCreated))} · <span class="${failed ? 'failed' : ''}">${esc(statusText(m))}</span></span></li>`;
}

function callHtml(c: PhoneCall, number: string): string {
  const base = `/phone/${encodeURIComponent(number)}/calls/${encodeURIComponent(c.sid)}`;
  const open = c.status !== 'completed';
  const keys = open
    ? `<div class="keys" role="group" aria-label="Keypad">${['1', '2', '3']
        .map(
          (k) =>
            `<form method="post" action="${base}/keys"><input type="hidden" name="digits" value="${k}"><button type="submit" aria-label="Press ${k}">${k}</button></form>`,
        )
        .join(
          '',
        )}<form method="post" action="${base}/hangup"><button type="submit">Hang up</button></form></div>`
    : '';
  const pressed = c.digits ? `<br><span class="muted">Pressed ${esc(c.digits)}</span>` : '';
  const answer = c.answer ? `<br>“${esc(c.answer)}”` : '';
  return `<li class="bubble call"><strong>Call from the practice</strong><br>“${esc(c.say)}”${pressed}${answer}<br><span class="muted">${esc(formatTime(c.dateCreated))} · ${esc(c.status)}</span>${keys}</li>`;
}

function wantsJson(request: Request): boolean {
  return (request.headers.get('accept') ?? '').includes('application/json');
}

async function formField(request: Request, name: string): Promise<string> {
  const type = request.headers.get('content-type') ?? '';
  const text = await request.text();
  if (type.includes('json')) {
    try {
      const value = (JSON.parse(text) as Record<string, unknown>)[name];
      return typeof value === 'string' ? value : '';
    } catch {
      return '';
    }
  }
  return new URLSearchParams(text).get(name) ?? '';
}

function numberParam(raw: string | undefined): { number: string; asJson: boolean } | undefined {
  let value = decodeURIComponent(raw ?? '');
  const asJson = value.endsWith('.json');
  if (asJson) value = value.slice(0, -'.json'.length);
  const number = toE164(value.trim());
  return number ? { number, asJson } : undefined;
}

const notFound = (what: string): Response => json({ error: what }, 404);

/** The phone page routes. */
export function phoneRoutes(standIn: TwilioStandIn, clock: SandboxClock): Route[] {
  const nowIso = (): string => clock.now().toISOString();
  const threadJson = (number: string): unknown => ({
    now: nowIso(),
    number,
    items: thread(standIn, number).map((i) =>
      i.kind === 'message' ? { kind: i.kind, ...i.message } : { kind: i.kind, ...i.call },
    ),
  });
  const back = (number: string): Response =>
    new Response(null, { status: 303, headers: { location: `/phone/${encodeURIComponent(number)}` } });

  return [
    {
      method: 'GET',
      path: '/phone.json',
      handle: async () => json({ now: nowIso(), numbers: await summaries(standIn) }),
    },
    {
      method: 'GET',
      path: '/phone',
      handle: async () => {
        const list = await summaries(standIn);
        const items = list
          .map(
            (s) =>
              `<li><a href="/phone/${encodeURIComponent(s.number)}">${esc(s.names.join(', ') || 'Unknown number')}</a> <span class="muted">${esc(s.number)}</span><br><span class="muted">${esc(formatTime(s.last))} · ${esc(s.lastText.slice(0, 80))}</span></li>`,
          )
          .join('');
        const body = list.length
          ? `<h2>Conversations (${list.length})</h2><ul class="list">${items}</ul>`
          : '<p>No messages yet. Messages appear here when the practice texts or calls a patient; advance the clock to make reminders due.</p>';
        return html(
          page('Sandbox phone', nowIso(), '/phone', `${body}<p><a href="/outbox">Email outbox</a></p>`),
        );
      },
    },
    {
      method: 'GET',
      path: '/phone/:number',
      handle: async (request, params) => {
        const parsed = numberParam(params.number);
        if (!parsed) return notFound('not a phone number');
        const { number, asJson } = parsed;
        if (asJson || wantsJson(request)) return json(threadJson(number));
        const names = (await standIn.patientsFor(number)).map(patientName);
        const items = thread(standIn, number)
          .map((i) => (i.kind === 'message' ? messageHtml(i.message) : callHtml(i.call, number)))
          .join('');
        const title = `${names.join(', ') || 'Unknown number'} · ${number}`;
        const body = `<p><a href="/phone">← All conversations</a></p><h2 class="sr">Conversation</h2><ol class="thread" aria-live="polite">${items || '<li class="muted">No messages yet.</li>'}</ol>
<form class="reply" method="post" action="/phone/${encodeURIComponent(number)}/reply"><label class="sr" for="body">Reply as the patient</label><textarea id="body" name="body" rows="1" required maxlength="1600" placeholder="Reply as the patient (C to confirm, STOP…)"></textarea><button class="primary" type="submit">Send</button></form>`;
        return html(page(title, nowIso(), `/phone/${encodeURIComponent(number)}`, body));
      },
    },
    {
      method: 'POST',
      path: '/phone/:number/reply',
      handle: async (request, params) => {
        const parsed = numberParam(params.number);
        if (!parsed) return notFound('not a phone number');
        const body = (await formField(request, 'body')).trim();
        if (!body) return json({ error: 'the reply is empty' }, 400);
        if (body.length > 1600) return json({ error: 'a text is at most 1600 characters' }, 400);
        const result = await standIn.sendInbound({ from: parsed.number, body });
        return wantsJson(request) ? json(result) : back(parsed.number);
      },
    },
    {
      method: 'POST',
      path: '/phone/:number/calls/:sid/keys',
      handle: async (request, params) => {
        const parsed = numberParam(params.number);
        if (!parsed) return notFound('not a phone number');
        const digits = (await formField(request, 'digits')).trim();
        try {
          const result = await standIn.pressKey(params.sid ?? '', digits);
          return wantsJson(request) ? json(result) : back(parsed.number);
        } catch (err) {
          return json({ error: (err as Error).message }, 400);
        }
      },
    },
    {
      method: 'POST',
      path: '/phone/:number/calls/:sid/hangup',
      handle: async (request, params) => {
        const parsed = numberParam(params.number);
        if (!parsed) return notFound('not a phone number');
        try {
          await standIn.hangUp(params.sid ?? '');
          return wantsJson(request) ? json({ ok: true }) : back(parsed.number);
        } catch (err) {
          return json({ error: (err as Error).message }, 400);
        }
      },
    },
  ];
}
