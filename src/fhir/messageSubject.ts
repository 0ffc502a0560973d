/**
 * Email subjects. The engine renders a step's subject with its text when it plans the enrolment; the
 * CommunicationRequest has no element for it, so it is kept in an extension and read back at send time.
 */

import type { CommunicationRequest } from '@medplum/fhirtypes';
import { CARELOOP_BASE, EXT, type EnrollmentPlan, type WorkflowDefinition } from '../engine';

/** The planned email subject of a CommunicationRequest (valueString). */
export const MESSAGE_SUBJECT_EXT = `${CARELOOP_BASE}/StructureDefinition/message-subject`;

type Planned = Extract<EnrollmentPlan, { applicable: true }>;

/** The plan's requests with each step's rendered subject attached (steps without one are unchanged). */
export function requestsWithSubjects(plan: Planned): CommunicationRequest[] {
  const subjects = new Map(plan.steps.flatMap((s) => (s.subject ? [[s.key, s.subject] as const] : [])));
  return plan.communicationRequests.map((r) => {
    const subject = subjects.get(r.identifier?.[0]?.value ?? '');
    return subject ? withSubject(r, subject) : r;
  });
}

/** The request carrying `subject` as its email subject. */
export function withSubject(r: CommunicationRequest, subject: string): CommunicationRequest {
  return {
    ...r,
    extension: [
      ...(r.extension ?? []).filter((e) => e.url !== MESSAGE_SUBJECT_EXT),
      { url: MESSAGE_SUBJECT_EXT, valueString: subject },
    ],
  };
}

/** The request's planned subject, if it has one. */
export function plannedSubject(r: CommunicationRequest): string | undefined {
  const value = r.extension?.find((e) => e.url === MESSAGE_SUBJECT_EXT)?.valueString?.trim();
  return value ? value : undefined;
}

/**
 * The subject an email goes out with: the one planned with it; else the step's email subject when it
 * needs nothing but the practice's name (a request that fell back to email from another channel); else
 * a plain "A message from <practice>" in the patient's language.
 */
export function emailSubject(
  r: CommunicationRequest,
  context: { definition?: WorkflowDefinition; practiceName: string; language: string },
): string {
  const planned = plannedSubject(r);
  if (planned) return planned;
  const stepId = r.extension?.find((e) => e.url === EXT.stepId)?.valueString;
  const step = context.definition?.steps.find((s) => s.id === stepId);
  const templates = (step?.templates ?? []).filter(
    (t) => t.subject && (t.channel === 'email' || t.channel === undefined),
  );
  const template =
    templates.find((t) => t.language === context.language) ?? templates.find((t) => t.language === 'en');
  const filled = template?.subject?.replace(/\{\{\s*practice\.name\s*\}\}/g, context.practiceName);
  if (filled && !filled.includes('{{')) return filled;
  return context.language === 'es'
    ? `Un mensaje de ${context.practiceName}`
    : `A message from ${context.practiceName}`;
}
