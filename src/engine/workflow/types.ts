/**
 * The typed model of a workflow definition, read from a PlanDefinition and its ActivityDefinitions by
 * `loadWorkflow`. Everything downstream (planning, transitions, the app's library view) uses this model,
 * never the raw FHIR, so the profile is interpreted in exactly one place.
 */

import type { ReplyIntent } from '../reply';
import type { EnrolmentOutcome } from './outcomes';

/** What starts an enrolment. */
export type WorkflowTrigger =
  | 'appointment-booked'
  | 'appointment-rescheduled'
  | 'appointment-cancelled'
  | 'appointment-noshow'
  | 'appointment-fulfilled'
  | 'survey-submitted'
  | 'reply-received'
  | 'cohort-due'
  | 'manual';

/** Every trigger code, in the order the profile documents them. */
export const WORKFLOW_TRIGGERS: readonly WorkflowTrigger[] = [
  'appointment-booked',
  'appointment-rescheduled',
  'appointment-cancelled',
  'appointment-noshow',
  'appointment-fulfilled',
  'survey-submitted',
  'reply-received',
  'cohort-due',
  'manual',
];

/** True for triggers that come with an appointment (its steps may be timed from it). */
export function isAppointmentTrigger(trigger: WorkflowTrigger): boolean {
  return trigger.startsWith('appointment-');
}

/** The purpose a message serves; frequency caps count per patient and purpose (TCPA). */
export type WorkflowPurpose =
  | 'reminder'
  | 'onboarding'
  | 'follow-up'
  | 'chronic-care'
  | 'recall'
  | 'no-show-recovery'
  | 'feedback'
  | 'billing'
  | 'telehealth'
  | 'reactivation';

/** Every purpose code. */
export const WORKFLOW_PURPOSES: readonly WorkflowPurpose[] = [
  'reminder',
  'onboarding',
  'follow-up',
  'chronic-care',
  'recall',
  'no-show-recovery',
  'feedback',
  'billing',
  'telehealth',
  'reactivation',
];

/**
 * Why the practice may message the patient: the TCPA healthcare exemption (treatment messages), or prior
 * express consent that must exist as a permit Consent for the purpose (billing, marketing-like outreach).
 */
export type ConsentBasis = 'healthcare-exemption' | 'prior-express-consent';

/** Outbound channels Careloop can use. */
export type Channel = 'sms' | 'voice' | 'email';

/** Every channel code. */
export const CHANNELS: readonly Channel[] = ['sms', 'voice', 'email'];

/** What a step's time is measured from. */
export type TimingAnchor = 'before-start' | 'after-start' | 'after-end' | 'after-enrolment';

/** What to do with a step whose time has already passed when the enrolment is planned. */
export type LatePolicy = 'pull-in' | 'skip';

/** Appointment states that suppress a step that names them in `stop-when`. */
export type StopCondition = 'confirmed' | 'cancelled' | 'fulfilled' | 'noshow';

/**
 * A duration as written (value and UCUM unit), its length in milliseconds, and a label for reasons
 * ("3 days"). Days and weeks are calendar units when applied to a local time: "1 day before 08:15" is
 * 08:15 the day before even across a DST change, while "24 h" is exactly 24 hours.
 */
export interface StepDuration {
  readonly value: number;
  readonly unit: 'min' | 'h' | 'd' | 'wk';
  readonly ms: number;
  readonly label: string;
}

/** When a step happens, relative to its anchor, possibly repeating (check-ins). */
export interface StepTiming {
  readonly anchor: TimingAnchor;
  readonly offset: StepDuration;
  /** For repeating steps: how many occurrences and how far apart. */
  readonly repeat?: { readonly count: number; readonly every: StepDuration };
  /** Local wall-clock time ("10:00") the message should go at on the computed day, if set. */
  readonly timeOfDay?: string;
  readonly latePolicy: LatePolicy;
}

/** One message text in one language, for one channel or (channel absent) any channel. */
export interface MessageTemplate {
  readonly language: string;
  readonly channel?: Channel;
  readonly subject?: string;
  readonly body: string;
}

