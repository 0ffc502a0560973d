/**
 * Every bot run twice, and two copies at once: no second message, no duplicate resource. The server
 * stand-in runs writes one at a time, as Medplum's server does for conditional creates (serializable
 * transactions); dispatch, inbound and kpi-rollup are also tested without that guarantee in their own
 * files. Dispatch's own twice/at-once cases are in tests/fhir/dispatchRun and dispatchFailures.
 */

import type { Appointment, CarePlan, CommunicationRequest, Resource, Task } from '@medplum/fhirtypes';
import type { MockClient } from '@medplum/mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { handleAppointment } from '../../src/bots/appointmentEvents';
import { handleCohorts } from '../../src/bots/cohorts';
import { handleStatus } from '../../src/bots/deliveryStatus';
import { installClock } from '../../src/bots/runtime';
import { handleSurveyResponse } from '../../src/bots/surveyResponse';
import { handleWatchdog } from '../../src/bots/watchdog';
import { EXT, ID_SYSTEM, type PracticeSettings, type WorkflowDefinition } from '../../src/engine';
import { runDispatch, type SendFn } from '../../src/fhir/dispatchRun';
import { loadPracticeSettings } from '../../src/fhir/practice';
import { loadActiveWorkflows } from '../../src/fhir/workflows';
import {
  FhirFaults,
  medplumWithPractice,
  practiceWithRemindedPatient,
  syntheticPatient,
  postVisitSurveyResponse,
} from '../fixtures/medplum';

let medplum: MockClient;
let practice: PracticeSettings;
let workflows: WorkflowDefinition[];

async function setUp(): Promise<void> {
  const setup = await medplumWithPractice({ faults: new FhirFaults({ atomicWrites: true }) });
  medplum = setup.medplum;
  practice = await loadPracticeSettings(medplum, setup.organization);
  workflows = (await loadActiveWorkflows(medplum)).workflows;
}

async function all<T extends Resource>(type: T['resourceType'], patientId: string): Promise<T[]> {
  const param = type === 'Task' ? 'patient' : 'subject';
  return (await medplum.searchResources(
    type,
    { [param]: `Patient/${patientId}`, _count: '500' },
    { cache: 'no-cache' },
  )) as never;
}

/** Identifier values that occur more than once among resources (a duplicate). */
function duplicated(resources: { identifier?: { value?: string }[] }[]): string[] {
  const values = resources.map((r) => r.identifier?.[0]?.value ?? '').filter(Boolean);
  return values.filter((v, i) => values.indexOf(v) !== i);
}

async function snapshot(patientId: string): Promise<string> {
  const [plans, requests, tasks] = await Promise.all([
    all<CarePlan>('CarePlan', patientId),
    all<CommunicationRequest>('CommunicationRequest', patientId),
    all<Task>('Task', patientId),
  ]);
  return JSON.stringify(
    [...plans, ...requests, ...tasks].map((r) => [r.resourceType, r.identifier?.[0]?.value, r.status]).sort(),
  );
}

