/**
 * The stand-in's read endpoints, as Twilio answers them: one message or call by its SID, and the account's
 * message log filtered by `To`, `From` and `DateSent`. The watchdog reads a message's or call's current
 * status by SID (src/channels/providerStatus.ts); dispatch reads the log to tell "sent" from "never sent"
 * after a run stopped between sending and recording (src/channels/sentLookup.ts).
 */

import { toE164 } from '../../engine';
import type { Route } from '../context';
import { refuseUnauthorized, type StandInAccount } from './accountAuth';
import type { PhoneState } from './store';
import { callJson, messageJson, twilioError } from './twilioJson';

const BASE = '/twilio/2010-04-01/Accounts/:sid';
const DEFAULT_PAGE_SIZE = 50;
const MAX_PAGE_SIZE = 1000;
const DAY_MS = 24 * 60 * 60_000;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

function json(body: unknown): Response {
  return new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } });
}

function notFound(accountSid: string, path: string): Response {
  return twilioError(
    404,
    20404,
    `The requested resource /2010-04-01/Accounts/${accountSid}/${path} was not found`,
  );
}

/** The SID in a `SM….json` path segment, or undefined when the segment does not end in `.json`. */
function sidOf(segment: string | undefined): string | undefined {
  return segment?.endsWith('.json') ? segment.slice(0, -'.json'.length) : undefined;
}

/**
 * A `DateSent` bound as [from, to) in ms: a `YYYY-MM-DD` day covers that UTC day, a full timestamp that
 * instant. Undefined for a value that is neither.
 */
function dateRange(value: string): { from: number; to: number } | undefined {
  if (DAY.test(value)) {
    const from = Date.parse(`${value}T00:00:00Z`);
    return Number.isNaN(from) ? undefined : { from, to: from + DAY_MS };
  }
  const at = /^\d{4}-\d{2}-\d{2}T/.test(value) ? Date.parse(value) : NaN;
  return Number.isNaN(at) ? undefined : { from: at, to: at + 1 };
}

type ListQuery =
  | {
      readonly to?: string;
      readonly from?: string;
      /** Messages sent at or after / before these instants (ms). */
      readonly after?: number;
      readonly before?: number;
      readonly page: number;
      readonly pageSize: number;
    }
  | { readonly error: Response };

/** Reads Twilio's list parameters; `DateSent>` and `DateSent<` are the keys of `DateSent>=…`/`DateSent<=…`. */
function listQuery(search: URLSearchParams): ListQuery {
  const invalid = (name: string, value: string): { error: Response } => ({
    error: twilioError(400, 20001, `Invalid ${name}: ${value.slice(0, 40)}`),
  });
  let after: number | undefined;
  let before: number | undefined;
  for (const [key, bound] of [
    ['DateSent', 'on'],
    ['DateSent>', 'after'],
    ['DateSent<', 'before'],
  ] as const) {
    const value = search.get(key);
    if (value === null) continue;
    const range = dateRange(value);
    if (!range) return invalid(key, value);
    if (bound !== 'before') after = Math.max(after ?? -Infinity, range.from);
    if (bound !== 'after') before = Math.min(before ?? Infinity, range.to);
  }
  const sizeText = search.get('PageSize') ?? String(DEFAULT_PAGE_SIZE);
  const pageSize = /^\d+$/.test(sizeText) ? Number(sizeText) : NaN;
  if (!(pageSize >= 1 && pageSize <= MAX_PAGE_SIZE)) return invalid('PageSize', sizeText);
  const pageText = search.get('Page') ?? '0';
  if (!/^\d+$/.test(pageText)) return invalid('Page', pageText);
  const number = (name: string): string | undefined => {
    const value = search.get(name);
    return value === null ? undefined : (toE164(value) ?? value);
  };
  const to = number('To');
  const from = number('From');
  return {
    ...(to !== undefined ? { to } : {}),
    ...(from !== undefined ? { from } : {}),
    ...(after !== undefined ? { after } : {}),
    ...(before !== undefined ? { before } : {}),
    page: Number(pageText),
    pageSize,
  };
}

/**
 * `GET …/Messages/:sid.json`, `GET …/Calls/:sid.json` and `GET …/Messages.json`, behind the same HTTP
 * Basic auth as the POSTs; an unknown SID answers 404 with Twilio's error JSON (code 20404).
 */
export function restReadRoutes(account: StandInAccount, state: () => PhoneState): Route[] {
  const getMessage: Route = {
    method: 'GET',
    path: `${BASE}/Messages/:file`,
    handle: (request, params) => {
      const refused = refuseUnauthorized(account, request, params.sid ?? '');
      if (refused) return Promise.resolve(refused);
      const sid = sidOf(params.file);
      const message = sid ? state().messages.find((m) => m.sid === sid) : undefined;
      return Promise.resolve(
        message
          ? json(messageJson(account.accountSid, message))
          : notFound(account.accountSid, `Messages/${params.file ?? ''}`),
      );
    },
  };

  const getCall: Route = {
    method: 'GET',
    path: `${BASE}/Calls/:file`,
    handle: (request, params) => {
      const refused = refuseUnauthorized(account, request, params.sid ?? '');
      if (refused) return Promise.resolve(refused);
      const sid = sidOf(params.file);
      const call = sid ? state().calls.find((c) => c.sid === sid) : undefined;
      return Promise.resolve(
        call
          ? json(callJson(account.accountSid, call))
          : notFound(account.accountSid, `Calls/${params.file ?? ''}`),
      );
    },
  };

  const listMessages: Route = {
    method: 'GET',
    path: `${BASE}/Messages.json`,
    handle: (request, params) => {
      const refused = refuseUnauthorized(account, request, params.sid ?? '');
      if (refused) return Promise.resolve(refused);
      const url = new URL(request.url);
      const query = listQuery(url.searchParams);
      if ('error' in query) return Promise.resolve(query.error);
      const dated = query.after !== undefined || query.before !== undefined;
      // Newest first, as Twilio lists them; a date filter leaves out messages not sent yet.
      const matching = [...state().messages].reverse().filter((m) => {
        if (query.to !== undefined && m.to !== query.to) return false;
        if (query.from !== undefined && m.from !== query.from) return false;
        if (!dated) return true;
        if (!m.dateSent) return false;
        const sent = Date.parse(m.dateSent);
        return sent >= (query.after ?? -Infinity) && sent < (query.before ?? Infinity);
      });
      const start = query.page * query.pageSize;
      const items = matching.slice(start, start + query.pageSize);
      const listUri = `/2010-04-01/Accounts/${account.accountSid}/Messages.json`;
      const pageUri = (page: number): string => {
        const search = new URLSearchParams(url.searchParams);
        search.set('PageSize', String(query.pageSize));
        search.set('Page', String(page));
        return `${listUri}?${search.toString()}`;
      };
      return Promise.resolve(
        json({
          end: start + Math.max(items.length - 1, 0),
          first_page_uri: pageUri(0),
          messages: items.map((m) => messageJson(account.accountSid, m)),
          next_page_uri: start + query.pageSize < matching.length ? pageUri(query.page + 1) : null,
          page: query.page,
          page_size: query.pageSize,
          previous_page_uri: query.page > 0 ? pageUri(query.page - 1) : null,
          start,
          uri: pageUri(query.page),
        }),
      );
    },
  };

  return [getMessage, getCall, listMessages];
}
