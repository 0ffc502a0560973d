export { sendTimeCheck, type SendCheckInput, type SendDecision } from './sendTimeCheck';
export { answersDespiteOptOut, replyPurposeOf } from './complianceReplies';
