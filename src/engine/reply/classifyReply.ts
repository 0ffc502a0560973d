import { INTENT_PRIORITY } from './intents';
import type { ReplyClassification, ReplyIntent, ReplyLanguage } from './intents';
import { detectLanguage } from './language';
import { readPerSe } from './optOut';
import type { PerSeReading } from './optOut';
import { matchText } from './patterns';
import { prepareReply } from './prepare';
import type { PreparedReply, PreparedSegment } from './prepare';
import { RULES } from './rules';
import type { CompiledRules } from './rules';

// Confidence by how the intent was found. Menu answers are what the reminder asked for; a lone "?" or
// "ok" in a longer text is a guess. A fuzzy-corrected word costs a tenth.
const CONFIDENCE = {
  menu: 0.98,
  bareKeyword: 0.95,
  urgent: 0.95,
  bareCancelWord: 0.85,
  bareNegative: 0.8,
  acknowledgement: 0.85,
  phrase: 0.9,
  perExtraIntent: 0.1,
  phraseFloor: 0.6,
  thanksOnly: 0.7,
  deferral: 0.7,
  weak: 0.65,
  lonePunctuation: 0.6,
  questionMarkOnly: 0.55,
  nothing: 0.5,
  fuzzyFactor: 0.9,
} as const;

const MENU_TOKENS = new Set(['1', '2', '3', 'c', 'x', 'r', 'y', 'n']);
// Intents a whole-message keyword answer can carry, in the order they are tried.
const BARE_INTENTS: readonly ReplyIntent[] = [
  'confirm',
  'cancel',
  'reschedule',
  'help',
  'opt-in',
  'wrong-number',
];
// Phrase-detected intents besides urgent, opt-out and question, which have their own detectors.
const PHRASE_INTENTS: readonly ReplyIntent[] = [
  'wrong-number',
  'reschedule',
  'cancel',
  'opt-in',
  'help',
  'confirm',
];
// "ok", "k", "👍" after a reminder acknowledge it; read as confirm, a little less sure than "yes" or "C".
const ACKNOWLEDGEMENTS = new Set([
  'ok',
  'okay',
  'k',
  'kk',
  'good',
  'cool',
  'fine',
  'alright',
  'great',
  'nice',
  'awesome',
]);
// Words that carry no intent of their own; they don't make a short "yes" reply long.
const FUNCTION_WORDS = new Set([
  'i',
  'we',
  'you',
  'it',
  'the',
  'a',
  'an',
  'to',
  'for',
  'of',
  'my',
  'your',
  'is',
  'be',
  'will',
  'at',
  'on',
  'in',
  'el',
  'la',
  'lo',
  'los',
  'las',
  'de',
  'mi',
  'para',
  'con',
  'es',
  'que',
  'y',
]);
const THANKS_CORE = new Set(['thanks', 'thank', 'thx', 'ty', 'tysm', 'gracias']);
const NOT_PREFIXES = [['im'], ['i', 'am'], ['this', 'is'], ['its'], ['no', 'soy']];

function content(tokens: readonly string[], rules: CompiledRules): string[] {
  return tokens.filter((t) => !rules.fillers.has(t) && !rules.thanks.has(t));
}

function result(
  intent: ReplyIntent,
  confidence: number,
  language: ReplyLanguage,
  perSe: PerSeReading,
  reply: PreparedReply,
  alsoCouldMean?: ReplyIntent,
): ReplyClassification {
  const scaled = reply.usedFuzzy ? confidence * CONFIDENCE.fuzzyFactor : confidence;
  const out: ReplyClassification = {
    intent,
    confidence: Math.round(Math.min(1, Math.max(0, scaled)) * 100) / 100,
    language,
    perSeOptOut: perSe.perSe,
  };
  if (alsoCouldMean !== undefined && alsoCouldMean !== intent) out.alsoCouldMean = alsoCouldMean;
  return out;
}

