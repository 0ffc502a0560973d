/**
 * What every Careloop bot loads first: the practice's settings and its active workflows. Read in
 * parallel, with broken workflow definitions reported and skipped rather than stopping the bot.
 */

import type { BotEvent, MedplumClient } from '@medplum/core';
import type { PracticeSettings, WorkflowDefinition } from '../engine';
import { loadPracticeSettings } from '../fhir/practice';
import { loadActiveWorkflows } from '../fhir/workflows';
import { requireSecret } from './runtime';

/** The practice a bot serves and the workflows it runs. */
export interface BotSetup {
  readonly practice: PracticeSettings;
  readonly workflows: WorkflowDefinition[];
}

/** Loads the practice named by the `CARELOOP_ORGANIZATION` secret and the active workflows. */
export async function loadBotSetup(
  medplum: MedplumClient,
  event: BotEvent,
  botName: string,
): Promise<BotSetup> {
  const organization = requireSecret(event.secrets, 'CARELOOP_ORGANIZATION');
  const [practice, { workflows, errors }] = await Promise.all([
    loadPracticeSettings(medplum, organization),
    loadActiveWorkflows(medplum),
  ]);
  for (const e of errors) {
    console.warn(`${botName}: workflow ${e.url} skipped: ${e.message}`);
  }
  return { practice, workflows };
}
