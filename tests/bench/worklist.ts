/**
 * Worklist bench: a sandbox with 10,000 open tasks in one practice, the app in headless Chromium.
 * - launch → first page: from submitting the standalone launch (choosing the coordinator) to the first
 *   task rows on screen (token exchange, app start, the page's FHIR searches, render);
 * - reload → first page: the signed-in coordinator reloads the worklist;
 * - filter change: from choosing another workflow to the table showing that workflow's total.
 * The sandbox server runs in this Node process, so a busy server would delay Playwright's own events:
 * the moments are taken in the page (Date.now() on a MutationObserver and on the select's change
 * event), not when Playwright hears of them.
 * Serves the production build (dist/app, `npm run build`) when it exists, else Vite's dev server.
 */

import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Page } from 'playwright-core';
import { MAIN_PRACTICE } from '../../src/sandbox/practice';
import { REPO_ROOT, startSandbox } from '../../src/sandbox/start';
import { launchChromium } from '../e2e/browser';
import { seedTasks, type SeedTasks } from '../fhir/worklist/sandboxSeed';

const NOW = new Date('2026-11-30T15:00:00Z');

/** 10,000 open tasks: five workflows with different totals, so each filter change shows a distinct count. */
const SPECS: readonly (SeedTasks & { label: string })[] = [
  { kind: 'call-patient', workflow: 'no-show-recovery', count: 3000, label: 'No-show recovery' },
  { kind: 'ready-to-schedule', workflow: 'recall', queue: 'access', count: 2500, label: 'Preventive recall' },
  { kind: 'reschedule', workflow: 'reminder', queue: 'access', count: 2000, label: 'Appointment reminders' },
  { kind: 'staff-reply', workflow: 'follow-up', count: 1500, label: 'Post-visit follow-up' },
  { kind: 'survey-escalation', workflow: 'feedback', count: 1000, label: 'Feedback survey' },
];

/** The bench's figures (milliseconds). */
export interface WorklistBenchResult {
  readonly tasks: number;
  readonly app: 'dist' | 'vite';
  readonly seedMs: number;
  /** Submitting the standalone launch → the first task rows. */
  readonly launchToFirstPageMs: number[];
  /** Reloading the signed-in worklist → the first task rows. */
  readonly reloadToFirstPageMs: number[];
  /** Choosing another workflow → the table shows its total. */
  readonly filterChangeMs: number[];
}

interface Marks {
  rows?: number;
  changes: number[];
  live: [string, number][];
}

// Runs in the page before any of its scripts: records when rows first appear, every change of a select,
// and every new text of the pager's live region, with the page's own clock. A string, not a function:
// tsx's transform wraps functions in helpers that do not exist in the page.
const INSTALL_MARKS = `
window.__marks = { changes: [], live: [] };
new MutationObserver(() => {
  const m = window.__marks;
  if (m.rows === undefined && document.querySelector('table[aria-label="Tasks"] tbody tr')) m.rows = Date.now();
  const live = document.querySelector('[aria-live="polite"]')?.textContent ?? '';
  if (live && (m.live.length === 0 || m.live[m.live.length - 1][0] !== live)) m.live.push([live, Date.now()]);
}).observe(document, { subtree: true, childList: true, characterData: true });
document.addEventListener('change', (e) => {
  if (e.target && e.target.matches && e.target.matches('select')) window.__marks.changes.push(Date.now());
}, true);
`;

async function marks(page: Page): Promise<Marks> {
  return (await page.evaluate('window.__marks')) as Marks;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}

function line(label: string, xs: readonly number[], target: number): string {
  return `  ${label}: median ${median(xs).toFixed(0)} ms (runs: ${xs.map((x) => x.toFixed(0)).join(', ')}; target ≤ ${target})`;
}

/**
 * Runs the bench and prints a summary; returns the figures. Targets (issue 6): first page ≤ 1 s, filter
 * change ≤ 0.5 s.
 */
export async function benchWorklist(
  options: { runs?: number; log?: (line: string) => void } = {},
): Promise<WorklistBenchResult> {
  const log = options.log ?? ((l: string) => console.log(l));
  const runs = options.runs ?? 3;
  const app = existsSync(join(REPO_ROOT, 'dist', 'app', 'index.html')) ? 'dist' : 'vite';
  const dataDir = mkdtempSync(join(tmpdir(), 'careloop-bench-worklist-'));
  const sandbox = await startSandbox({ port: 0, dataDir, app, bots: false, now: NOW, log: () => undefined });
  const chromium = await launchChromium();
  try {
    const seedStart = performance.now();
    await seedTasks(sandbox, `Organization/${MAIN_PRACTICE.organization}`, SPECS, NOW);
    const seedMs = performance.now() - seedStart;
    const tasks = SPECS.reduce((n, s) => n + s.count, 0);
    await chromium.context.addInitScript({ content: INSTALL_MARKS });

    const launchToFirstPageMs: number[] = [];
    const reloadToFirstPageMs: number[] = [];
    const filterChangeMs: number[] = [];
    const rows = (page: Page): Promise<void> =>
      page.locator('table[aria-label="Tasks"] tbody tr').first().waitFor({ timeout: 120_000 });
    // Run 0 warms up: Vite compiles modules, Chromium fills its cache, the server warms its indexes.
    for (let run = 0; run <= runs; run++) {
      const page = await chromium.context.newPage();
      const launch = new URL('/app/launch.html', sandbox.baseUrl);
      launch.searchParams.set('iss', sandbox.urls.ehrFhir);
      await page.goto(launch.toString());
      await page.locator('select#practitioner').selectOption(`Practitioner/${MAIN_PRACTICE.coordinator}`);
      const submitted = Date.now();
      await page.getByRole('button').first().click();
      await rows(page);
      const launched = (await marks(page)).rows;
      const reloaded = Date.now();
      await page.reload();
      await rows(page);
      const afterReload = (await marks(page)).rows;
      if (run > 0 && launched !== undefined && afterReload !== undefined) {
        launchToFirstPageMs.push(launched - submitted);
        reloadToFirstPageMs.push(afterReload - reloaded);
      }
      if (run === runs) {
        for (const spec of [...SPECS.slice(1), ...SPECS.slice(0, 1)]) {
          await page.getByLabel('Workflow').selectOption({ label: spec.label });
          const text = `1–25 of ${spec.count}`;
          await page.getByText(text).waitFor({ timeout: 60_000 });
          const m = await marks(page);
          const changed = m.changes.at(-1) ?? 0;
          const shown = m.live.find(([t, at]) => t.includes(text) && at >= changed)?.[1];
          if (shown !== undefined) filterChangeMs.push(shown - changed);
        }
      }
      await page.close();
    }
    const result: WorklistBenchResult = {
      tasks,
      app,
      seedMs,
      launchToFirstPageMs,
      reloadToFirstPageMs,
      filterChangeMs,
    };
    log(
      `worklist bench (${tasks} open tasks, app from ${app === 'dist' ? 'the production build' : "Vite's dev server"}, seeded in ${(seedMs / 1000).toFixed(1)} s):`,
    );
    log(line('standalone launch → first worklist page', launchToFirstPageMs, 1000));
    log(line('reload (signed in) → first worklist page', reloadToFirstPageMs, 1000));
    log(line('filter change → new page', filterChangeMs, 500));
    return result;
  } finally {
    await chromium.close();
    await sandbox.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
