export { sendTimeCheck, type SendCheckInput, type SendDecision } from './sendTimeCheck';
