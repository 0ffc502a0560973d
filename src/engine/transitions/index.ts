export { applyEvent } from './applyEvent';
export type { EngagementEvent, EnrolmentState, OutboundReply, Transition } from './types';
export { CONVERSATION_WITHOUT_ENROLMENT, conversationCarePlan } from './conversation';
