export * from './types';
export { loadWorkflow } from './loadWorkflow';
export { WorkflowDefinitionError } from './errors';
export { parseDuration, stepDuration, shift, TIME_UNITS } from './duration';
export { ENROLMENT_OUTCOMES, type EnrolmentOutcome } from './outcomes';
