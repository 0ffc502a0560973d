import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { clockRoutes, createSandboxClock, parseAdvance } from '../../src/sandbox/clock';

const START = new Date('2026-11-30T15:00:00Z');

function post(body: unknown, contentType = 'application/json'): Request {
  return new Request('http://sandbox.test/sandbox/clock', {
    method: 'POST',
    headers: { 'content-type': contentType },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

function routes(clock: ReturnType<typeof createSandboxClock>): {
  get: () => Promise<Response>;
  post: (r: Request) => Promise<Response>;
} {
  const [get, advance] = clockRoutes(clock);
  if (!get || !advance) throw new Error('clock routes missing');
  return {
    get: () => get.handle(new Request('http://sandbox.test/sandbox/clock'), {}),
    post: (r) => advance.handle(r, {}),
  };
}

describe('sandbox clock', () => {
  it('starts at the given time and moves forward by ISO durations and milliseconds', async () => {
    const clock = createSandboxClock({ start: START });
    const r = routes(clock);
    expect(Math.abs(clock.now().getTime() - START.getTime())).toBeLessThan(1000);
    const day = (await (await r.post(post({ advance: 'P1D' }))).json()) as { now: string };
    expect(Date.parse(day.now) - START.getTime()).toBeGreaterThanOrEqual(86_400_000);
    expect(Date.parse(day.now) - START.getTime()).toBeLessThan(86_400_000 + 1000);
    await r.post(post({ advance: 'PT1H' }));
    await r.post(post({ advance: 60_000 }));
    const now = (await (await r.get()).json()) as { now: string };
    expect(Date.parse(now.now) - START.getTime()).toBeGreaterThanOrEqual(86_400_000 + 3_600_000 + 60_000);
  });

  it('keeps sandbox time across a restart through the offset file', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'clock-')), 'clock.json');
    const first = createSandboxClock({ start: START, offsetFile: file });
    first.advance(3 * 86_400_000);
    const restarted = createSandboxClock({ offsetFile: file });
    expect(Math.abs(restarted.now().getTime() - (START.getTime() + 3 * 86_400_000))).toBeLessThan(1000);
  });

  it('answers the advance only after the listeners (due bots) have finished', async () => {
    const clock = createSandboxClock({ start: START });
    const order: string[] = [];
    clock.onAdvance(async () => {
      await new Promise((resolve) => setTimeout(resolve, 50));
      order.push('bot ran');
    });
    await routes(clock).post(post({ advance: 'PT1H' }));
    order.push('answered');
    expect(order).toEqual(['bot ran', 'answered']);
  });

  it('refuses bad input with 400 and a message, and does not move', async () => {
    const clock = createSandboxClock({ start: START });
    const r = routes(clock);
    const before = clock.offsetMs();
    for (const body of [
      { advance: 'tomorrow' },
      { advance: -5 },
      { advance: 'P-1D' },
      {},
      'not json',
      { advance: 'P2Y' },
    ]) {
      const res = await r.post(post(body));
      expect(res.status).toBe(400);
      expect(((await res.json()) as { error: string }).error).toMatch(/advance|body/);
    }
    expect(clock.offsetMs()).toBe(before);
    expect(() => clock.advance(-1)).toThrow(/forward/);
  });

  it('redirects a form post from the phone page back to the page', async () => {
    const clock = createSandboxClock({ start: START });
    const res = await routes(clock).post(
      new Request('http://sandbox.test/sandbox/clock?return=%2Fphone', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'advance=P1D',
      }),
    );
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/phone');
  });

  it('reads durations', () => {
    expect(parseAdvance('P1D')).toEqual({ ms: 86_400_000 });
    expect(parseAdvance('PT90M')).toEqual({ ms: 5_400_000 });
    expect(parseAdvance('3600000')).toEqual({ ms: 3_600_000 });
    expect(parseAdvance(0)).toHaveProperty('error');
  });
});
