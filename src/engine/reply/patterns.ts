import { foldText } from './normalize';

/** Named word lists that patterns reference as `@name`; an entry may span several words. */
export type WordClasses = Readonly<Record<string, readonly string[]>>;

/**
 * Phrase patterns are written as space-separated slots and matched against a reply's tokens joined by
 * single spaces (with a space at each end):
 *
 * - `word` one token; `a|b|c` any one of them; `@class` any entry of a word class;
 * - `word*` a token starting with `word` (conjugations: `cancel*`, `reprogram*`);
 * - `#` any number; `slot?` makes a slot optional; `*N` skips up to N tokens (N is one digit);
 * - `^` / `$` as first / last slot anchor the pattern at the start / end of the text.
 *
 * Entries are folded like replies (accents and apostrophes removed), so lexicons can be written naturally.
 */
export function compilePattern(pattern: string, classes: WordClasses): string {
  const slots = pattern.trim().split(/\s+/);
  let body = '';
  let start = ' ';
  let end = '';
  slots.forEach((slot, index) => {
    if (slot === '^') {
      if (index !== 0) throw new Error(`pattern "${pattern}": ^ must come first`);
      start = '^ ';
      return;
    }
    if (slot === '$') {
      if (index !== slots.length - 1) throw new Error(`pattern "${pattern}": $ must come last`);
      end = '$';
      return;
    }
    const gap = /^\*(\d)$/.exec(slot);
    if (gap) {
      body += `(?:\\S+ ){0,${gap[1] ?? '0'}}`;
      return;
    }
    const optional = slot.endsWith('?');
    const alternatives = (optional ? slot.slice(0, -1) : slot)
      .split('|')
      .flatMap((alt) => expandAlternative(alt, classes, pattern));
    const group = `(?:${alternatives.join('|')}) `;
    body += optional ? `(?:${group})?` : group;
  });
  if (body === '') throw new Error(`pattern "${pattern}" matches nothing`);
  return start + body + end;
}

function expandAlternative(alt: string, classes: WordClasses, pattern: string): string[] {
  if (alt.startsWith('@')) {
    const entries = classes[alt.slice(1)];
    if (!entries) throw new Error(`pattern "${pattern}": unknown word class ${alt}`);
    return entries.map(entryToRegex);
  }
  if (alt === '') throw new Error(`pattern "${pattern}": empty alternative`);
  return [entryToRegex(alt)];
}

function entryToRegex(entry: string): string {
  return entry
    .split(/\s+/)
    .map((word) => {
      if (word === '#') return '\\d+';
      const prefix = word.endsWith('*') && word.length > 1;
      const core = foldText(prefix ? word.slice(0, -1) : word).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      return prefix ? `${core}\\S*` : core;
    })
    .join(' ');
}

/** Compiles a list of patterns into one alternation; null when the list is empty, so callers skip it. */
export function compilePatternSet(patterns: readonly string[], classes: WordClasses): RegExp | null {
  if (patterns.length === 0) return null;
  return new RegExp(patterns.map((p) => `(?:${compilePattern(p, classes)})`).join('|'));
}

/** The string patterns are matched against: tokens joined by single spaces, padded with one space each side. */
export function matchText(tokens: readonly string[]): string {
  return ` ${tokens.join(' ')} `;
}
