import { isReplyIntent } from './intents';
import type { ReplyIntent, ReplyLanguage } from './intents';

/** One labelled reply of the corpus. */
export interface CorpusRow {
  text: string;
  intent: ReplyIntent;
  language: ReplyLanguage;
  split: 'train' | 'test';
}

const HEADER = ['text', 'intent', 'language', 'split'];

/**
 * Parses the labelled reply corpus: a header line `text<TAB>intent<TAB>language<TAB>split`, then one reply
 * per line. Blank lines are skipped. Throws an Error naming the line on any malformed row, so a bad edit
 * to the fixture fails loudly instead of silently shrinking the benchmark.
 */
export function parseCorpus(tsv: string): CorpusRow[] {
  const lines = tsv.replace(/^\uFEFF/, '').split(/\r?\n/);
  const rows: CorpusRow[] = [];
  let sawHeader = false;
  lines.forEach((line, index) => {
    const where = `corpus line ${index + 1}`;
    if (line.trim() === '') return;
    const cells = line.split('\t');
    if (!sawHeader) {
      if (cells.join('\t') !== HEADER.join('\t')) {
        throw new Error(`${where}: expected header "${HEADER.join('<TAB>')}", got "${line}"`);
      }
      sawHeader = true;
      return;
    }
    if (cells.length !== 4)
      throw new Error(`${where}: expected 4 tab-separated columns, got ${cells.length}`);
    const [text = '', intent = '', language = '', split = ''] = cells;
    if (text.trim() === '') throw new Error(`${where}: empty text`);
    if (!isReplyIntent(intent)) throw new Error(`${where}: unknown intent "${intent}"`);
    if (language !== 'en' && language !== 'es')
      throw new Error(`${where}: language must be en or es, got "${language}"`);
    if (split !== 'train' && split !== 'test')
      throw new Error(`${where}: split must be train or test, got "${split}"`);
    rows.push({ text, intent, language, split });
  });
  if (!sawHeader) throw new Error('corpus line 1: missing header');
  return rows;
}
