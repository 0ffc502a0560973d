/**
 * Canonical URLs and code systems of Careloop's FHIR profile. Everything the bots, the app and the
 * reports exchange is keyed by these, so they live in one place.
 */

/** Base of every Careloop canonical URL (profiles, code systems, identifiers). */
export const CARELOOP_BASE = 'https://careloop.health/fhir';

/** Extension URLs of the workflow-definition profile (see docs/workflow-definitions.md). */
export const EXT = {
  trigger: `${CARELOOP_BASE}/StructureDefinition/workflow-trigger`,
  purpose: `${CARELOOP_BASE}/StructureDefinition/workflow-purpose`,
  consentBasis: `${CARELOOP_BASE}/StructureDefinition/consent-basis`,
  cohort: `${CARELOOP_BASE}/StructureDefinition/workflow-cohort`,
  applicability: `${CARELOOP_BASE}/StructureDefinition/workflow-applicability`,
  noResponse: `${CARELOOP_BASE}/StructureDefinition/no-response-escalation`,
  responseBranch: `${CARELOOP_BASE}/StructureDefinition/response-branch`,
  timingAnchor: `${CARELOOP_BASE}/StructureDefinition/timing-anchor`,
  timingOffset: `${CARELOOP_BASE}/StructureDefinition/timing-offset`,
  sendTimeOfDay: `${CARELOOP_BASE}/StructureDefinition/send-time-of-day`,
  latePolicy: `${CARELOOP_BASE}/StructureDefinition/late-policy`,
  stopWhen: `${CARELOOP_BASE}/StructureDefinition/stop-when`,
  channel: `${CARELOOP_BASE}/StructureDefinition/channel`,
  messageTemplate: `${CARELOOP_BASE}/StructureDefinition/message-template`,
  questionnaire: `${CARELOOP_BASE}/StructureDefinition/questionnaire`,
  answerScale: `${CARELOOP_BASE}/StructureDefinition/answer-scale`,
  taskQueue: `${CARELOOP_BASE}/StructureDefinition/task-queue`,
  taskDue: `${CARELOOP_BASE}/StructureDefinition/task-due`,
  // Written on planned resources so the timeline can explain itself.
  stepId: `${CARELOOP_BASE}/StructureDefinition/step-id`,
  nominalTime: `${CARELOOP_BASE}/StructureDefinition/nominal-time`,
  scheduleReason: `${CARELOOP_BASE}/StructureDefinition/schedule-reason`,
  workflowPurpose: `${CARELOOP_BASE}/StructureDefinition/workflow-purpose`,
  segments: `${CARELOOP_BASE}/StructureDefinition/sms-segments`,
  replyIntent: `${CARELOOP_BASE}/StructureDefinition/reply-intent`,
  outcome: `${CARELOOP_BASE}/StructureDefinition/enrolment-outcome`,
  consentSource: `${CARELOOP_BASE}/StructureDefinition/consent-source`,
  // Written by the dispatcher on requests and Communications.
  dispatchClaim: `${CARELOOP_BASE}/StructureDefinition/dispatch-claim`,
  dispatchAttempts: `${CARELOOP_BASE}/StructureDefinition/dispatch-attempts`,
  deliveryStatus: `${CARELOOP_BASE}/StructureDefinition/delivery-status`,
  triedChannel: `${CARELOOP_BASE}/StructureDefinition/tried-channel`,
  /** On a reply queued for dispatch: why it is sent (valueCode: acknowledgement, help, opt-out-confirmation…). */
  replyPurpose: `${CARELOOP_BASE}/StructureDefinition/reply-purpose`,
  /** FHIR's own time zone extension (IANA code) on Patient and Organization. */
  timeZone: 'http://hl7.org/fhir/StructureDefinition/tz-code',
} as const;

/** Code systems Careloop defines (their CodeSystem resources live in fhir-resources/). */
export const CS = {
  trigger: `${CARELOOP_BASE}/CodeSystem/workflow-trigger`,
  purpose: `${CARELOOP_BASE}/CodeSystem/workflow-purpose`,
  consentBasis: `${CARELOOP_BASE}/CodeSystem/consent-basis`,
  timingAnchor: `${CARELOOP_BASE}/CodeSystem/timing-anchor`,
  channel: `${CARELOOP_BASE}/CodeSystem/channel`,
  taskKind: `${CARELOOP_BASE}/CodeSystem/task-kind`,
  businessStatus: `${CARELOOP_BASE}/CodeSystem/business-status`,
  replyIntent: `${CARELOOP_BASE}/CodeSystem/reply-intent`,
  outcome: `${CARELOOP_BASE}/CodeSystem/enrolment-outcome`,
  branchAction: `${CARELOOP_BASE}/CodeSystem/branch-action`,
  queue: `${CARELOOP_BASE}/CodeSystem/work-queue`,
  consentCategory: `${CARELOOP_BASE}/CodeSystem/consent-category`,
  cohort: `${CARELOOP_BASE}/CodeSystem/cohort`,
  stopWhen: `${CARELOOP_BASE}/CodeSystem/stop-when`,
} as const;

/** Identifier systems for the deterministic identifiers that make every create idempotent. */
export const ID_SYSTEM = {
  enrolment: `${CARELOOP_BASE}/identifier/enrolment`,
  request: `${CARELOOP_BASE}/identifier/communication-request`,
  task: `${CARELOOP_BASE}/identifier/task`,
  consent: `${CARELOOP_BASE}/identifier/consent`,
  thread: `${CARELOOP_BASE}/identifier/thread`,
  providerMessage: `${CARELOOP_BASE}/identifier/provider-message`,
} as const;

/** v3 ParticipationMode codes used for CommunicationRequest.medium / Communication.medium. */
export const MEDIUM_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationMode';

/** UCUM, for Durations in timing. */
export const UCUM = 'http://unitsofmeasure.org';
