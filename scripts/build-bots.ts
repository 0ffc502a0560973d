/**
 * Bundles every bot listed in `medplum.config.json` into one CommonJS file that Medplum's bot runtimes
 * load, and prints each bundle's size:
 *
 *   npm run build:bots                      # all bots; fails if a listed source is missing
 *   npm run build:bots -- --allow-missing   # build what exists, list what does not, exit 0
 *   npm run build:bots -- careloop-dispatch # only the named bots
 *   npm run build:bots -- --config other.json
 *
 * What the runtimes expect (checked against Medplum's server source, see docs/deploy.md):
 * - AWS Lambda (`runtimeVersion: awslambda`, nodejs22.x) writes the code as `user.cjs` next to a wrapper
 *   that does `require("./user.cjs").handler(medplum, event)`, and puts `@medplum/core` in the bot layer.
 * - The VM context runtime (`vmcontext`, self-hosted servers) evaluates the code after
 *   `const exports = {}; const module = {exports};` and calls `exports.handler`; its `require` resolves
 *   from the server, which has `@medplum/core`.
 * So: CommonJS, `@medplum/core` left external, and a footer that copies `module.exports` onto `exports`
 * (esbuild replaces `module.exports`, which the VM context would never see).
 */

import { build, type BuildResult, type Message } from 'esbuild';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

/** One entry of the `bots` array of `medplum.config.json`, as `@medplum/cli` 5.0.10 reads it. */
export interface MedplumBotConfig {
  readonly name: string;
  readonly id: string;
  readonly source: string;
  readonly dist?: string;
}

/** The part of `medplum.config.json` the bot tooling reads. */
export interface MedplumConfig {
  readonly bots?: readonly MedplumBotConfig[];
}

/** This repository's root. */
export const REPO_ROOT: string = fileURLToPath(new URL('../', import.meta.url));

/**
 * Packages the Medplum bot runtimes provide, left out of the bundles: the Lambda wrapper itself requires
 * `@medplum/core` from the bot layer, and the VM context's `require` resolves it from the server.
 * Everything else (luxon, libphonenumber-js, @medplum/hl7, ...) is bundled, so a bot never depends on what
 * a layer version happens to contain.
 */
export const RUNTIME_PROVIDED: readonly string[] = ['@medplum/core'];

/** Medplum 5 runs Lambda bots on `nodejs22.x` (and `@medplum/core` 5 itself needs Node 22.18+). */
export const BOT_TARGET = 'node22';

/**
 * Medplum's default `maxJsonSize` is 1 MB and `$deploy` posts the code inside a JSON body, so a request
 * near that size fails with 413; warn before that happens.
 */
export const DEPLOY_SIZE_WARNING_BYTES = 900 * 1024;

// Without this the VM context runtime sees an empty `exports` (esbuild reassigns module.exports).
const CJS_FOOTER = 'Object.assign(exports, module.exports);';

/** What happened to one bot. */
export interface BotBuildResult {
  readonly name: string;
  readonly source: string;
  readonly dist: string;
  readonly status: 'built' | 'missing' | 'failed';
  readonly bytes?: number;
  readonly gzipBytes?: number;
  /** Size of the JSON body `$deploy` posts (the code escaped into a string). */
  readonly deployBytes?: number;
  readonly warnings: readonly string[];
  readonly error?: string;
}

/** Options of `buildBots`. */
export interface BuildBotsOptions {
  /** Paths in the config are relative to this folder (default: the repository root). */
  readonly root?: string;
  /** Only these bot names (default: all). */
  readonly only?: readonly string[];
  /** Bundle `@medplum/core` too (for a runtime without it). */
  readonly bundleAll?: boolean;
  readonly minify?: boolean;
}