/** A whole-message keyword answer: "C", "yes", "2", "reschedule", "HELP", "START", "who?". */
function readBare(
  words: readonly string[],
  rules: CompiledRules,
): { intent: ReplyIntent; confidence: number } | null {
  if (words.length === 0) return null;
  const cancelSet = rules.bare.get('cancel');
  // "2 cancel": the menu answer decides; the word "cancel" beside it only repeats it.
  if (
    cancelSet &&
    words.some((w) => MENU_TOKENS.has(w) && cancelSet.has(w)) &&
    words.every((w) => cancelSet.has(w) || rules.perSe.cancelWords.has(w))
  ) {
    return { intent: 'cancel', confidence: CONFIDENCE.menu };
  }
  for (const intent of BARE_INTENTS) {
    const set = rules.bare.get(intent);
    if (!set || !words.every((w) => set.has(w))) continue;
    if (words.some((w) => MENU_TOKENS.has(w))) return { intent, confidence: CONFIDENCE.menu };
    if (intent === 'cancel') return { intent, confidence: CONFIDENCE.bareNegative };
    if (intent === 'confirm' && words.every((w) => ACKNOWLEDGEMENTS.has(w))) {
      return { intent, confidence: CONFIDENCE.acknowledgement };
    }
    return { intent, confidence: CONFIDENCE.bareKeyword };
  }
  return null;
}

/** "I'm not Maria", "yo no soy Carmen": a name the lexicons don't know, right after "not"/"no soy". */
function deniesBeingThePatient(segment: PreparedSegment, rules: CompiledRules): boolean {
  const tokens = content(segment.tokens, rules);
  const last = tokens[tokens.length - 1];
  if (last === undefined || tokens.length < 2) return false;
  const lastIndex = segment.tokens.lastIndexOf(last);
  const correction = segment.corrections[lastIndex];
  // Only unknown words can be names; compounds may have shifted indexes, so require an exact alignment.
  if (
    !correction ||
    correction.token !== last ||
    correction.kind !== 'unknown' ||
    !/^[a-z]{2,}$/.test(last)
  ) {
    return false;
  }
  const before = tokens.slice(0, -1);
  return NOT_PREFIXES.some((prefix) => {
    const expected = prefix[0] === 'no' ? prefix : [...prefix, 'not'];
    const tail = before.slice(-expected.length);
    return tail.length === expected.length && tail.every((t, i) => t === expected[i]);
  });
}

function isQuestion(reply: PreparedReply, rules: CompiledRules): boolean {
  return reply.segments.some((segment) => {
    if (rules.question.test(matchText(segment.tokens))) return true;
    if (!segment.question) return false;
    // "Yes?" or "ok?" alone is not a question worth a person's time; "Is parking free?" is.
    return content(segment.tokens, rules).some((t) => !rules.weakConfirm.has(t) && !rules.weakCancel.has(t));
  });
}

function detectIntents(reply: PreparedReply, perSe: PerSeReading, rules: CompiledRules): Set<ReplyIntent> {
  const found = new Set<ReplyIntent>();
  const text = matchText(reply.tokens);
  const urgent = rules.phrases.get('urgent');
  if (urgent) {
    // Read urgency on the corrected words and on the words as typed: a spelling fix must never hide it.
    const corrected = matchText(reply.segments.flatMap((s) => s.unnegated));
    const typed = matchText(reply.segments.flatMap((s) => s.asTyped));
    if (urgent.test(corrected) || (typed !== corrected && urgent.test(typed))) found.add('urgent');
  }
  if (perSe.perSe || rules.phrases.get('opt-out')?.test(text)) found.add('opt-out');
  for (const intent of PHRASE_INTENTS) {
    if (rules.phrases.get(intent)?.test(text)) found.add(intent);
  }
  // "What is this about? I never booked": the help question may be one sentence of several.
  const help = rules.phrases.get('help');
  if (help && reply.segments.length > 1 && reply.segments.some((s) => help.test(matchText(s.tokens)))) {
    found.add('help');
  }
  if (reply.segments.some((s) => deniesBeingThePatient(s, rules))) found.add('wrong-number');
  if (isQuestion(reply, rules)) found.add('question');
  return found;
}

/**
 * Reads a patient's SMS reply to an appointment message. Pure and synchronous: no network, no clock.
 *
 * Order of reading: urgency first (never negated, never lost to a spelling fix), then whole-message keyword
 * answers (menu "1/C/Y", "2/X", "3/R", STOP words, HELP, START), then phrases, settled by
 * {@link INTENT_PRIORITY} when several match, then lone yes/no words in short replies. A bare "cancel"
 * is an opt-out that may also mean the appointment (`alsoCouldMean: 'cancel'`).
 */
