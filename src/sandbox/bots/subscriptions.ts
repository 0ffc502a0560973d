/**
 * Which Subscriptions a write fires, decided by Medplum's own matcher (`resourceMatchesSubscriptionCriteria`
 * from @medplum/core, the function Medplum's server runs): the criteria as a search, the
 * supported-interaction extension (create/update/delete; without it every interaction, delete included),
 * the FHIRPath criteria extension with `%previous` and `%current`, and `meta.accounts`.
 */

import { resourceMatchesSubscriptionCriteria } from '@medplum/core';
import type { Subscription } from '@medplum/fhirtypes';
import type { WriteEvent } from '../context';

/** The Bot id a rest-hook Subscription targets (`Bot/<id>`), or undefined for any other endpoint. */
export function subscriptionBotId(subscription: Subscription): string | undefined {
  const match = /^Bot\/([\w.-]+)$/.exec(subscription.channel?.endpoint ?? '');
  return match?.[1];
}

/** True when `subscription` fires for `event`, with Medplum's semantics. */
export async function subscriptionFires(subscription: Subscription, event: WriteEvent): Promise<boolean> {
  if (subscription.status !== 'active') return false;
  return resourceMatchesSubscriptionCriteria({
    resource: event.resource,
    subscription,
    context: { interaction: event.interaction },
    getPreviousResource: async () => event.previous,
  });
}

/** The active Subscriptions among `subscriptions` that fire for `event`. */
export async function firedSubscriptions(
  subscriptions: Iterable<Subscription>,
  event: WriteEvent,
): Promise<Subscription[]> {
  const fired: Subscription[] = [];
  for (const subscription of subscriptions) {
    try {
      if (await subscriptionFires(subscription, event)) fired.push(subscription);
    } catch (err) {
      // A broken criteria string or expression must not stop the other subscriptions.
      console.warn(`subscription ${subscription.id ?? '?'}: criteria failed: ${(err as Error).message}`);
    }
  }
  return fired;
}
