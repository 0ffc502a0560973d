/**
 * The chart panel end to end on the sandbox: a clinician opens a booked patient's chart in the sandbox EHR,
 * the Careloop tab launches the app (SMART EHR launch, PKCE), the panel shows the patient and the EHR
 * appointment; they enrol the patient in the reminders after reading the preview; the clock moves, the
 * reminder reaches the sandbox phone, the patient replies "C", and the panel shows the plan confirmed and
 * the appointment accepted by the patient.
 */
import { MedplumClient } from '@medplum/core';
import type { Patient } from '@medplum/fhirtypes';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAIN_PRACTICE } from '../../src/sandbox/practice';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/start';
import { launchChromium, type LaunchedChromium } from './browser';

let sandbox: RunningSandbox;
let chrome: LaunchedChromium;
let dataDir: string;
let medplum: MedplumClient;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'careloop-e2e-chart-'));
  sandbox = await startSandbox({
    port: 0,
    dataDir,
    app: 'vite',
    // The clinician enrols the patient by hand: the bots' start-up planning of every booked visit stays off.
    reconcileOnStart: false,
    log: (l) => {
      if (process.env.E2E_LOG) process.stdout.write(`${l}\n`);
    },
  });
  await sandbox.bots?.startReconcile;
  await sandbox.bots?.idle();
  medplum = new MedplumClient({ baseUrl: `${sandbox.baseUrl}/`, fetch: globalThis.fetch.bind(globalThis) });
  await medplum.startClientLogin(sandbox.devClient.clientId, sandbox.devClient.clientSecret);
  chrome = await launchChromium({ viewport: { width: 1280, height: 1000 } });
});

afterAll(async () => {
  await chrome?.close();
  await sandbox?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

async function advanceClock(ms: number): Promise<void> {
  const response = await fetch(`${sandbox.baseUrl}/sandbox/clock`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ advance: Math.round(ms) }),
  });
  expect(response.status).toBe(200);
  await sandbox.bots?.idle();
}

async function openCareloopTab(page: Page, patientId: string, family: string): Promise<FrameLocator> {
  await page.goto(`${sandbox.baseUrl}/ehr`);
  await page.locator('form button[type=submit]').click();
  await page.getByLabel('Search by name').fill(family);
  await page.getByRole('button', { name: 'Search' }).click();
  await page.locator(`a[href^="/ehr/patients/${patientId}?"]`).first().click();
  await page.getByRole('link', { name: 'Careloop', exact: true }).click();
  return page.frameLocator('iframe[title="Careloop"]');
}

async function frameText(page: Page): Promise<string> {
  const frame = page.frames().find((f) => f.url().includes('/app/'));
  return frame
    ? `${frame.url()}\n${(await frame.locator('body').innerText()).slice(0, 1500)}`
    : 'no app frame';
}

