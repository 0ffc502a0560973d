import { describe, expect, it } from 'vitest';
import { practiceSettings } from '../../../src/engine/policy/settings';
import {
  helpText,
  optInConfirmation,
  optOutConfirmation,
  optOutNotice,
  safetyReply,
  smsSegments,
} from '../../../src/engine/template';
import { PRACTICE } from './fixtures';

describe('compliance texts', () => {
  it('gives the opt-out notice in English and Spanish, keyword STOP in both, English otherwise', () => {
    expect(optOutNotice('en')).toBe('Reply STOP to opt out.');
    expect(optOutNotice('es-MX')).toBe('Responda STOP para cancelar mensajes.');
    expect(optOutNotice('vi')).toBe('Reply STOP to opt out.');
  });

  it('answers HELP with practice, program, frequency, rates, STOP and a contact (CTIA)', () => {
    const text = helpText(PRACTICE, 'en');
    expect(text).toBe(
      'Riverside Family Care: Appointment reminders. Up to 3 msgs/week per program. Msg & data rates may apply. ' +
        'Reply STOP to opt out. Questions? Call 212-555-0123.',
    );
    const es = helpText(PRACTICE, 'es');
    for (const part of [
      'Riverside Family Care',
      'Appointment reminders',
      'Hasta 3 mensajes',
      'tarifas',
      'STOP',
      '212-555-0123',
    ]) {
      expect(es).toContain(part);
    }
    expect(
      helpText(practiceSettings({ name: 'Riverside Family Care', caps: { perDay: 1, perWeek: 2 } }), 'en'),
    ).toContain('Up to 2 msgs/week');
  });

  it('confirms an opt-out once, naming the practice and how to come back', () => {
    expect(optOutConfirmation(PRACTICE, 'en')).toBe(
      "You're unsubscribed from Riverside Family Care messages. No more messages will be sent. Reply START to resubscribe.",
    );
    expect(optOutConfirmation(PRACTICE, 'es')).toContain('START');
    expect(optOutConfirmation(PRACTICE, 'es')).toContain('Riverside Family Care');
  });

  it('confirms an opt-in with frequency, rates, HELP and STOP', () => {
    for (const language of ['en', 'es']) {
      const text = optInConfirmation(PRACTICE, language);
      expect(text).toContain('HELP');
      expect(text).toContain('STOP');
      expect(text).toContain('3');
    }
  });

  it('points to 911 and 988 in the safety reply', () => {
    for (const language of ['en', 'es']) {
      const text = safetyReply(PRACTICE, language);
      expect(text).toContain('911');
      expect(text).toContain('988');
      expect(text.startsWith('Riverside Family Care:')).toBe(true);
    }
  });

  it('keeps every standard text in GSM-7 and at most two segments', () => {
    for (const language of ['en', 'es']) {
      for (const text of [
        optOutNotice(language),
        helpText(PRACTICE, language),
        optOutConfirmation(PRACTICE, language),
        optInConfirmation(PRACTICE, language),
        safetyReply(PRACTICE, language),
      ]) {
        const sms = smsSegments(text);
        expect(sms.encoding, text).toBe('GSM-7');
        expect(sms.segments, text).toBeLessThanOrEqual(2);
      }
    }
    expect(smsSegments(optOutConfirmation(PRACTICE, 'es')).segments).toBe(1);
    expect(smsSegments(optOutConfirmation(PRACTICE, 'en')).segments).toBe(1);
  });
});
