/**
 * One engine event on a running enrolment, end to end: its state loaded, the event applied, the
 * transition written. The bots that act on an enrolment without replying to the patient go this way.
 */

import type { MedplumClient } from '@medplum/core';
import type { CarePlan } from '@medplum/fhirtypes';
import { applyEvent, type EngagementEvent, type PracticeSettings, type WorkflowDefinition } from '../engine';
import { loadEnrolmentState } from './enrolmentState';
import { writeTransition } from './writeChanges';

/** Applies `event` to the enrolment `carePlan` runs and writes what changed. */
export async function applyToEnrolment(
  medplum: MedplumClient,
  enrolment: { carePlan: CarePlan; definition: WorkflowDefinition; practice: PracticeSettings; now: Date },
  event: EngagementEvent,
): Promise<void> {
  const state = await loadEnrolmentState(medplum, enrolment);
  await writeTransition(medplum, applyEvent(state, event));
}