describe('chart panel on the sandbox', () => {
  it(
    'launches from the chart, enrols with a preview, and shows the patient confirming by SMS',
    { timeout: 560_000 },
    async () => {
      const patientId = MAIN_PRACTICE.featuredPatients[0] ?? '';
      const patient = (await medplum.readResource('Patient', patientId)) as Patient;
      const name = `${patient.name?.[0]?.given?.[0]} ${patient.name?.[0]?.family}`;
      const mobile = patient.telecom?.find((t) => t.use === 'mobile')?.value ?? '';

      const page = await chrome.context.newPage();
      const app = await openCareloopTab(page, patientId, patient.name?.[0]?.family ?? '');
      try {
        await app.getByRole('heading', { name }).waitFor({ timeout: 60_000 });
      } catch (err) {
        throw new Error(`the panel did not show ${name}; the frame shows: ${await frameText(page)}`, {
          cause: err,
        });
      }
      const appointments = app.getByRole('region', { name: 'Appointments' });
      await appointments.getByText('Not confirmed').first().waitFor({ timeout: 30_000 });

      await app.getByRole('button', { name: 'Enrol in a workflow' }).click();
      await app
        .getByRole('radio', { name: /Appointment booking confirmation and reminders/ })
        .first()
        .check();
      const preview = app.getByLabel('Preview');
      await preview.getByText('Reminder 3 days before', { exact: true }).first().waitFor();
      await preview.getByText('Reminder 1 day before', { exact: true }).first().waitFor();
      await app.getByRole('button', { name: 'Confirm enrolment' }).click();
      await app.getByText('Enrolled.').waitFor();
      await app.getByRole('article', { name: /Plan: Appointment booking confirmation/ }).waitFor();

      // Drive time the way a user of the sandbox does: run the dispatcher and move the clock to whenever a
      // request is next due, until the request has gone out or was revoked. Quiet hours and the one-a-day
      // cap may defer it on the way.
      const clockNow = async (): Promise<number> =>
        Date.parse(((await (await fetch(`${sandbox.baseUrl}/sandbox/clock`)).json()) as { now: string }).now);
      const drive = async (id: string): Promise<string> => {
        for (let i = 0; i < 30; i++) {
          const r = await medplum.readResource('CommunicationRequest', id, { cache: 'no-cache' });
          if (r.status !== 'active') return r.status;
          const due = Date.parse(r.occurrenceDateTime ?? '');
          const now = await clockNow();
          if (due > now) await advanceClock(due - now + 60_000);
          const summary = await sandbox.bots?.runCron('careloop-dispatch');
          if (process.env.E2E_LOG) process.stdout.write(`dispatch ${JSON.stringify(summary)}\n`);
        }
        return 'still active';
      };
      const requests = await medplum.searchResources(
        'CommunicationRequest',
        { subject: `Patient/${patientId}`, status: 'active', _sort: 'occurrence' },
        { cache: 'no-cache' },
      );
      // The booking confirmation first, then the reminders that ask for a C until one has gone out.
      expect(await drive(requests[0]?.id ?? '')).toBe('completed');
      const asksForC = requests.filter((r) => /Reply C/.test(r.payload?.[0]?.contentString ?? ''));
      expect(asksForC.length).toBeGreaterThan(0);
      let reminderSent = false;
      for (const r of asksForC) {
        if ((await drive(r.id ?? '')) === 'completed') {
          reminderSent = true;
          break;
        }
      }
      expect(reminderSent).toBe(true);

      const phone = await chrome.context.newPage();
      await phone.goto(`${sandbox.baseUrl}/phone/${encodeURIComponent(mobile)}`);
      try {
        await phone
          .getByText(/Reply C to confirm/)
          .first()
          .waitFor({ timeout: 30_000 });
      } catch (err) {
        const after = await medplum.searchResources(
          'CommunicationRequest',
          { subject: `Patient/${patientId}` },
          { cache: 'no-cache' },
        );
        const states = after
          .map((r) => `${r.status} ${r.occurrenceDateTime} ${r.statusReason?.text ?? ''}`)
          .join('\n');
        throw new Error(
          `no reminder on the phone ${mobile}: ${(await phone.locator('body').innerText()).slice(0, 800)}\nrequests:\n${states}`,
          { cause: err },
        );
      }
      await phone.locator('textarea#body').fill('C');
      await phone.getByRole('button', { name: 'Send' }).click();
      await phone.waitForLoadState();
      await sandbox.bots?.idle();

      // A fresh launch of the tab, as the clinician would see it.
      const again = await openCareloopTab(page, patientId, patient.name?.[0]?.family ?? '');
      const plan = again.getByRole('article', { name: /Plan: Appointment booking confirmation/ });
      await plan.getByText('Appointment confirmed').first().waitFor({ timeout: 30_000 });
      await plan.locator('[data-outcome="confirmed"]').waitFor();
      await again
        .getByRole('region', { name: 'Appointments' })
        .getByText('Confirmed by patient')
        .first()
        .waitFor();
    },
  );

  it('fits a 360 px frame, and the keyboard reaches the actions', async () => {
    const patientId = MAIN_PRACTICE.featuredPatients[1] ?? '';
    const practitioner = (await medplum.searchResources('Practitioner', { _count: '1' }))[0]?.id ?? '';
    const created = (await (
      await fetch(`${sandbox.baseUrl}/ehr/launch?patient=${patientId}&practitioner=${practitioner}`)
    ).json()) as { launchUrl: string };
    const page = await chrome.context.newPage();
    await page.setViewportSize({ width: 360, height: 740 });
    await page.goto(created.launchUrl);
    await page.locator('[data-testid=patient-panel][data-loaded=true]').waitFor({ timeout: 60_000 });
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
    let reached = false;
    for (let i = 0; i < 25 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(() => document.activeElement?.textContent === 'Enrol in a workflow');
    }
    expect(reached).toBe(true);
    await page.keyboard.press('Enter');
    await page.getByRole('radio').first().waitFor({ timeout: 30_000 });
  });

  it('says plainly when the app is opened without a launch or by an unknown EHR', async () => {
    const page = await chrome.context.newPage();
    await page.goto(`${sandbox.baseUrl}/app/`);
    await page.getByRole('heading', { name: 'Open Careloop from your EHR' }).waitFor({ timeout: 30_000 });
    await page.getByRole('link', { name: 'Sign in to Careloop' }).waitFor();
    await page.goto(
      `${sandbox.baseUrl}/app/launch.html?iss=${encodeURIComponent('https://unknown.example/fhir')}&launch=x`,
    );
    await page.getByRole('heading', { name: 'This EHR is not registered' }).waitFor({ timeout: 30_000 });
  });

  it('shows "not given access" with a way back when the user cancels the sign-in', async () => {
    const page = await chrome.context.newPage();
    await page.goto(
      `${sandbox.baseUrl}/app/launch.html?iss=${encodeURIComponent(`${sandbox.baseUrl}/ehr/fhir`)}`,
    );
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByRole('heading', { name: 'Careloop was not given access' }).waitFor({ timeout: 30_000 });
    await page.getByRole('link', { name: 'Sign in again' }).waitFor();
  });
});