/** A step of a workflow: a message to send (CommunicationRequest) or work for a person (Task). */
export interface WorkflowStep {
  /** `PlanDefinition.action.id`, stable: it is part of every identifier the step produces. */
  readonly id: string;
  readonly title: string;
  readonly kind: 'message' | 'task';
  /** Canonical URL of the ActivityDefinition this step was read from. */
  readonly activity: string;
  readonly timing: StepTiming;
  /** Channels in the order the workflow prefers them; the patient's preference may reorder them. */
  readonly channels: readonly Channel[];
  readonly templates: readonly MessageTemplate[];
  /** FHIRPath applicability conditions (all must hold), with their human-readable description. */
  readonly conditions: readonly FhirPathCondition[];
  readonly stopWhen: readonly StopCondition[];
  /** For survey steps: the Questionnaire the reply answers. */
  readonly questionnaire?: string;
  /** For one-question survey and check-in steps: how a numeric reply is read (before intent). */
  readonly answerScale?: AnswerScale;
  /** For task steps: the kind of work, the queue and the priority. */
  readonly task?: TaskSpec;
}

/**
 * A numeric answer a step asks for by text ("Reply 0 to 10"). A reply that is a number in range is an
 * answer, not a menu choice: a "3" to a check-in must never be read as "reschedule".
 */
export interface AnswerScale {
  readonly min: number;
  readonly max: number;
  /** Answers at or below this open the task. */
  readonly escalateAtOrBelow: number;
  readonly task: TaskSpec;
  /** A survey ends its enrolment when answered; a check-in goes on. */
  readonly endsEnrolment: boolean;
}

/** A FHIRPath expression with the description shown when it excludes a patient or a step. */
export interface FhirPathCondition {
  readonly expression: string;
  readonly description: string;
}

/** Kinds of human work Careloop creates. */
export type TaskKind =
  | 'call-patient'
  | 'reschedule'
  | 'cancellation'
  | 'staff-reply'
  | 'urgent-reply'
  | 'survey-escalation'
  | 'fix-contact'
  | 'consent-review'
  | 'ready-to-schedule'
  | 'manual-outreach'
  | 'billing-follow-up';

/** Every task kind. */
export const TASK_KINDS: readonly TaskKind[] = [
  'call-patient',
  'reschedule',
  'cancellation',
  'staff-reply',
  'urgent-reply',
  'survey-escalation',
  'fix-contact',
  'consent-review',
  'ready-to-schedule',
  'manual-outreach',
  'billing-follow-up',
];

/** Task priority, as FHIR's request-priority codes. */
export type TaskPriority = 'routine' | 'urgent' | 'asap' | 'stat';

/** What a Task a workflow creates looks like. */
export interface TaskSpec {
  readonly kind: TaskKind;
  /** Work queue code (e.g. `access`, `front-office`, `care-coordination`, `clinical-triage`, `billing`). */
  readonly queue: string;
  readonly priority: TaskPriority;
  /** How long until the task is due, from its creation. */
  readonly dueIn: StepDuration;
  readonly description?: string;
}

/** What the engine does with a reply of a given intent in this workflow. */
export type BranchAction =
  'confirm-appointment' | 'cancel-appointment' | 'create-task' | 'complete' | 'acknowledge';

/** A response branch: intent → action, optional task, optional acknowledgement text, outcome. */
export interface ResponseBranch {
  readonly intent: ReplyIntent;
  readonly action: BranchAction;
  readonly task?: TaskSpec;
  /** Acknowledgement per language, sent straight back to the patient. */
  readonly replies: readonly MessageTemplate[];
  /** Outcome code the enrolment completes with, if this branch ends it. */
  readonly outcome?: EnrolmentOutcome;
}

/** A workflow definition, ready for planning. */
export interface WorkflowDefinition {
  readonly url: string;
  readonly version: string;
  /** `PlanDefinition.name`, a code-like short name used in identifiers. */
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly status: 'draft' | 'active' | 'retired' | 'unknown';
  readonly trigger: WorkflowTrigger;
  readonly purpose: WorkflowPurpose;
  readonly consentBasis: ConsentBasis;
  /** For cohort workflows: which cohort the daily cohort bot selects. */
  readonly cohort?: string;
  readonly conditions: readonly FhirPathCondition[];
  readonly steps: readonly WorkflowStep[];
  readonly branches: readonly ResponseBranch[];
  /** After this many message touches with no reply, the engine creates this task. */
  readonly noResponse?: { readonly touches: number; readonly task: TaskSpec };
}
