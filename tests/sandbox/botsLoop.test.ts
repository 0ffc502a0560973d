/**
 * The whole loop over HTTP against a started sandbox: the start-up reconcile plans the upcoming
 * appointments, advancing the clock runs the dispatch bot, the text shows on the phone page, the
 * patient's "C" goes back as a signed webhook, and the appointment is confirmed.
 */

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Appointment, CarePlan, Patient } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXT, toE164 } from '../../src/engine';
import { startSandbox, type RunningSandbox } from '../../src/sandbox/start';

// Monday 30 Nov 2026 16:00 UTC: 10:00 in Chicago, inside every mainland zone's messaging window.
const START = new Date('2026-11-30T16:00:00Z');

let sandbox: RunningSandbox;
const log: string[] = [];

interface PhoneList {
  numbers: { number: string; names: string[]; messages: number }[];
}
interface Thread {
  items: { kind: string; direction?: string; body?: string; status?: string }[];
}

async function getJson<T>(path: string): Promise<T> {
  return (await (await fetch(`${sandbox.baseUrl}${path}`)).json()) as T;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, ms = 180_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

async function all<T>(resourceType: string): Promise<T[]> {
  const bundle = await sandbox.store.search({ resourceType: resourceType as 'Patient', count: 10_000 });
  return (bundle.entry ?? []).map((e) => e.resource as T);
}

beforeAll(async () => {
  sandbox = await startSandbox({
    port: 0,
    dataDir: mkdtempSync(join(tmpdir(), 'careloop-loop-')),
    app: 'none',
    now: START,
    log: (line) => log.push(line),
  });
}, 120_000);

afterAll(async () => {
  await sandbox?.stop();
});

describe('the sandbox loop', () => {
  it('books, reminds, texts, hears "C" and confirms the appointment', async () => {
    const reconcile = await sandbox.bots?.startReconcile;
    expect(reconcile?.errors).toBe(0);
    expect(reconcile?.appointmentsReconciled).toBeGreaterThan(20);
    const reminderPlans = (await all<CarePlan>('CarePlan')).filter(
      (p) => p.status === 'active' && (p.instantiatesCanonical?.[0] ?? '').includes('appointment-reminders'),
    );
    expect(reminderPlans.length).toBeGreaterThan(20);

    // One minute of sandbox time: the dispatch bot's cron fires and sends the booking confirmations.
    const advanced = await fetch(`${sandbox.baseUrl}/sandbox/clock`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ advance: 'PT1M' }),
    });
    expect(advanced.status).toBe(200);
    expect(log.filter((l) => l.startsWith('bot careloop-dispatch (cron)')).join('\n')).toContain(' ok ');

    // A Chicago patient with a reminder plan whose text was delivered.
    const patients = await all<Patient>('Patient');
    const planned = new Set(reminderPlans.map((p) => p.subject?.reference));
    const chosen = await waitFor('a delivered reminder on the phone page', async () => {
      const list = await getJson<PhoneList>('/phone.json');
      for (const { number } of list.numbers) {
        const owners = patients.filter((p) => p.telecom?.some((t) => t.value && toE164(t.value) === number));
        const patient = owners.length === 1 ? owners[0] : undefined;
        if (!patient || !planned.has(`Patient/${patient.id}`)) continue;
        const thread = await getJson<Thread>(`/phone/${encodeURIComponent(number)}.json`);
        if (thread.items.some((i) => i.direction === 'outbound-api' && i.status === 'delivered')) {
          return { number, patient };
        }
      }
      return undefined;
    });

    const reply = await fetch(`${sandbox.baseUrl}/phone/${encodeURIComponent(chosen.number)}/reply`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: 'body=C',
    });
    expect(reply.status).toBe(200);
    const answered = (await reply.json()) as { status: number; replies: string[] };
    expect(answered.status).toBe(200);
    expect(answered.replies.length).toBeGreaterThan(0);
    await sandbox.bots?.idle();

    const plan = reminderPlans.find((p) => p.subject?.reference === `Patient/${chosen.patient.id}`);
    const appointmentRef = plan?.supportingInfo?.find((r) =>
      r.reference?.startsWith('Appointment/'),
    )?.reference;
    const appointment = await sandbox.store.readResource<Appointment>(
      'Appointment',
      appointmentRef?.split('/')[1] ?? '',
    );
    const participant = appointment.participant.find(
      (p) => p.actor?.reference === `Patient/${chosen.patient.id}`,
    );
    expect(participant?.status).toBe('accepted');
    const after = await sandbox.store.readResource<CarePlan>('CarePlan', plan?.id ?? '');
    expect(after.extension?.find((e) => e.url === EXT.outcome)?.valueCoding?.code).toBe('confirmed');
    const thread = await getJson<Thread>(`/phone/${encodeURIComponent(chosen.number)}.json`);
    expect(thread.items.map((i) => i.direction)).toContain('outbound-reply');
  }, 300_000);
});
