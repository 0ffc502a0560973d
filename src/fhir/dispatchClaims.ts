/**
 * Dispatch claims: before sending, a run marks each request with the time it claimed it (a version-checked
 * update, so two runs cannot both claim one). A claim is a lease: while it is young another run leaves the
 * request alone; once it is older than the lease, the run that took it stopped before recording what it
 * did (killed, or the FHIR server refused the results), and a later run finishes the request from what is
 * on record, never by sending it again.
 */

import type { MedplumClient } from '@medplum/core';
import type { Communication, CommunicationRequest } from '@medplum/fhirtypes';
import { EXT, ID_SYSTEM } from '../engine';
import { communicationKey } from './dispatchRecords';

/** How long a claim keeps other runs away: well beyond the longest run (its budget plus the sends of a page). */
export const DEFAULT_CLAIM_LEASE_MS = 10 * 60_000;

/** `open`: nobody holds it. `held`: a run is working on it. `abandoned`: claimed by a run that never finished. */
export type ClaimState = 'open' | 'held' | 'abandoned';

/** When the request was claimed, in ms, if it is. */
export function claimedAt(r: CommunicationRequest): number | undefined {
  const at = r.extension?.find((e) => e.url === EXT.dispatchClaim)?.valueDateTime;
  const ms = at ? Date.parse(at) : Number.NaN;
  return Number.isNaN(ms) ? undefined : ms;
}

/** The state of a request's claim at `nowMs`. */
export function claimState(r: CommunicationRequest, nowMs: number, leaseMs: number): ClaimState {
  const at = claimedAt(r);
  if (at === undefined) return 'open';
  return nowMs - at < leaseMs ? 'held' : 'abandoned';
}

/** The request claimed at `at` (ISO). */
export function withClaim(r: CommunicationRequest, at: string): CommunicationRequest {
  return {
    ...withoutClaim(r),
    extension: [...(withoutClaim(r).extension ?? []), { url: EXT.dispatchClaim, valueDateTime: at }],
  };
}

/** The request with no claim. */
export function withoutClaim(r: CommunicationRequest): CommunicationRequest {
  return { ...r, extension: (r.extension ?? []).filter((e) => e.url !== EXT.dispatchClaim) };
}

/** A claim that has already run out, so the next run finishes the request (used when results could not be written). */
export function expiredClaim(r: CommunicationRequest, nowMs: number, leaseMs: number): CommunicationRequest {
  return withClaim(r, new Date(nowMs - leaseMs - 1).toISOString());
}

/**
 * The Communications already recorded for the sends of abandoned requests, by communication key; only
 * those written at or after the claim count (an earlier send of a requeued request is not this one).
 */
export async function recordedSends(
  medplum: MedplumClient,
  abandoned: readonly CommunicationRequest[],
): Promise<Map<string, Communication>> {
  const out = new Map<string, Communication>();
  if (abandoned.length === 0) return out;
  const since = new Map(abandoned.map((r) => [communicationKey(r), claimedAt(r) ?? 0]));
  const found = await medplum.searchResources(
    'Communication',
    {
      identifier: [...since.keys()].map((k) => `${ID_SYSTEM.request}|${k.replace(/,/g, '\\,')}`).join(','),
      _count: String(since.size * 2),
    },
    { cache: 'no-cache' },
  );
  for (const c of found) {
    const key = c.identifier?.find((i) => i.system === ID_SYSTEM.request)?.value ?? '';
    const from = since.get(key);
    if (from !== undefined && Date.parse(c.sent ?? '') >= from) out.set(key, c);
  }
  return out;
}
