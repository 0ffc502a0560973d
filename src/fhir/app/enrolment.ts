/**
 * Enrolling a patient by hand from the chart: which workflows apply, the preview of every message, and
 * the write. The patient context is loaded exactly as the bots load it (src/fhir/patientContext.ts) and
 * planned by the engine's planEnrollment, so the preview is what the bots would do; confirming writes the
 * same transaction of conditional creates (src/fhir/writeChanges.ts).
 */

import type { MedplumClient } from '@medplum/core';
import type {
  Appointment,
  Bundle,
  Location,
  Practitioner,
  PractitionerRole,
  Reference,
} from '@medplum/fhirtypes';
import {
  isAppointmentTrigger,
  planEnrollment,
  type EnrollmentPlan,
  type PracticeSettings,
  type WorkflowDefinition,
  type WorkflowTrigger,
} from '../../engine';
import { appointmentLocation, isNewPatient, loadPatientContext } from '../patientContext';
import { writeEnrollment } from '../writeChanges';

/** A workflow the patient could be enrolled in now, with the appointment it would be about. */
export interface EnrolmentOption {
  readonly definition: WorkflowDefinition;
  readonly appointment?: Appointment;
  readonly plan: EnrollmentPlan;
  /** True when this enrolment already exists (a CarePlan with its key). */
  readonly alreadyEnrolled: boolean;
}

const TRIGGER_STATUSES: Partial<Record<WorkflowTrigger, readonly string[]>> = {
  'appointment-booked': ['booked', 'pending', 'proposed'],
  'appointment-rescheduled': ['booked', 'pending'],
  'appointment-cancelled': ['cancelled'],
  'appointment-noshow': ['noshow'],
  'appointment-fulfilled': ['fulfilled'],
};

/** The appointments a workflow's trigger can be about: upcoming bookings for reminders, past visits for follow-ups. */
export function appointmentsFor(
  definition: WorkflowDefinition,
  appointments: readonly Appointment[],
  now: Date,
): Appointment[] {
  const statuses = TRIGGER_STATUSES[definition.trigger] ?? [];
  return appointments.filter((a) => {
    if (!statuses.includes(a.status ?? '') || !a.start) {
      return false;
    }
    const future = Date.parse(a.start) > now.getTime();
    return definition.trigger === 'appointment-booked' || definition.trigger === 'appointment-rescheduled'
      ? future
      : true;
  });
}

/** Plans every workflow (per appointment where the trigger needs one) and keeps those that apply. */
export async function enrolmentOptions(
  medplum: MedplumClient,
  args: {
    patientId: string;
    workflows: readonly WorkflowDefinition[];
    /** The patient's appointments as Medplum holds them (mirrors). */
    appointments: readonly Appointment[];
    practice: PracticeSettings;
    now: Date;
    enrolledBy?: Reference<Practitioner | PractitionerRole>;
    /** Enrolment keys of the patient's existing CarePlans. */
    existingKeys: ReadonlySet<string>;
  },
): Promise<EnrolmentOption[]> {
  const context = await loadPatientContext(medplum, args.patientId, args.now);
  // What planning needs about each appointment is read once, however many workflows are about it.
  const facts = new Map<string, Promise<[boolean, Location | undefined]>>();
  const factsOf = (appointment: Appointment): Promise<[boolean, Location | undefined]> => {
    const key = appointment.id ?? '';
    let found = facts.get(key);
    if (!found) {
      found = Promise.all([
        isNewPatient(medplum, args.patientId, appointment),
        appointmentLocation(medplum, appointment),
      ]);
      facts.set(key, found);
    }
    return found;
  };
  const options: EnrolmentOption[] = [];
  for (const definition of args.workflows) {
    if (definition.status !== 'active') {
      continue;
    }
    const candidates: (Appointment | undefined)[] = isAppointmentTrigger(definition.trigger)
      ? appointmentsFor(definition, args.appointments, args.now)
      : [undefined];
    for (const appointment of candidates) {
      const [newPatient, location] = appointment ? await factsOf(appointment) : [false, undefined];
      const plan = planEnrollment({
        definition,
        patient: context.patient,
        trigger: {
          kind: definition.trigger === 'cohort-due' ? 'manual' : definition.trigger,
          ...(appointment ? { appointment } : {}),
          ...(location ? { location } : {}),
          // A hand enrolment outside an appointment is one per workflow per day.
          ...(appointment ? {} : { runKey: `manual:${args.now.toISOString().slice(0, 10)}` }),
          ...(args.enrolledBy ? { enrolledBy: args.enrolledBy } : {}),
        },
        practice: args.practice,
        history: context.history,
        consents: context.consents,
        now: args.now.toISOString(),
        newPatient,
      });
      if (plan.applicable) {
        options.push({
          definition,
          ...(appointment ? { appointment } : {}),
          plan,
          alreadyEnrolled: args.existingKeys.has(plan.key),
        });
      }
    }
  }
  return options;
}

/** Writes a previewed enrolment; a repeat (double click, retry) matches what exists. */
export function confirmEnrolment(
  medplum: MedplumClient,
  plan: Extract<EnrollmentPlan, { applicable: true }>,
): Promise<Bundle> {
  return writeEnrollment(medplum, plan);
}
