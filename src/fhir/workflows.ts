/** Loading the practice's active workflow definitions from Medplum into the engine's model. */

import type { MedplumClient } from '@medplum/core';
import type { ActivityDefinition, PlanDefinition } from '@medplum/fhirtypes';
import { loadWorkflow, type WorkflowDefinition } from '../engine';

/** Workflows that loaded, and the definitions that did not with the reason (they are skipped, not fatal). */
export interface LoadedWorkflows {
  readonly workflows: WorkflowDefinition[];
  readonly errors: { url: string; message: string }[];
}

/** Reads every active workflow-definition PlanDefinition and the ActivityDefinitions its steps name. */
export async function loadActiveWorkflows(medplum: MedplumClient): Promise<LoadedWorkflows> {
  const plans = await medplum.searchResources('PlanDefinition', { status: 'active', _count: '200' });
  const urls = [
    ...new Set(plans.flatMap((p) => (p.action ?? []).map((a) => a.definitionCanonical?.split('|')[0] ?? ''))),
  ].filter((u) => u !== '');
  const activities: ActivityDefinition[] = urls.length
    ? await medplum.searchResources('ActivityDefinition', { url: urls.join(','), _count: '500' })
    : [];
  return buildWorkflows(plans, activities);
}

/** Loads each plan with the activities; a broken definition is reported and skipped. */
export function buildWorkflows(
  plans: readonly PlanDefinition[],
  activities: readonly ActivityDefinition[],
): LoadedWorkflows {
  const workflows: WorkflowDefinition[] = [];
  const errors: { url: string; message: string }[] = [];
  for (const plan of plans) {
    if (!plan.type?.coding?.some((c) => c.code === 'workflow-definition')) {
      continue;
    }
    try {
      workflows.push(loadWorkflow(plan, activities));
    } catch (err) {
      errors.push({ url: plan.url ?? `PlanDefinition/${plan.id ?? '?'}`, message: (err as Error).message });
    }
  }
  return { workflows, errors };
}
