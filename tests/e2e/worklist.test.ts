/**
 * The coordinator's loop in a real browser against the sandbox: open the worklist by the EHR's
 * "Coordinator worklist" entry (standalone launch), filter to no-show recovery, claim a task, open the
 * conversation, log a call outcome, complete the task, see the count drop; the report page shows the
 * seeded figures.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Task } from '@medplum/fhirtypes';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAIN_PRACTICE } from '../../src/sandbox/practice';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/start';
import { seedReportDataset, seedTasks } from '../fhir/worklist/sandboxSeed';
import { launchChromium, type LaunchedChromium } from './browser';

const NOW = new Date('2026-11-30T15:00:00Z');
const ORG = `Organization/${MAIN_PRACTICE.organization}`;
const COORDINATOR = `Practitioner/${MAIN_PRACTICE.coordinator}`;

/** Opens the worklist the way a coordinator does: EHR page → "Coordinator worklist" → choose who I am. */
async function openWorklist(chromium: LaunchedChromium, sandbox: RunningSandbox): Promise<Page> {
  const ehr = await chromium.context.newPage();
  await ehr.goto(`${sandbox.baseUrl}/ehr?practitioner=${encodeURIComponent(MAIN_PRACTICE.coordinator)}`);
  const [app] = await Promise.all([
    chromium.context.waitForEvent('page'),
    ehr.getByRole('link', { name: 'Coordinator worklist (Careloop)' }).click(),
  ]);
  await app.locator('select#practitioner').selectOption(COORDINATOR);
  await app.getByRole('button').first().click();
  await app.getByRole('heading', { name: 'Worklist' }).waitFor({ timeout: 60_000 });
  return app;
}

function stored(sandbox: RunningSandbox, id: string): Task {
  return sandbox.store.peek('Task', id) as Task;
}

async function until(check: () => boolean, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('coordinator worklist, end to end', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'careloop-e2e-worklist-'));
  let sandbox: RunningSandbox;
  let chromium: LaunchedChromium;
  let noShows: Task[];

  beforeAll(async () => {
    sandbox = await startSandbox({
      port: 0,
      dataDir,
      app: 'vite',
      bots: false,
      now: NOW,
      log: () => undefined,
    });
    noShows = await seedTasks(
      sandbox,
      ORG,
      [
        { kind: 'call-patient', workflow: 'no-show-recovery', count: 3 },
        { kind: 'ready-to-schedule', workflow: 'recall', queue: 'access', count: 2 },
      ],
      NOW,
    );
    await seedReportDataset(sandbox, ORG);
    chromium = await launchChromium();
  });
  afterAll(async () => {
    await chromium?.close();
    await sandbox?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('filters to no-show recovery, claims, converses, logs a call, completes; the count drops', async () => {
    const app = await openWorklist(chromium, sandbox);
    await app.getByRole('button', { name: '3 no-shows need a call' }).click();
    await expect.poll(() => app.getByRole('table', { name: 'Tasks' }).getByRole('row').count()).toBe(4);
    expect(await app.getByLabel('Workflow').inputValue()).toBe('no-show-recovery');

    // The first row is the most overdue no-show call.
    const first = noShows[0] as Task;
    const row = app.locator(`tr[data-task-id="${first.id ?? ''}"]`);
    await row.getByRole('button').click();
    const panel = app.getByRole('region', { name: 'Task: Call the patient' });
    await panel.getByRole('button', { name: 'Claim' }).click();
    await until(() => stored(sandbox, first.id ?? '').owner?.reference === COORDINATOR, 'the claim');
    expect(stored(sandbox, first.id ?? '').status).toBe('accepted');

    await panel.getByRole('link', { name: 'Open conversation' }).click();
    await app.getByRole('heading', { name: /^Conversation with / }).waitFor();
    await app.getByLabel('Reply to the patient').waitFor();
    await app.getByRole('button', { name: 'Next: Call the patient' }).click();
    const inPlace = app.getByRole('region', { name: 'Task: Call the patient' });
    await inPlace.getByLabel('Call outcome').selectOption({ label: 'Reached and booked a visit' });
    await inPlace.getByLabel('Call notes').fill('booked for Thursday');
    await inPlace.getByRole('button', { name: 'Log call' }).click();
    await until(() => (stored(sandbox, first.id ?? '').output ?? []).length === 1, 'the call outcome');
    expect(stored(sandbox, first.id ?? '').businessStatus?.coding?.[0]?.code).toBe('scheduled');
    await inPlace.getByRole('button', { name: 'Complete' }).click();
    await until(() => stored(sandbox, first.id ?? '').status === 'completed', 'completion');

    await app.getByRole('link', { name: 'Back to the worklist' }).click();
    await app.getByRole('button', { name: '2 no-shows need a call' }).waitFor();
  });

  it('shows the seeded report figures', async () => {
    const app = await openWorklist(chromium, sandbox);
    await app.goto(app.url().replace(/#.*$/, '#/reports'));
    const byWorkflow = app.getByRole('table', { name: 'By workflow' });
    await byWorkflow.waitFor({ timeout: 30_000 });
    await app.getByText('50% (3 of 6)').first().waitFor();
    const reminders = byWorkflow.getByRole('row', { name: /Appointment reminders/ });
    expect(await reminders.getByRole('cell').first().textContent()).toBe('33% (1 of 3)');
    const funnel = app
      .getByRole('table', { name: 'Funnel counts' })
      .getByRole('row', { name: /No-show recovery/ });
    expect(await funnel.getByRole('cell').allTextContents()).toEqual([
      '2',
      '2 (100%)',
      '1 (50%)',
      '1 (50%)',
      'Delivered → Replied: 1 lost',
    ]);
  });
});
