import type { Appointment, CarePlan, CommunicationRequest } from '@medplum/fhirtypes';
import type { MockClient } from '@medplum/mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { handler } from '../../src/bots/appointmentEvents';
import { installClock } from '../../src/bots/runtime';
import { EXT } from '../../src/engine/codes';
import { medplumWithPractice, secrets, syntheticPatient } from '../fixtures/medplum';

const NOW = new Date('2026-11-20T21:00:00Z'); // 15:00 in Chicago
let medplum: MockClient;
let organization: string;
let uninstall: () => void;

beforeEach(async () => {
  ({ medplum, organization } = await medplumWithPractice());
  uninstall = installClock({ now: () => NOW });
});
afterEach(() => uninstall());

async function run(appointment: Appointment) {
  return handler(medplum, {
    bot: { reference: 'Bot/appointment-events' },
    contentType: 'application/fhir+json',
    input: appointment,
    secrets: secrets({ CARELOOP_ORGANIZATION: organization }),
  } as never);
}

async function bookedAppointment(start: string, patientId: string): Promise<Appointment> {
  return medplum.createResource<Appointment>({
    resourceType: 'Appointment',
    status: 'booked',
    start,
    end: new Date(Date.parse(start) + 30 * 60_000).toISOString(),
    participant: [{ actor: { reference: `Patient/${patientId}` }, status: 'needs-action' }],
  });
}

async function plansOf(patientId: string): Promise<CarePlan[]> {
  return medplum.searchResources('CarePlan', { subject: `Patient/${patientId}`, _count: '100' });
}

async function requestsOf(patientId: string): Promise<CommunicationRequest[]> {
  return medplum.searchResources('CommunicationRequest', { subject: `Patient/${patientId}`, _count: '100' });
}

describe('appointment-events bot', () => {
  it('enrols a new booking in reminders and onboarding, and a repeat of the event changes nothing', async () => {
    const patient = await medplum.createResource(syntheticPatient());
    const appointment = await bookedAppointment('2026-12-01T15:30:00Z', patient.id ?? '');
    const first = await run(appointment);
    expect(first.event).toBe('appointment-booked');
    expect(first.enrolled.sort()).toEqual(['appointment-reminders', 'new-patient-onboarding']);
    expect(first.notEnrolled.map((n) => n.workflow)).toContain('telehealth-visit');
    const plans = await plansOf(patient.id ?? '');
    const requests = await requestsOf(patient.id ?? '');
    expect(plans).toHaveLength(2);
    const active = requests.filter((r) => r.status === 'active');
    expect(active.length).toBeGreaterThanOrEqual(3);
    expect(active.every((r) => r.payload?.[0]?.contentString?.includes('Lakeside Family Clinic'))).toBe(true);

    const second = await run(appointment);
    expect(second.enrolled).toEqual([]);
    expect(await plansOf(patient.id ?? '')).toHaveLength(2);
    expect(await requestsOf(patient.id ?? '')).toHaveLength(requests.length);
  });

  it('moves: revokes the old plan and plans for the new time', async () => {
    const patient = await medplum.createResource(syntheticPatient());
    const appointment = await bookedAppointment('2026-12-01T15:30:00Z', patient.id ?? '');
    await run(appointment);
    const moved = await medplum.updateResource<Appointment>({
      ...appointment,
      start: '2026-12-03T16:00:00Z',
      end: '2026-12-03T16:30:00Z',
    });
    const result = await run(moved);
    expect(result.event).toBe('appointment-rescheduled');
    expect(result.updatedPlans).toHaveLength(2);
    const plans = await plansOf(patient.id ?? '');
    expect(plans.filter((p) => p.status === 'revoked')).toHaveLength(2);
    expect(plans.filter((p) => p.status === 'active').map((p) => p.identifier?.[0]?.value)).toEqual(
      expect.arrayContaining([expect.stringContaining('@2026-12-03T16:00:00')]),
    );
    const revoked = (await requestsOf(patient.id ?? '')).filter((r) =>
      r.statusReason?.text?.startsWith('appointment moved'),
    );
    expect(revoked.length).toBeGreaterThan(0);
  });

  it('cancelled: revokes pending reminders and completes the plan', async () => {
    const patient = await medplum.createResource(syntheticPatient());
    const appointment = await bookedAppointment('2026-12-01T15:30:00Z', patient.id ?? '');
    await run(appointment);
    await run(await medplum.updateResource<Appointment>({ ...appointment, status: 'cancelled' }));
    const requests = await requestsOf(patient.id ?? '');
    expect(requests.filter((r) => r.status === 'active')).toHaveLength(0);
    const reminders = (await plansOf(patient.id ?? '')).find((p) =>
      p.title?.toLowerCase().includes('reminder'),
    );
    expect(reminders?.status).toBe('completed');
    expect(reminders?.extension?.find((e) => e.url === EXT.outcome)?.valueCoding?.code).toBe(
      'appointment-cancelled',
    );
  });

  it('no-show: enrols recovery; a new booking then closes the recovery loop', async () => {
    const patient = await medplum.createResource(syntheticPatient());
    const missed = await medplum.createResource<Appointment>({
      resourceType: 'Appointment',
      status: 'noshow',
      start: '2026-11-20T15:00:00Z',
      end: '2026-11-20T15:30:00Z',
      participant: [{ actor: { reference: `Patient/${patient.id}` }, status: 'accepted' }],
    });
    const result = await run(missed);
    expect(result.enrolled).toEqual(['no-show-recovery']);
    const rebooked = await bookedAppointment('2026-12-05T15:00:00Z', patient.id ?? '');
    await run(rebooked);
    const recovery = (await plansOf(patient.id ?? '')).find((p) =>
      p.instantiatesCanonical?.[0]?.includes('no-show'),
    );
    expect(recovery?.status).toBe('completed');
    expect(recovery?.extension?.find((e) => e.url === EXT.outcome)?.valueCoding?.code).toBe('rescheduled');
  });

  it('ignores an appointment without a patient and refuses a missing practice setting', async () => {
    const noPatient = await medplum.createResource<Appointment>({
      resourceType: 'Appointment',
      status: 'booked',
      participant: [],
    });
    expect((await run(noPatient)).event).toContain('ignored');
    await expect(
      handler(medplum, {
        bot: { reference: 'Bot/x' },
        contentType: 'application/fhir+json',
        input: noPatient,
        secrets: {},
      } as never),
    ).rejects.toThrow('CARELOOP_ORGANIZATION');
  });
});

describe('appointment-events bot in a project with several practices', () => {
  it("ignores another practice's appointment: that practice's own bot plans it", async () => {
    const patient = await medplum.createResource(
      syntheticPatient({ managingOrganization: { reference: 'Organization/riverside' } }),
    );
    const theirs = await medplum.createResource<Appointment>({
      resourceType: 'Appointment',
      meta: { accounts: [{ reference: 'Organization/riverside' }] },
      status: 'booked',
      start: '2026-12-01T15:30:00Z',
      end: '2026-12-01T16:00:00Z',
      participant: [{ actor: { reference: `Patient/${patient.id}` }, status: 'needs-action' }],
    });
    expect((await run(theirs)).event).toBe('ignored: another practice');
    expect(await plansOf(patient.id ?? '')).toHaveLength(0);

    const ours = await bookedAppointment('2026-12-02T15:30:00Z', patient.id ?? '');
    const filed = await medplum.updateResource<Appointment>({
      ...ours,
      meta: { ...ours.meta, accounts: [{ reference: organization as `Organization/${string}` }] },
    });
    expect((await run(filed)).enrolled.length).toBeGreaterThan(0);
  });
});
