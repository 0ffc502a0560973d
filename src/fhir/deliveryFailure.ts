/**
 * What a failed delivery does to the request it came from, shared by the delivery-status bot and the
 * sandbox history (which replays the bot): a transient failure sends the request again after a pause, up
 * to three attempts; anything else becomes the engine's `delivery-failed` event.
 */

import type { CommunicationRequest } from '@medplum/fhirtypes';
import { EXT, type Channel, type EngagementEvent } from '../engine';

/** How often a transiently failed message is attempted in all, and the pause before the next attempt. */
export const DELIVERY_RETRY = { maxAttempts: 3, delayMs: 5 * 60_000 } as const;

/** The failure facts these decisions read; the channels layer's mapped status callback has them. */
export interface DeliveryFailure {
  /** The number will keep failing on this channel: no further attempt. */
  readonly permanent: boolean;
  readonly reason?: string;
  /** The carrier refused because the number opted out. */
  readonly optedOut?: boolean;
  readonly landline?: boolean;
}

/**
 * The request queued again for another attempt, or undefined when the failure is permanent or the
 * attempts are used up (then it goes to the engine as `deliveryFailedEvent`).
 */
export function requeueAfterFailure(
  request: CommunicationRequest,
  status: DeliveryFailure,
  now: Date,
): CommunicationRequest | undefined {
  const attempts =
    Number(request.extension?.find((e) => e.url === EXT.dispatchAttempts)?.valueInteger ?? 0) + 1;
  if (status.permanent || attempts >= DELIVERY_RETRY.maxAttempts) {
    return undefined;
  }
  return {
    ...request,
    status: 'active',
    occurrenceDateTime: new Date(now.getTime() + DELIVERY_RETRY.delayMs).toISOString(),
    extension: [
      ...(request.extension ?? []).filter((e) => e.url !== EXT.dispatchAttempts),
      { url: EXT.dispatchAttempts, valueInteger: attempts },
      {
        url: EXT.scheduleReason,
        valueString: `not delivered (${status.reason ?? 'unknown'}); sending again`,
      },
    ],
  };
}

/** The engine event for a failure that is not sent again: fall back, record a carrier opt-out, etc. */
export function deliveryFailedEvent(
  request: CommunicationRequest,
  channel: Channel,
  status: DeliveryFailure,
): EngagementEvent {
  return {
    type: 'delivery-failed',
    request,
    channel,
    permanent: status.permanent,
    reason: status.reason ?? 'not delivered',
    ...(status.optedOut ? { carrierOptOut: true } : {}),
    ...(status.landline ? { landline: true } : {}),
  };
}
