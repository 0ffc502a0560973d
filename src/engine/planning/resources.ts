/** Builders for the FHIR resources an enrolment plan creates: CarePlan, CommunicationRequest, Task. */

import type {
  CarePlan,
  CareTeam,
  Organization,
  Patient,
  Practitioner,
  PractitionerRole,
  CodeableConcept,
  CommunicationRequest,
  Extension,
  Reference,
  Task,
} from '@medplum/fhirtypes';
import { CS, EXT, MEDIUM_SYSTEM } from '../codes';
import type { Channel, TaskSpec, WorkflowDefinition } from '../workflow/types';
import { identifier, urnFor } from './identifiers';

const V3_MEDIUM: Partial<Record<Channel, string>> = { email: 'EMAILWRIT', voice: 'PHONE' };

/** CommunicationRequest.medium for a channel: Careloop's code, plus v3 ParticipationMode where one fits. */
export function mediumFor(channel: Channel): CodeableConcept {
  const v3 = V3_MEDIUM[channel];
  return {
    coding: [{ system: CS.channel, code: channel }, ...(v3 ? [{ system: MEDIUM_SYSTEM, code: v3 }] : [])],
    text: channel,
  };
}

/** The channel a CommunicationRequest or Communication was planned for. */
export function channelOf(resource: { medium?: CodeableConcept[] }): Channel | undefined {
  const code = resource.medium?.flatMap((m) => m.coding ?? []).find((c) => c.system === CS.channel)?.code;
  return code === 'sms' || code === 'voice' || code === 'email' ? code : undefined;
}

function purposeCategory(def: WorkflowDefinition): CodeableConcept[] {
  return [{ coding: [{ system: CS.purpose, code: def.purpose }], text: def.title }];
}

/** The workflow purpose an enrolment's CarePlan was filed under (its category), if any. */
export function carePlanPurpose(plan: CarePlan | undefined): string | undefined {
  return plan?.category?.flatMap((c) => c.coding ?? []).find((c) => c.system === CS.purpose)?.code;
}

/** Builds the enrolment's CarePlan; `activities` are the urn:uuid references of its requests and tasks. */
export function buildCarePlan(args: {
  def: WorkflowDefinition;
  key: string;
  patient: Reference<Patient>;
  appointment?: Reference;
  now: string;
  /** The enrolment's requests and tasks, by urn:uuid or reference. */
  activities: readonly { reference: string; type: 'CommunicationRequest' | 'Task' }[];
  author?: Reference<Practitioner | PractitionerRole>;
}): CarePlan {
  const { def } = args;
  return {
    resourceType: 'CarePlan',
    identifier: [identifier('enrolment', args.key)],
    status: 'active',
    intent: 'plan',
    title: def.title,
    instantiatesCanonical: [def.version ? `${def.url}|${def.version}` : def.url],
    category: purposeCategory(def),
    subject: args.patient,
    period: { start: args.now },
    created: args.now,
    ...(args.author ? { author: args.author } : {}),
    ...(args.appointment ? { supportingInfo: [args.appointment] } : {}),
    activity: args.activities.map((ref) => ({ reference: ref })),
  };
}

/** Extensions recording why a planned step is where it is. */
export function stepExtensions(
  stepId: string,
  nominalAt: string | undefined,
  reasons: readonly string[],
): Extension[] {
  return [
    { url: EXT.stepId, valueString: stepId },
    ...(nominalAt ? [{ url: EXT.nominalTime, valueDateTime: nominalAt }] : []),
    ...reasons.map((r) => ({ url: EXT.scheduleReason, valueString: r })),
  ];
}

