/**
 * Bot: appointment events (Subscription on Appointment create/update). Booked → plan the booking
 * workflows (reminders; onboarding and telehealth by their conditions); moved → end the old plans and
 * plan again; cancelled, no-show, fulfilled → move the plans on and enrol the follow-on workflows.
 * Every write is keyed by deterministic identifiers, so a repeated event changes nothing.
 */

import type { BotEvent, MedplumClient } from '@medplum/core';
import type { Appointment, CarePlan } from '@medplum/fhirtypes';
import {
  applyEvent,
  enrolmentKey,
  planEnrollment,
  type EngagementEvent,
  type PracticeSettings,
  type WorkflowDefinition,
  type WorkflowTrigger,
} from '../engine';
import { definitionFor, loadEnrolmentState } from '../fhir/enrolmentState';
import {
  appointmentLocation,
  appointmentPatientId,
  isNewPatient,
  loadPatientContext,
} from '../fhir/patientContext';
import { ofPractice } from '../fhir/practiceScope';
import { writeEnrollment, writeTransition } from '../fhir/writeChanges';
import { loadBotSetup } from './botSetup';
import { botClock } from './runtime';

/** What the bot did, for the bot log and tests. */
export interface AppointmentEventResult {
  readonly appointment: string;
  readonly event: string;
  readonly enrolled: string[];
  readonly notEnrolled: { workflow: string; reasons: readonly string[] }[];
  readonly updatedPlans: string[];
}

// Plans that wait for the patient to book again; a new booking closes them.
const CLOSED_BY_BOOKING = new Set(['no-show-recovery', 'recall', 'reactivation']);

/** Medplum entry point. */
export async function handler(
  medplum: MedplumClient,
  event: BotEvent<Appointment>,
): Promise<AppointmentEventResult> {
  const appointment = event.input;
  if (appointment?.resourceType !== 'Appointment') {
    throw new Error('appointment-events: expected an Appointment as input');
  }
  const { practice, workflows } = await loadBotSetup(medplum, event, 'appointment-events');
  // In a project with several practices every practice's Subscription fires: only this practice's
  // appointments are this bot's (another practice's bot plans the others with that practice's settings).
  const [ours] = await ofPractice(medplum, [appointment], practice.organization, (a) => {
    const id = appointmentPatientId(a);
    return id ? `Patient/${id}` : undefined;
  });
  if (!ours) {
    return {
      appointment: `Appointment/${appointment.id ?? '?'}`,
      event: 'ignored: another practice',
      enrolled: [],
      notEnrolled: [],
      updatedPlans: [],
    };
  }
  return handleAppointment(medplum, appointment, { practice, workflows, now: botClock().now() });
}

