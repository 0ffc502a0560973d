import { describe, expect, it } from 'vitest';
import {
  buildTemplateContext,
  renderMessage,
  smsSegments,
  TemplateError,
  type TemplateContext,
} from '../../../src/engine/template';
import { practiceSettings } from '../../../src/engine/policy/settings';
import type { MessageTemplate } from '../../../src/engine/workflow/types';
import { anaTestpatient, appointmentAt, contextFor, LOCATION, PRACTICE } from './fixtures';

const REMINDER_EN =
  'Hi {{patient.firstName}}, this is {{practice.name}}: reminder of your visit on {{appointment.date}} at {{appointment.time}}. Reply C to confirm, R to reschedule.';
const REMINDER_ES =
  'Hola {{patient.firstName}}, {{practice.name}} le recuerda su cita el {{appointment.date}} a las {{appointment.time}}. Responda C para confirmar.';

function en(body: string, extra: Partial<MessageTemplate> = {}): MessageTemplate {
  return { language: 'en', body, ...extra };
}

function errorOf(fn: () => unknown): TemplateError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(TemplateError);
    return err as TemplateError;
  }
  throw new Error('expected a TemplateError');
}

// 9:30 in New York (the practice) on Tue, Dec 1 2026.
const DEC_1_0930_NY = '2026-12-01T14:30:00Z';

describe('renderMessage: dates in the patient zone and language', () => {
  it('renders the English reminder in the patient zone, not the practice zone, and appends STOP', () => {
    const message = renderMessage(
      en(REMINDER_EN),
      'sms',
      contextFor(DEC_1_0930_NY, 'America/Los_Angeles', 'en'),
    );
    expect(message.text).toBe(
      'Hi Ana, this is Riverside Family Care: reminder of your visit on Tue, Dec 1 at 6:30 AM. ' +
        'Reply C to confirm, R to reschedule. Reply STOP to opt out.',
    );
    expect(message.encoding).toBe('GSM-7');
    expect(message.segments).toBe(1);
    expect(message.characters).toBe(message.text.length);
    expect(message.language).toBe('en');
    expect(message.channel).toBe('sms');
  });

  it('renders the Spanish reminder with es-US dates and the Spanish opt-out notice', () => {
    const message = renderMessage(
      { language: 'es', body: REMINDER_ES },
      'sms',
      contextFor(DEC_1_0930_NY, 'America/Chicago', 'es'),
    );
    expect(message.text).toBe(
      'Hola Ana, Riverside Family Care le recuerda su cita el mar, 1 de dic a las 8:30 a.m. ' +
        'Responda C para confirmar. Responda STOP para cancelar mensajes.',
    );
    expect(message.encoding).toBe('GSM-7');
  });

  it('joins day and time for {{appointment.dateTime}} in each language', () => {
    const body = 'Visit: {{appointment.dateTime}}';
    const ny = (language: string, start: string): string =>
      renderMessage({ language, body }, 'voice', contextFor(start, 'America/New_York', language)).text;
    expect(ny('en', DEC_1_0930_NY)).toBe('Visit: Tue, Dec 1 at 9:30 AM');
    expect(ny('es', DEC_1_0930_NY)).toBe('Visit: mar, 1 de dic a las 9:30 a.m.');
    expect(ny('es', '2026-12-01T18:15:00Z')).toBe('Visit: mar, 1 de dic a la 1:15 p.m.');
  });

  it('handles the spring-forward day (2026-03-08, America/New_York)', () => {
    const at = (start: string): string =>
      renderMessage(en('{{appointment.dateTime}}'), 'voice', contextFor(start, 'America/New_York', 'en'))
        .text;
    expect(at('2026-03-08T10:00:00-04:00')).toBe('Sun, Mar 8 at 10:00 AM');
    expect(at('2026-03-08T14:00:00Z')).toBe('Sun, Mar 8 at 10:00 AM');
    expect(at('2026-03-08T06:30:00Z')).toBe('Sun, Mar 8 at 1:30 AM'); // still EST (-5)
    expect(at('2026-03-08T07:30:00Z')).toBe('Sun, Mar 8 at 3:30 AM'); // 2:30 never happens
  });

  it('handles the fall-back day (2026-11-01, America/New_York), including the repeated hour', () => {
    const at = (start: string): string =>
      renderMessage(en('{{appointment.dateTime}}'), 'voice', contextFor(start, 'America/New_York', 'en'))
        .text;
    expect(at('2026-11-01T10:00:00-05:00')).toBe('Sun, Nov 1 at 10:00 AM');
    expect(at('2026-11-01T05:30:00Z')).toBe('Sun, Nov 1 at 1:30 AM'); // EDT
    expect(at('2026-11-01T06:30:00Z')).toBe('Sun, Nov 1 at 1:30 AM'); // EST, same wall clock
  });

  it('moves the date when the zone crosses midnight', () => {
    const late = '2026-12-02T02:30:00Z'; // 9:30 PM Dec 1 in New York, 11:30 AM Dec 2 in Tokyo
    expect(
      renderMessage(en('{{appointment.date}}'), 'voice', contextFor(late, 'America/New_York', 'en')).text,
    ).toBe('Tue, Dec 1');
    expect(
      renderMessage(en('{{appointment.date}}'), 'voice', contextFor(late, 'Asia/Tokyo', 'en')).text,
    ).toBe('Wed, Dec 2');
  });

  it('never leaves Intl no-break spaces in the text', () => {
    for (const language of ['en', 'es']) {
      const { text, encoding } = renderMessage(
        { language, body: '{{practice.name}} {{appointment.time}} {{appointment.dateTime}} STOP' },
        'sms',
        contextFor(DEC_1_0930_NY, 'America/New_York', language),
      );
      expect(text).not.toMatch(/[\u00A0\u2007\u2009\u202F]/);
      expect(encoding).toBe('GSM-7');
    }
  });
});

