/** Reasons a whole enrolment or a single step must not go ahead. */

import type { Appointment, Patient } from '@medplum/fhirtypes';
import type { StopCondition } from '../workflow/types';

/** Why nobody should message this patient at all, or undefined. */
export function patientSuppression(patient: Patient): string | undefined {
  if (patient.deceasedBoolean === true || patient.deceasedDateTime) {
    return 'patient is deceased';
  }
  if (patient.active === false) {
    return 'patient record is inactive';
  }
  return undefined;
}

/** The patient participant's status on the appointment (accepted = confirmed). */
export function patientParticipationStatus(appointment: Appointment, patientRef: string): string | undefined {
  return appointment.participant?.find((p) => p.actor?.reference === patientRef)?.status;
}

/** Which stop conditions the appointment is in now. */
export function appointmentStates(
  appointment: Appointment | undefined,
  patientRef: string,
): Set<StopCondition> {
  const states = new Set<StopCondition>();
  if (!appointment) {
    return states;
  }
  if (appointment.status === 'cancelled' || appointment.status === 'entered-in-error') {
    states.add('cancelled');
  }
  if (
    appointment.status === 'fulfilled' ||
    appointment.status === 'checked-in' ||
    appointment.status === 'arrived'
  ) {
    states.add('fulfilled');
  }
  if (appointment.status === 'noshow') {
    states.add('noshow');
  }
  const participation = patientParticipationStatus(appointment, patientRef);
  if (appointment.status === 'booked' && participation === 'accepted') {
    states.add('confirmed');
  }
  return states;
}

const STATE_WORDS: Record<StopCondition, string> = {
  confirmed: 'appointment already confirmed',
  cancelled: 'appointment cancelled',
  fulfilled: 'appointment already took place',
  noshow: 'appointment marked as a no-show',
};

/** The first stop condition of a step the appointment meets, in words, or undefined. */
export function stepSuppression(
  stopWhen: readonly StopCondition[],
  states: ReadonlySet<StopCondition>,
): string | undefined {
  const hit = stopWhen.find((s) => states.has(s));
  return hit ? STATE_WORDS[hit] : undefined;
}
