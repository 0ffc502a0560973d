/** The Twilio-compatible messaging stand-in, the phone page and the email outbox. */

import type { SandboxContext } from '../context';
import { emailRoutes } from './emailRoutes';
import { phoneRoutes } from './phoneRoutes';
import { createCarrier, type TwilioStandIn, type TwilioStandInOptions } from './standIn';

export type { TwilioStandIn, TwilioStandInOptions, InboundText } from './standIn';
export type { PhoneMessage, PhoneCall, OutboxEmail } from './store';
export { phoneLogFromHistory } from './historyLog';

/**
 * Creates the stand-in: `routes` holds the Twilio REST endpoints (`/twilio/2010-04-01/Accounts/:sid/…`:
 * POST and GET `Messages.json`, POST `Calls.json`, GET `Messages/SM….json` and `Calls/CA….json`),
 * the phone page (`/phone`, `/phone.json`, `/phone/:number[.json]` and its forms) and the email outbox
 * (`POST /email/v1/send`, `/outbox`, `/outbox.json`).
 */
export function createTwilioStandIn(ctx: SandboxContext, options: TwilioStandInOptions): TwilioStandIn {
  const carrier = createCarrier(ctx, options);
  return {
    ...carrier,
    routes: [...carrier.routes, ...phoneRoutes(carrier, ctx.clock), ...emailRoutes(carrier, ctx.clock)],
  };
}