describe('renderMessage: practice name and opt-out wording', () => {
  const ctx = contextFor(DEC_1_0930_NY, 'America/New_York', 'en');

  it('prefixes the practice name when the SMS lacks it', () => {
    expect(renderMessage(en('See you soon!'), 'sms', ctx).text).toBe(
      'Riverside Family Care: See you soon! Reply STOP to opt out.',
    );
  });

  it('does not prefix when the practice name is already there, in any case', () => {
    expect(renderMessage(en('RIVERSIDE FAMILY CARE says hi. Reply STOP to end.'), 'sms', ctx).text).toBe(
      'RIVERSIDE FAMILY CARE says hi. Reply STOP to end.',
    );
  });

  it('counts only an authored, upper-case STOP as the opt-out wording', () => {
    expect(renderMessage(en('{{practice.name}}: stop by any time.'), 'sms', ctx).text).toBe(
      'Riverside Family Care: stop by any time. Reply STOP to opt out.',
    );
    const stopName = buildTemplateContext({
      patient: anaTestpatient({ name: [{ given: ['STOP'] }] }),
      practice: PRACTICE,
      timeZone: 'America/New_York',
      language: 'en',
    });
    expect(renderMessage(en('{{practice.name}}: hi {{patient.firstName}}.'), 'sms', stopName).text).toBe(
      'Riverside Family Care: hi STOP. Reply STOP to opt out.',
    );
  });

  it('puts the notice on its own line after a link so the link stays clean', () => {
    expect(renderMessage(en('{{practice.name}}: reschedule at {{links.reschedule}}'), 'sms', ctx).text).toBe(
      'Riverside Family Care: reschedule at https://riverside.example/r\nReply STOP to opt out.',
    );
  });

  it('leaves the notice out when asked, still naming the practice', () => {
    const body = "Sorry for the mix-up. We won't text this number again.";
    expect(renderMessage(en(body), 'sms', ctx, { optOutNotice: false }).text).toBe(
      `Riverside Family Care: ${body}`,
    );
  });

  it('uses the Spanish notice with the English keyword STOP', () => {
    const es = contextFor(DEC_1_0930_NY, 'America/New_York', 'es');
    expect(renderMessage({ language: 'es', body: '¡Hola!' }, 'sms', es).text).toBe(
      'Riverside Family Care: ¡Hola! Responda STOP para cancelar mensajes.',
    );
  });

  it('adds nothing to voice, and gives email a subject', () => {
    const voice = renderMessage(en('Hello {{patient.firstName}}.'), 'voice', ctx);
    expect(voice.text).toBe('Hello Ana.');
    expect(voice.segments).toBe(0);
    expect(voice.subject).toBeUndefined();

    const email = renderMessage(
      en('Hello {{patient.firstName}}.', { subject: 'Your visit {{appointment.date}}' }),
      'email',
      ctx,
    );
    expect(email.text).toBe('Hello Ana.');
    expect(email.subject).toBe('Your visit Tue, Dec 1');
    expect(email.segments).toBe(0);
    expect(renderMessage(en('Hi.'), 'email', ctx).subject).toBe('Riverside Family Care');
  });

  it('reports segments for the final text, additions included', () => {
    const body = `{{practice.name}}: ${'x'.repeat(120)}.`;
    const message = renderMessage(en(body), 'sms', ctx);
    expect(message.segments).toBe(smsSegments(message.text).segments);
    expect(message.segments).toBe(2); // 144 before the notice, 167 after
    const withEmoji = renderMessage(en('{{practice.name}}: see you 😀. Reply STOP to opt out.'), 'sms', ctx);
    expect(withEmoji.encoding).toBe('UCS-2');
    expect(withEmoji.segments).toBe(1);
  });
});

