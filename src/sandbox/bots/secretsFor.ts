/** The one secret the start-up reconcile needs, in Medplum's shape. */

import type { BotSecrets } from '../../bots/runtime';

/** `{ CARELOOP_ORGANIZATION }` for code that loads the bot setup outside a bot run. */
export function sandboxSecretsFor(organization: string): BotSecrets {
  return { CARELOOP_ORGANIZATION: { name: 'CARELOOP_ORGANIZATION', valueString: organization } };
}
