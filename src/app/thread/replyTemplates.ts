/**
 * Starting texts for staff replies, per language. They use the same placeholders as workflow templates and
 * are rendered by the engine (so an SMS gets the practice name and STOP wording); staff edit before sending.
 */
import type { MessageTemplate } from '../../engine';

/** A reply template a coordinator can start from. */
export interface ReplyTemplate {
  readonly id: string;
  readonly label: string;
  readonly templates: readonly MessageTemplate[];
}

/** The built-in reply templates. */
export const REPLY_TEMPLATES: readonly ReplyTemplate[] = [
  {
    id: 'call-us',
    label: 'Please call us',
    templates: [
      {
        language: 'en',
        body: 'Hi {{patient.firstName}}, this is {{practice.name}}. Please call us at {{practice.phone}} when you can.',
      },
      {
        language: 'es',
        body: 'Hola {{patient.firstName}}, le escribe {{practice.name}}. Llámenos al {{practice.phone}} cuando pueda.',
      },
    ],
  },
  {
    id: 'received',
    label: 'We got your message',
    templates: [
      {
        language: 'en',
        body: 'Hi {{patient.firstName}}, {{practice.name}} here. We got your message and will get back to you today.',
      },
      {
        language: 'es',
        body: 'Hola {{patient.firstName}}, {{practice.name}}. Recibimos su mensaje y le responderemos hoy.',
      },
    ],
  },
  {
    id: 'reschedule',
    label: 'Offer to reschedule',
    templates: [
      {
        language: 'en',
        body: 'Hi {{patient.firstName}}, {{practice.name}} here. We can find you a new time: reply with days that suit you or call {{practice.phone}}.',
      },
      {
        language: 'es',
        body: 'Hola {{patient.firstName}}, {{practice.name}}. Podemos buscarle otra cita: responda con los días que le convienen o llame al {{practice.phone}}.',
      },
    ],
  },
];
