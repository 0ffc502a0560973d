/**
 * The sandbox clock: real time plus an offset the user moves forward ("+1 day"), persisted so a restart
 * keeps sandbox time, and the `/sandbox/clock` routes that read and advance it.
 */

import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Duration } from 'luxon';
import type { Route, SandboxClock } from './context';

/** The sandbox clock with what the routes and the runtime need beyond SandboxClock. */
export interface ControllableClock extends SandboxClock {
  /** How far sandbox time is ahead of real time, in ms. */
  offsetMs(): number;
  /** Advances and waits until every listener (due cron bots) has finished; returns the new time. */
  advanceAndWait(ms: number): Promise<Date>;
}

function readOffset(file: string | undefined): number | undefined {
  if (!file) return undefined;
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as { offsetMs?: unknown };
    return typeof parsed.offsetMs === 'number' && Number.isFinite(parsed.offsetMs) && parsed.offsetMs >= 0
      ? parsed.offsetMs
      : undefined;
  } catch {
    return undefined;
  }
}

function writeOffset(file: string | undefined, offsetMs: number): void {
  if (!file) return;
  mkdirSync(dirname(file), { recursive: true });
  // Written aside and renamed, so a crash mid-write never leaves a half file that resets sandbox time.
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify({ offsetMs }, null, 2));
  renameSync(tmp, file);
}

/**
 * Creates the clock. `offsetFile` (in the data folder) keeps the offset across restarts and wins over
 * `start`; `start` (tests) sets the initial sandbox time. Listeners run after each advance; their
 * failures are logged, never thrown into the caller.
 */
export function createSandboxClock(options: { start?: Date; offsetFile?: string } = {}): ControllableClock {
  const saved = readOffset(options.offsetFile);
  let offset = saved ?? (options.start ? options.start.getTime() - Date.now() : 0);
  if (saved === undefined && options.start) writeOffset(options.offsetFile, offset);
  const listeners: ((now: Date) => void | Promise<void>)[] = [];

  const runListeners = (now: Date): Promise<void> =>
    Promise.all(
      listeners.map(async (listener) => {
        try {
          await listener(now);
        } catch (err) {
          console.error(`sandbox clock: a listener failed: ${(err as Error).message}`);
        }
      }),
    ).then(() => undefined);

  const move = (ms: number): Date => {
    if (!Number.isFinite(ms) || ms < 0) {
      throw new RangeError('the sandbox clock only moves forward: give a positive duration');
    }
    offset += ms;
    writeOffset(options.offsetFile, offset);
    return new Date(Date.now() + offset);
  };

  return {
    now: () => new Date(Date.now() + offset),
    offsetMs: () => offset,
    advance(ms: number): Date {
      const now = move(ms);
      void runListeners(now);
      return now;
    },
    async advanceAndWait(ms: number): Promise<Date> {
      const now = move(ms);
      await runListeners(now);
      return now;
    },
    onAdvance(listener): void {
      listeners.push(listener);
    },
  };
}

/** The longest single advance accepted (a year): beyond that a typo is likelier than intent. */
export const MAX_ADVANCE_MS = 366 * 86_400_000;

/**
 * Reads an advance: an ISO 8601 duration (`P1D`, `PT1H`, `P1DT2H`, with luxon) or a number of ms.
 * Returns the ms or an error message naming what was wrong.
 */
export function parseAdvance(value: unknown): { ms: number } | { error: string } {
  let ms: number;
  if (typeof value === 'number') {
    ms = value;
  } else if (typeof value === 'string' && /^\d+$/.test(value.trim())) {
    ms = Number(value.trim());
  } else if (typeof value === 'string') {
    const duration = Duration.fromISO(value.trim());
    if (!duration.isValid) {
      return {
        error: `"advance" must be an ISO 8601 duration such as "P1D" or "PT1H", or a number of milliseconds; got "${value.slice(0, 40)}"`,
      };
    }
    // Months and years have no fixed length; luxon's casual conversion (30-day months) is fine for a sandbox.
    ms = duration.as('milliseconds');
  } else {
    return { error: 'body must be JSON {"advance": "P1D" | "PT1H" | <milliseconds>}' };
  }
  if (!Number.isFinite(ms) || ms <= 0) {
    return { error: '"advance" must be a positive duration: the sandbox clock only moves forward' };
  }
  if (ms > MAX_ADVANCE_MS) {
    return { error: '"advance" is longer than a year; advance in smaller steps' };
  }
  return { ms: Math.round(ms) };
}

function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

async function requestedAdvance(request: Request): Promise<unknown> {
  const type = request.headers.get('content-type') ?? '';
  const text = await request.text();
  if (type.includes('application/x-www-form-urlencoded')) {
    // The phone page's buttons post a plain form.
    return new URLSearchParams(text).get('advance') ?? undefined;
  }
  try {
    const body = JSON.parse(text) as unknown;
    return typeof body === 'object' && body !== null ? (body as { advance?: unknown }).advance : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `GET /sandbox/clock` → `{ now, offsetMs }`; `POST /sandbox/clock` with `{ "advance": "P1D" }` (or a form
 * field `advance`, then redirected back to the page named by `return`) advances, waits for the due bots,
 * and answers `{ now }`. Bad input → 400 `{ error }`.
 */
export function clockRoutes(clock: SandboxClock): Route[] {
  const offset = (): number | undefined =>
    'offsetMs' in clock && typeof clock.offsetMs === 'function'
      ? (clock as ControllableClock).offsetMs()
      : undefined;
  return [
    {
      method: 'GET',
      path: '/sandbox/clock',
      handle: async () => json({ now: clock.now().toISOString(), offsetMs: offset() }),
    },
    {
      method: 'POST',
      path: '/sandbox/clock',
      handle: async (request) => {
        const isForm = (request.headers.get('content-type') ?? '').includes('x-www-form-urlencoded');
        const url = new URL(request.url);
        const parsed = parseAdvance(await requestedAdvance(request));
        if ('error' in parsed) return json({ error: parsed.error }, 400);
        const now =
          'advanceAndWait' in clock && typeof clock.advanceAndWait === 'function'
            ? await (clock as ControllableClock).advanceAndWait(parsed.ms)
            : clock.advance(parsed.ms);
        const back = url.searchParams.get('return');
        if (isForm && back && back.startsWith('/') && !back.startsWith('//')) {
          return new Response(null, { status: 303, headers: { location: back } });
        }
        return json({ now: now.toISOString(), offsetMs: offset() });
      },
    },
  ];
}
