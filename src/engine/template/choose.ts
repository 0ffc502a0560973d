import type { Channel, MessageTemplate } from '../workflow/types';
import { normalizeLanguage } from './language';

// 'es-MX' templates serve an 'es' patient and the reverse: the library ships base-language texts.
function sameLanguage(a: string, b: string): boolean {
  const na = normalizeLanguage(a);
  return na !== undefined && na === normalizeLanguage(b);
}

function pick(
  templates: readonly MessageTemplate[],
  language: string,
  channel: Channel,
): MessageTemplate | undefined {
  const exactFirst = (t: MessageTemplate): number =>
    t.language.toLowerCase() === language.toLowerCase() ? 0 : 1;
  const inLanguage = templates
    .filter((t) => sameLanguage(t.language, language))
    .sort((a, b) => exactFirst(a) - exactFirst(b));
  return inLanguage.find((t) => t.channel === channel) ?? inLanguage.find((t) => t.channel === undefined);
}

/**
 * Picks the template for a language and channel: exact language+channel, then language with no channel,
 * then the same in the fallback language ('en'); undefined if none. Languages match on their base code
 * ('es-MX' ~ 'es'). A template written for another channel is never used: an email body is no SMS.
 */
export function chooseTemplate(
  templates: readonly MessageTemplate[],
  language: string,
  channel: Channel,
  fallbackLanguage = 'en',
): MessageTemplate | undefined {
  return pick(templates, language, channel) ?? pick(templates, fallbackLanguage, channel);
}
