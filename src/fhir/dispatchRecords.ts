/**
 * The resources dispatch writes about one request: the request's new state (a PUT) and the Communication
 * that records a send or an attempt (a conditional create, so writing it twice makes one).
 */

import type { BundleEntry, Communication, CommunicationRequest } from '@medplum/fhirtypes';
import { CS, EXT, ID_SYSTEM, type Channel } from '../engine';
import { isReplyRequest } from './replyRequests';

/** The workflow purpose of a request (caps count per purpose). */
export function purposeOf(r: CommunicationRequest): string {
  return r.category?.flatMap((c) => c.coding ?? []).find((c) => c.system === CS.purpose)?.code ?? 'unknown';
}

/** Whether a completed request counts towards the frequency caps: replies to the patient do not. */
export function countsTowardsCaps(r: CommunicationRequest): boolean {
  return !isReplyRequest(r);
}

/** The request with one more schedule reason, so the timeline explains why it moved. */
export function withReason(r: CommunicationRequest, reason: string): CommunicationRequest {
  return { ...r, extension: [...(r.extension ?? []), { url: EXT.scheduleReason, valueString: reason }] };
}

/** A PUT of the whole request (its current version is the one dispatch holds the claim on). */
export function put(r: CommunicationRequest, ifMatch?: string): BundleEntry {
  return {
    resource: r,
    request: { method: 'PUT', url: `CommunicationRequest/${r.id ?? ''}`, ...(ifMatch ? { ifMatch } : {}) },
  };
}

/** The If-Match value for the version of a request that was read. */
export function versionOf(r: CommunicationRequest): string | undefined {
  return r.meta?.versionId ? `W/"${r.meta.versionId}"` : undefined;
}

/**
 * The identifier value of the Communication that records one send of a request. A request the carrier
 * failed to deliver can be sent again (delivery-status requeues it with an attempt count); each send is
 * its own Communication, so the later one is recorded too and its status callbacks find it.
 */
export function communicationKey(request: CommunicationRequest): string {
  const key = request.identifier?.[0]?.value ?? request.id ?? '';
  const attempts = Number(request.extension?.find((e) => e.url === EXT.dispatchAttempts)?.valueInteger ?? 0);
  return attempts > 0 ? `${key}:attempt-${attempts}` : key;
}

/** What one Communication records. */
export interface CommunicationRecord {
  readonly channel: Channel;
  readonly text: string;
  readonly providerId: string;
  readonly providerStatus: string;
  readonly thread: string | undefined;
  readonly now: string;
  /** Set when nothing arrived: the Communication is `not-done` with this reason. */
  readonly failure?: string;
  /** The email subject, kept as the Communication's topic. */
  readonly subject?: string;
  /** Why the record is less certain than usual (a run that stopped before recording its result). */
  readonly note?: string;
}

/** The conditional create of the Communication that records a send (or a failed attempt) of a request. */
export function createCommunication(request: CommunicationRequest, rec: CommunicationRecord): BundleEntry {
  const key = communicationKey(request);
  const communication: Communication = {
    resourceType: 'Communication',
    identifier: [
      { system: ID_SYSTEM.request, value: key },
      ...(rec.providerId ? [{ system: ID_SYSTEM.providerMessage, value: rec.providerId }] : []),
    ],
    extension: [{ url: EXT.deliveryStatus, valueCode: rec.providerStatus || 'queued' }],
    basedOn: [{ reference: `CommunicationRequest/${request.id ?? ''}` }, ...(request.basedOn ?? [])],
    ...(rec.thread ? { partOf: [{ reference: rec.thread }] } : {}),
    status: rec.failure ? 'not-done' : 'in-progress',
    ...(rec.failure ? { statusReason: { text: rec.failure } } : {}),
    category: request.category,
    medium: request.medium,
    subject: request.subject,
    ...(rec.subject ? { topic: { text: rec.subject } } : {}),
    recipient: request.recipient,
    ...(request.sender ? { sender: request.sender } : {}),
    ...(request.about ? { about: request.about } : {}),
    sent: rec.now,
    payload: [{ contentString: rec.text }],
    ...(rec.note ? { note: [{ text: rec.note }] } : {}),
  };
  return {
    resource: communication,
    request: {
      method: 'POST',
      url: 'Communication',
      ifNoneExist: `identifier=${encodeURIComponent(`${ID_SYSTEM.request}|${key}`)}`,
    },
  };
}