export function classifyReply(text: string): ReplyClassification {
  const rules = RULES;
  const reply = prepareReply(typeof text === 'string' ? text : '', rules);
  const language = detectLanguage(reply, rules);
  const perSe = readPerSe(reply, rules);
  const words = content(reply.tokens, rules);

  if (reply.tokens.length === 0) {
    // "?" alone after a reminder asks what this is: the HELP answer is the right one.
    return reply.hasQuestionMark
      ? result('help', CONFIDENCE.lonePunctuation, language, perSe, reply)
      : result('unknown', CONFIDENCE.nothing, language, perSe, reply);
  }

  const found = detectIntents(reply, perSe, rules);
  if (found.has('urgent')) {
    return result('urgent', CONFIDENCE.urgent, language, perSe, reply, perSe.perSe ? 'opt-out' : undefined);
  }

  if (perSe.bare) {
    return perSe.bareCancel
      ? result('opt-out', CONFIDENCE.bareCancelWord, language, perSe, reply, 'cancel')
      : result('opt-out', CONFIDENCE.bareKeyword, language, perSe, reply);
  }

  if (words.length === 0) {
    // Thanks alone acknowledges the reminder: read as a confirmation, like "ok".
    if (reply.tokens.some((t) => THANKS_CORE.has(t))) {
      return result('confirm', CONFIDENCE.thanksOnly, language, perSe, reply);
    }
    return result('unknown', CONFIDENCE.nothing, language, perSe, reply);
  }

  const bare = readBare(words, rules);
  if (bare) {
    const alsoCancelWord = bare.intent === 'cancel' && words.some((w) => w.startsWith('cancel'));
    return result(
      bare.intent,
      bare.confidence,
      language,
      perSe,
      reply,
      alsoCancelWord ? 'opt-out' : undefined,
    );
  }

  const joined = matchText(reply.tokens);
  const deferral = rules.deferral.test(joined);
  const ordered = INTENT_PRIORITY.filter((intent) => found.has(intent));
  const [primary, runnerUp] = ordered;
  const hasWeakConfirm = reply.tokens.some((t) => rules.weakConfirm.has(t));

  if (primary !== undefined && !(primary === 'confirm' && deferral)) {
    const confidence = Math.max(
      CONFIDENCE.phraseFloor,
      CONFIDENCE.phrase - CONFIDENCE.perExtraIntent * (ordered.length - 1),
    );
    let also = runnerUp;
    if (primary === 'cancel' && !rules.appointmentContext.test(joined)) {
      // "cancel it", "I need to cancel": the appointment most likely, but the word also revokes texts.
      if (reply.tokens.some((t) => t.startsWith('cancel'))) also = 'opt-out';
    }
    if (primary === 'question' && also === undefined && hasWeakConfirm) also = 'confirm';
    return result(primary, confidence, language, perSe, reply, also);
  }

  if (deferral) return result('unknown', CONFIDENCE.deferral, language, perSe, reply);

  // Lone yes/no words decide short replies only ("yes sir", "no sorry"), never a long unrelated message.
  const weakConfirm = words.some((t) => rules.weakConfirm.has(t));
  const weakCancel = words.some((t) => rules.weakCancel.has(t));
  const others = words.filter(
    (t) => !rules.weakConfirm.has(t) && !rules.weakCancel.has(t) && !FUNCTION_WORDS.has(t),
  );
  if ((weakConfirm || weakCancel) && others.length <= 2) {
    // "ok no", "no thanks": a no outweighs a polite yes-word, because a kept slot nobody comes to costs more.
    return weakCancel
      ? result('cancel', CONFIDENCE.weak, language, perSe, reply, weakConfirm ? 'confirm' : undefined)
      : result('confirm', CONFIDENCE.weak, language, perSe, reply);
  }
  if (reply.hasQuestionMark) return result('question', CONFIDENCE.questionMarkOnly, language, perSe, reply);
  return result('unknown', CONFIDENCE.nothing, language, perSe, reply);
}
