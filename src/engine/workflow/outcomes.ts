/** How an enrolment ended; the codes of `CodeSystem/enrolment-outcome`, which reports group by. */
export type EnrolmentOutcome =
  | 'confirmed'
  | 'cancelled-by-patient'
  | 'reschedule-requested'
  | 'rescheduled'
  | 'ready-to-schedule'
  | 'completed'
  | 'opted-out'
  | 'no-response'
  | 'escalated'
  | 'suppressed'
  | 'stopped-by-staff'
  | 'survey-completed'
  | 'appointment-cancelled'
  | 'no-show';

/** Every outcome code, in the CodeSystem's order. */
export const ENROLMENT_OUTCOMES: readonly EnrolmentOutcome[] = [
  'confirmed',
  'cancelled-by-patient',
  'reschedule-requested',
  'rescheduled',
  'ready-to-schedule',
  'completed',
  'opted-out',
  'no-response',
  'escalated',
  'suppressed',
  'stopped-by-staff',
  'survey-completed',
  'appointment-cancelled',
  'no-show',
];
