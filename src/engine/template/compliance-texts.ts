/**
 * The fixed texts the messaging rules require (CTIA HELP/STOP/START, the TCPA opt-out notice, the reply to
 * an urgent message), in English and Spanish; other languages get English. The keywords stay English
 * (STOP, START, HELP) in every language because those are what carriers and Twilio act on. The Spanish
 * wording avoids á, í, ó and ú where it can, so these texts stay GSM-7 (160 characters per segment).
 */

import type { PracticeSettings } from '../policy/settings';
import { normalizeLanguage } from './language';
import { displayPhone } from './phone';

type TextLanguage = 'en' | 'es';

function textLanguage(language: string): TextLanguage {
  return normalizeLanguage(language) === 'es' ? 'es' : 'en';
}

function perWeek(practice: PracticeSettings): number {
  return practice.caps.perWeek;
}

function contact(practice: PracticeSettings, language: TextLanguage): string {
  const phone = displayPhone(practice.phone);
  if (language === 'es')
    return phone === '' ? '¿Preguntas? Llame a su consultorio.' : `¿Preguntas? Llame al ${phone}.`;
  return phone === '' ? 'Questions? Call your practice.' : `Questions? Call ${phone}.`;
}

/** The opt-out sentence appended to SMS that lack one: "Reply STOP to opt out." / "Responda STOP para cancelar mensajes." */
export function optOutNotice(language: string): string {
  return textLanguage(language) === 'es' ? 'Responda STOP para cancelar mensajes.' : 'Reply STOP to opt out.';
}

/**
 * The answer to HELP (CTIA): practice name, program name, message frequency (the practice's weekly cap per
 * program), "Msg & data rates may apply", how to opt out and a contact phone.
 */
export function helpText(practice: PracticeSettings, language: string): string {
  const lang = textLanguage(language);
  const n = perWeek(practice);
  if (lang === 'es') {
    return (
      `${practice.name}: ${practice.programName}. Hasta ${n} mensajes por semana por programa. ` +
      `Pueden aplicarse tarifas de mensajes y datos. ${optOutNotice(lang)} ${contact(practice, lang)}`
    );
  }
  return (
    `${practice.name}: ${practice.programName}. Up to ${n} msgs/week per program. ` +
    `Msg & data rates may apply. ${optOutNotice(lang)} ${contact(practice, lang)}`
  );
}

/** The one confirmation allowed after an opt-out (FCC 24-24): nothing else may follow it. */
export function optOutConfirmation(practice: PracticeSettings, language: string): string {
  if (textLanguage(language) === 'es') {
    return `Listo: no le enviaremos otros mensajes de ${practice.name}. Responda START para volver a suscribirse.`;
  }
  return `You're unsubscribed from ${practice.name} messages. No more messages will be sent. Reply START to resubscribe.`;
}

/** The confirmation after START or another opt-in (CTIA): program, frequency, rates, HELP and STOP. */
export function optInConfirmation(practice: PracticeSettings, language: string): string {
  const n = perWeek(practice);
  if (textLanguage(language) === 'es') {
    return (
      `${practice.name}: ahora recibe mensajes de ${practice.programName}. Hasta ${n} mensajes por semana. ` +
      `Pueden aplicarse tarifas de mensajes y datos. Responda HELP para ayuda o STOP para cancelar mensajes.`
    );
  }
  return (
    `${practice.name}: you're subscribed to ${practice.programName}. Up to ${n} msgs/week. ` +
    `Msg & data rates may apply. Reply HELP for help, STOP to opt out.`
  );
}

/**
 * The immediate reply to a message that reads as urgent or as a risk of self-harm. It says the care team
 * was alerted, so send it only after the urgent Task exists, and it says the line is not watched around
 * the clock so no one waits on it in a crisis.
 */
export function safetyReply(practice: PracticeSettings, language: string): string {
  if (textLanguage(language) === 'es') {
    return (
      `${practice.name}: Si es una emergencia, llame al 911. Si piensa en hacerse daño, llame o mande un ` +
      `texto al 988. Ya avisamos a su equipo médico; estos mensajes no se revisan las 24 horas.`
    );
  }
  return (
    `${practice.name}: If this is an emergency, call 911. If you are thinking about harming yourself, ` +
    `call or text 988. We have alerted your care team; this number is not monitored 24/7.`
  );
}
