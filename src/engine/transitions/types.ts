/** Events that move an enrolment on, the state they apply to, and the changes they produce. */

import type {
  Appointment,
  CarePlan,
  CommunicationRequest,
  Consent,
  Patient,
  Reference,
  Task,
} from '@medplum/fhirtypes';
import type { PracticeSettings } from '../policy/settings';
import type { ReplyClassification } from '../reply';
import type { TemplateContext } from '../template';
import type { Channel, WorkflowDefinition } from '../workflow/types';

/** Something that happened to an enrolment. */
export type EngagementEvent =
  | {
      readonly type: 'reply';
      readonly classification: ReplyClassification;
      readonly text: string;
      /** The inbound Communication, the source of any Consent it causes. */
      readonly communication: Reference;
      readonly channel: Channel;
    }
  | { readonly type: 'no-response'; readonly touches: number }
  | {
      readonly type: 'delivery-failed';
      readonly request: CommunicationRequest;
      readonly channel: Channel;
      /** Permanent failures (landline, invalid number, opted out at the carrier) are not retried. */
      readonly permanent: boolean;
      readonly reason: string;
      /** The carrier refused because the number opted out (Twilio 21610). */
      readonly carrierOptOut?: boolean;
      /** The number is a landline: texts to it will never arrive. */
      readonly landline?: boolean;
    }
  | { readonly type: 'appointment-moved'; readonly appointment: Appointment }
  | { readonly type: 'appointment-cancelled'; readonly appointment: Appointment }
  | { readonly type: 'appointment-noshow'; readonly appointment: Appointment }
  | { readonly type: 'appointment-fulfilled'; readonly appointment: Appointment }
  /** The patient booked another appointment (closes recovery, recall and reactivation loops). */
  | { readonly type: 'appointment-booked'; readonly appointment: Appointment }
  | {
      readonly type: 'survey-scored';
      /** 0–10. */
      readonly score: number;
      readonly comment?: string;
      readonly response: Reference;
    }
  | { readonly type: 'staff-stopped'; readonly reason: string; readonly by?: Reference };

/** What the engine needs to know about an enrolment to apply an event. */
export interface EnrolmentState {
  readonly definition: WorkflowDefinition;
  readonly carePlan: CarePlan;
  readonly patient: Patient;
  readonly appointment?: Appointment;
  /** The enrolment's CommunicationRequests still `active` (not yet sent). */
  readonly pendingRequests: readonly CommunicationRequest[];
  readonly practice: PracticeSettings;
  /** The patient's communication Consents, for channel fallback. */
  readonly consents?: readonly Consent[];
  /** Tasks the plan scheduled for later (e.g. a call at 48 h) that are not started yet. */
  readonly plannedTasks?: readonly Task[];
  /** The id of the last step sent that asked for a numeric answer (survey, check-in), if any. */
  readonly awaitingAnswer?: string;
  /** How many replies in this enrolment were already not understood (to clarify only once). */
  readonly unknownReplies?: number;
  /** Values for rendering acknowledgements and fallback messages (patient, appointment, practice, zone). */
  readonly templateContext: TemplateContext;
  /** The patient's message language. */
  readonly language: string;
  /** The current instant, ISO 8601. */
  readonly now: string;
}

/** A message to send straight back to the patient (acknowledgement, HELP, safety reply). */
export interface OutboundReply {
  readonly channel: Channel;
  readonly language: string;
  readonly text: string;
  /** Why it is sent, for the audit trail. */
  readonly purpose:
    | 'acknowledgement'
    | 'help'
    | 'opt-out-confirmation'
    | 'opt-in-confirmation'
    | 'safety'
    | 'clarify'
    | 'survey-thanks';
}

/** The changes an event produces; the caller writes them (FHIR) and sends the replies. */
export interface Transition {
  /** The appointment with its patient participant updated, to write back (and to the EHR where allowed). */
  readonly appointment?: Appointment;
  /** Pending requests, now revoked with the reason. */
  readonly revoked: readonly CommunicationRequest[];
  /** New requests (a fallback on another channel). */
  readonly requests: readonly CommunicationRequest[];
  readonly replies: readonly OutboundReply[];
  readonly consents: readonly Consent[];
  readonly tasks: readonly Task[];
  /** Planned tasks no longer needed because the plan ended, now cancelled with the reason. */
  readonly cancelledTasks: readonly Task[];
  /** The CarePlan updated (status, outcome), when it changed. */
  readonly carePlan?: CarePlan;
  /** What happened, in words, for the audit trail and the timeline. */
  readonly log: readonly string[];
}