describe('idempotency: run twice, two at once', () => {
  beforeEach(setUp);

  it('appointment-events: a booking handled twice at once, then again, enrols once', async () => {
    const patient = await medplum.createResource(syntheticPatient());
    const appointment = await medplum.createResource<Appointment>({
      resourceType: 'Appointment',
      status: 'booked',
      start: '2026-12-01T15:30:00Z',
      end: '2026-12-01T16:00:00Z',
      participant: [{ actor: { reference: `Patient/${patient.id}` }, status: 'needs-action' }],
    });
    const ctx = { practice, workflows, now: new Date('2026-11-20T21:00:00Z') };
    await Promise.all([
      handleAppointment(medplum, appointment, ctx),
      handleAppointment(medplum, appointment, ctx),
    ]);
    const once = await snapshot(patient.id ?? '');
    await handleAppointment(medplum, appointment, ctx);
    expect(await snapshot(patient.id ?? '')).toBe(once);
    const plans = await all<CarePlan>('CarePlan', patient.id ?? '');
    expect(plans.length).toBeGreaterThan(0);
    expect(duplicated(plans)).toEqual([]);
    expect(duplicated(await all<CommunicationRequest>('CommunicationRequest', patient.id ?? ''))).toEqual([]);
  });

  it('survey-response: a low score handled twice at once escalates once and thanks once', async () => {
    const patient = await medplum.createResource(syntheticPatient());
    const response = await medplum.createResource(
      postVisitSurveyResponse(patient.id ?? '', 2, 'Waited an hour.'),
    );
    const ctx = { practice, workflows, now: new Date('2026-11-20T18:00:00Z') };
    const results = await Promise.all([
      handleSurveyResponse(medplum, response, ctx),
      handleSurveyResponse(medplum, response, ctx),
    ]);
    expect(results.map((r) => r.outcome).sort()).toContain('scored');
    const once = await snapshot(patient.id ?? '');
    expect((await handleSurveyResponse(medplum, response, ctx)).outcome).toBe('already-processed');
    expect(await snapshot(patient.id ?? '')).toBe(once);
    const tasks = await all<Task>('Task', patient.id ?? '');
    expect(tasks.filter((t) => t.code?.coding?.[0]?.code === 'survey-escalation')).toHaveLength(1);
    const thanks = (await all<CommunicationRequest>('CommunicationRequest', patient.id ?? '')).filter((r) =>
      r.identifier?.[0]?.value?.startsWith('survey:'),
    );
    expect(thanks).toHaveLength(1);
  });

  it('cohorts: two daily runs at once and a third enrol each eligible patient once', async () => {
    const patient = await medplum.createResource(syntheticPatient());
    await medplum.createResource<Appointment>({
      resourceType: 'Appointment',
      status: 'fulfilled',
      start: '2025-12-01T15:00:00Z',
      end: '2025-12-01T15:30:00Z',
      participant: [{ actor: { reference: `Patient/${patient.id}` }, status: 'accepted' }],
    });
    const ctx = { practice, workflows, clock: () => new Date('2026-11-16T14:00:00Z') };
    const [a, b] = await Promise.all([handleCohorts(medplum, ctx), handleCohorts(medplum, ctx)]);
    expect(a.enrolled.length + b.enrolled.length).toBeGreaterThanOrEqual(1);
    const once = await snapshot(patient.id ?? '');
    expect((await handleCohorts(medplum, ctx)).enrolled).toEqual([]);
    expect(await snapshot(patient.id ?? '')).toBe(once);
    expect(await all<CarePlan>('CarePlan', patient.id ?? '')).toHaveLength(1);
  });

  it('watchdog: two runs at once reconcile a missed booking once; a third changes nothing', async () => {
    const patient = await medplum.createResource(syntheticPatient());
    await medplum.createResource<Appointment>({
      resourceType: 'Appointment',
      status: 'booked',
      start: '2026-12-01T15:30:00Z',
      end: '2026-12-01T16:00:00Z',
      participant: [{ actor: { reference: `Patient/${patient.id}` }, status: 'needs-action' }],
    });
    const ctx = { practice, workflows, clock: () => new Date('2026-11-20T21:00:00Z'), settleMs: 0 };
    await Promise.all([handleWatchdog(medplum, ctx), handleWatchdog(medplum, ctx)]);
    const once = await snapshot(patient.id ?? '');
    expect(JSON.parse(once)).not.toEqual([]);
    const third = await handleWatchdog(medplum, ctx);
    expect(third.appointments.reconciled).toEqual([]);
    expect(await snapshot(patient.id ?? '')).toBe(once);
    expect(duplicated(await all<CarePlan>('CarePlan', patient.id ?? ''))).toEqual([]);
  });
});

describe('idempotency: delivery status', () => {
  it('the same failure callback twice at once requeues once; the message is then sent once', async () => {
    const faults = new FhirFaults({ atomicWrites: true });
    const setup = await practiceWithRemindedPatient({}, faults);
    const restore = installClock({ now: () => new Date('2026-11-28T15:40:00Z') });
    try {
      const ctx = {
        practice: setup.practice,
        workflows: setup.workflows,
        now: new Date('2026-11-28T15:40:00Z'),
      };
      const params = { MessageSid: 'SM3day', MessageStatus: 'undelivered', ErrorCode: '30003' };
      const outcomes = await Promise.all([
        handleStatus(setup.medplum, params, ctx),
        handleStatus(setup.medplum, params, ctx),
      ]);
      expect(outcomes.map((o) => o.outcome)).toContain('requeued');
      const active = await setup.medplum.searchResources(
        'CommunicationRequest',
        { subject: `Patient/${setup.patientId}`, status: 'active', _count: '100' },
        { cache: 'no-cache' },
      );
      const requeued = active.filter((r) => r.extension?.some((e) => e.url === EXT.dispatchAttempts));
      expect(requeued).toHaveLength(1);
      expect(requeued[0]?.extension?.find((e) => e.url === EXT.dispatchAttempts)?.valueInteger).toBe(1);

      const sent: string[] = [];
      const send: SendFn = async (msg) => {
        sent.push(msg.text);
        return { ok: true, providerId: `SMagain${sent.length}`, status: 'queued' };
      };
      const later = new Date('2026-11-28T15:46:00Z');
      await Promise.all([
        runDispatch(setup.medplum, {
          practice: setup.practice,
          workflows: setup.workflows,
          send,
          now: () => later,
        }),
        runDispatch(setup.medplum, {
          practice: setup.practice,
          workflows: setup.workflows,
          send,
          now: () => later,
        }),
      ]);
      expect(sent).toHaveLength(1);
      const records = await setup.medplum.searchResources(
        'Communication',
        { identifier: `${ID_SYSTEM.providerMessage}|SMagain1` },
        { cache: 'no-cache' },
      );
      expect(records).toHaveLength(1);
    } finally {
      restore();
    }
  });
});
