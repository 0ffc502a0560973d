/** Public surface of the reply classifier: read a patient's SMS reply into an intent. */
export { classifyReply } from './classifyReply';
export { parseCorpus } from './corpus';
export type { CorpusRow } from './corpus';
export { evaluateClassifier } from './evaluate';
export type { Evaluation, IntentScore } from './evaluate';
export { INTENT_PRIORITY, REPLY_INTENTS, isReplyIntent } from './intents';
export type { ReplyClassification, ReplyIntent, ReplyLanguage } from './intents';
