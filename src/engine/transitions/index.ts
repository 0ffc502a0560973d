export { applyEvent } from './applyEvent';
export type { EngagementEvent, EnrolmentState, OutboundReply, Transition } from './types';
