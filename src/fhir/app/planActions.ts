/**
 * Staff actions on an enrolment: pause, resume, stop. A pause puts the CarePlan on hold (the dispatcher's
 * send-time check then holds its messages); a stop goes through the engine's `staff-stopped` transition,
 * the same path the bots use, so pending messages are revoked and the outcome recorded.
 */

import type { MedplumClient } from '@medplum/core';
import type { Annotation, CarePlan, Reference } from '@medplum/fhirtypes';
import { applyEvent, type PracticeSettings, type WorkflowDefinition } from '../../engine';
import { loadEnrolmentState } from '../enrolmentState';
import { writeTransition } from '../writeChanges';

function note(text: string, at: string, by?: Reference): Annotation {
  return { text, time: at, ...(by ? { authorReference: by as Annotation['authorReference'] } : {}) };
}

function requireReason(reason: string): string {
  const r = reason.trim();
  if (!r) {
    throw new Error('Say why: a reason is required');
  }
  return r;
}

/** Pauses (`on-hold`) or resumes (`active`) a plan, with the reason kept as a note; version-checked. */
export async function setPlanPaused(
  medplum: MedplumClient,
  plan: CarePlan,
  paused: boolean,
  args: { reason: string; now: Date; by?: Reference },
): Promise<CarePlan> {
  const reason = requireReason(args.reason);
  if (paused && plan.status !== 'active') {
    throw new Error(`Only an active plan can be paused (this one is ${plan.status})`);
  }
  if (!paused && plan.status !== 'on-hold') {
    throw new Error(`Only a paused plan can be resumed (this one is ${plan.status})`);
  }
  const updated: CarePlan = {
    ...plan,
    status: paused ? 'on-hold' : 'active',
    note: [
      ...(plan.note ?? []),
      note(`${paused ? 'Paused' : 'Resumed'}: ${reason}`, args.now.toISOString(), args.by),
    ],
  };
  // If-Match: a bot that changed the plan meanwhile (a reply completed it) wins, and the user is told.
  return medplum.updateResource(
    updated,
    plan.meta?.versionId ? { headers: { 'If-Match': `W/"${plan.meta.versionId}"` } } : undefined,
  );
}

/** Stops a plan for good: pending messages revoked, planned tasks cancelled, outcome `stopped-by-staff`. */
export async function stopPlan(
  medplum: MedplumClient,
  plan: CarePlan,
  args: {
    definition: WorkflowDefinition;
    practice: PracticeSettings;
    reason: string;
    now: Date;
    by?: Reference;
  },
): Promise<void> {
  const reason = requireReason(args.reason);
  const state = await loadEnrolmentState(medplum, {
    carePlan: plan,
    definition: args.definition,
    practice: args.practice,
    now: args.now,
  });
  await writeTransition(
    medplum,
    applyEvent(state, { type: 'staff-stopped', reason, ...(args.by ? { by: args.by } : {}) }),
  );
}
