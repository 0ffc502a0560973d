import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildBots,
  buildExitCode,
  formatBuildReport,
  readMedplumConfig,
  REPO_ROOT,
  RUNTIME_PROVIDED,
  type MedplumBotConfig,
} from '../../scripts/build-bots';

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'careloop-build-bots-'));
  mkdirSync(join(dir, 'src'));
  // A throwaway bot: a local import, a Node built-in, and @medplum/core, which the runtimes provide.
  writeFileSync(
    join(dir, 'src', 'greeting.ts'),
    `export function greeting(name: string): string {\n  return 'hello ' + name;\n}\n`,
  );
  writeFileSync(
    join(dir, 'src', 'hello.ts'),
    [
      `import { createHash } from 'node:crypto';`,
      `import { getReferenceString } from '@medplum/core';`,
      `import type { BotEvent, MedplumClient } from '@medplum/core';`,
      `import { greeting } from './greeting';`,
      `export async function handler(_medplum: MedplumClient, event: BotEvent<{ name: string }>): Promise<string> {`,
      `  const hash = createHash('sha256').update(event.input.name).digest('hex').slice(0, 8);`,
      `  return greeting(event.input.name) + ' ' + hash + ' ' + getReferenceString({ reference: 'Bot/1' });`,
      `}`,
    ].join('\n'),
  );
  writeFileSync(join(dir, 'src', 'broken.ts'), `export async function handler( {\n`);
  writeFileSync(join(dir, 'src', 'meta.ts'), `export const handler = async () => import.meta.url;\n`);
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const bot = (name: string, source: string): MedplumBotConfig => ({
  name,
  id: 'set-by-npm-run-deploy',
  source,
  dist: `dist/bots/${name}.js`,
});

// What the runtimes hand a bot for @medplum/core; enough for the throwaway bot.
const fakeCore = { getReferenceString: (r: { reference: string }): string => r.reference };

describe('buildBots', () => {
  it('bundles a bot into CommonJS that exports handler, leaving @medplum/core to the runtime', async () => {
    const [result] = await buildBots([bot('careloop-hello', 'src/hello.ts')], { root: dir });
    expect(result?.status, result?.error).toBe('built');
    expect(result?.bytes).toBeGreaterThan(0);
    const file = join(dir, 'dist/bots/careloop-hello.js');
    const code = readFileSync(file, 'utf8');
    expect(code).toContain('require("@medplum/core")');
    // Medplum takes code mentioning module.exports for CommonJS even when the filename does not say so.
    expect(code).toMatch(/\bmodule\.exports\b/);
    expect(code).toContain('Object.assign(exports, module.exports);');
  });

  it('works in the AWS Lambda runtime, which requires it as user.cjs with @medplum/core from the layer', async () => {
    const lambda = join(dir, 'lambda');
    mkdirSync(join(lambda, 'node_modules', '@medplum'), { recursive: true });
    // The bot layer's node_modules, played by this repository's installed @medplum/core.
    symlinkSync(
      resolve(REPO_ROOT, 'node_modules/@medplum/core'),
      join(lambda, 'node_modules/@medplum/core'),
      'dir',
    );
    copyFileSync(join(dir, 'dist/bots/careloop-hello.js'), join(lambda, 'user.cjs'));
    const userCode = createRequire(join(lambda, 'index.cjs'))('./user.cjs') as {
      handler: (medplum: unknown, event: unknown) => Promise<string>;
    };
    expect(typeof userCode.handler).toBe('function');
    expect(await userCode.handler(undefined, { input: { name: 'Ana' } })).toMatch(
      /^hello Ana [0-9a-f]{8} Bot\/1$/,
    );
  });

  it('works in the VM context runtime, which reads exports.handler', async () => {
    const code = readFileSync(join(dir, 'dist/bots/careloop-hello.js'), 'utf8');
    const sandbox = {
      event: { input: { name: 'Ana' } },
      require: (id: string): unknown =>
        id === '@medplum/core' ? fakeCore : createRequire(import.meta.url)(id),
    };
    // The same preamble Medplum's vmcontext runtime puts around a bot's code.
    const wrapped = `const exports = {};\nconst module = { exports };\n${code}\nexports.handler(undefined, event);`;
    const result = await (vm.runInNewContext(wrapped, sandbox) as Promise<string>);
    expect(result).toMatch(/^hello Ana [0-9a-f]{8} Bot\/1$/);
  });

  it('marks the output folder CommonJS, since this repository is "type": "module"', () => {
    expect(JSON.parse(readFileSync(join(dir, 'dist/bots/package.json'), 'utf8'))).toEqual({
      type: 'commonjs',
    });
  });

  it('reports missing sources and fails unless they are allowed', async () => {
    const results = await buildBots(
      [bot('careloop-hello', 'src/hello.ts'), bot('careloop-later', 'src/later.ts')],
      {
        root: dir,
      },
    );
    expect(results.map((r) => r.status)).toEqual(['built', 'missing']);
    expect(buildExitCode(results, false)).toBe(1);
    expect(buildExitCode(results, true)).toBe(0);
    expect(formatBuildReport(results)).toContain('src/later.ts (source not found)');
  });

  it('fails a bot that does not compile or that uses import.meta', async () => {
    const results = await buildBots(
      [bot('careloop-broken', 'src/broken.ts'), bot('careloop-meta', 'src/meta.ts')],
      {
        root: dir,
      },
    );
    expect(results.map((r) => r.status)).toEqual(['failed', 'failed']);
    expect(results[1]?.error).toMatch(/import\.meta/);
    expect(buildExitCode(results, true)).toBe(1);
  });

  it('bundles everything but the runtime packages in a real bot', async () => {
    const source = 'src/bots/appointmentEvents.ts';
    if (!existsSync(resolve(REPO_ROOT, source))) return;
    const out = join(dir, 'real', 'careloop-appointment-events.js');
    const [result] = await buildBots([
      { ...bot('careloop-appointment-events', resolve(REPO_ROOT, source)), dist: out },
    ]);
    expect(result?.status, result?.error).toBe('built');
    const required = [...readFileSync(out, 'utf8').matchAll(/require\("([^"]+)"\)/g)].map(
      (m) => m[1] as string,
    );
    const packages = required.filter((id) => !id.startsWith('node:') && !builtinModules.includes(id));
    expect([...new Set(packages)]).toEqual([...RUNTIME_PROVIDED]);
  });
});