/** Reads and checks `medplum.config.json`; throws naming the file and the entry that is malformed. */
export function readMedplumConfig(path: string): MedplumConfig {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`${path}: cannot read Medplum config (${(err as Error).message})`, { cause: err });
  }
  const bots = (parsed as MedplumConfig | null)?.bots;
  if (!Array.isArray(bots)) {
    throw new Error(`${path}: no "bots" array`);
  }
  const names = new Set<string>();
  bots.forEach((b: Partial<MedplumBotConfig>, i) => {
    for (const field of ['name', 'id', 'source'] as const) {
      if (typeof b[field] !== 'string' || b[field] === '') {
        throw new Error(`${path}: bots[${i}] has no "${field}"`);
      }
    }
    if (b.dist !== undefined && typeof b.dist !== 'string') {
      throw new Error(`${path}: bots[${i}].dist must be a string`);
    }
    if (names.has(b.name as string)) {
      throw new Error(`${path}: bot name "${b.name}" is listed twice`);
    }
    names.add(b.name as string);
  });
  return parsed as MedplumConfig;
}

/** Where a bot's bundle goes: its `dist`, or `dist/bots/<name>.js` when the config has none. */
export function distPath(bot: MedplumBotConfig): string {
  return bot.dist ?? `dist/bots/${bot.name}.js`;
}

function formatMessage(m: Message): string {
  const where = m.location ? `${m.location.file}:${m.location.line}: ` : '';
  return `${where}${m.text}`;
}

// The repository is `"type": "module"`, so Node would load a `.js` bundle as ESM; this marker makes
// `require()` of the bundles (tests, the sandbox) treat them as the CommonJS they are.
function markCommonJs(dir: string): void {
  const marker = resolve(dir, 'package.json');
  if (!existsSync(marker)) {
    writeFileSync(marker, `${JSON.stringify({ type: 'commonjs' })}\n`);
  }
}

async function buildOne(
  bot: MedplumBotConfig,
  root: string,
  options: BuildBotsOptions,
): Promise<BotBuildResult> {
  const source = isAbsolute(bot.source) ? bot.source : resolve(root, bot.source);
  const dist = isAbsolute(distPath(bot)) ? distPath(bot) : resolve(root, distPath(bot));
  const base = { name: bot.name, source: bot.source, dist: distPath(bot) };
  if (!existsSync(source)) {
    return { ...base, status: 'missing', warnings: [] };
  }
  mkdirSync(dirname(dist), { recursive: true });
  markCommonJs(dirname(dist));
  let result: BuildResult;
  try {
    result = await build({
      entryPoints: [source],
      outfile: dist,
      bundle: true,
      platform: 'node',
      target: BOT_TARGET,
      format: 'cjs',
      external: options.bundleAll ? [] : [...RUNTIME_PROVIDED],
      footer: { js: CJS_FOOTER },
      define: { 'process.env.NODE_ENV': '"production"' },
      minify: options.minify ?? false,
      // Readable names in the stack traces that end up in Medplum's bot logs.
      keepNames: true,
      legalComments: 'none',
      logLevel: 'silent',
      absWorkingDir: root,
    });
  } catch (err) {
    const errors = (err as { errors?: Message[] }).errors;
    const message = errors?.length ? errors.map(formatMessage).join('\n') : (err as Error).message;
    return { ...base, status: 'failed', warnings: [], error: message };
  }
  const warnings = result.warnings.map(formatMessage);
  // import.meta is empty in CommonJS: code that uses it (file paths) would break only once deployed.
  const importMeta = result.warnings.find((w) => w.id === 'empty-import-meta');
  if (importMeta) {
    return {
      ...base,
      status: 'failed',
      warnings,
      error: `uses import.meta, which does not exist in a CommonJS bot: ${formatMessage(importMeta)}`,
    };
  }
  const code = readFileSync(dist);
  return {
    ...base,
    status: 'built',
    bytes: statSync(dist).size,
    gzipBytes: gzipSync(code).length,
    deployBytes: Buffer.byteLength(JSON.stringify({ code: code.toString('utf8'), filename: basename(dist) })),
    warnings,
  };
}

