/**
 * The app's clock. Production uses the wall clock. A test system whose clock runs ahead (the sandbox, where
 * a user moves time forward to make reminders due) names a `clockUrl` in launch-context.json; the app then
 * reads the offset at launch and again every 30 s, so previews and "upcoming" match what the bots see.
 */

/** A clock the session exposes as `now()`. */
export interface AppClock {
  now(): Date;
  /** Stops refreshing the offset. */
  stop(): void;
}

/** The wall clock. */
export const WALL_CLOCK: AppClock = { now: () => new Date(), stop: () => undefined };

async function readOffset(clockUrl: string): Promise<number> {
  const response = await fetch(clockUrl, { cache: 'no-store' });
  if (!response.ok) {
    throw new Error(`the clock at ${clockUrl} answered HTTP ${response.status}`);
  }
  const body = (await response.json()) as { now?: unknown };
  const at = typeof body.now === 'string' ? Date.parse(body.now) : Number.NaN;
  if (Number.isNaN(at)) {
    throw new Error(`the clock at ${clockUrl} gave no "now"`);
  }
  return at - Date.now();
}

/** A clock following `clockUrl`; falls back to the wall clock (offset 0) when it cannot be read at first. */
export async function remoteClock(clockUrl: string, refreshMs = 30_000): Promise<AppClock> {
  let offset = 0;
  try {
    offset = await readOffset(clockUrl);
  } catch {
    // A test clock that does not answer must not stop the app; wall time is the honest fallback.
  }
  const timer = setInterval(() => {
    readOffset(clockUrl).then(
      (o) => {
        offset = o;
      },
      () => undefined,
    );
  }, refreshMs);
  return { now: () => new Date(Date.now() + offset), stop: () => clearInterval(timer) };
}
