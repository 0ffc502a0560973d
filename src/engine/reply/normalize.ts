/** One stretch of a reply between punctuation marks, as lowercase ASCII-folded tokens. */
export interface Segment {
  tokens: string[];
  /** True when the stretch ends with "?" or opens with "¿". */
  question: boolean;
}

/** A reply reduced to what the rules read. */
export interface NormalizedReply {
  segments: Segment[];
  /** All tokens of all segments, in order. */
  tokens: string[];
  hasQuestionMark: boolean;
  /** Accents, ñ, ¿ or ¡ in the original: strong evidence of Spanish once folding has removed them. */
  spanishOrthography: boolean;
}

// Replies longer than this are not SMS answers to a reminder; capping keeps classification time bounded.
// The head and the tail are both kept: a long message that ends in "STOP" must still opt out.
const MAX_CHARS = 1000;
const TAIL_CHARS = 300;

// Emoji carry meaning in replies ("👍" answers a reminder); map the common ones to words the lexicons know.
const EMOJI_WORDS: ReadonlyArray<readonly [string, string]> = [
  ['👍', 'ok'],
  ['👌', 'ok'],
  ['✅', 'ok'],
  ['✔', 'ok'],
  ['☑', 'ok'],
  ['🆗', 'ok'],
  ['💯', 'ok'],
  ['👎', 'no'],
  ['❌', 'no'],
  ['✖', 'no'],
  ['🙅', 'no'],
  ['🙏', 'ty'],
  ['🚑', 'ambulance'],
  ['🆘', 'help'],
  ['❓', '?'],
  ['❔', '?'],
  ['❗', '!'],
  ['‼', '!'],
];

// Alternation, not a character class: variation selectors combine with the previous character.
const SKIN_TONES_AND_SELECTORS = /[\u{1F3FB}-\u{1F3FF}]|\uFE0E|\uFE0F|\u200D/gu;
const SPANISH_MARKS = /[áéíóúüñ¿¡]/i;
const APOSTROPHES = /['’‘`´]/g;
const SEGMENT_PIECES = /[^.!?;,\n¡¿:]+|[.!?;,\n¡¿:]+/g;
const NON_WORD = /[^a-z0-9]+/g;
const RUN_OF_THREE = /([a-z])\1{2,}/g;

/** Lowercases, strips accents and apostrophes: the form every lexicon entry and token is compared in. */
export function foldText(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(APOSTROPHES, '');
}

function mapEmoji(text: string): string {
  let out = text.replace(SKIN_TONES_AND_SELECTORS, '');
  for (const [emoji, word] of EMOJI_WORDS) {
    if (out.includes(emoji)) out = out.split(emoji).join(` ${word} `);
  }
  return out;
}

function tokenize(piece: string): string[] {
  return (
    piece
      // "30min", "2pm": numbers glued to units are two words.
      .replace(/(\d)([a-z])/g, '$1 $2')
      .replace(/([a-z])(\d)/g, '$1 $2')
      .replace(NON_WORD, ' ')
      // "yesssss", "pleeeease": keep at most two of a letter; a lookup later tries one.
      .replace(RUN_OF_THREE, '$1$1')
      .split(' ')
      .filter((t) => t.length > 0)
  );
}

/** Splits a reply into punctuation-delimited segments of folded tokens, noting question marks and Spanish spelling. */
export function normalizeReply(text: string): NormalizedReply {
  const clipped =
    text.length > MAX_CHARS ? `${text.slice(0, MAX_CHARS - TAIL_CHARS)}. ${text.slice(-TAIL_CHARS)}` : text;
  const spanishOrthography = SPANISH_MARKS.test(clipped);
  let folded = foldText(mapEmoji(clipped.normalize('NFKC')));
  folded = folded
    .replace(/wrong\s*#/g, 'wrong number')
    .replace(/&/g, ' and ')
    // "3:30" is a time, not two segments.
    .replace(/(\d):(\d)/g, '$1 $2');

  const segments: Segment[] = [];
  let openedWithQuestion = false;
  for (const match of folded.matchAll(SEGMENT_PIECES)) {
    const piece = match[0];
    const tokens = tokenize(piece);
    if (tokens.length > 0) {
      segments.push({ tokens, question: openedWithQuestion });
      openedWithQuestion = false;
      continue;
    }
    if (piece.includes('?')) {
      const last = segments[segments.length - 1];
      if (last) last.question = true;
    }
    openedWithQuestion = piece.includes('¿');
  }

  return {
    segments,
    tokens: segments.flatMap((s) => s.tokens),
    hasQuestionMark: /[?¿]/.test(folded),
    spanishOrthography,
  };
}