/** Bundles the given bots one by one; never throws for one bot's failure (see each result's status). */
export async function buildBots(
  bots: readonly MedplumBotConfig[],
  options: BuildBotsOptions = {},
): Promise<BotBuildResult[]> {
  const root = options.root ?? REPO_ROOT;
  const unknown = (options.only ?? []).filter((n) => !bots.some((b) => b.name === n));
  if (unknown.length) {
    throw new Error(`not in the config: ${unknown.join(', ')}`);
  }
  const selected = options.only?.length ? bots.filter((b) => options.only?.includes(b.name)) : bots;
  const results: BotBuildResult[] = [];
  for (const bot of selected) {
    results.push(await buildOne(bot, root, options));
  }
  return results;
}

function kb(bytes: number | undefined): string {
  return bytes === undefined ? '' : `${(bytes / 1024).toFixed(1)} KB`;
}

/** A table of the results for the terminal. */
export function formatBuildReport(results: readonly BotBuildResult[]): string {
  const width = Math.max(4, ...results.map((r) => r.name.length));
  const lines = [
    `${'bot'.padEnd(width)}  ${'status'.padEnd(8)}  ${'size'.padStart(10)}  ${'gzip'.padStart(10)}  file`,
  ];
  for (const r of results) {
    const file = r.status === 'missing' ? `${r.source} (source not found)` : r.dist;
    lines.push(
      `${r.name.padEnd(width)}  ${r.status.padEnd(8)}  ${kb(r.bytes).padStart(10)}  ${kb(r.gzipBytes).padStart(10)}  ${file}`,
    );
    for (const w of r.warnings) lines.push(`  warning: ${w}`);
    if (r.error) lines.push(`  error: ${r.error.split('\n').join('\n         ')}`);
    if (r.deployBytes !== undefined && r.deployBytes > DEPLOY_SIZE_WARNING_BYTES) {
      lines.push(
        `  warning: the $deploy request (${kb(r.deployBytes)}) is near Medplum's 1 MB limit; try --minify`,
      );
    }
  }
  return lines.join('\n');
}

/** The exit code for a set of results: failures always fail; missing sources fail unless allowed. */
export function buildExitCode(results: readonly BotBuildResult[], allowMissing: boolean): number {
  if (results.some((r) => r.status === 'failed')) return 1;
  if (!allowMissing && results.some((r) => r.status === 'missing')) return 1;
  return 0;
}

interface CliArgs {
  readonly config: string;
  readonly only: string[];
  readonly allowMissing: boolean;
  readonly bundleAll: boolean;
  readonly minify: boolean;
}

function parseArgs(argv: readonly string[]): CliArgs {
  const only: string[] = [];
  let config = resolve(REPO_ROOT, 'medplum.config.json');
  let allowMissing = false;
  let bundleAll = false;
  let minify = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--allow-missing') allowMissing = true;
    else if (arg === '--bundle-all') bundleAll = true;
    else if (arg === '--minify') minify = true;
    else if (arg === '--config') {
      const value = argv[++i];
      if (!value) throw new Error('--config needs a path');
      config = resolve(value);
    } else if (arg.startsWith('--')) throw new Error(`unknown option ${arg}`);
    else only.push(arg);
  }
  return { config, only, allowMissing, bundleAll, minify };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const config = readMedplumConfig(args.config);
  // Config paths are relative to the config file, as the medplum CLI (run from that folder) reads them.
  const root = dirname(args.config);
  const results = await buildBots(config.bots ?? [], {
    root,
    only: args.only,
    bundleAll: args.bundleAll,
    minify: args.minify,
  });
  console.log(formatBuildReport(results));
  const missing = results.filter((r) => r.status === 'missing');
  if (missing.length) {
    const list = missing.map((r) => `${r.name} (${r.source})`).join(', ');
    console.log(
      args.allowMissing
        ? `\n${missing.length} bot source(s) not written yet, skipped: ${list}`
        : `\n${missing.length} bot source(s) missing: ${list}\nRun with --allow-missing to build the others anyway.`,
    );
  }
  const built = results.filter((r) => r.status === 'built').length;
  console.log(`\n${built} of ${results.length} bot(s) built.`);
  process.exitCode = buildExitCode(results, args.allowMissing);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    console.error((err as Error).message);
    process.exitCode = 1;
  });
}
