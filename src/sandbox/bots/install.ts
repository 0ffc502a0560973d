/**
 * Puts the Bot and Subscription resources of `fhir-resources/bots/` into the sandbox's store, idempotently:
 * a Bot is found by name and a Subscription by its deployment tag, then updated in place or created, the
 * way `npm run deploy` does against a Medplum project. Subscription endpoints become `Bot/<id>`.
 */

import type { MedplumClient } from '@medplum/core';
import type { Bot, Subscription } from '@medplum/fhirtypes';
import { DEPLOYMENT_TAG_SYSTEM, subscriptionName, type BotDefinition } from './definitions';

/** Creates or updates each Bot; returns name → id. */
export async function installBots(
  medplum: MedplumClient,
  definitions: readonly BotDefinition[],
): Promise<Map<string, string>> {
  const ids = new Map<string, string>();
  for (const { name, resource } of definitions) {
    const existing = await medplum.searchOne('Bot', { name }, { cache: 'no-cache' });
    const saved: Bot = existing
      ? await medplum.updateResource<Bot>({ ...resource, id: existing.id, meta: existing.meta })
      : await medplum.createResource<Bot>(resource);
    ids.set(name, saved.id ?? '');
  }
  return ids;
}

/** Creates or updates each Subscription with its endpoint pointed at the Bot's id; returns them as stored. */
export async function installSubscriptions(
  medplum: MedplumClient,
  subscriptions: readonly Subscription[],
  botIds: ReadonlyMap<string, string>,
): Promise<Subscription[]> {
  const saved: Subscription[] = [];
  for (const subscription of subscriptions) {
    const name = subscriptionName(subscription);
    const botName = /^Bot\?name=([\w.-]+)$/.exec(subscription.channel?.endpoint ?? '')?.[1];
    const botId = botName ? botIds.get(botName) : undefined;
    if (!name || !botId) {
      throw new Error(
        `Subscription ${name ?? '(no deployment tag)'}: endpoint must name a known bot as "Bot?name=<bot>"`,
      );
    }
    const desired: Subscription = {
      ...subscription,
      channel: { ...subscription.channel, endpoint: `Bot/${botId}` },
    };
    const existing = await medplum.searchOne(
      'Subscription',
      { _tag: `${DEPLOYMENT_TAG_SYSTEM}|${name}` },
      { cache: 'no-cache' },
    );
    saved.push(
      existing
        ? await medplum.updateResource<Subscription>({ ...desired, id: existing.id })
        : await medplum.createResource<Subscription>(desired),
    );
  }
  return saved;
}
