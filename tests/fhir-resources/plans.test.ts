import type { Appointment, Patient } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { EXT, planEnrollment, practiceSettings, type WorkflowDefinition } from '../../src/engine';
import { loadLibraryWorkflows } from '../../src/fhir/library';
import { smsConsent } from '../fixtures/fhir';

const NOW = '2026-11-24T15:00:00Z';
const PRACTICE = practiceSettings({
  name: 'Lakeside Family Clinic',
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

function samplePatient(language: 'en' | 'es'): Patient {
  return {
    resourceType: 'Patient',
    id: 'p1',
    name: [{ given: [language === 'es' ? 'Lucía' : 'Ana'], family: 'Testpatient' }],
    birthDate: '1958-03-14',
    gender: 'female',
    telecom: [
      { system: 'phone', use: 'mobile', value: '+13125550142' },
      { system: 'email', value: 'p1@example.test' },
    ],
    extension: [{ url: EXT.timeZone, valueCode: 'America/New_York' }],
    ...(language === 'es'
      ? { communication: [{ language: { coding: [{ code: 'es' }] }, preferred: true }] }
      : {}),
  };
}

function sampleAppointment(def: WorkflowDefinition): Appointment | undefined {
  if (!def.trigger.startsWith('appointment-')) return undefined;
  const past = def.trigger === 'appointment-fulfilled' || def.trigger === 'appointment-noshow';
  const start = past ? '2026-11-24T14:00:00Z' : '2026-12-08T15:30:00Z';
  return {
    resourceType: 'Appointment',
    id: 'a1',
    status: def.trigger === 'appointment-noshow' ? 'noshow' : past ? 'fulfilled' : 'booked',
    start,
    end: new Date(Date.parse(start) + 30 * 60_000).toISOString(),
    appointmentType: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'VR' }] },
    participant: [{ actor: { reference: 'Patient/p1' }, status: 'needs-action' }],
  };
}

const workflows = loadLibraryWorkflows();

describe('every library workflow plans for a sample patient', () => {
  it('covers the ten workflows', () => {
    expect(new Set(workflows.map((w) => w.purpose)).size).toBe(10);
  });

  for (const def of workflows) {
    for (const language of ['en', 'es'] as const) {
      it(`${def.name} (${language})`, () => {
        const appointment = sampleAppointment(def);
        const plan = planEnrollment({
          definition: def,
          patient: samplePatient(language),
          trigger: { kind: def.trigger, ...(appointment ? { appointment } : {}), runKey: 'sample' },
          practice: PRACTICE,
          history: [],
          // Prior express consent for the purposes that need it, so every workflow has something to send.
          consents:
            def.consentBasis === 'prior-express-consent'
              ? [smsConsent('permit', '2026-01-01T00:00:00Z', def.purpose)]
              : [],
          now: NOW,
          newPatient: true,
        });
        expect(plan.applicable, plan.applicable ? '' : plan.reasons.join('; ')).toBe(true);
        if (!plan.applicable) return;
        const sent = plan.steps.filter((s) => s.status === 'scheduled' && s.kind === 'message');
        expect(
          sent.length,
          plan.steps.map((s) => `${s.stepId}: ${s.reasons.join(', ')}`).join('\n'),
        ).toBeGreaterThan(0);
        for (const s of sent) {
          expect(s.text).toBeTruthy();
          expect(s.text).not.toContain('{{');
          if (language === 'es') {
            expect(s.text).not.toMatch(/\b(your|reminder|appointment)\b/i);
          }
        }
      });
    }
  }
});
