/**
 * `npm run sandbox:reset`: deletes the sandbox's data folder (default `.sandbox/data`, or `SANDBOX_DATA`)
 * so the next start seeds fresh data, new keys and a new dev client secret.
 */

import { existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { REPO_ROOT } from './start';

const dir = resolve(process.env.SANDBOX_DATA ?? join(REPO_ROOT, '.sandbox', 'data'));
if (existsSync(dir)) {
  rmSync(dir, { recursive: true, force: true });
  process.stdout.write(`Deleted ${dir}; the next start seeds fresh data.\n`);
} else {
  process.stdout.write(`Nothing to delete: ${dir} does not exist.\n`);
}
