/**
 * What every bot gets besides the MedplumClient: the clock and the secrets. Bots never call Date.now()
 * or read process.env directly, so the sandbox can move time forward and tests can pin it.
 */

import type { BotEvent } from '@medplum/core';

/** The shape of `event.secrets` Medplum passes to a bot. */
export type BotSecrets = BotEvent['secrets'];

/** A clock the sandbox can replace; production reads the system time. */
export interface Clock {
  now(): Date;
}

const SYSTEM_CLOCK: Clock = { now: () => new Date() };

// The sandbox runs bots in-process and installs its controllable clock here; a Medplum deployment never does.
const CLOCK_KEY = Symbol.for('careloop.clock');

/** The clock bots read time from. */
export function botClock(): Clock {
  return (globalThis as Record<symbol, Clock | undefined>)[CLOCK_KEY] ?? SYSTEM_CLOCK;
}

/** Installs a clock for every bot in this process (sandbox and tests only); returns a function that removes it. */
export function installClock(clock: Clock): () => void {
  const g = globalThis as Record<symbol, Clock | undefined>;
  const previous = g[CLOCK_KEY];
  g[CLOCK_KEY] = clock;
  return () => {
    g[CLOCK_KEY] = previous;
  };
}

/** Raised when a bot's configuration (secrets) is missing or malformed; names the secret, never its value. */
export class BotConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BotConfigError';
  }
}

/** A required secret's string value; throws BotConfigError naming it when absent or empty. */
export function requireSecret(secrets: BotSecrets | undefined, name: string): string {
  const value = secrets?.[name]?.valueString;
  if (typeof value !== 'string' || value.trim() === '') {
    throw new BotConfigError(`bot secret ${name} is not set`);
  }
  return value;
}

/** An optional secret's string value. */
export function optionalSecret(secrets: BotSecrets | undefined, name: string): string | undefined {
  const value = secrets?.[name]?.valueString;
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}
