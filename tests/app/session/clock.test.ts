import { http, HttpResponse } from 'msw';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { remoteClock } from '../../../src/app/session/clock';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

describe('remoteClock', () => {
  it('runs ahead by the offset the test system reports', async () => {
    const ahead = Date.now() + 3 * 86_400_000;
    server.use(
      http.get('http://sandbox.test/sandbox/clock', () =>
        HttpResponse.json({ now: new Date(ahead).toISOString() }),
      ),
    );
    const clock = await remoteClock('http://sandbox.test/sandbox/clock');
    expect(Math.abs(clock.now().getTime() - ahead)).toBeLessThan(1000);
    clock.stop();
  });

  it('falls back to the wall clock when the clock does not answer', async () => {
    server.use(http.get('http://sandbox.test/sandbox/clock', () => HttpResponse.json({}, { status: 503 })));
    const clock = await remoteClock('http://sandbox.test/sandbox/clock');
    expect(Math.abs(clock.now().getTime() - Date.now())).toBeLessThan(1000);
    clock.stop();
  });
});