/** The bot's logic with its dependencies passed in (the sandbox and tests call this). */
export async function handleAppointment(
  medplum: MedplumClient,
  appointment: Appointment,
  ctx: { practice: PracticeSettings; workflows: readonly WorkflowDefinition[]; now: Date },
): Promise<AppointmentEventResult> {
  const result: AppointmentEventResult = {
    appointment: `Appointment/${appointment.id ?? '?'}`,
    event: 'ignored',
    enrolled: [],
    notEnrolled: [],
    updatedPlans: [],
  };
  const patientId = appointmentPatientId(appointment);
  if (!patientId || !appointment.id) {
    return { ...result, event: 'ignored: no patient participant' };
  }
  const patientRef = `Patient/${patientId}`;
  const activePlans = await medplum.searchResources('CarePlan', {
    subject: patientRef,
    status: 'active,on-hold',
    _count: '100',
  });
  const forThisAppointment = activePlans.filter((p) =>
    p.supportingInfo?.some((r) => r.reference === `Appointment/${appointment.id}`),
  );
  const currentKeyPart = `Appointment/${appointment.id}@${appointment.start ?? 'unscheduled'}`;
  const moved = forThisAppointment.filter((p) => !keyOf(p).endsWith(currentKeyPart));

  const applyToPlans = async (plans: readonly CarePlan[], ev: EngagementEvent): Promise<void> => {
    for (const carePlan of plans) {
      const definition = definitionFor(carePlan, ctx.workflows);
      if (!definition) {
        console.warn(
          `appointment-events: ${carePlan.id ?? '?'} instantiates an unknown workflow; left as is`,
        );
        continue;
      }
      const state = await loadEnrolmentState(medplum, {
        carePlan,
        definition,
        practice: ctx.practice,
        now: ctx.now,
        appointment,
      });
      await writeTransition(medplum, applyEvent(state, ev));
      result.updatedPlans.push(`CarePlan/${carePlan.id ?? '?'}`);
    }
  };

  let trigger: WorkflowTrigger | undefined;
  switch (appointment.status) {
    case 'booked':
    case 'pending':
    case 'proposed':
      if (moved.length > 0) {
        await applyToPlans(moved, { type: 'appointment-moved', appointment });
        trigger = 'appointment-rescheduled';
      } else {
        trigger = 'appointment-booked';
      }
      // A new booking closes the loops that were waiting for one.
      await applyToPlans(
        activePlans.filter(
          (p) =>
            !forThisAppointment.includes(p) &&
            p.category?.some((c) => c.coding?.some((x) => CLOSED_BY_BOOKING.has(x.code ?? ''))),
        ),
        { type: 'appointment-booked', appointment },
      );
      break;
    case 'cancelled':
      await applyToPlans(forThisAppointment, { type: 'appointment-cancelled', appointment });
      trigger = 'appointment-cancelled';
      break;
    case 'noshow':
      await applyToPlans(forThisAppointment, { type: 'appointment-noshow', appointment });
      trigger = 'appointment-noshow';
      break;
    case 'fulfilled':
      await applyToPlans(forThisAppointment, { type: 'appointment-fulfilled', appointment });
      trigger = 'appointment-fulfilled';
      break;
    default:
      return { ...result, event: `ignored: status ${appointment.status}` };
  }

  // A moved appointment gets the booking workflows again (for its new time) plus any rescheduled ones.
  const triggers = new Set<WorkflowTrigger>([
    trigger,
    ...(trigger === 'appointment-rescheduled' ? ['appointment-booked' as const] : []),
  ]);
  const toEnrol = ctx.workflows.filter((w) => triggers.has(w.trigger) && w.status === 'active');
  if (toEnrol.length > 0) {
    const [patientContext, newPatient, location] = await Promise.all([
      loadPatientContext(medplum, patientId, ctx.now),
      isNewPatient(medplum, patientId, appointment),
      appointmentLocation(medplum, appointment),
    ]);
    const history = [...patientContext.history];
    for (const definition of toEnrol) {
      const key = enrolmentKey({ workflowName: definition.name, patientRef, appointment });
      if (activePlans.some((p) => keyOf(p) === key)) {
        continue; // Already enrolled for this appointment at this time: a repeated event.
      }
      const plan = planEnrollment({
        definition,
        patient: patientContext.patient,
        trigger: { kind: definition.trigger, appointment, ...(location ? { location } : {}) },
        practice: ctx.practice,
        history,
        consents: patientContext.consents,
        now: ctx.now.toISOString(),
        newPatient,
      });
      if (!plan.applicable) {
        result.notEnrolled.push({ workflow: definition.name, reasons: plan.reasons });
        continue;
      }
      await writeEnrollment(medplum, plan);
      // Later workflows in this run see these messages when they apply the caps.
      history.push(
        ...plan.steps
          .filter((s) => s.status === 'scheduled' && s.kind === 'message' && s.at)
          .map((s) => ({ at: s.at ?? '', purpose: definition.purpose })),
      );
      result.enrolled.push(definition.name);
    }
  }
  return { ...result, event: trigger };
}

function keyOf(carePlan: CarePlan): string {
  return carePlan.identifier?.find((i) => i.system?.endsWith('/identifier/enrolment'))?.value ?? '';
}