describe('renderMessage: values', () => {
  const ctx = contextFor(DEC_1_0930_NY, 'America/New_York', 'en');

  it('fills practice, location and link values, with whitespace inside the braces allowed', () => {
    const text = renderMessage(
      en('{{ practice.phone }} | {{location.name}} | {{location.address}} | {{links.survey}}'),
      'email',
      ctx,
    ).text;
    expect(text).toBe(
      '212-555-0123 | Riverside Main Street Office | 100 Main St, Suite 2, Springfield, NY 10001 | https://riverside.example/s',
    );
  });

  it('does not expand placeholders that arrive inside a value', () => {
    const sneaky = buildTemplateContext({
      patient: anaTestpatient({ name: [{ given: ['{{practice.phone}}'] }] }),
      practice: PRACTICE,
      timeZone: 'America/New_York',
      language: 'en',
    });
    expect(renderMessage(en('Hi {{patient.firstName}}'), 'voice', sneaky).text).toBe('Hi {{practice.phone}}');
  });

  it('greets the patient by the name they use, never an old one', () => {
    const build = (name: NonNullable<Parameters<typeof anaTestpatient>[0]>['name']): string =>
      buildTemplateContext({
        patient: anaTestpatient({ name }),
        practice: PRACTICE,
        timeZone: 'UTC',
        language: 'en',
      }).patient.firstName;
    expect(
      build([
        { use: 'official', given: ['Ana'] },
        { use: 'usual', given: ['Annie'] },
      ]),
    ).toBe('Annie');
    expect(build([{ use: 'old', given: ['Maria'] }, { given: ['Ana'] }])).toBe('Ana');
    expect(build([{ text: 'Ana Testpatient' }])).toBe('Ana');
    expect(build([])).toBe('');
  });

  it('drops appointment values when the Appointment has no start', () => {
    const noStart = { ...appointmentAt(DEC_1_0930_NY), start: undefined };
    const built = buildTemplateContext({
      patient: anaTestpatient(),
      appointment: noStart,
      location: LOCATION,
      practice: PRACTICE,
      timeZone: 'America/New_York',
      language: 'en',
    });
    expect(built.appointment).toBeUndefined();
  });
});