describe('medplum.config.json', () => {
  it('lists every bot in the format of @medplum/cli (name, id, source, dist)', () => {
    const config = readMedplumConfig(resolve(REPO_ROOT, 'medplum.config.json'));
    expect(config.bots?.map((b) => b.name)).toEqual([
      'careloop-appointment-events',
      'careloop-dispatch',
      'careloop-inbound-message',
      'careloop-delivery-status',
      'careloop-survey-response',
      'careloop-cohorts',
      'careloop-watchdog',
      'careloop-kpi-rollup',
      'careloop-ehr-sync',
      'careloop-hl7-siu',
    ]);
    for (const b of config.bots ?? []) {
      expect(Object.keys(b).sort()).toEqual(['dist', 'id', 'name', 'source']);
      expect(b.source).toMatch(/^src\/bots\/[a-zA-Z0-9]+\.ts$/);
      expect(b.dist).toBe(`dist/bots/${b.name}.js`);
    }
  });
});

describe('npm run build:bots', () => {
  function run(args: string[]): { status: number | null; out: string } {
    const r = spawnSync(resolve(REPO_ROOT, 'node_modules/.bin/tsx'), ['scripts/build-bots.ts', ...args], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    });
    return { status: r.status, out: r.stdout + r.stderr };
  }

  it('names the missing sources and exits non-zero, or zero with --allow-missing', () => {
    const config = join(dir, 'medplum.config.json');
    writeFileSync(
      config,
      JSON.stringify({
        bots: [bot('careloop-hello', 'src/hello.ts'), bot('careloop-later', 'src/later.ts')],
      }),
    );
    const strict = run(['--config', config]);
    expect(strict.status).toBe(1);
    expect(strict.out).toContain('careloop-later (src/later.ts)');
    expect(strict.out).toContain('--allow-missing');
    const lenient = run(['--config', config, '--allow-missing']);
    expect(lenient.status, lenient.out).toBe(0);
    expect(lenient.out).toMatch(/careloop-hello\s+built/);
  });
});
