/**
 * Gathering an enrolment's state for the engine's transitions: its definition, patient, appointment,
 * pending requests and planned tasks, consents, and what the patient was last asked. Searches run in
 * parallel; nothing is read per message.
 */

import type { MedplumClient } from '@medplum/core';
import type {
  Appointment,
  CarePlan,
  Communication,
  CommunicationRequest,
  Consent,
  Patient,
  Task,
} from '@medplum/fhirtypes';
import {
  buildTemplateContext,
  CONVERSATION_WITHOUT_ENROLMENT,
  conversationCarePlan,
  EXT,
  isCommunicationConsent,
  patientLanguage,
  resolveTimeZone,
  SUPPORTED_LANGUAGES,
  type EnrolmentState,
  type PracticeSettings,
  type WorkflowDefinition,
} from '../engine';

/** The workflow a CarePlan instantiates, from the loaded definitions (version-insensitive). */
export function definitionFor(
  carePlan: CarePlan,
  workflows: readonly WorkflowDefinition[],
): WorkflowDefinition | undefined {
  const url = carePlan.instantiatesCanonical?.[0]?.split('|')[0];
  return workflows.find((w) => w.url === url);
}

/** Loads everything applyEvent needs for one enrolment. */
export async function loadEnrolmentState(
  medplum: MedplumClient,
  args: {
    carePlan: CarePlan;
    definition: WorkflowDefinition;
    practice: PracticeSettings;
    now: Date;
    /** The appointment as the caller already has it (e.g. the one that triggered the bot). */
    appointment?: Appointment;
  },
): Promise<EnrolmentState> {
  const { carePlan, definition, practice } = args;
  const planRef = `CarePlan/${carePlan.id ?? ''}`;
  const patientId = carePlan.subject?.reference?.split('/')[1] ?? '';
  const appointmentId = carePlan.supportingInfo
    ?.map((r) => r.reference)
    .find((r) => r?.startsWith('Appointment/'))
    ?.split('/')[1];
  const [patient, pending, done, plannedTasks, consents, inbound, appointment] = await Promise.all([
    medplum.readResource('Patient', patientId),
    medplum.searchResources('CommunicationRequest', { 'based-on': planRef, status: 'active', _count: '100' }),
    medplum.searchResources('CommunicationRequest', {
      'based-on': planRef,
      status: 'completed',
      _sort: '-occurrence',
      _count: '1',
    }),
    medplum.searchResources('Task', { 'based-on': planRef, status: 'requested,draft', _count: '100' }),
    medplum.searchResources('Consent', { patient: `Patient/${patientId}`, status: 'active', _count: '100' }),
    medplum.searchResources('Communication', {
      'based-on': planRef,
      sender: `Patient/${patientId}`,
      _count: '100',
    }),
    args.appointment ?? (appointmentId ? medplum.readResource('Appointment', appointmentId) : undefined),
  ]);
  return enrolmentStateFrom({
    definition,
    carePlan,
    patient,
    ...(appointment ? { appointment } : {}),
    pendingRequests: pending,
    plannedTasks,
    practice,
    consents,
    lastCompleted: done[0],
    patientMessages: inbound,
    now: args.now.toISOString(),
  });
}

/**
 * The records one enrolment's state is made of, however they were read: what EnrolmentState holds as
 * read, plus what the derived parts come from.
 */
export interface EnrolmentRecords extends Pick<
  EnrolmentState,
  'definition' | 'carePlan' | 'patient' | 'appointment' | 'pendingRequests' | 'practice' | 'now'
> {
  /** The plan's requested and draft Tasks. */
  readonly plannedTasks: readonly Task[];
  /** The patient's active Consents (those not about communication are left out here). */
  readonly consents: readonly Consent[];
  /** The plan's most recently sent request: its step may be waiting for an answer. */
  readonly lastCompleted?: CommunicationRequest | undefined;
  /** What the patient sent about this plan. */
  readonly patientMessages: readonly Communication[];
}

/**
 * The engine's state from an enrolment's records: the question awaiting an answer, the count of replies
 * not understood, the patient's zone, language and template values. loadEnrolmentState reads the records
 * from FHIR; the sandbox history passes its in-memory ones, so both derive the state the same way.
 */
export function enrolmentStateFrom(records: EnrolmentRecords): EnrolmentState {
  const { definition, carePlan, patient, appointment, practice } = records;
  const zone = resolveTimeZone(patient, practice.timeZone).zone;
  const language = patientLanguage(patient, SUPPORTED_LANGUAGES, practice.defaultLanguage);
  const lastStep = records.lastCompleted?.extension?.find((e) => e.url === EXT.stepId)?.valueString;
  const awaiting = definition.steps.find((s) => s.id === lastStep && s.answerScale);
  return {
    definition,
    carePlan,
    patient,
    ...(appointment ? { appointment } : {}),
    pendingRequests: records.pendingRequests,
    plannedTasks: records.plannedTasks,
    practice,
    consents: records.consents.filter(isCommunicationConsent),
    unknownReplies: records.patientMessages.filter((c) => intentOf(c) === 'unknown').length,
    ...(awaiting ? { awaitingAnswer: awaiting.id } : {}),
    templateContext: buildTemplateContext({
      patient,
      ...(appointment ? { appointment } : {}),
      practice,
      timeZone: zone,
      language,
    }),
    language,
    now: records.now,
  };
}

/** State for a reply that belongs to no enrolment: the patient, consents and the practice's values only. */
export async function conversationState(
  medplum: MedplumClient,
  args: { patient: Patient; practice: PracticeSettings; now: Date },
): Promise<EnrolmentState> {
  const { patient, practice } = args;
  const patientRef = `Patient/${patient.id ?? ''}`;
  const consents = await medplum.searchResources('Consent', {
    patient: patientRef,
    status: 'active',
    _count: '100',
  });
  const zone = resolveTimeZone(patient, practice.timeZone).zone;
  const language = patientLanguage(patient, SUPPORTED_LANGUAGES, practice.defaultLanguage);
  return {
    definition: CONVERSATION_WITHOUT_ENROLMENT,
    carePlan: conversationCarePlan(patientRef),
    patient,
    pendingRequests: [],
    practice,
    consents: consents.filter(isCommunicationConsent),
    // Never clarify outside a workflow: there is no menu to point to.
    unknownReplies: 1,
    templateContext: buildTemplateContext({ patient, practice, timeZone: zone, language }),
    language,
    now: args.now.toISOString(),
  };
}

function intentOf(c: Communication): string | undefined {
  return c.extension?.find((e) => e.url === EXT.replyIntent)?.valueCode;
}
