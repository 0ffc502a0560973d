/**
 * The deployable bot definitions the sandbox runs: Bot and Subscription resources from
 * `fhir-resources/bots/` and, from `medplum.config.json`, the source file whose `handler` each Bot runs.
 */

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BotEvent, MedplumClient } from '@medplum/core';
import type { Bot, Subscription } from '@medplum/fhirtypes';

/** The repository root (this file is src/sandbox/bots/definitions.ts). */
export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** A bot handler as Medplum calls it. */
export type BotHandler = (medplum: MedplumClient, event: BotEvent) => Promise<unknown>;

/** One bot: its resource (without id) and where its handler lives. */
export interface BotDefinition {
  readonly name: string;
  readonly resource: Bot;
  /** Repository-relative source path from medplum.config.json, e.g. `src/bots/dispatch.ts`. */
  readonly source: string;
}

/** The tag that names a deployed Subscription (`meta.tag` with this system, code = file name). */
export const DEPLOYMENT_TAG_SYSTEM = 'https://careloop.health/fhir/deployment';

function readJsonDir<T>(dir: string): T[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as T);
}

/** Reads every Bot with its source file; a Bot without an entry in medplum.config.json is an error. */
export function loadBotDefinitions(root: string = REPO_ROOT): BotDefinition[] {
  const config = JSON.parse(readFileSync(join(root, 'medplum.config.json'), 'utf8')) as {
    bots: { name: string; source: string }[];
  };
  const sources = new Map(config.bots.map((b) => [b.name, b.source]));
  return readJsonDir<Bot>(join(root, 'fhir-resources/bots/bots')).map((resource) => {
    const name = resource.name ?? '';
    const source = sources.get(name);
    if (!source) throw new Error(`bot ${name}: no source file in medplum.config.json`);
    return { name, resource, source };
  });
}

/** Reads the Subscriptions (their endpoints still `Bot?name=<bot>`, as in the repository). */
export function loadSubscriptionDefinitions(root: string = REPO_ROOT): Subscription[] {
  return readJsonDir<Subscription>(join(root, 'fhir-resources/bots/subscriptions'));
}

/** The deployment name of a Subscription (its tag code). */
export function subscriptionName(subscription: Subscription): string | undefined {
  return subscription.meta?.tag?.find((t) => t.system === DEPLOYMENT_TAG_SYSTEM)?.code;
}

/** Imports a bot's source module and returns its exported `handler` (the production code, unchanged). */
export async function importHandler(
  definition: BotDefinition,
  root: string = REPO_ROOT,
): Promise<BotHandler> {
  const mod = (await import(pathToFileURL(join(root, definition.source)).href)) as { handler?: unknown };
  if (typeof mod.handler !== 'function') {
    throw new Error(`bot ${definition.name}: ${definition.source} exports no handler function`);
  }
  return mod.handler as BotHandler;
}