describe('renderMessage: errors', () => {
  const ctx = contextFor(DEC_1_0930_NY, 'America/New_York', 'en');
  const noAppointment = contextFor(undefined, 'America/New_York', 'en');

  it('throws unknown-variable for a name Careloop does not know', () => {
    const err = errorOf(() => renderMessage(en('Hi {{patient.lastName}}'), 'sms', ctx));
    expect(err.code).toBe('unknown-variable');
    expect(err.variable).toBe('patient.lastName');
    expect(errorOf(() => renderMessage(en('{{appointment.reason}}'), 'email', ctx)).code).toBe(
      'unknown-variable',
    );
  });

  it('throws missing-value for appointment values without an appointment, missing links or names', () => {
    const date = errorOf(() => renderMessage(en('On {{appointment.date}}'), 'sms', noAppointment));
    expect(date.code).toBe('missing-value');
    expect(date.variable).toBe('appointment.date');
    expect(errorOf(() => renderMessage(en('{{appointment.time}}'), 'sms', noAppointment)).variable).toBe(
      'appointment.time',
    );
    const link = errorOf(() => renderMessage(en('Pay at {{links.payment}}'), 'sms', ctx));
    expect([link.code, link.variable]).toEqual(['missing-value', 'links.payment']);
    const nameless: TemplateContext = { ...ctx, patient: { firstName: '' } };
    expect(errorOf(() => renderMessage(en('Hi {{patient.firstName}}'), 'sms', nameless)).code).toBe(
      'missing-value',
    );
    const noSite: TemplateContext = { ...ctx, location: { name: 'Main' } };
    expect(errorOf(() => renderMessage(en('{{location.address}}'), 'email', noSite)).variable).toBe(
      'location.address',
    );
  });

  it('throws missing-value when an SMS cannot name the practice', () => {
    const anonymous: TemplateContext = { ...ctx, practice: { name: ' ', phone: '' } };
    expect(errorOf(() => renderMessage(en('Hello.'), 'sms', anonymous)).variable).toBe('practice.name');
  });

  it('throws malformed-placeholder for broken braces', () => {
    expect(errorOf(() => renderMessage(en('Hi {{patient.firstName}'), 'sms', ctx)).code).toBe(
      'malformed-placeholder',
    );
    expect(errorOf(() => renderMessage(en('Hi {patient.firstName}'), 'sms', ctx)).code).toBe(
      'malformed-placeholder',
    );
  });

  it('throws invalid-value for an appointment start without an offset, invalid-time-zone for a bad zone', () => {
    const bare: TemplateContext = { ...ctx, appointment: { start: '2026-12-01' } };
    expect(errorOf(() => renderMessage(en('{{appointment.date}}'), 'sms', bare)).code).toBe('invalid-value');
    const badZone: TemplateContext = { ...ctx, timeZone: 'Mars/Olympus' };
    expect(errorOf(() => renderMessage(en('{{appointment.date}}'), 'sms', badZone)).code).toBe(
      'invalid-time-zone',
    );
    expect(errorOf(() => contextFor(DEC_1_0930_NY, 'Eastern', 'en')).code).toBe('invalid-time-zone');
  });

  it('refuses a template written for another channel and an empty result', () => {
    expect(errorOf(() => renderMessage(en('Hi', { channel: 'email' }), 'sms', ctx)).code).toBe(
      'channel-mismatch',
    );
    expect(errorOf(() => renderMessage(en('   '), 'sms', ctx)).code).toBe('empty-message');
  });

  it('refuses a location whose name reveals a specialty in SMS and voice, not in email', () => {
    const oncology: TemplateContext = { ...ctx, location: { name: 'Riverside Oncology Center' } };
    const err = errorOf(() => renderMessage(en('{{practice.name}} at {{location.name}}'), 'sms', oncology));
    expect([err.code, err.variable]).toEqual(['clinical-detail', 'location.name']);
    expect(renderMessage(en('At {{location.name}}'), 'email', oncology).text).toBe(
      'At Riverside Oncology Center',
    );
  });
});

describe('appointments without a Location', () => {
  it("fall back to the practice's name and address rather than dropping the message", () => {
    const ctx = buildTemplateContext({
      patient: { resourceType: 'Patient', name: [{ given: ['Ana'] }] },
      practice: practiceSettings({ name: 'Lakeside Family Clinic', address: '100 Lakeside Ave, Chicago' }),
      timeZone: 'America/Chicago',
      language: 'en',
    });
    const out = renderMessage(
      { language: 'en', body: 'See you at {{location.name}}, {{location.address}}.' },
      'email',
      ctx,
    );
    expect(out.text).toBe('See you at Lakeside Family Clinic, 100 Lakeside Ave, Chicago.');
  });
});