/** Builds a planned message: active with its due time, or revoked with the reason it was skipped. */
export function buildCommunicationRequest(args: {
  def: WorkflowDefinition;
  enrolmentKey: string;
  key: string;
  stepId: string;
  patient: Reference<Patient>;
  appointment?: Reference;
  sender?: Reference<Organization>;
  now: string;
  status: 'active' | 'revoked';
  at?: string;
  nominalAt?: string;
  channel?: Channel;
  text?: string;
  segments?: number;
  reasons: readonly string[];
}): CommunicationRequest {
  const extension = stepExtensions(args.stepId, args.nominalAt, args.reasons);
  if (args.segments !== undefined) {
    extension.push({ url: EXT.segments, valueInteger: args.segments });
  }
  return {
    resourceType: 'CommunicationRequest',
    extension,
    identifier: [identifier('request', args.key)],
    groupIdentifier: identifier('enrolment', args.enrolmentKey),
    basedOn: [{ reference: urnFor('enrolment', args.enrolmentKey), type: 'CarePlan' }],
    status: args.status,
    ...(args.status === 'revoked' ? { statusReason: { text: args.reasons.at(-1) ?? 'skipped' } } : {}),
    category: purposeCategory(args.def),
    priority: 'routine',
    ...(args.channel ? { medium: [mediumFor(args.channel)] } : {}),
    subject: args.patient,
    recipient: [args.patient],
    ...(args.sender ? { sender: args.sender } : {}),
    ...(args.appointment ? { about: [args.appointment] } : {}),
    ...(args.at ? { occurrenceDateTime: args.at } : {}),
    authoredOn: args.now,
    ...(args.text ? { payload: [{ contentString: args.text }] } : {}),
  };
}

const TASK_LABELS: Record<string, string> = {
  'call-patient': 'Call the patient',
  reschedule: 'Reschedule the appointment',
  cancellation: 'Cancel the appointment in the EHR',
  'staff-reply': 'Reply to the patient',
  'urgent-reply': 'Urgent: patient message may be an emergency',
  'survey-escalation': 'Follow up on a low survey score',
  'fix-contact': "Fix the patient's contact details",
  'consent-review': "Check the patient's messaging preferences",
  'ready-to-schedule': 'Schedule the patient',
  'manual-outreach': 'Reach the patient another way',
  'billing-follow-up': 'Follow up on the bill',
};

/** The label a coordinator sees for a task kind. */
export function taskLabel(kind: string): string {
  return TASK_LABELS[kind] ?? kind;
}

/** Builds a Task for a person: kind, queue (performerType, owner if the practice mapped the queue), due. */
export function buildTask(args: {
  spec: TaskSpec;
  key: string;
  /** Absent when the work is to find out who the patient is. */
  patient?: Reference<Patient>;
  focus?: Reference;
  /** Reference (or urn:uuid) of the enrolment's CarePlan. */
  carePlan?: string;
  owner?: Reference<CareTeam | Organization | Practitioner | PractitionerRole>;
  now: string;
  /** When the work becomes actionable (a planned call at 48 h), if not now. */
  start?: string;
  description?: string;
  reasons?: readonly string[];
  stepId?: string;
  /**
   * The workflow purpose, kept as a tag: a worklist filters tasks by workflow with a plain search, since
   * following Task.basedOn to the CarePlan needs chained search, which not every FHIR server has.
   */
  purpose?: string;
}): Task {
  const start = args.start ?? args.now;
  const due = new Date(Date.parse(start) + args.spec.dueIn.ms).toISOString();
  return {
    resourceType: 'Task',
    ...(args.purpose ? { meta: { tag: [{ system: CS.purpose, code: args.purpose }] } } : {}),
    ...(args.stepId ? { extension: stepExtensions(args.stepId, undefined, args.reasons ?? []) } : {}),
    identifier: [identifier('task', args.key)],
    ...(args.carePlan ? { basedOn: [{ reference: args.carePlan, type: 'CarePlan' }] } : {}),
    status: 'requested',
    businessStatus: { coding: [{ system: CS.businessStatus, code: 'new' }], text: 'New' },
    intent: 'order',
    priority: args.spec.priority,
    code: { coding: [{ system: CS.taskKind, code: args.spec.kind }], text: taskLabel(args.spec.kind) },
    description: args.description ?? args.spec.description ?? taskLabel(args.spec.kind),
    ...(args.patient ? { for: args.patient } : {}),
    ...(args.focus ? { focus: args.focus } : {}),
    authoredOn: args.now,
    executionPeriod: { start },
    restriction: { period: { end: due } },
    performerType: [{ coding: [{ system: CS.queue, code: args.spec.queue }], text: args.spec.queue }],
    ...(args.owner ? { owner: args.owner } : {}),
  };
}
