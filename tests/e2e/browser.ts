/**
 * Headless Chromium for the end-to-end tests: Debian's `/usr/bin/chromium` (installed by apt, see
 * .ci/run) driven by playwright-core, with a fresh profile per launch and everything that would reach
 * the network on its own (updates, sync, QUIC) turned off. `CHROMIUM_PATH` points at another binary.
 */

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext } from 'playwright-core';

/** Where Debian installs Chromium. */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Flags for a quiet, sandbox-friendly headless browser. */
export const CHROMIUM_FLAGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A launched browser and its context; `close()` also deletes the profile folder. */
export interface LaunchedChromium {
  /** The browser behind the context (null for a persistent context on some platforms). */
  readonly browser: Browser | null;
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/**
 * Launches Chromium with a fresh `--user-data-dir` and returns its persistent context (one per test
 * file). Throws a clear error when the binary is missing.
 */
export async function launchChromium(
  options: { viewport?: { width: number; height: number } } = {},
): Promise<LaunchedChromium> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM_PATH}: install it (apt-get install chromium) or set CHROMIUM_PATH`,
    );
  }
  const profile = mkdtempSync(join(tmpdir(), 'careloop-chromium-'));
  // launchPersistentContext passes --user-data-dir itself; the flags above are added as they are.
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_FLAGS],
    viewport: options.viewport ?? { width: 1280, height: 900 },
  });
  const browser = context.browser();
  return {
    browser,
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
