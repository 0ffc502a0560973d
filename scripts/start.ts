/**
 * `npm start` until the sandbox exists: plans every workflow of the library for a few synthetic patients
 * with the real engine and prints what would go out, when (in the patient's zone) and why.
 * `npm start -- <workflow-name>` shows one workflow.
 */

import type { Appointment, Patient } from '@medplum/fhirtypes';
import { DateTime } from 'luxon';
import { EXT, planEnrollment, practiceSettings, type WorkflowDefinition } from '../src/engine';
import { loadLibraryWorkflows } from '../src/fhir/library';

const NOW = DateTime.now().toUTC().startOf('minute');
const PRACTICE = practiceSettings({
  name: 'Lakeside Family Clinic',
  organization: 'Organization/lakeside',
  phone: '+13125550100',
  address: '100 Lakeside Ave, Chicago, IL 60601',
  timeZone: 'America/Chicago',
  disabledPurposes: [],
  links: {
    reschedule: 'https://lakeside.example/r',
    telehealth: 'https://lakeside.example/video',
    forms: 'https://lakeside.example/forms',
    payment: 'https://lakeside.example/pay',
    review: 'https://lakeside.example/review',
    booking: 'https://lakeside.example/book',
    survey: 'https://lakeside.example/survey',
  },
});

const PATIENTS: Patient[] = [
  {
    resourceType: 'Patient',
    id: 'demo-en',
    name: [{ given: ['Ana'], family: 'Example' }],
    birthDate: '1961-04-12',
    gender: 'female',
    telecom: [{ system: 'phone', use: 'mobile', value: '+13125550142' }],
    extension: [{ url: EXT.timeZone, valueCode: 'America/Los_Angeles' }],
  },
  {
    resourceType: 'Patient',
    id: 'demo-es',
    name: [{ given: ['Luis'], family: 'Ejemplo' }],
    birthDate: '1979-09-30',
    gender: 'male',
    communication: [{ language: { coding: [{ code: 'es' }] }, preferred: true }],
    telecom: [
      { system: 'phone', use: 'home', value: '+13055550177' },
      { system: 'email', value: 'luis@example.test' },
    ],
    address: [{ state: 'FL' }],
    extension: [{ url: EXT.timeZone, valueCode: 'America/New_York' }],
  },
];

function appointmentFor(def: WorkflowDefinition, patientId: string): Appointment | undefined {
  if (!def.trigger.startsWith('appointment-')) {
    return undefined;
  }
  const past = def.trigger === 'appointment-fulfilled' || def.trigger === 'appointment-noshow';
  const start = past ? NOW.minus({ hours: 3 }) : NOW.plus({ days: 5 }).set({ hour: 15, minute: 30 });
  return {
    resourceType: 'Appointment',
    id: `demo-appointment-${patientId}`,
    status: past ? (def.trigger === 'appointment-fulfilled' ? 'fulfilled' : 'noshow') : 'booked',
    start: start.toISO() ?? undefined,
    end: start.plus({ minutes: 30 }).toISO() ?? undefined,
    appointmentType: def.name.includes('telehealth') ? { coding: [{ code: 'VR' }] } : undefined,
    participant: [{ actor: { reference: `Patient/${patientId}` }, status: 'needs-action' }],
  };
}

const only = process.argv[2];
const workflows = loadLibraryWorkflows().filter((w) => !only || w.name === only);
if (workflows.length === 0) {
  console.error(
    `No workflow named "${only}". Known: ${loadLibraryWorkflows()
      .map((w) => w.name)
      .join(', ')}`,
  );
  process.exit(1);
}
console.log('Careloop — engine preview (the local sandbox arrives with its own issue)');
console.log(`now: ${NOW.toISO()}  practice: ${PRACTICE.name} (${PRACTICE.timeZone})\n`);
for (const def of workflows) {
  console.log(`━━ ${def.title}  [${def.name}: ${def.trigger}, purpose ${def.purpose}]`);
  for (const patient of PATIENTS) {
    const appointment = appointmentFor(def, patient.id ?? '');
    const plan = planEnrollment({
      definition: def,
      patient,
      trigger: { kind: def.trigger, ...(appointment ? { appointment } : {}), runKey: NOW.toISODate() ?? '' },
      practice: PRACTICE,
      history: [],
      consents: [],
      now: NOW.toISO() ?? '',
      newPatient: true,
    });
    const who = `${patient.name?.[0]?.given?.[0] ?? ''} (${patient.id})`;
    if (!plan.applicable) {
      console.log(`  ${who}: not enrolled — ${plan.reasons.join('; ')}`);
      continue;
    }
    console.log(
      `  ${who}: ${plan.timeZone}, ${plan.language}${plan.notes.length ? ` — ${plan.notes.join('; ')}` : ''}`,
    );
    for (const s of plan.steps) {
      const when = s.at ? DateTime.fromISO(s.at).setZone(plan.timeZone).toFormat('ccc d LLL HH:mm') : '—';
      console.log(
        `    ${s.status === 'scheduled' ? '✓' : '✗'} ${when}  ${s.title}${s.channel ? ` by ${s.channel}` : ''}`,
      );
      for (const r of s.reasons) {
        console.log(`        · ${r}`);
      }
      if (s.text) {
        console.log(
          `        “${s.text}”${s.segments ? ` (${s.segments} SMS segment${s.segments > 1 ? 's' : ''})` : ''}`,
        );
      }
    }
    for (const t of plan.tasks) {
      console.log(`    ☐ task: ${t.code?.text ?? ''} — ${t.description ?? ''}`);
    }
  }
  console.log('');
}
