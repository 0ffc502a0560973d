import type { CommunicationRequest } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { EXT, type WorkflowDefinition } from '../../src/engine';
import { emailSubject, MESSAGE_SUBJECT_EXT, withSubject } from '../../src/fhir/messageSubject';

// Only the parts emailSubject reads: step ids and their templates.
const definition = {
  steps: [
    {
      id: 'welcome',
      templates: [
        { language: 'en', channel: 'email', subject: 'Welcome to {{practice.name}}', body: '…' },
        { language: 'es', channel: 'email', subject: 'Bienvenido a {{ practice.name }}', body: '…' },
        { language: 'en', channel: 'sms', body: '…' },
      ],
    },
    {
      id: 'reminder',
      templates: [
        {
          language: 'en',
          channel: 'email',
          subject: 'Reminder: your visit on {{appointment.date}}',
          body: '…',
        },
      ],
    },
  ],
} as unknown as WorkflowDefinition;

const request = (stepId?: string): CommunicationRequest => ({
  resourceType: 'CommunicationRequest',
  status: 'active',
  ...(stepId ? { extension: [{ url: EXT.stepId, valueString: stepId }] } : {}),
});

const PRACTICE = 'Lakeside Family Clinic';

describe('emailSubject', () => {
  it('uses the subject planned with the message', () => {
    const planned = withSubject(request('reminder'), 'Reminder: your visit on Tue, Dec 1');
    expect(planned.extension?.filter((e) => e.url === MESSAGE_SUBJECT_EXT)).toHaveLength(1);
    expect(emailSubject(planned, { definition, practiceName: PRACTICE, language: 'en' })).toBe(
      'Reminder: your visit on Tue, Dec 1',
    );
  });

  it("without one, fills the step's email subject when it needs only the practice name, in the patient's language", () => {
    expect(emailSubject(request('welcome'), { definition, practiceName: PRACTICE, language: 'en' })).toBe(
      'Welcome to Lakeside Family Clinic',
    );
    expect(emailSubject(request('welcome'), { definition, practiceName: PRACTICE, language: 'es' })).toBe(
      'Bienvenido a Lakeside Family Clinic',
    );
  });

  it('falls back to a plain subject when the step subject needs more than the practice name, or there is no step', () => {
    expect(emailSubject(request('reminder'), { definition, practiceName: PRACTICE, language: 'en' })).toBe(
      'A message from Lakeside Family Clinic',
    );
    expect(emailSubject(request(), { practiceName: PRACTICE, language: 'es' })).toBe(
      'Un mensaje de Lakeside Family Clinic',
    );
  });
});
