import type { CommunicationRequest } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { EXT } from '../../src/engine';
import { deliveryFailedEvent, DELIVERY_RETRY, requeueAfterFailure } from '../../src/fhir/deliveryFailure';

const NOW = new Date('2026-03-02T15:00:00Z');

function sent(attempts?: number): CommunicationRequest {
  return {
    resourceType: 'CommunicationRequest',
    id: 'req-1',
    status: 'completed',
    identifier: [{ value: 'plan-1:reminder' }],
    ...(attempts ? { extension: [{ url: EXT.dispatchAttempts, valueInteger: attempts }] } : {}),
  };
}

describe('requeueAfterFailure', () => {
  it('sends a transient failure again after the pause, counting the attempt and saying why', () => {
    const again = requeueAfterFailure(sent(), { permanent: false, reason: 'unreachable handset' }, NOW);
    expect(again?.status).toBe('active');
    expect(again?.occurrenceDateTime).toBe(new Date(NOW.getTime() + DELIVERY_RETRY.delayMs).toISOString());
    expect(again?.extension).toEqual([
      { url: EXT.dispatchAttempts, valueInteger: 1 },
      { url: EXT.scheduleReason, valueString: 'not delivered (unreachable handset); sending again' },
    ]);
  });

  it('stops after the last attempt and never retries a permanent failure', () => {
    expect(
      requeueAfterFailure(sent(DELIVERY_RETRY.maxAttempts - 1), { permanent: false }, NOW),
    ).toBeUndefined();
    expect(requeueAfterFailure(sent(), { permanent: true, reason: 'landline' }, NOW)).toBeUndefined();
  });
});

describe('deliveryFailedEvent', () => {
  it('carries the carrier opt-out and landline facts to the engine', () => {
    const request = sent();
    expect(
      deliveryFailedEvent(request, 'sms', {
        permanent: true,
        reason: 'opted out',
        optedOut: true,
        landline: true,
      }),
    ).toEqual({
      type: 'delivery-failed',
      request,
      channel: 'sms',
      permanent: true,
      reason: 'opted out',
      carrierOptOut: true,
      landline: true,
    });
    expect(deliveryFailedEvent(request, 'voice', { permanent: false })).toEqual({
      type: 'delivery-failed',
      request,
      channel: 'voice',
      permanent: false,
      reason: 'not delivered',
    });
  });
});
