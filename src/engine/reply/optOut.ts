import type { PreparedReply } from './prepare';
import { matchText } from './patterns';
import type { CompiledRules } from './rules';

/** How a reply stands towards consent under FCC 24-24. */
export interface PerSeReading {
  /** A per-se revocation word is used as one: stop messaging whatever else the reply says. */
  perSe: boolean;
  /** The whole reply is revocation words (plus fillers, thanks, yes/no): "STOP", "Cancel please". */
  bare: boolean;
  /** The bare reply contains "cancel": also possibly about the appointment. */
  bareCancel: boolean;
}

// Politeness before "stop" in a question still revokes ("can you please stop?"); other questions ending in
// "stop" are usually about medication ("should I stop?").
const TRAILING_IN_QUESTION_AFTER = new Set(['please', 'pls', 'plz', 'just', 'you', 'u', 'now', 'all']);

function contentOf(tokens: readonly string[], rules: CompiledRules): string[] {
  return tokens.filter((t) => !rules.fillers.has(t) && !rules.thanks.has(t));
}

/**
 * Finds per-se revocation words used as revocation: the whole reply or a whole segment ("Wrong number.
 * STOP"), a segment opening with one ("stop sending these"), a segment closing with one ("please just
 * stop"), an unambiguous word anywhere ("how do I unsubscribe"), or a per-se verb with a message noun
 * ("cancel the texts"). Negated words ("don't stop") were marked `neg_` earlier and do not count. "cancel"
 * counts only alone or with a message noun: elsewhere it is usually about the appointment.
 */
export function readPerSe(reply: PreparedReply, rules: CompiledRules): PerSeReading {
  const { alone, cancelWords, leading, trailing, anywhere } = rules.perSe;
  const weak = (t: string): boolean => rules.weakConfirm.has(t) || rules.weakCancel.has(t);

  const content = contentOf(reply.tokens, rules);
  const isRevocationWord = (t: string): boolean => alone.has(t) || cancelWords.has(t);
  if (
    content.length > 0 &&
    content.every((t) => isRevocationWord(t) || weak(t)) &&
    content.some(isRevocationWord)
  ) {
    return { perSe: true, bare: true, bareCancel: content.some((t) => cancelWords.has(t)) };
  }

  const none: PerSeReading = { perSe: false, bare: false, bareCancel: false };
  const found: PerSeReading = { perSe: true, bare: false, bareCancel: false };
  if (reply.tokens.some((t) => anywhere.has(t))) return found;
  if (rules.perSePhrases.test(matchText(reply.tokens))) return found;

  for (const segment of reply.segments) {
    const words = contentOf(segment.tokens, rules);
    if (words.length === 0) continue;
    if (words.every((t) => alone.has(t) || weak(t)) && words.some((t) => alone.has(t))) return found;
    const opening = words.find((t) => !weak(t));
    if (opening !== undefined && leading.has(opening)) return found;
    const lastIndex = segment.tokens.length - 1;
    const last = segment.tokens[lastIndex] ?? '';
    if (trailing.has(last)) {
      const before = segment.tokens[lastIndex - 1] ?? '';
      if (!segment.question || TRAILING_IN_QUESTION_AFTER.has(before)) return found;
    }
  }
  return none;
}
