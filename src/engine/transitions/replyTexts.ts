/**
 * Default acknowledgements for branches a workflow does not word itself. Kept short and free of
 * clinical detail; the renderer adds the practice name and opt-out wording for SMS.
 */

import type { ReplyIntent } from '../reply';

type Texts = Record<'en' | 'es', string>;

const DEFAULTS: Partial<Record<ReplyIntent | 'clarify' | 'wrong-number' | 'question-ack', Texts>> = {
  confirm: {
    en: "Thanks {{patient.firstName}}, you're confirmed for {{appointment.dateTime}}.",
    es: 'Gracias {{patient.firstName}}, su cita del {{appointment.dateTime}} está confirmada.',
  },
  cancel: {
    en: "Thanks, we've told the team you can't make it. We'll be in touch to find a new time.",
    es: 'Gracias, avisamos al equipo que no puede venir. Le contactaremos para buscar otra hora.',
  },
  reschedule: {
    en: 'Thanks, our scheduling team will contact you to find a new time.',
    es: 'Gracias, nuestro equipo le contactará para buscar otra hora.',
  },
  'question-ack': {
    en: 'Thanks for your message. A team member will reply soon. For anything urgent call {{practice.phone}}.',
    es: 'Gracias por su mensaje. Alguien del equipo le responderá pronto. Si es urgente llame al {{practice.phone}}.',
  },
  clarify: {
    en: "Sorry, we didn't understand. Reply C to confirm or R to reschedule, or call {{practice.phone}}.",
    es: 'Perdón, no entendimos. Responda C para confirmar o R para cambiar la cita, o llame al {{practice.phone}}.',
  },
  'wrong-number': {
    en: "Sorry for the mix-up. We'll update our records and won't text this number again.",
    es: 'Disculpe la confusión. Actualizaremos nuestros datos y no volveremos a escribir a este número.',
  },
};

/** The default text for a branch or engine reply, in the language if we have it, else English. */
export function defaultReply(kind: keyof typeof DEFAULTS, language: string): string | undefined {
  const texts = DEFAULTS[kind];
  if (!texts) {
    return undefined;
  }
  return language === 'es' ? texts.es : texts.en;
}
