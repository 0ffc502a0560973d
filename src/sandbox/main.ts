/**
 * `npm start`: starts the sandbox on `PORT` (default 8300) with the app served by Vite, prints every URL
 * and the time it took to be ready, and stops cleanly on Ctrl-C.
 */

import { startSandbox } from './start';

const APP_MODES = new Set(['vite', 'dist', 'none']);

async function main(): Promise<void> {
  const app = process.env.SANDBOX_APP ?? 'vite';
  if (!APP_MODES.has(app)) {
    throw new Error(`SANDBOX_APP must be vite, dist or none (got "${app}")`);
  }
  const sandbox = await startSandbox({
    app: app as 'vite' | 'dist' | 'none',
    ...(process.env.SANDBOX_DATA ? { dataDir: process.env.SANDBOX_DATA } : {}),
  });
  const { urls } = sandbox;
  process.stdout.write(
    [
      '',
      `Careloop sandbox ready in ${(sandbox.startupMs / 1000).toFixed(1)} s${sandbox.seeded ? ' (first start: data seeded)' : ''}`,
      '',
      `  Home            ${sandbox.baseUrl}/`,
      `  EHR             ${urls.ehr}`,
      `  Phone           ${urls.phone}`,
      `  Email outbox    ${urls.outbox}`,
      `  App             ${urls.app}`,
      `  EHR FHIR        ${urls.ehrFhir}`,
      `  Medplum FHIR    ${urls.medplumFhir}`,
      `  Status          ${urls.status}`,
      `  Token endpoint  ${urls.tokenEndpoint} (dev client: ${sandbox.devClient.clientId}; secret in /sandbox/status)`,
      '',
      'Ctrl-C stops it; `npm run sandbox:reset` deletes its data so the next start reseeds.',
      '',
    ].join('\n') + '\n',
  );
  let stopping = false;
  const stop = (): void => {
    if (stopping) process.exit(1);
    stopping = true;
    process.stdout.write('stopping the sandbox…\n');
    void sandbox.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: unknown) => {
  console.error(`The sandbox could not start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
