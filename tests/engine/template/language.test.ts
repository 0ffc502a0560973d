import type { Patient, PatientCommunication } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { chooseTemplate, localeFor, normalizeLanguage, patientLanguage } from '../../../src/engine/template';
import type { MessageTemplate } from '../../../src/engine/workflow/types';
import { anaTestpatient } from './fixtures';

const BCP47 = 'urn:ietf:bcp:47';

function speaking(...communication: PatientCommunication[]): Patient {
  return anaTestpatient({ communication });
}

function lang(code: string, preferred?: boolean, system = BCP47): PatientCommunication {
  return { language: { coding: [{ system, code }] }, ...(preferred === undefined ? {} : { preferred }) };
}

const SUPPORTED = ['en', 'es'];

describe('patientLanguage', () => {
  it('uses the preferred language before the first listed one', () => {
    expect(patientLanguage(speaking(lang('en'), lang('es', true)), SUPPORTED, 'en')).toBe('es');
    expect(patientLanguage(speaking(lang('es'), lang('en')), SUPPORTED, 'en')).toBe('es');
  });

  it('reduces regional and three-letter codes to the base language', () => {
    expect(patientLanguage(speaking(lang('es-MX')), SUPPORTED, 'en')).toBe('es');
    expect(patientLanguage(speaking(lang('spa', undefined, 'urn:iso:std:iso:639:2')), SUPPORTED, 'en')).toBe(
      'es',
    );
    expect(patientLanguage(speaking(lang('ES_us')), SUPPORTED, 'en')).toBe('es');
  });

  it('reads a language given only as text or display', () => {
    expect(patientLanguage(speaking({ language: { text: 'Spanish' } }), SUPPORTED, 'en')).toBe('es');
    expect(patientLanguage(speaking({ language: { text: 'Español' } }), SUPPORTED, 'en')).toBe('es');
    expect(
      patientLanguage(speaking({ language: { coding: [{ display: 'spanish' }] } }), SUPPORTED, 'en'),
    ).toBe('es');
  });

  it('skips unsupported languages and falls back when nothing fits', () => {
    expect(patientLanguage(speaking(lang('vi', true), lang('es')), SUPPORTED, 'en')).toBe('es');
    expect(patientLanguage(speaking(lang('vi', true)), SUPPORTED, 'en')).toBe('en');
    expect(patientLanguage(speaking(), SUPPORTED, 'es')).toBe('es');
    expect(patientLanguage(anaTestpatient(), SUPPORTED, 'en')).toBe('en');
    expect(patientLanguage(speaking({ language: { text: 'Klingon-ish' } }), SUPPORTED, 'en')).toBe('en');
  });

  it('returns the supported entry as the practice wrote it', () => {
    expect(patientLanguage(speaking(lang('es')), ['en-US', 'es-US'], 'en-US')).toBe('es-US');
  });
});

describe('normalizeLanguage and localeFor', () => {
  it('normalizes codes and rejects words', () => {
    expect(normalizeLanguage('es-419')).toBe('es');
    expect(normalizeLanguage('eng')).toBe('en');
    expect(normalizeLanguage('Spanish')).toBeUndefined();
    expect(normalizeLanguage('')).toBeUndefined();
  });

  it('picks US locales for en and es and keeps an explicit region', () => {
    expect(localeFor('en')).toBe('en-US');
    expect(localeFor('es')).toBe('es-US');
    expect(localeFor('es-MX')).toBe('es-MX');
    expect(localeFor('not a code')).toBe('en-US');
  });
});

describe('chooseTemplate', () => {
  const templates: MessageTemplate[] = [
    { language: 'en', body: 'en any' },
    { language: 'en', channel: 'sms', body: 'en sms' },
    { language: 'es', body: 'es any' },
    { language: 'es', channel: 'voice', body: 'es voice' },
    { language: 'en', channel: 'email', subject: 'Hi', body: 'en email' },
  ];

  it('prefers language and channel, then language with no channel', () => {
    expect(chooseTemplate(templates, 'en', 'sms')?.body).toBe('en sms');
    expect(chooseTemplate(templates, 'en', 'voice')?.body).toBe('en any');
    expect(chooseTemplate(templates, 'es', 'voice')?.body).toBe('es voice');
    expect(chooseTemplate(templates, 'es', 'sms')?.body).toBe('es any');
  });

  it('falls back to the fallback language, never to another channel', () => {
    const enOnlyEmail: MessageTemplate[] = [{ language: 'en', channel: 'email', body: 'en email' }];
    expect(chooseTemplate(templates, 'vi', 'sms')?.body).toBe('en sms');
    expect(chooseTemplate([{ language: 'es', channel: 'sms', body: 'es' }], 'en', 'sms', 'es')?.body).toBe(
      'es',
    );
    expect(chooseTemplate(enOnlyEmail, 'en', 'sms')).toBeUndefined();
    expect(chooseTemplate([], 'en', 'sms')).toBeUndefined();
  });

  it('matches regional codes to base-language templates, exact codes first', () => {
    expect(chooseTemplate(templates, 'es-MX', 'sms')?.body).toBe('es any');
    const regional: MessageTemplate[] = [
      { language: 'es', channel: 'sms', body: 'es' },
      { language: 'es-MX', channel: 'sms', body: 'es-MX' },
    ];
    expect(chooseTemplate(regional, 'es-MX', 'sms')?.body).toBe('es-MX');
    expect(chooseTemplate(regional, 'es', 'sms')?.body).toBe('es');
  });
});
