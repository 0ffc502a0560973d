import type { ReplyLanguage } from './intents';
import type { PreparedReply } from './prepare';
import type { CompiledRules } from './rules';

// Accents, ñ, ¿ and ¡ settle most short Spanish replies ("Sí", "¿Dónde?") on their own.
const ORTHOGRAPHY_WEIGHT = 2;

/** Guesses the reply's language from marker words and Spanish spelling; 'en' when nothing tells or on a tie. */
export function detectLanguage(reply: PreparedReply, rules: CompiledRules): ReplyLanguage {
  let en = 0;
  let es = reply.spanishOrthography ? ORTHOGRAPHY_WEIGHT : 0;
  for (const segment of reply.segments) {
    for (const token of segment.unnegated) {
      if (rules.markers.en.has(token)) en++;
      if (rules.markers.es.has(token)) es++;
      // Laughter is spelled by language: "jajaja" / "hahaha".
      if (/^(?:ja)+j?$/.test(token)) es++;
      if (/^(?:ha)+h?$/.test(token)) en++;
    }
  }
  return es > en ? 'es' : 'en';
}
