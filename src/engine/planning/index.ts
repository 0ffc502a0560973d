export { planEnrollment, SUPPORTED_LANGUAGES } from './planEnrollment';
export type { EnrollmentPlan, EnrollmentTrigger, PlanEnrollmentInput, PlannedStep } from './types';
export { enrolmentKey, stepKey, identifier, urnFor, ifNoneExist } from './identifiers';
export {
  buildCarePlan,
  buildCommunicationRequest,
  buildTask,
  channelOf,
  mediumFor,
  taskLabel,
} from './resources';
export { ageInYears, appointmentEnd, isTelehealth } from './facts';
