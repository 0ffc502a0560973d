/** Inputs and outputs of planning an enrolment. */

import type {
  Appointment,
  CarePlan,
  CommunicationRequest,
  Consent,
  Location,
  Patient,
  Practitioner,
  PractitionerRole,
  Reference,
  Task,
} from '@medplum/fhirtypes';
import type { OutboundRecord } from '../policy/caps';
import type { PracticeSettings } from '../policy/settings';
import type { Channel, WorkflowDefinition, WorkflowTrigger } from '../workflow/types';

/** What started the enrolment. */
export interface EnrollmentTrigger {
  readonly kind: WorkflowTrigger;
  /** The appointment for appointment-triggered workflows. */
  readonly appointment?: Appointment;
  /** Where the appointment is, for `{{location.*}}`. */
  readonly location?: Location;
  /** For cohort and manual enrolments: which run this is (`recall-due:2026-11`), so a repeat is idempotent. */
  readonly runKey?: string;
  /** Who enrolled the patient by hand. */
  readonly enrolledBy?: Reference<Practitioner | PractitionerRole>;
}

/** Everything planning needs; the caller gathers it, the engine decides. */
export interface PlanEnrollmentInput {
  readonly definition: WorkflowDefinition;
  readonly patient: Patient;
  readonly trigger: EnrollmentTrigger;
  readonly practice: PracticeSettings;
  /** Outbound messages already sent or scheduled for this patient (all workflows), for caps. */
  readonly history: readonly OutboundRecord[];
  /** The patient's communication Consents. */
  readonly consents: readonly Consent[];
  /** The current instant, ISO 8601. The engine never reads a clock. */
  readonly now: string;
  /** True when the patient has no fulfilled visit before this one (the caller can see the history). */
  readonly newPatient?: boolean;
}

/** One occurrence of one step, as decided. */
export interface PlannedStep {
  readonly stepId: string;
  readonly occurrence: number;
  readonly title: string;
  readonly kind: 'message' | 'task';
  readonly status: 'scheduled' | 'skipped';
  /** When it goes out (scheduled) or would have (skipped), ISO with the patient's offset. */
  readonly at?: string;
  /** The time the definition asked for before any policy moved it. */
  readonly nominalAt?: string;
  readonly channel?: Channel;
  /** Address it goes to (E.164 or email) when scheduled. */
  readonly address?: string;
  /** Rendered text and SMS segments, for previews. */
  readonly text?: string;
  readonly subject?: string;
  readonly segments?: number;
  /** Every decision that shaped this step, in words ("moved from 07:10 to 08:00: quiet hours"). */
  readonly reasons: readonly string[];
  /** The identifier value of the resource this step produces. */
  readonly key: string;
}

/** The result of planning: the resources to create (not yet written) and the decisions behind them. */
export type EnrollmentPlan =
  | {
      readonly applicable: true;
      readonly key: string;
      readonly timeZone: string;
      readonly language: string;
      /** Reasons that apply to the whole plan (time zone fallback, etc.). */
      readonly notes: readonly string[];
      readonly steps: readonly PlannedStep[];
      readonly carePlan: CarePlan;
      readonly communicationRequests: readonly CommunicationRequest[];
      readonly tasks: readonly Task[];
    }
  | {
      readonly applicable: false;
      readonly key: string;
      /** Why the patient cannot be enrolled in this workflow now. */
      readonly reasons: readonly string[];
    };
