/** Appointments as the panel lists them: upcoming and recent, with the patient's confirmation state. */
import type { Appointment } from '@medplum/fhirtypes';

/** Whether the patient has confirmed, in words and as a flag. */
export interface Confirmation {
  readonly confirmed: boolean;
  readonly label: string;
}

/** The patient participant's status: `accepted` means the patient confirmed. */
export function confirmationOf(appointment: Appointment): Confirmation {
  const participant = appointment.participant?.find((p) => p.actor?.reference?.includes('Patient/'));
  switch (participant?.status) {
    case 'accepted':
      return { confirmed: true, label: 'Confirmed by patient' };
    case 'declined':
      return { confirmed: false, label: 'Declined by patient' };
    case 'tentative':
      return { confirmed: false, label: 'Tentative' };
    default:
      return { confirmed: false, label: 'Not confirmed' };
  }
}

/** Splits appointments into upcoming (soonest first) and recent (last 90 days, latest first). */
export function splitAppointments(
  appointments: readonly Appointment[],
  now: Date,
): { upcoming: Appointment[]; recent: Appointment[] } {
  const t = now.getTime();
  const start = (a: Appointment): number => (a.start ? Date.parse(a.start) : Number.NaN);
  const upcoming = appointments.filter((a) => start(a) >= t).sort((a, b) => start(a) - start(b));
  const recent = appointments
    .filter((a) => start(a) < t && start(a) >= t - 90 * 86_400_000)
    .sort((a, b) => start(b) - start(a));
  return { upcoming, recent };
}
