import { describe, expect, it } from 'vitest';
import { classifyReply } from '../../../src/engine/reply';
import { createCorrector, fuzzyTolerance, typoDistance } from '../../../src/engine/reply/fuzzy';
import { compilePattern, compilePatternSet, matchText } from '../../../src/engine/reply/patterns';

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/** Every word one deletion, insertion, substitution or swap away. */
function singleEdits(word: string): string[] {
  const out = new Set<string>();
  for (let i = 0; i <= word.length; i++) {
    for (const c of LETTERS) {
      out.add(word.slice(0, i) + c + word.slice(i));
      if (i < word.length) out.add(word.slice(0, i) + c + word.slice(i + 1));
    }
    if (i < word.length) out.add(word.slice(0, i) + word.slice(i + 1));
    if (i < word.length - 1)
      out.add(word.slice(0, i) + (word[i + 1] ?? '') + (word[i] ?? '') + word.slice(i + 2));
  }
  out.delete(word);
  return [...out];
}

describe('typoDistance', () => {
  it('counts a swap of neighbouring letters as one edit', () => {
    expect(typoDistance('confrim', 'confirm')).toBe(1);
    expect(typoDistance('cancle', 'cancel')).toBe(1);
    expect(typoDistance('cancel', 'cancel')).toBe(0);
    expect(typoDistance('abcd', 'bacd')).toBe(1);
    expect(typoDistance('abcd', 'dcba')).toBeGreaterThan(1);
  });

  it('allows no edit below four letters and at most three', () => {
    expect([1, 3, 4, 5, 6, 8, 9, 20].map(fuzzyTolerance)).toEqual([0, 0, 1, 1, 2, 2, 3, 3]);
  });
});

describe('createCorrector', () => {
  const correct = createCorrector({
    known: new Set(['cancer', 'yes']),
    knownPrefixes: ['resched'],
    typos: new Map([['ys', 'yes']]),
    targets: [
      { word: 'cancel', group: 'cancel' },
      { word: 'confirm', group: 'confirm' },
      { word: 'conform', group: 'cancel' },
    ],
  });

  it('keeps known words and words with a known stem', () => {
    expect(correct('cancer')).toEqual({ token: 'cancer', kind: 'exact' });
    expect(correct('rescheduling')).toEqual({ token: 'rescheduling', kind: 'exact' });
  });

  it('uses the typo list, then collapses doubled letters, then fuzzy matches', () => {
    expect(correct('ys')).toEqual({ token: 'yes', kind: 'typo' });
    expect(correct('yess')).toEqual({ token: 'yes', kind: 'collapsed' });
    expect(correct('cancle')).toEqual({ token: 'cancel', kind: 'fuzzy' });
  });

  it('never fuzzy-matches short words, words with digits, or across the first letter', () => {
    expect(correct('cnl').kind).toBe('unknown');
    expect(correct('canc3l').kind).toBe('unknown');
    expect(correct('xancel').kind).toBe('unknown');
  });

  it('refuses a token within reach of both a confirm word and a cancel word', () => {
    expect(correct('confrm')).toEqual({ token: 'confrm', kind: 'unknown' });
  });
});

describe('fuzzy matching never flips confirm and cancel', () => {
  const confirmWords = [
    'confirm',
    'confirmed',
    'confirmo',
    'confirmado',
    'yes',
    'okay',
    'sure',
    'perfect',
    'perfecto',
  ];
  const cancelWords = ['cancel my appointment', 'cancelled', 'cancelar mi cita', 'nope', 'anular la cita'];

  it.each(confirmWords)('no single edit of %j reads as cancel', (word) => {
    const flips = singleEdits(word).filter((typo) => classifyReply(typo).intent === 'cancel');
    expect(flips).toEqual([]);
  });

  it.each(cancelWords)('no single edit of %j reads as confirm', (phrase) => {
    const [first = '', ...rest] = phrase.split(' ');
    const flips = singleEdits(first)
      .map((typo) => [typo, ...rest].join(' '))
      .filter((typo) => classifyReply(typo).intent === 'confirm');
    expect(flips).toEqual([]);
  });

  it('never loses an urgent reading to a correction', () => {
    for (const text of ['suicde', 'suicidal thoughts', 'cant breth', 'chest pian', 'emergncy', 'overdosd']) {
      expect(classifyReply(text).intent, text).toBe('urgent');
    }
  });
});

describe('pattern mini-language', () => {
  const classes = { appt: ['appointment', 'check up'] };

  it('compiles words, alternatives, classes, prefixes, numbers, gaps, options and anchors', () => {
    const re = new RegExp(compilePattern('^ cancel* my? *1 @appt', classes));
    expect(re.test(matchText(['cancelling', 'my', 'dental', 'appointment']))).toBe(true);
    expect(re.test(matchText(['cancel', 'check', 'up']))).toBe(true);
    expect(re.test(matchText(['please', 'cancel', 'appointment']))).toBe(false);
    const times = new RegExp(compilePattern('# min|mins later $', classes));
    expect(times.test(matchText(['30', 'min', 'later']))).toBe(true);
    expect(times.test(matchText(['30', 'min', 'later', 'please']))).toBe(false);
  });

  it('folds accents in lexicon entries', () => {
    expect(new RegExp(compilePattern('sí estaré', {})).test(matchText(['si', 'estare']))).toBe(true);
  });

  it('rejects mistakes in a lexicon at load time', () => {
    expect(() => compilePattern('cancel @nope', classes)).toThrow(/unknown word class @nope/);
    expect(() => compilePattern('cancel ^', classes)).toThrow(/\^ must come first/);
    expect(() => compilePattern('$ cancel', classes)).toThrow(/\$ must come last/);
    expect(() => compilePattern('cancel||appt', classes)).toThrow(/empty alternative/);
    expect(compilePatternSet([], classes)).toBeNull();
  });
});
