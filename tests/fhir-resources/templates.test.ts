import type { ActivityDefinition } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { EXT } from '../../src/engine/codes';
import { practiceSettings } from '../../src/engine/policy/settings';
import {
  TEMPLATE_VARIABLES,
  buildTemplateContext,
  findPlaceholders,
  lintTemplate,
  renderMessage,
  type TemplateContext,
} from '../../src/engine/template';
import type { Channel, MessageTemplate } from '../../src/engine/workflow/types';
import { activities, branchReplies, planOf, templates, type RawTemplate } from './helpers';

const messages = activities.filter((a) => a.kind === 'CommunicationRequest');
const channelsOf = (a: ActivityDefinition): Channel[] =>
  (a.extension ?? []).filter((e) => e.url === EXT.channel).map((e) => e.valueCode as Channel);
const sms = templates.filter((t) => t.channel === 'sms');
const name = (t: RawTemplate): string => `${t.activity.id} ${t.channel ?? 'any'} ${t.language}`;

// A realistic practice and appointment: the SMS budget is measured on the text a patient would get.
const practice = practiceSettings({
  name: 'Maple Family Clinic',
  phone: '+15550100199',
  links: {
    reschedule: 'https://maple.example/r',
    booking: 'https://maple.example/book',
    forms: 'https://maple.example/forms',
    payment: 'https://maple.example/pay',
    telehealth: 'https://maple.example/video',
    survey: 'https://maple.example/s',
    review: 'https://maple.example/review',
  },
});
// A Wednesday and a Saturday: Spanish "sáb" is not GSM-7 and turns the whole text into UCS-2.
const STARTS = ['2025-12-03T15:30:00Z', '2025-12-06T15:30:00Z'];
function context(language: string, start: string): TemplateContext {
  return buildTemplateContext({
    patient: { resourceType: 'Patient', name: [{ given: ['Alexandra'], family: 'Synthetic' }] },
    appointment: {
      resourceType: 'Appointment',
      status: 'booked',
      participant: [],
      start,
    },
    location: {
      resourceType: 'Location',
      name: 'Maple Family Clinic, Main Street',
      address: { line: ['100 Main St'], city: 'Springfield', state: 'IL', postalCode: '62701' },
    },
    practice,
    timeZone: 'America/Chicago',
    language,
  });
}

describe('message templates', () => {
  it.each(messages.map((a) => [a.id, a] as const))(
    '%s has an English and a Spanish template for every channel it lists',
    (_id, activity) => {
      const own = templates.filter((t) => t.activity === activity);
      for (const channel of channelsOf(activity)) {
        for (const language of ['en', 'es']) {
          expect(
            own.some((t) => t.language === language && (t.channel === undefined || t.channel === channel)),
            `${channel} ${language}`,
          ).toBe(true);
        }
      }
      // No template for a channel the activity does not list (it would never be sent).
      for (const t of own) {
        if (t.channel) expect(channelsOf(activity)).toContain(t.channel);
      }
    },
  );

  it('gives every email a subject and no other channel one', () => {
    for (const t of templates) {
      if (t.channel === 'email') expect(t.subject, name(t)).toBeTruthy();
      else expect(t.subject, name(t)).toBeUndefined();
    }
  });

  it('uses only the placeholders of the profile, and no appointment values where there is no appointment', () => {
    for (const t of [...templates, ...branchReplies]) {
      const texts = 'subject' in t && t.subject ? [t.body, t.subject] : [t.body];
      const plan = 'plan' in t ? t.plan : planOf(t.activity);
      const cohort = plan?.extension?.find((e) => e.url === EXT.trigger)?.valueCode === 'cohort-due';
      for (const { name: placeholder } of texts.flatMap(findPlaceholders)) {
        expect(TEMPLATE_VARIABLES).toContain(placeholder);
        if (cohort) expect(placeholder, plan?.id).not.toMatch(/^(appointment|location)\./);
      }
    }
  });

  it('names the practice in every SMS and every branch reply', () => {
    for (const t of [...sms, ...branchReplies]) {
      expect(t.body, 'activity' in t ? name(t) : t.plan.id).toContain('{{practice.name}}');
    }
  });

  it('never asks the patient to reply CANCEL (an opt-out word)', () => {
    for (const t of [...templates, ...branchReplies]) {
      expect(t.body).not.toMatch(/\b(reply|text|send|responda|env[ií]e)\s+["']?cancel/i);
    }
  });

  it('offers the reminder menu word for word wherever it offers one', () => {
    for (const t of sms) {
      if (/Reply C\b/.test(t.body)) expect(t.body).toContain('Reply C to confirm or R to reschedule');
      if (/Responda C\b/.test(t.body))
        expect(t.body).toContain('Responda C para confirmar o R para cambiar la cita');
    }
    const voice = templates.filter((t) => t.channel === 'voice');
    expect(voice.length).toBeGreaterThan(0);
    for (const t of voice) {
      expect(t.body).toContain(
        t.language === 'es'
          ? 'Oprima 1 para confirmar o 3 para cambiar la cita'
          : 'Press 1 to confirm or 3 to reschedule',
      );
    }
  });

  it('asks for a confirmation in every step suppressed by confirmation', () => {
    for (const a of messages) {
      const action = planOf(a)?.action?.find((x) => x.definitionCanonical === a.url);
      const stopsOnConfirm = action?.extension?.some(
        (e) => e.url === EXT.stopWhen && e.valueCode === 'confirmed',
      );
      if (!stopsOnConfirm) continue;
      const own = sms.filter((t) => t.activity === a);
      expect(own.length, a.id).toBe(2);
      for (const t of own) expect(t.body, name(t)).toMatch(/Reply C to confirm|Responda C para confirmar/);
    }
  });

  it.each([...templates.map((t) => [name(t), t.body, t.channel ?? 'sms', t.language] as const)])(
    '%s passes lintTemplate',
    (_n, body, channel, language) => {
      expect(lintTemplate(body, channel as Channel, language)).toEqual([]);
    },
  );

  it.each(branchReplies.map((r) => [`${r.plan.id} ${r.intent} ${r.language}`, r] as const))(
    'branch reply %s passes lintTemplate as an SMS',
    (_n, reply) => {
      expect(lintTemplate(reply.body, 'sms', reply.language)).toEqual([]);
    },
  );
});

describe('rendered SMS', () => {
  const all: [string, MessageTemplate][] = [
    ...sms.map((t): [string, MessageTemplate] => [name(t), { language: t.language, body: t.body }]),
    ...branchReplies.map((r): [string, MessageTemplate] => [
      `${r.plan.id} ${r.intent} reply ${r.language}`,
      { language: r.language, body: r.body },
    ]),
  ];

  it.each(all)('%s fits: one segment in English, at most three in Spanish', (_n, template) => {
    for (const start of STARTS) {
      const message = renderMessage(template, 'sms', context(template.language, start));
      // The body names the practice itself (once), so the renderer only appends the opt-out wording.
      expect(message.text.split('Maple Family Clinic')).toHaveLength(2);
      if (template.language === 'en') {
        expect(message.encoding, message.text).toBe('GSM-7');
        expect(message.segments, message.text).toBe(1);
      } else {
        expect(message.segments, message.text).toBeLessThanOrEqual(message.encoding === 'GSM-7' ? 2 : 3);
      }
    }
  });

  it('keeps the raw English SMS bodies short (at most 135 characters before values)', () => {
    for (const t of sms.filter((x) => x.language === 'en')) {
      expect(t.body.length, name(t)).toBeLessThanOrEqual(135);
    }
  });
});
