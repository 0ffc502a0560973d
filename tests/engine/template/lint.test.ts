import { describe, expect, it } from 'vitest';
import { findClinicalTerms, lintTemplate, TEMPLATE_VARIABLES } from '../../../src/engine/template';

const REMINDER =
  'Hi {{patient.firstName}}, this is {{practice.name}}: reminder of your visit on {{appointment.date}} at {{appointment.time}}. Reply C to confirm, R to reschedule.';

function codes(body: string, channel: 'sms' | 'voice' | 'email' = 'sms', language = 'en'): string[] {
  return lintTemplate(body, channel, language).map((i) => i.code);
}

describe('lintTemplate', () => {
  it('passes the standard reminder in every channel, and its Spanish version', () => {
    expect(lintTemplate(REMINDER, 'sms', 'en')).toEqual([]);
    expect(lintTemplate(REMINDER, 'voice', 'en')).toEqual([]);
    expect(lintTemplate(REMINDER, 'email', 'en')).toEqual([]);
    const es =
      'Hola {{patient.firstName}}, {{practice.name}} le recuerda su cita el {{appointment.dateTime}} en {{location.name}}. Responda C para confirmar o R para cambiarla. {{links.reschedule}}';
    expect(lintTemplate(es, 'sms', 'es')).toEqual([]);
  });

  it('accepts every documented placeholder', () => {
    const body = TEMPLATE_VARIABLES.map((v) => `{{${v}}}`).join(' ');
    expect(lintTemplate(body, 'email', 'en')).toEqual([]);
  });

  it('refuses results and procedures in English SMS', () => {
    const issues = lintTemplate('Hi {{patient.firstName}}, your biopsy results are ready.', 'sms', 'en');
    expect(issues.map((i) => [i.code, i.subject, i.severity])).toEqual([
      ['clinical-detail', 'results', 'error'],
      ['clinical-detail', 'biopsy', 'error'],
    ]);
  });

  it('refuses Spanish clinical words with or without accents, in any case', () => {
    expect(lintTemplate('Su resultado de VIH está listo.', 'sms', 'es').map((i) => i.subject)).toEqual([
      'resultado',
      'vih',
    ]);
    expect(codes('Recuerde su CIRUGIA el martes', 'voice', 'es')).toEqual(['clinical-detail']);
    expect(codes('Tiene cita de psiquiatría', 'sms', 'es')).toEqual(['clinical-detail']);
    expect(codes('Lleve sus medicamentos', 'sms', 'es')).toEqual(['clinical-detail']);
  });

  it('matches whole words and phrases only', () => {
    expect(findClinicalTerms('Please bring your x-ray and insurance card').map((h) => h.term)).toEqual([
      'x-ray',
    ]);
    expect(findClinicalTerms('Your MRI is at 9')).toEqual([{ term: 'mri', category: 'test' }]);
    expect(findClinicalTerms('Labor Day hours; the stationery shop')).toEqual([]); // not "lab", not "sti"
    expect(findClinicalTerms('high blood pressure check').map((h) => h.term)).toEqual([
      'high blood pressure',
    ]);
    expect(findClinicalTerms('Diabetes education class').map((h) => [h.term, h.category])).toEqual([
      ['diabetes', 'condition'],
    ]);
  });

  it('refuses placeholders that could carry clinical detail in sms and voice', () => {
    const issues = lintTemplate('Your visit for {{appointment.reason}} on {{appointment.date}}', 'sms', 'en');
    expect(issues).toEqual([
      expect.objectContaining({
        code: 'clinical-placeholder',
        subject: 'appointment.reason',
        severity: 'error',
      }),
    ]);
    expect(codes('{{condition.name}} {{medication.name}} {{appointment.serviceType}}', 'voice')).toEqual([
      'clinical-placeholder',
      'clinical-placeholder',
      'clinical-placeholder',
    ]);
  });

  it('lets email carry clinical words but still flags unknown placeholders', () => {
    expect(lintTemplate('Your lab results are in the portal.', 'email', 'en')).toEqual([]);
    expect(codes('For {{appointment.reason}}', 'email')).toEqual(['unknown-variable']);
    expect(codes('Hi {{patient.nickname}}', 'sms')).toEqual(['unknown-variable']);
  });

  it('flags each unknown placeholder once', () => {
    expect(codes('{{foo}} {{foo}} {{ bar }}', 'email')).toEqual(['unknown-variable', 'unknown-variable']);
  });

  it('flags malformed placeholders and empty bodies', () => {
    expect(codes('Hi {{patient.firstName}', 'email')).toEqual(['malformed-placeholder']);
    expect(codes('Hi {patient.firstName}', 'email')).toEqual(['malformed-placeholder']);
    expect(codes('  ', 'sms')).toEqual(['empty-body']);
  });

  it('warns when an SMS cannot fit one segment even with empty placeholders', () => {
    const long = `{{practice.name}}: ${'Please arrive early. '.repeat(8)}`;
    expect(lintTemplate(long, 'sms', 'en')).toEqual([
      expect.objectContaining({ code: 'too-long', severity: 'warning' }),
    ]);
    expect(codes(long, 'email')).toEqual([]);
  });

  it('warns that sms text in a language without word lists was not checked', () => {
    expect(lintTemplate('Bonjour {{patient.firstName}}', 'sms', 'fr')).toEqual([
      expect.objectContaining({ code: 'unchecked-language', severity: 'warning' }),
    ]);
  });
});
