/**
 * Everything Careloop holds about one patient, for the chart panel: plans, planned and sent messages,
 * replies, tasks and consents. Five searches in parallel, bounded by `_count`; nothing per plan.
 */

import type { MedplumClient } from '@medplum/core';
import type { CarePlan, Communication, CommunicationRequest, Consent, Task } from '@medplum/fhirtypes';
import { isCommunicationConsent } from '../../engine';

/** A patient's engagement records in Medplum. */
export interface Engagement {
  readonly carePlans: CarePlan[];
  readonly requests: CommunicationRequest[];
  readonly communications: Communication[];
  readonly tasks: Task[];
  readonly consents: Consent[];
}

/** Loads the patient's engagement records (most recent first, bounded). */
export async function loadEngagement(medplum: MedplumClient, patientId: string): Promise<Engagement> {
  const ref = `Patient/${patientId}`;
  const [carePlans, requests, communications, tasks, consents] = await Promise.all([
    medplum.searchResources('CarePlan', { subject: ref, _sort: '-_lastUpdated', _count: '50' }),
    medplum.searchResources('CommunicationRequest', { subject: ref, _count: '500' }),
    medplum.searchResources('Communication', { subject: ref, _count: '500' }),
    medplum.searchResources('Task', { patient: ref, _sort: '-_lastUpdated', _count: '200' }),
    medplum.searchResources('Consent', { patient: ref, _count: '100' }),
  ]);
  return {
    carePlans,
    requests,
    communications,
    tasks,
    consents: consents.filter(isCommunicationConsent),
  };
}

/** Active consents only, as the engine reads them. */
export function activeConsents(engagement: Engagement): Consent[] {
  return engagement.consents.filter((c) => c.status === 'active');
}
