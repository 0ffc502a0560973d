import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { REPLY_INTENTS, classifyReply, evaluateClassifier, parseCorpus } from '../../../src/engine/reply';
import type { CorpusRow } from '../../../src/engine/reply';

const TSV = readFileSync(new URL('../../fixtures/replies/corpus.tsv', import.meta.url), 'utf8');
const rows = parseCorpus(TSV);
const train = rows.filter((r) => r.split === 'train');
const test = rows.filter((r) => r.split === 'test');

// Per-se revocation words in any case, as words of the text (the corpus's 100%-recall target).
const PER_SE_WORD =
  /(?:^|[^\p{L}])(?:stop|stopall|stop all|quit|end|revoke|opt[\s-]?out|cancel|unsubscribe|parar|paren|alto|baja|detener|cancelar|basta)(?:$|[^\p{L}])/iu;

function share(part: readonly CorpusRow[], whole: readonly CorpusRow[]): number {
  return part.length / whole.length;
}

describe('reply corpus', () => {
  it('has at least 500 rows, a third or more in Spanish, and ~30% held out', () => {
    expect(rows.length).toBeGreaterThanOrEqual(500);
    expect(
      share(
        rows.filter((r) => r.language === 'es'),
        rows,
      ),
    ).toBeGreaterThanOrEqual(0.35);
    expect(share(test, rows)).toBeGreaterThan(0.25);
    expect(share(test, rows)).toBeLessThan(0.35);
  });

  it('holds out rows of every intent in both languages', () => {
    for (const intent of REPLY_INTENTS) {
      for (const language of ['en', 'es'] as const) {
        const cell = rows.filter((r) => r.intent === intent && r.language === language);
        expect(
          cell.filter((r) => r.split === 'test').length,
          `${intent}/${language} test rows`,
        ).toBeGreaterThan(0);
        expect(
          cell.filter((r) => r.split === 'train').length,
          `${intent}/${language} train rows`,
        ).toBeGreaterThan(0);
      }
    }
  });

  it('holds out genuinely different wordings, not copies of training rows', () => {
    const key = (text: string): string =>
      text
        .toLowerCase()
        .normalize('NFD')
        .replace(/\p{M}/gu, '')
        .replace(/[^\p{L}\p{N}\p{So}]+/gu, ' ')
        .trim();
    const seen = new Set(train.map((r) => key(r.text)));
    expect(test.filter((r) => seen.has(key(r.text))).map((r) => r.text)).toEqual([]);
  });
});

describe('held-out targets', () => {
  const evaluation = evaluateClassifier(test);

  it('reaches at least 95% accuracy on the test split', () => {
    expect(evaluation.accuracy, JSON.stringify(evaluation.confusions, null, 1)).toBeGreaterThanOrEqual(0.95);
  });

  it('finds every opt-out row that contains a per-se word, with the per-se flag', () => {
    const perSeRows = test.filter((r) => r.intent === 'opt-out' && PER_SE_WORD.test(r.text));
    expect(perSeRows.length).toBeGreaterThanOrEqual(10);
    for (const row of perSeRows) {
      expect(classifyReply(row.text), row.text).toMatchObject({ intent: 'opt-out', perSeOptOut: true });
    }
  });

  it('finds every urgent row', () => {
    expect(evaluation.perIntent.urgent.support).toBeGreaterThan(0);
    expect(evaluation.perIntent.urgent.recall).toBe(1);
  });

  it('never confuses confirm and cancel, in either split', () => {
    const all = evaluateClassifier(rows);
    const flips = all.confusions.filter(
      (c) =>
        (c.expected === 'confirm' && c.actual === 'cancel') ||
        (c.expected === 'cancel' && c.actual === 'confirm'),
    );
    expect(flips).toEqual([]);
  });

  it('guesses the language of held-out rows', () => {
    const wrong = test.filter((r) => classifyReply(r.text).language !== r.language).map((r) => r.text);
    expect(wrong.length / test.length).toBeLessThanOrEqual(0.03);
  });
});

describe('training split', () => {
  it('stays covered by the rules it was written against', () => {
    const evaluation = evaluateClassifier(train);
    expect(evaluation.accuracy, JSON.stringify(evaluation.confusions, null, 1)).toBeGreaterThanOrEqual(0.98);
    expect(evaluation.perIntent.urgent.recall).toBe(1);
    expect(evaluation.perIntent['opt-out'].recall).toBe(1);
  });
});

describe('evaluateClassifier', () => {
  it('computes accuracy, precision, recall and support', () => {
    const evaluation = evaluateClassifier([
      { text: 'yes', intent: 'confirm' },
      { text: 'STOP', intent: 'opt-out' },
      { text: 'where do I park?', intent: 'confirm' },
      { text: 'X', intent: 'cancel' },
    ]);
    expect(evaluation.accuracy).toBe(0.75);
    expect(evaluation.perIntent.confirm).toEqual({ precision: 1, recall: 0.5, support: 2 });
    expect(evaluation.perIntent.question).toEqual({ precision: 0, recall: 1, support: 0 });
    expect(evaluation.perIntent.help).toEqual({ precision: 1, recall: 1, support: 0 });
    expect(evaluation.confusions).toEqual([
      { expected: 'confirm', actual: 'question', text: 'where do I park?' },
    ]);
  });

  it('scores an empty set as perfect rather than dividing by zero', () => {
    expect(evaluateClassifier([]).accuracy).toBe(1);
  });
});

describe('parseCorpus', () => {
  const header = 'text\tintent\tlanguage\tsplit';

  it('parses rows and skips blank lines', () => {
    expect(parseCorpus(`${header}\r\nyes\tconfirm\ten\ttrain\n\nSTOP\topt-out\ten\ttest\n`)).toEqual([
      { text: 'yes', intent: 'confirm', language: 'en', split: 'train' },
      { text: 'STOP', intent: 'opt-out', language: 'en', split: 'test' },
    ]);
  });

  it.each([
    ['yes\tconfirm\ten\ttrain', /line 1: expected header/],
    [`${header}\nyes\tconfirm\ten`, /line 2: expected 4 tab-separated columns, got 3/],
    [`${header}\nyes\tconfirm\ten\ttrain\textra`, /line 2: expected 4 tab-separated columns, got 5/],
    [`${header}\nyes\tconfirm\ten\ttrain\nhmm\tmaybe\ten\ttrain`, /line 3: unknown intent "maybe"/],
    [`${header}\nyes\tconfirm\tfr\ttrain`, /line 2: language must be en or es/],
    [`${header}\nyes\tconfirm\ten\tdev`, /line 2: split must be train or test/],
    [`${header}\n \tconfirm\ten\ttrain`, /line 2: empty text/],
    ['', /line 1: missing header/],
  ])('rejects a bad corpus with the line named (%#)', (tsv, message) => {
    expect(() => parseCorpus(tsv)).toThrow(message);
  });
});
