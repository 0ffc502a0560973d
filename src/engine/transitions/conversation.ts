/**
 * The stand-in for a reply that belongs to no enrolment (a patient texting out of the blue, or long after
 * a plan ended): compliance still applies in full — opt-out, HELP, urgent — and anything else becomes
 * work for a person.
 */

import type { CarePlan } from '@medplum/fhirtypes';
import { CARELOOP_BASE } from '../codes';
import type { WorkflowDefinition } from '../workflow/types';

/** A workflow with no steps and no branches: the engine's defaults decide every reply. */
export const CONVERSATION_WITHOUT_ENROLMENT: WorkflowDefinition = {
  url: `${CARELOOP_BASE}/PlanDefinition/conversation`,
  version: '1.0.0',
  name: 'conversation',
  title: 'Conversation outside a workflow',
  description: 'Replies that belong to no enrolment.',
  status: 'active',
  trigger: 'reply-received',
  purpose: 'follow-up',
  consentBasis: 'healthcare-exemption',
  conditions: [],
  steps: [],
  branches: [],
};

/** An unsaved CarePlan for such a reply; the caller never writes it (it has no id). */
export function conversationCarePlan(patientRef: string): CarePlan {
  return {
    resourceType: 'CarePlan',
    status: 'active',
    intent: 'plan',
    subject: { reference: patientRef as `Patient/${string}` },
    identifier: [{ value: `conversation:${patientRef}` }],
  };
}
