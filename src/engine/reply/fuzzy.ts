import { distance } from 'fastest-levenshtein';
import type { FuzzyGroup } from './keywords';

/** How a token was read: as written, through a known misspelling, by collapsing letters, or by fuzzy match. */
export type CorrectionKind = 'exact' | 'typo' | 'collapsed' | 'fuzzy' | 'unknown';

/** A token after correction. */
export interface Correction {
  token: string;
  kind: CorrectionKind;
}

/** What the corrector needs to know about the vocabulary. */
export interface CorrectorOptions {
  /** Words that are already right (lexicon words and ordinary words): never corrected. */
  known: ReadonlySet<string>;
  /** Prefixes of conjugated lexicon words ("reprogram", "suicid"): a token starting with one counts as known. */
  knownPrefixes: readonly string[];
  typos: ReadonlyMap<string, string>;
  targets: ReadonlyArray<{ word: string; group: FuzzyGroup }>;
}

// Below this length a single edit turns one word into another ("stop"/"shop", "no"/"so"): exact matches only.
const MIN_FUZZY_LENGTH = 4;
// Which group wins a tie: the safer misreading first (a false "urgent" costs a glance, a missed one a life).
const GROUP_PRECEDENCE: readonly FuzzyGroup[] = [
  'urgent',
  'opt-out',
  'wrong-number',
  'reschedule',
  'help',
  'question',
  'opt-in',
  'neutral',
  'cancel',
  'confirm',
  'unknown',
];
const CACHE_LIMIT = 5000;

/** Edits allowed for a word of this length: none for short words, then one per three letters, at most three. */
export function fuzzyTolerance(length: number): number {
  if (length < MIN_FUZZY_LENGTH) return 0;
  if (length <= 5) return 1;
  if (length <= 8) return 2;
  return 3;
}

function isAdjacentSwap(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let first = -1;
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) {
      if (first === -1) first = i;
      else if (i !== first + 1) return false;
    }
  }
  return (
    first !== -1 &&
    a[first] === b[first + 1] &&
    a[first + 1] === b[first] &&
    a.slice(first + 2) === b.slice(first + 2)
  );
}

/** Levenshtein distance where swapping two neighbouring letters ("confrim") costs one edit, not two. */
export function typoDistance(a: string, b: string): number {
  const d = distance(a, b);
  return d === 2 && isAdjacentSwap(a, b) ? 1 : d;
}

/**
 * Builds a token corrector. Fuzzy matching only runs on unknown alphabetic tokens of four letters or more,
 * only towards targets sharing the first letter, and refuses any token that lies within reach of both a
 * confirm word and a cancel word: a typo must never flip a yes into a no.
 */
export function createCorrector(options: CorrectorOptions): (token: string) => Correction {
  const byInitial = new Map<string, Array<{ word: string; group: FuzzyGroup }>>();
  for (const target of options.targets) {
    const initial = target.word[0] ?? '';
    const bucket = byInitial.get(initial) ?? [];
    bucket.push(target);
    byInitial.set(initial, bucket);
  }
  const cache = new Map<string, Correction>();

  const isKnown = (token: string): boolean =>
    options.known.has(token) || options.knownPrefixes.some((p) => token.startsWith(p));

  const fuzzy = (token: string): Correction => {
    const tolerance = fuzzyTolerance(token.length);
    if (tolerance === 0 || !/^[a-z]+$/.test(token)) return { token, kind: 'unknown' };
    let best: { word: string; group: FuzzyGroup; d: number } | undefined;
    let reachesConfirm = false;
    let reachesCancel = false;
    const tied = new Set<FuzzyGroup>();
    for (const target of byInitial.get(token[0] ?? '') ?? []) {
      const allowed = Math.min(tolerance, fuzzyTolerance(target.word.length));
      if (Math.abs(target.word.length - token.length) > allowed) continue;
      const d = typoDistance(token, target.word);
      if (d > allowed) continue;
      if (target.group === 'confirm') reachesConfirm = true;
      if (target.group === 'cancel') reachesCancel = true;
      if (!best || d < best.d) {
        best = { ...target, d };
        tied.clear();
        tied.add(target.group);
      } else if (d === best.d) {
        tied.add(target.group);
        if (GROUP_PRECEDENCE.indexOf(target.group) < GROUP_PRECEDENCE.indexOf(best.group))
          best = { ...target, d };
      }
    }
    if (!best || (reachesConfirm && reachesCancel)) return { token, kind: 'unknown' };
    if (tied.has('confirm') && tied.has('cancel')) return { token, kind: 'unknown' };
    return { token: best.word, kind: 'fuzzy' };
  };

  const correct = (token: string): Correction => {
    if (isKnown(token)) return { token, kind: 'exact' };
    const typo = options.typos.get(token);
    if (typo !== undefined) return { token: typo, kind: 'typo' };
    // "yess", "stopp", "ayudaa": doubled letters the lexicon spells once.
    const collapsed = token.replace(/([a-z])\1+/g, '$1');
    if (collapsed !== token) {
      if (isKnown(collapsed)) return { token: collapsed, kind: 'collapsed' };
      const collapsedTypo = options.typos.get(collapsed);
      if (collapsedTypo !== undefined) return { token: collapsedTypo, kind: 'collapsed' };
    }
    return fuzzy(token);
  };

  return (token: string): Correction => {
    const hit = cache.get(token);
    if (hit) return hit;
    const result = correct(token);
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(token, result);
    return result;
  };
}
