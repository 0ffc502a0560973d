/**
 * FHIR 429 and 5xx, bot by bot, for the bots that write plans and tasks (dispatch and the webhooks have
 * their own files): a passing failure is retried within the run; a lasting one fails the run without
 * leaving anything half-done that a rerun (or the watchdog) would duplicate.
 */

import type { Appointment, CarePlan, CommunicationRequest, Task } from '@medplum/fhirtypes';
import type { MockClient } from '@medplum/mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { handleAppointment } from '../../src/bots/appointmentEvents';
import { handleCohorts } from '../../src/bots/cohorts';
import { handleSurveyResponse } from '../../src/bots/surveyResponse';
import { handleWatchdog } from '../../src/bots/watchdog';
import type { PracticeSettings, WorkflowDefinition } from '../../src/engine';
import { loadPracticeSettings } from '../../src/fhir/practice';
import { isProcessed } from '../../src/fhir/surveyResponses';
import { loadActiveWorkflows } from '../../src/fhir/workflows';
import { WriteError } from '../../src/fhir/writeChanges';
import {
  FhirFaults,
  isBatch,
  medplumWithPractice,
  postVisitSurveyResponse,
  syntheticPatient,
} from '../fixtures/medplum';

let medplum: MockClient;
let faults: FhirFaults;
let practice: PracticeSettings;
let workflows: WorkflowDefinition[];

beforeEach(async () => {
  faults = new FhirFaults();
  const setup = await medplumWithPractice({ faults });
  medplum = setup.medplum;
  practice = await loadPracticeSettings(medplum, setup.organization);
  workflows = (await loadActiveWorkflows(medplum)).workflows;
});

async function counts(patientId: string): Promise<{ plans: number; requests: number; tasks: number }> {
  const [plans, requests, tasks] = await Promise.all([
    medplum.searchResources(
      'CarePlan',
      { subject: `Patient/${patientId}`, _count: '500' },
      { cache: 'no-cache' },
    ),
    medplum.searchResources(
      'CommunicationRequest',
      { subject: `Patient/${patientId}`, _count: '500' },
      { cache: 'no-cache' },
    ),
    medplum.searchResources(
      'Task',
      { patient: `Patient/${patientId}`, _count: '500' },
      { cache: 'no-cache' },
    ),
  ]);
  const distinct = (rs: (CarePlan | CommunicationRequest | Task)[]): number =>
    new Set(rs.map((r) => r.identifier?.[0]?.value)).size;
  expect(distinct(plans)).toBe(plans.length);
  expect(distinct(requests)).toBe(requests.length);
  expect(distinct(tasks)).toBe(tasks.length);
  return { plans: plans.length, requests: requests.length, tasks: tasks.length };
}

async function booking(): Promise<{ patientId: string; appointment: Appointment }> {
  const patient = await medplum.createResource(syntheticPatient());
  const appointment = await medplum.createResource<Appointment>({
    resourceType: 'Appointment',
    status: 'booked',
    start: '2026-12-01T15:30:00Z',
    end: '2026-12-01T16:00:00Z',
    participant: [{ actor: { reference: `Patient/${patient.id}` }, status: 'needs-action' }],
  });
  return { patientId: patient.id ?? '', appointment };
}

const enrolment = isBatch((e) => e.resource?.resourceType === 'CarePlan' && e.request?.method === 'POST');
const BOOKED_AT = new Date('2026-11-20T21:00:00Z');

