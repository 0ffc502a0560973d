import type { Correction } from './fuzzy';
import { normalizeReply } from './normalize';
import { matchText } from './patterns';
import type { CompiledRules, NegationRules } from './rules';

/** A segment after spelling correction, compounds and negation marking. */
export interface PreparedSegment {
  /** Tokens as the rules read them; negated keywords are prefixed `neg_` so no pattern takes them at face value. */
  tokens: string[];
  /** Corrected tokens before negation marking: urgency is never negated ("can't stop bleeding"). */
  unnegated: string[];
  /** Tokens as typed (folded, compounds applied), so a fuzzy correction can never hide an urgent word. */
  asTyped: string[];
  /** Correction of each typed token, aligned with `asTyped` before compounds. */
  corrections: Correction[];
  question: boolean;
}

/** A reply ready for the rules. */
export interface PreparedReply {
  segments: PreparedSegment[];
  tokens: string[];
  hasQuestionMark: boolean;
  spanishOrthography: boolean;
  usedFuzzy: boolean;
}

function applyCompounds(tokens: string[], rules: CompiledRules): string[] {
  if (!rules.compounds || tokens.length < 2) return tokens;
  const { pattern, replacements } = rules.compounds;
  const text = matchText(tokens);
  const replaced = text.replace(pattern, (m) => replacements.get(m) ?? m);
  return replaced === text ? tokens : replaced.trim().split(' ');
}

// How far back a negator may sit from the word it negates, bridges included ("don't really need to cancel").
const NEGATION_REACH = 4;

function isNegated(tokens: readonly string[], index: number, negation: NegationRules): boolean {
  for (let j = index - 1; j >= 0 && index - j <= NEGATION_REACH; j--) {
    const word = tokens[j] ?? '';
    if (negation.negators.has(word)) return true;
    if (!negation.bridges.has(word)) return false;
  }
  return false;
}

function markNegations(tokens: string[], rules: CompiledRules): string[] {
  return tokens.map((token, index) => {
    for (const negation of rules.negation) {
      if (negation.targets.has(token) && isNegated(tokens, index, negation)) return `neg_${token}`;
    }
    return token;
  });
}

/** Normalises a reply and applies the lexicons' spelling corrections, compounds and negations. */
export function prepareReply(text: string, rules: CompiledRules): PreparedReply {
  const normalized = normalizeReply(text);
  let usedFuzzy = false;
  const segments = normalized.segments.map((segment): PreparedSegment => {
    const corrections = segment.tokens.map(rules.correct);
    if (corrections.some((c) => c.kind === 'fuzzy')) usedFuzzy = true;
    const unnegated = applyCompounds(
      corrections.map((c) => c.token),
      rules,
    );
    return {
      tokens: markNegations(unnegated, rules),
      unnegated,
      asTyped: applyCompounds(segment.tokens, rules),
      corrections,
      question: segment.question,
    };
  });
  return {
    segments,
    tokens: segments.flatMap((s) => s.tokens),
    hasQuestionMark: normalized.hasQuestionMark,
    spanishOrthography: normalized.spanishOrthography,
    usedFuzzy,
  };
}
