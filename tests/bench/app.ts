/**
 * The SMART app's figures for `npm run bench`: a production build, the gzip size of the JavaScript each page
 * loads before it can run (the entry chunk and its static imports, not the lazy pages), and the median
 * time from the SMART redirect back to the app (`/app/?code=…`) to the chart panel showing its data, in
 * headless Chromium against the sandbox serving that build.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { gzipSync } from 'node:zlib';
import { MAIN_PRACTICE } from '../../src/sandbox/practice';
import { REPO_ROOT, startSandbox } from '../../src/sandbox/start';
import { launchChromium } from '../e2e/browser';

/** What the app bench measured. */
export interface AppBenchResult {
  /** Gzipped KB of launch.html's initial JavaScript. */
  readonly launchJsKb: number;
  /** Gzipped KB of index.html's initial JavaScript. */
  readonly appJsKb: number;
  /** Gzipped KB of index.html's CSS. */
  readonly appCssKb: number;
  /** Median ms from the launch redirect to the panel with data, and every run. */
  readonly launchToPanelMs: { readonly median: number; readonly runs: readonly number[] };
}

interface ManifestChunk {
  readonly file: string;
  readonly imports?: readonly string[];
  readonly css?: readonly string[];
}

/** Sums the gzip size of an entry's chunk and every chunk it imports statically. */
export function initialSize(
  manifest: Readonly<Record<string, ManifestChunk>>,
  entry: string,
  outDir: string,
): { js: number; css: number } {
  const seen = new Set<string>();
  const css = new Set<string>();
  const visit = (key: string): void => {
    if (seen.has(key)) return;
    const chunk = manifest[key];
    if (!chunk) throw new Error(`the build manifest has no ${key}`);
    seen.add(key);
    chunk.css?.forEach((c) => css.add(c));
    chunk.imports?.forEach(visit);
  };
  visit(entry);
  const gz = (file: string): number => gzipSync(readFileSync(join(outDir, file))).length;
  const js = [...seen]
    .map((k) => manifest[k]?.file ?? '')
    .filter((f) => f.endsWith('.js'))
    .reduce((sum, f) => sum + gz(f), 0);
  return { js, css: [...css].reduce((sum, f) => sum + gz(f), 0) };
}

async function buildApp(outDir: string): Promise<Record<string, ManifestChunk>> {
  const { build } = await import('vite');
  await build({
    root: REPO_ROOT,
    configFile: join(REPO_ROOT, 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir, emptyOutDir: true, manifest: true },
  });
  return JSON.parse(readFileSync(join(outDir, '.vite', 'manifest.json'), 'utf8')) as Record<
    string,
    ManifestChunk
  >;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

/** Builds into `dist/app` (where the sandbox serves a production build) and measures. */
export async function benchApp(options: { runs?: number } = {}): Promise<AppBenchResult> {
  const outDir = join(REPO_ROOT, 'dist', 'app');
  const manifest = await buildApp(outDir);
  const launch = initialSize(manifest, 'launch.html', outDir);
  const app = initialSize(manifest, 'index.html', outDir);

  const dataDir = mkdtempSync(join(tmpdir(), 'careloop-bench-app-'));
  const sandbox = await startSandbox({ port: 0, dataDir, app: 'dist', log: () => undefined });
  const chrome = await launchChromium({ viewport: { width: 1280, height: 900 } });
  const runs: number[] = [];
  try {
    await sandbox.bots?.startReconcile;
    const patientId = MAIN_PRACTICE.featuredPatients[0] ?? '';
    const page = await chrome.context.newPage();
    await page.goto(`${sandbox.baseUrl}/ehr`);
    await page.locator('form button[type=submit]').click();
    const practitioner = new URL(page.url()).searchParams.get('practitioner') ?? '';
    for (let i = 0; i < (options.runs ?? 5); i++) {
      const tab = await chrome.context.newPage();
      let redirectAt = 0;
      tab.on('request', (r) => {
        if (!redirectAt && r.isNavigationRequest() && /\/app\/\?code=/.test(r.url()))
          redirectAt = performance.now();
      });
      await tab.goto(
        `${sandbox.baseUrl}/ehr/patients/${encodeURIComponent(patientId)}?practitioner=${encodeURIComponent(practitioner)}&tab=careloop`,
      );
      await tab
        .frameLocator('iframe[title="Careloop"]')
        .locator('[data-testid=patient-panel][data-loaded=true]')
        .waitFor({ timeout: 60_000 });
      const doneAt = performance.now();
      if (!redirectAt) throw new Error('the app was not reached by a SMART redirect');
      runs.push(Math.round(doneAt - redirectAt));
      await tab.close();
    }
  } finally {
    await chrome.close();
    await sandbox.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
  const kb = (bytes: number): number => Math.round(bytes / 102.4) / 10;
  return {
    launchJsKb: kb(launch.js),
    appJsKb: kb(app.js),
    appCssKb: kb(app.css),
    launchToPanelMs: { median: median(runs), runs },
  };
}

/** The figures as lines for the bench report. */
export function formatAppBench(r: AppBenchResult): string[] {
  return [
    `app: launch.html initial JS ${r.launchJsKb} KB gzip (target ≤35 KB)`,
    `app: index.html initial JS ${r.appJsKb} KB gzip (target ≤300 KB), CSS ${r.appCssKb} KB gzip`,
    `app: launch redirect → chart panel with data, median of ${r.launchToPanelMs.runs.length}: ${r.launchToPanelMs.median} ms (target ≤1500 ms; runs ${r.launchToPanelMs.runs.join(', ')})`,
  ];
}

// `npx tsx tests/bench/app.ts` runs this bench alone.
if (import.meta.url === `file://${process.argv[1]}`) {
  benchApp()
    .then((r) => {
      for (const line of formatAppBench(r)) process.stdout.write(`${line}\n`);
      process.exit(0);
    })
    .catch((err: unknown) => {
      process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
      process.exit(1);
    });
}
