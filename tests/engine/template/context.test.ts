import type { Appointment, Location } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { practiceSettings } from '../../../src/engine/policy/settings';
import { buildTemplateContext, renderMessage } from '../../../src/engine/template';
import { anaTestpatient, appointmentAt, LOCATION, PRACTICE } from './fixtures';

const VIDEO_VISIT: Appointment = {
  ...appointmentAt('2026-12-01T15:00:00Z'),
  appointmentType: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActCode', code: 'VR' }] },
};
const VIRTUAL_SITE: Location = { resourceType: 'Location', name: 'Riverside Video Visits' };
const EMAIL = { language: 'en', body: 'Where: {{location.name}}, {{location.address}}' };

function where(args: {
  appointment: Appointment;
  location?: Location;
  language?: string;
  link?: boolean;
}): string {
  const practice = args.link
    ? practiceSettings({
        ...PRACTICE,
        links: { ...PRACTICE.links, telehealth: 'https://riverside.example/video' },
      })
    : PRACTICE;
  const context = buildTemplateContext({
    patient: anaTestpatient(),
    appointment: args.appointment,
    ...(args.location ? { location: args.location } : {}),
    practice,
    timeZone: 'America/New_York',
    language: args.language ?? 'en',
  });
  return renderMessage(EMAIL, 'email', context).text;
}

describe('where the visit is, for templates', () => {
  it('gives a video visit at an address-less site its link, or says online, instead of dropping the message', () => {
    expect(where({ appointment: VIDEO_VISIT, location: VIRTUAL_SITE, link: true })).toBe(
      'Where: Riverside Video Visits, https://riverside.example/video',
    );
    expect(where({ appointment: VIDEO_VISIT, location: VIRTUAL_SITE })).toBe(
      'Where: Riverside Video Visits, online',
    );
    expect(where({ appointment: VIDEO_VISIT, location: VIRTUAL_SITE, language: 'es' })).toBe(
      'Where: Riverside Video Visits, en línea',
    );
  });

  it('keeps a real address, and never lends the practice address to another named site', () => {
    expect(where({ appointment: VIDEO_VISIT, location: LOCATION })).toContain('100 Main St');
    const site: Location = { resourceType: 'Location', name: 'Northside Office' };
    expect(() => where({ appointment: appointmentAt('2026-12-01T15:00:00Z'), location: site })).toThrow(
      /location.address/,
    );
  });
});
