/**
 * Finding appointment events the appointment bot never saw (Medplum does not retry a bot a Subscription
 * triggers): an appointment whose state implies enrolments that do not exist, or a running one that
 * should have ended. Only what the deterministic enrolment keys prove is missing is reconciled.
 */

import type { MedplumClient } from '@medplum/core';
import type { Appointment, CarePlan } from '@medplum/fhirtypes';
import { enrolmentKey, ID_SYSTEM, type WorkflowDefinition, type WorkflowTrigger } from '../engine';
import { searchByValues } from './paging';
import { appointmentPatientId } from './patientContext';

/** The enrolments an appointment's current state implies, and how to tell that its event was missed. */
export interface AppointmentExpectation {
  readonly appointment: Appointment;
  /** Keys of the enrolments its state implies (any of them existing means the event was seen). */
  readonly expected: readonly string[];
  /** Keys of enrolments that must no longer be running (a cancelled appointment's reminders). */
  readonly mustNotRun: readonly string[];
  readonly state: string;
}

const BOOKED = new Set(['proposed', 'pending', 'booked']);
const DAY_MS = 86_400_000;

function keysFor(
  appointment: Appointment,
  patientRef: string,
  workflows: readonly WorkflowDefinition[],
  trigger: WorkflowTrigger,
): string[] {
  return workflows
    .filter((w) => w.trigger === trigger && w.status === 'active')
    .map((w) => enrolmentKey({ workflowName: w.name, patientRef, appointment }));
}

/**
 * What an appointment's state implies: a future booking → its booking enrolments at its current time; a
 * no-show or a fulfilled visit that happened within the lookback → the follow-on enrolments; a
 * cancellation → its booking enrolments no longer running. Older visits are left alone: a sync that touched
 * a year-old visit must not start a survey about it.
 */
export function expectationFor(
  appointment: Appointment,
  workflows: readonly WorkflowDefinition[],
  now: Date,
  lookbackMs: number,
): AppointmentExpectation | undefined {
  const patientId = appointmentPatientId(appointment);
  if (!patientId || !appointment.id || !appointment.start) {
    return undefined;
  }
  const patientRef = `Patient/${patientId}`;
  const start = Date.parse(appointment.start);
  const recent = start >= now.getTime() - lookbackMs - DAY_MS && start <= now.getTime();
  const expect = (expected: string[], mustNotRun: string[] = []): AppointmentExpectation | undefined =>
    expected.length || mustNotRun.length
      ? { appointment, expected, mustNotRun, state: appointment.status }
      : undefined;
  if (BOOKED.has(appointment.status)) {
    return start > now.getTime()
      ? expect(keysFor(appointment, patientRef, workflows, 'appointment-booked'))
      : undefined;
  }
  switch (appointment.status) {
    case 'noshow':
      return recent ? expect(keysFor(appointment, patientRef, workflows, 'appointment-noshow')) : undefined;
    case 'fulfilled':
      return recent
        ? expect(keysFor(appointment, patientRef, workflows, 'appointment-fulfilled'))
        : undefined;
    case 'cancelled':
      return expect(
        keysFor(appointment, patientRef, workflows, 'appointment-cancelled'),
        keysFor(appointment, patientRef, workflows, 'appointment-booked'),
      );
    default:
      return undefined;
  }
}

/** The enrolments among these keys that exist, by key. */
export async function enrolmentsByKey(
  medplum: MedplumClient,
  keys: readonly string[],
): Promise<Map<string, CarePlan>> {
  const found = await searchByValues(
    medplum,
    'CarePlan',
    'identifier',
    keys.map((k) => `${ID_SYSTEM.enrolment}|${k}`),
  );
  const out = new Map<string, CarePlan>();
  for (const plan of found) {
    const key = plan.identifier?.find((i) => i.system === ID_SYSTEM.enrolment)?.value;
    if (key) out.set(key, plan);
  }
  return out;
}

/** Why the appointment's event looks missed, or undefined when its enrolments are as its state implies. */
export function missedBecause(
  expectation: AppointmentExpectation,
  plans: ReadonlyMap<string, CarePlan>,
): string | undefined {
  const { expected, mustNotRun, state } = expectation;
  if (expected.length > 0 && !expected.some((k) => plans.has(k))) {
    return `${state}, but none of its ${expected.length} enrolment(s) exists`;
  }
  const running = mustNotRun.filter((k) => ['active', 'on-hold'].includes(plans.get(k)?.status ?? ''));
  if (running.length > 0) {
    return `${state}, but ${running.length} enrolment(s) for it are still running`;
  }
  return undefined;
}
