/**
 * What the synthetic patients do with Careloop's messages: per enrolment, a seeded choice of whether and
 * how they answer, and the words they use (short texts a patient would send, in their language). The
 * engine's own classifier reads the words; nothing here decides an intent for it.
 */

import type { Appointment } from '@medplum/fhirtypes';
import type { Random } from '../practice';

/** One answer a patient gives to one step of an enrolment. */
export interface PlannedAnswer {
  /** The step the answer is given to (the first delivered message of that step). */
  readonly stepIds: readonly string[];
  /** The reply text, or a survey score to give through the web form. */
  readonly answer:
    | { readonly kind: 'text'; readonly text: string }
    | { readonly kind: 'form'; readonly score: number; readonly comment?: string };
  /** Minutes after delivery. */
  readonly delayMin: number;
}

const TEXTS: Readonly<Record<string, Readonly<Record<'en' | 'es', readonly string[]>>>> = {
  confirm: {
    en: ['C', 'C', 'c', 'Yes', 'Confirm', 'C thanks', 'Yes I will be there'],
    es: ['C', 'Sí', 'Confirmo', 'C gracias'],
  },
  reschedule: {
    en: ['R', 'Can I reschedule?', 'I need to change my appointment time'],
    es: ['R', 'Necesito cambiar mi cita'],
  },
  cancel: {
    en: ['I need to cancel my appointment', 'Please cancel my appointment'],
    es: ['Necesito cancelar mi cita'],
  },
  stop: {
    en: ['STOP', 'Stop', 'please stop texting me'],
    es: ['STOP', 'No me manden más mensajes'],
  },
  question: {
    en: ['Where do I park?', 'Do I need to bring my insurance card?'],
    es: ['¿Dónde me estaciono?'],
  },
  yes: {
    en: ['Yes', 'YES', 'Yes please'],
    es: ['Sí', 'Sí por favor'],
  },
};

const COMMENTS_LOW = ['Waited over an hour', 'Front desk was rude', 'Nobody called me back about my results'];

/** The words for an intent in the patient's language. */
export function replyText(rng: Random, intent: keyof typeof TEXTS, language: string): string {
  const pool = TEXTS[intent] as Readonly<Record<'en' | 'es', readonly string[]>>;
  return rng.pick(language === 'es' ? pool.es : pool.en);
}

const delay = (rng: Random, min: number, max: number): number => rng.int(min, max);

/**
 * How the patient answers one enrolment, by workflow: reminders mostly confirmed (a no-show rarely
 * answers, a cancelled visit often says so), no-show recovery and follow-up nudges sometimes answered,
 * surveys by text or by the web form with mostly high scores.
 */
export function plannedAnswers(
  rng: Random,
  workflow: string,
  appointment: Appointment | undefined,
  language: string,
): PlannedAnswer[] {
  const reminders = ['reminder-3d', 'reminder-1d'];
  const text = (intent: keyof typeof TEXTS): PlannedAnswer['answer'] => ({
    kind: 'text',
    text: replyText(rng, intent, language),
  });
  switch (workflow) {
    case 'appointment-reminders': {
      const status = appointment?.status;
      const steps = rng.chance(0.7) ? reminders : ['reminder-1d', 'reminder-3d'];
      if (status === 'cancelled') {
        return rng.chance(0.6)
          ? [{ stepIds: steps, answer: text('cancel'), delayMin: delay(rng, 3, 240) }]
          : [];
      }
      if (status === 'noshow') {
        return rng.chance(0.15)
          ? [{ stepIds: steps, answer: text('confirm'), delayMin: delay(rng, 3, 300) }]
          : [];
      }
      const intent = rng.weighted({ confirm: 60, reschedule: 7, question: 3, stop: 2.5, silent: 27.5 });
      if (intent === 'silent') return [];
      return [{ stepIds: steps, answer: text(intent), delayMin: delay(rng, 2, 300) }];
    }
    case 'no-show-recovery': {
      const intent = rng.weighted({ reschedule: 10, yes: 5, stop: 2, silent: 83 });
      if (intent === 'silent') return [];
      return [
        {
          stepIds: rng.chance(0.6) ? ['missed-visit', 'follow-up-24h'] : ['follow-up-24h'],
          answer: text(intent),
          delayMin: delay(rng, 10, 600),
        },
      ];
    }
    case 'post-visit-follow-up': {
      const intent = rng.weighted({ yes: 42, stop: 2, silent: 56 });
      if (intent === 'silent') return [];
      return [{ stepIds: ['follow-up-booking'], answer: text(intent), delayMin: delay(rng, 5, 480) }];
    }
    case 'feedback-survey': {
      const how = rng.weighted({ text: 50, form: 25, silent: 25 });
      if (how === 'silent') return [];
      const score = rng.weighted({ '10': 38, '9': 27, '8': 15, '7': 9, '6': 4, '5': 3, '3': 2, '1': 2 });
      const value = Number(score);
      const comment = value <= 6 ? rng.pick(COMMENTS_LOW) : undefined;
      return [
        {
          stepIds: ['survey'],
          answer:
            how === 'text'
              ? { kind: 'text', text: comment ? `${value} ${comment}` : String(value) }
              : { kind: 'form', score: value, ...(comment ? { comment } : {}) },
          delayMin: delay(rng, 5, 360),
        },
      ];
    }
    case 'preventive-recall': {
      const intent = rng.weighted({ yes: 35, stop: 2, silent: 63 });
      if (intent === 'silent') return [];
      return [
        {
          stepIds: rng.chance(0.6)
            ? ['outreach-1', 'outreach-2', 'outreach-3']
            : ['outreach-2', 'outreach-3'],
          answer: text(intent),
          delayMin: delay(rng, 10, 600),
        },
      ];
    }
    default:
      return [];
  }
}