describe('appointment-events when FHIR fails', () => {
  it('a 429 on the enrolment transaction is tried again within the run', async () => {
    const { patientId, appointment } = await booking();
    faults.add({ when: enrolment, status: 429 });
    await handleAppointment(medplum, appointment, { practice, workflows, now: BOOKED_AT });
    expect(faults.failed).toHaveLength(1);
    const after = await counts(patientId);
    expect(after.plans).toBeGreaterThan(0);
    expect(after.requests).toBeGreaterThan(0);
  });

  it('a lasting 503 fails the run; the watchdog then enrols the patient once', async () => {
    const { patientId, appointment } = await booking();
    faults.add({ when: enrolment, status: 503, times: Infinity });
    await expect(
      handleAppointment(medplum, appointment, { practice, workflows, now: BOOKED_AT }),
    ).rejects.toBeInstanceOf(WriteError);
    expect(await counts(patientId)).toEqual({ plans: 0, requests: 0, tasks: 0 });
    faults.clear();
    const watchdog = await handleWatchdog(medplum, {
      practice,
      workflows,
      clock: () => BOOKED_AT,
      settleMs: 0,
    });
    expect(watchdog.appointments.reconciled).toHaveLength(1);
    const once = await counts(patientId);
    expect(once.plans).toBeGreaterThan(0);
    await handleWatchdog(medplum, { practice, workflows, clock: () => BOOKED_AT, settleMs: 0 });
    await handleAppointment(medplum, appointment, { practice, workflows, now: BOOKED_AT });
    expect(await counts(patientId)).toEqual(once);
  });

  it('an enrolment whose transaction was half applied (some entries 500) is completed by the rerun without duplicates', async () => {
    const { patientId, appointment } = await booking();
    faults.add({
      when: enrolment,
      status: 500,
      times: 3,
      entries: (e) => e.resource?.resourceType === 'CommunicationRequest',
    });
    await expect(
      handleAppointment(medplum, appointment, { practice, workflows, now: BOOKED_AT }),
    ).rejects.toBeInstanceOf(WriteError);
    const half = await counts(patientId);
    expect(half.plans).toBeGreaterThan(0);
    expect(half.requests).toBe(0);
    await handleAppointment(medplum, appointment, { practice, workflows, now: BOOKED_AT });
    // The rerun writes what is missing (and the enrolments the failed run never reached), nothing twice.
    const whole = await counts(patientId);
    expect(whole.plans).toBeGreaterThanOrEqual(half.plans);
    expect(whole.requests).toBeGreaterThan(0);
    await handleAppointment(medplum, appointment, { practice, workflows, now: BOOKED_AT });
    expect(await counts(patientId)).toEqual(whole);
  });
});

describe('cohorts when FHIR fails', () => {
  it('a run that fails on a 503 is finished by the next run, each patient enrolled once', async () => {
    const patient = await medplum.createResource(syntheticPatient());
    await medplum.createResource<Appointment>({
      resourceType: 'Appointment',
      status: 'fulfilled',
      start: '2025-12-01T15:00:00Z',
      end: '2025-12-01T15:30:00Z',
      participant: [{ actor: { reference: `Patient/${patient.id}` }, status: 'accepted' }],
    });
    const ctx = { practice, workflows, clock: () => new Date('2026-11-16T14:00:00Z') };
    faults.add({ when: enrolment, status: 503, times: Infinity });
    await handleCohorts(medplum, ctx).catch(() => undefined);
    expect((await counts(patient.id ?? '')).plans).toBe(0);
    faults.clear();
    expect((await handleCohorts(medplum, ctx)).enrolled).toHaveLength(1);
    expect((await handleCohorts(medplum, ctx)).enrolled).toHaveLength(0);
    expect((await counts(patient.id ?? '')).plans).toBe(1);
  });
});

describe('survey-response when FHIR fails', () => {
  it('a 503 on writing the escalation leaves the response untagged; the watchdog scores it once', async () => {
    const patient = await medplum.createResource(syntheticPatient());
    const response = await medplum.createResource(
      postVisitSurveyResponse(patient.id ?? '', 3, 'The room was cold.'),
    );
    const now = new Date('2026-11-20T18:00:00Z');
    faults.add({ when: isBatch((e) => e.resource?.resourceType === 'Task'), status: 503, times: Infinity });
    await expect(
      handleSurveyResponse(medplum, response, { practice, workflows, now }),
    ).rejects.toBeInstanceOf(WriteError);
    expect(isProcessed(await medplum.readResource('QuestionnaireResponse', response.id ?? ''))).toBe(false);
    expect((await counts(patient.id ?? '')).tasks).toBe(0);
    faults.clear();
    const run = await handleWatchdog(medplum, { practice, workflows, clock: () => now, settleMs: 0 });
    expect(run.surveys.reconciled).toHaveLength(1);
    await handleWatchdog(medplum, { practice, workflows, clock: () => now, settleMs: 0 });
    const after = await counts(patient.id ?? '');
    expect(after.tasks).toBe(1);
    expect(after.requests).toBe(1);
    expect(isProcessed(await medplum.readResource('QuestionnaireResponse', response.id ?? ''))).toBe(true);
  });
});
