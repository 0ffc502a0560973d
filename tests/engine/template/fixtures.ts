/** Synthetic data for the template tests: no real people, numbers from the 555-01xx fictional range. */

import type { Appointment, Location, Patient } from '@medplum/fhirtypes';
import { practiceSettings, type PracticeSettings } from '../../../src/engine/policy/settings';
import { buildTemplateContext, type TemplateContext } from '../../../src/engine/template';

/** A practice in New York. */
export const PRACTICE: PracticeSettings = practiceSettings({
  name: 'Riverside Family Care',
  phone: '+12125550123',
  programName: 'Appointment reminders',
  timeZone: 'America/New_York',
  links: { reschedule: 'https://riverside.example/r', survey: 'https://riverside.example/s' },
});

/** Ana Testpatient, living in Los Angeles (another zone than the practice). */
export function anaTestpatient(overrides: Partial<Patient> = {}): Patient {
  return {
    resourceType: 'Patient',
    id: 'ana',
    name: [{ given: ['Ana', 'Maria'], family: 'Testpatient' }],
    ...overrides,
  };
}

/** A booked 30-minute appointment at `start`. */
export function appointmentAt(start: string): Appointment {
  return {
    resourceType: 'Appointment',
    id: 'appt-1',
    status: 'booked',
    start,
    end: new Date(Date.parse(start) + 30 * 60_000).toISOString(),
    participant: [{ actor: { reference: 'Patient/ana' }, status: 'accepted' }],
  };
}

/** The practice's main site. */
export const LOCATION: Location = {
  resourceType: 'Location',
  name: 'Riverside Main Street Office',
  address: { line: ['100 Main St', 'Suite 2'], city: 'Springfield', state: 'NY', postalCode: '10001' },
};

/** A context for Ana with an appointment at `start`, shown in `timeZone` and `language`. */
export function contextFor(start: string | undefined, timeZone: string, language: string): TemplateContext {
  return buildTemplateContext({
    patient: anaTestpatient(),
    ...(start === undefined ? {} : { appointment: appointmentAt(start) }),
    location: LOCATION,
    practice: PRACTICE,
    timeZone,
    language,
  });
}
