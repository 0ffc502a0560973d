import type { Appointment, CarePlan, Resource } from '@medplum/fhirtypes';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { computeTwilioSignature } from '../../src/channels/signature';
import { loadLibraryResources } from '../../src/fhir/library';
import { startBotRuntime, type BotRuntime } from '../../src/sandbox/bots';
import { ORGANIZATION, syntheticPatient } from '../fixtures/medplum';
import { startHarness, type Harness } from './botsHarness';

const TWILIO = { accountSid: `AC${'1'.repeat(32)}`, authToken: 'sandbox-test-token', from: '+13125550100' };
// Tuesday 30 Nov 2026 15:00 UTC: 09:00 in Chicago, inside quiet-hours windows.
const START = new Date('2026-11-30T15:00:00Z');

let h: Harness;
let runtime: BotRuntime | undefined;
let lines: string[];
let organization: string;

async function seed(): Promise<void> {
  for (const r of loadLibraryResources()) await h.repo.createResource(r as Resource);
  const org = await h.repo.createResource(ORGANIZATION);
  organization = `Organization/${org.id}`;
}

async function start(options: { reconcileOnStart?: boolean } = {}): Promise<BotRuntime> {
  runtime = await startBotRuntime(h.ctx, {
    organization,
    twilio: TWILIO,
    log: (line) => lines.push(line),
    reconcileOnStart: options.reconcileOnStart ?? false,
  });
  h.use(runtime.routes);
  return runtime;
}

async function book(startIso: string): Promise<Appointment> {
  const patient = await h.repo.createResource(syntheticPatient());
  return h.repo.createResource<Appointment>({
    resourceType: 'Appointment',
    status: 'booked',
    start: startIso,
    end: new Date(Date.parse(startIso) + 30 * 60_000).toISOString(),
    participant: [{ actor: { reference: `Patient/${patient.id}` }, status: 'needs-action' }],
  });
}

async function plansFor(appointment: Appointment): Promise<CarePlan[]> {
  const bundle = await h.repo.search<CarePlan>({ resourceType: 'CarePlan' });
  return (bundle.entry ?? [])
    .map((e) => e.resource as CarePlan)
    .filter((p) => p.supportingInfo?.some((r) => r.reference === `Appointment/${appointment.id}`));
}

beforeEach(async () => {
  lines = [];
  h = await startHarness({ start: START });
  await seed();
});

afterEach(async () => {
  await runtime?.stop();
  runtime = undefined;
  await h.close();
});

describe('bot runtime', () => {
  it('installs the Bots and Subscriptions once, however often it starts', async () => {
    await (await start()).stop();
    await start();
    const bots = await h.repo.search({ resourceType: 'Bot' });
    const subs = await h.repo.search({ resourceType: 'Subscription' });
    expect(bots.entry).toHaveLength(10);
    expect(subs.entry).toHaveLength(4);
    expect(
      subs.entry?.every((e) =>
        /^Bot\/[\w-]+$/.test((e.resource as { channel: { endpoint: string } }).channel.endpoint),
      ),
    ).toBe(true);
  });

  it('a booked appointment triggers the appointment bot through its Subscription and gets its reminder plan', async () => {
    const rt = await start();
    const appointment = await book('2026-12-04T16:00:00Z');
    await rt.idle();
    const plans = await plansFor(appointment);
    expect(plans.map((p) => p.instantiatesCanonical?.[0] ?? '').join(' ')).toContain(
      'https://careloop.health/fhir/PlanDefinition/appointment-reminders',
    );
    expect(lines.some((l) => l.startsWith('bot careloop-appointment-events (subscription'))).toBe(true);
  });

  it('a failing triggered run is logged once and not retried', async () => {
    const rt = await start();
    const bot = rt.botId('careloop-appointment-events');
    // A subscription that hands the appointment bot a Patient: the bot refuses it.
    await h.repo.createResource({
      resourceType: 'Subscription',
      status: 'active',
      reason: 'test',
      criteria: 'Patient',
      channel: { type: 'rest-hook', endpoint: `Bot/${bot}` },
    });
    await h.repo.createResource(syntheticPatient());
    await rt.idle();
    await new Promise((r) => setTimeout(r, 100));
    await rt.idle();
    const failures = lines.filter((l) => l.includes('careloop-appointment-events') && l.includes('failed'));
    expect(failures).toHaveLength(1);
    expect(failures[0]).toContain('expected an Appointment');
  });

  it('the start-up reconcile gives upcoming booked appointments their plans', async () => {
    const appointment = await book('2026-12-06T16:00:00Z');
    const rt = await start({ reconcileOnStart: true });
    const summary = await rt.startReconcile;
    await rt.idle();
    expect(summary?.appointmentsReconciled).toBeGreaterThanOrEqual(1);
    expect((await plansFor(appointment)).length).toBeGreaterThan(0);
  });

  it('cron bots run by sandbox time: +1 day runs the dispatch bot once, not once per missed minute', async () => {
    const rt = await start();
    await h.clock.advanceAndWait(86_400_000);
    await rt.idle();
    const dispatchRuns = lines.filter((l) => l.startsWith('bot careloop-dispatch (cron)'));
    expect(dispatchRuns).toHaveLength(1);
    expect(dispatchRuns[0]).toContain(' ok ');
    // The daily bots (cohorts 14:00, KPI 06:30) fall inside the day too; EHR sync stays off.
    expect(lines.filter((l) => l.startsWith('bot careloop-kpi-rollup (cron)'))).toHaveLength(1);
    expect(lines.some((l) => l.includes('careloop-ehr-sync'))).toBe(false);
    lines.length = 0;
    await h.clock.advanceAndWait(10_000);
    // 10 s later no minute boundary may have passed; at most one more dispatch run.
    expect(lines.filter((l) => l.startsWith('bot careloop-dispatch')).length).toBeLessThanOrEqual(1);
  });

  it('never runs two copies of a cron bot at once', async () => {
    const rt = await start();
    const [a, b] = [rt.runCron('careloop-dispatch'), rt.runCron('careloop-dispatch')];
    expect(a).toBe(b);
    await a;
  });

  it('a webhook turns the form into event.input and answers the returned Binary as TwiML; a forged one gets 403', async () => {
    const rt = await start();
    const url = rt.webhookUrl('careloop-inbound-message');
    const params = {
      AccountSid: TWILIO.accountSid,
      From: '+13125550199',
      To: TWILIO.from,
      Body: 'HELP',
      MessageSid: `SM${'a'.repeat(32)}`,
    };
    const post = (signature: string): Promise<Response> =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature },
        body: new URLSearchParams(params).toString(),
      });
    const ok = await post(computeTwilioSignature({ authToken: TWILIO.authToken, url, params }));
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toContain('text/xml');
    expect(await ok.text()).toMatch(/^<Response><Message>.*Lakeside Family Clinic/);
    const forged = await post('bm90LXRoZS1zaWduYXR1cmU=');
    expect(forged.status).toBe(403);
    // Dispatch has no public webhook.
    const notPublic = await fetch(rt.webhookUrl('careloop-dispatch'), { method: 'POST', body: '' });
    expect(notPublic.status).toBe(404);
  });
});
