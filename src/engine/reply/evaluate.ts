import { classifyReply } from './classifyReply';
import { REPLY_INTENTS } from './intents';
import type { ReplyIntent } from './intents';

/** Precision, recall and number of expected rows for one intent. */
export interface IntentScore {
  /** Share of rows predicted as this intent that were right; 1 when nothing was predicted as it. */
  precision: number;
  /** Share of rows labelled with this intent that were found; 1 when there were none. */
  recall: number;
  support: number;
}

/** Scores of the classifier on labelled rows. */
export interface Evaluation {
  accuracy: number;
  perIntent: Record<ReplyIntent, IntentScore>;
  /** Every misread row, in input order. */
  confusions: Array<{ expected: ReplyIntent; actual: ReplyIntent; text: string }>;
}

/** Runs the classifier over labelled rows and scores it (accuracy, per-intent precision/recall, confusions). */
export function evaluateClassifier(rows: ReadonlyArray<{ text: string; intent: ReplyIntent }>): Evaluation {
  const tp = new Map<ReplyIntent, number>();
  const predicted = new Map<ReplyIntent, number>();
  const expected = new Map<ReplyIntent, number>();
  const confusions: Evaluation['confusions'] = [];
  let correct = 0;
  for (const row of rows) {
    const actual = classifyReply(row.text).intent;
    predicted.set(actual, (predicted.get(actual) ?? 0) + 1);
    expected.set(row.intent, (expected.get(row.intent) ?? 0) + 1);
    if (actual === row.intent) {
      correct++;
      tp.set(actual, (tp.get(actual) ?? 0) + 1);
    } else {
      confusions.push({ expected: row.intent, actual, text: row.text });
    }
  }
  const perIntent = {} as Record<ReplyIntent, IntentScore>;
  for (const intent of REPLY_INTENTS) {
    const hits = tp.get(intent) ?? 0;
    const guesses = predicted.get(intent) ?? 0;
    const support = expected.get(intent) ?? 0;
    perIntent[intent] = {
      precision: guesses === 0 ? 1 : hits / guesses,
      recall: support === 0 ? 1 : hits / support,
      support,
    };
  }
  return { accuracy: rows.length === 0 ? 1 : correct / rows.length, perIntent, confusions };
}
