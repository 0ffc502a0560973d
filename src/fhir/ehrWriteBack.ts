/**
 * Writing a patient's answer (confirmed / declined) back to the EHR's Appointment, where the EHR allows
 * it. The reply bots only change the mirror; this compares each mirror's patient status with the status
 * the EHR last reported (an extension the sync keeps) and sends the difference to the EHR by JSON Patch
 * or, failing that, a versioned PUT. Where the EHR cannot take it (no capability, no scope) the answer
 * simply stays on the mirror, where the worklist and reports read it.
 */

import type { MedplumClient, WithId } from '@medplum/core';
import type { Appointment, CapabilityStatement } from '@medplum/fhirtypes';
import { EhrRequestError, type EhrFhirClient } from './ehrFhirClient';
import {
  EHR_PARTICIPANT_STATUS_EXT,
  EHR_ID_SYSTEM,
  ehrIdOf,
  MIRROR_TAG,
  normalizeBase,
  parseEhrReference,
} from './mirrorIdentifiers';

/** How the EHR takes the update: JSON Patch, PUT of the whole Appointment, or not at all. */
export type WriteBackMode = 'patch' | 'update' | 'none';

/** The participant statuses that are the patient's own answer, and so worth telling the EHR. */
const ANSWERS = new Set(['accepted', 'declined', 'tentative']);

/** A mirror whose patient answer the EHR has not seen yet. */
export interface PendingWriteBack {
  readonly mirror: WithId<Appointment>;
  readonly ehrAppointmentId: string;
  readonly ehrPatientId: string;
  readonly status: 'accepted' | 'declined' | 'tentative';
}

/** What a write-back pass did. */
export interface WriteBackSummary {
  readonly mode: WriteBackMode;
  /** Why write-back is off, when it is. */
  readonly reason?: string;
  readonly checked: number;
  readonly pending: number;
  readonly written: number;
  readonly failed: number;
  /** Medplum lastUpdated of the last mirror fully handled: where the next pass starts. */
  readonly cursor?: string;
  readonly warnings: readonly string[];
}

const NO_UPDATE_SCOPE = 'the access token has no Appointment update scope';

/** True when a granted scope string lets us update Appointments (SMART v1 `write`/`*` or v2 `u`). */
export function scopeAllowsAppointmentUpdate(scope: string): boolean {
  return scope.split(/\s+/).some((s) => {
    const match = /^system\/(Appointment|\*)\.([a-z*]+)(?:\?.*)?$/.exec(s);
    const permission = match?.[2];
    if (!permission) return false;
    return (
      permission === 'write' ||
      permission === '*' ||
      (/^c?r?u?d?s?$/.test(permission) && permission.includes('u'))
    );
  });
}

/** Which write the EHR supports for Appointment, from its CapabilityStatement and the token's scope. */
export function writeBackMode(
  capability: CapabilityStatement,
  grantedScope: string,
): { mode: WriteBackMode; reason?: string } {
  if (!scopeAllowsAppointmentUpdate(grantedScope)) {
    return { mode: 'none', reason: NO_UPDATE_SCOPE };
  }
  const appointment = capability.rest
    ?.filter((r) => r.mode === 'server')
    .flatMap((r) => r.resource ?? [])
    .find((r) => r.type === 'Appointment');
  const interactions = new Set((appointment?.interaction ?? []).map((i) => i.code));
  if (interactions.has('patch')) {
    return { mode: 'patch' };
  }
  if (interactions.has('update')) {
    return { mode: 'update' };
  }
  return {
    mode: 'none',
    reason: 'the EHR CapabilityStatement offers neither patch nor update on Appointment',
  };
}

/** The answer on a mirror still to be written back to `ehrBase`, if any. */
export function pendingWriteBack(mirror: WithId<Appointment>, ehrBase: string): PendingWriteBack | undefined {
  const ehrAppointmentId = ehrIdOf(mirror.identifier, ehrBase, 'Appointment');
  if (!ehrAppointmentId) {
    return undefined;
  }
  for (const p of mirror.participant ?? []) {
    const ehrPatientId = ehrIdOf(p.actor?.identifier ? [p.actor.identifier] : [], ehrBase, 'Patient');
    if (!ehrPatientId || !p.actor?.reference?.startsWith('Patient/')) continue;
    const lastEhrStatus = p.extension?.find((e) => e.url === EHR_PARTICIPANT_STATUS_EXT)?.valueCode;
    if (ANSWERS.has(p.status) && p.status !== lastEhrStatus) {
      return {
        mirror,
        ehrAppointmentId,
        ehrPatientId,
        status: p.status as PendingWriteBack['status'],
      };
    }
  }
  return undefined;
}

/**
 * Sets the patient participant's status on the EHR's Appointment. Reads it first to find the patient's
 * participant and its version; the write is guarded by If-Match (and a JSON Patch `test`) so a concurrent
 * change in the EHR fails the write instead of being overwritten.
 */
export async function writeBackPatientStatus(
  ehr: EhrFhirClient,
  pending: PendingWriteBack,
  mode: Exclude<WriteBackMode, 'none'>,
): Promise<'written' | 'already'> {
  const path = `Appointment/${pending.ehrAppointmentId}`;
  const { body: appointment, etag } = await ehr.get<Appointment>(path);
  const index = (appointment.participant ?? []).findIndex((p) => {
    const target = parseEhrReference(p.actor?.reference, ehr.base);
    return target?.type === 'Patient' && target.id === pending.ehrPatientId;
  });
  const participant = appointment.participant?.[index];
  if (!participant) {
    throw new EhrRequestError(`EHR ${path} no longer lists the patient as a participant`, { status: 409 });
  }
  if (participant.status === pending.status) {
    return 'already';
  }
  const version = etag ?? (appointment.meta?.versionId ? `W/"${appointment.meta.versionId}"` : undefined);
  if (mode === 'patch') {
    await ehr.patch(
      path,
      [
        { op: 'test', path: `/participant/${index}/actor/reference`, value: participant.actor?.reference },
        { op: 'replace', path: `/participant/${index}/status`, value: pending.status },
      ],
      version,
    );
  } else {
    const participants = [...(appointment.participant ?? [])];
    participants[index] = { ...participant, status: pending.status };
    await ehr.update({ ...appointment, id: pending.ehrAppointmentId, participant: participants }, version);
  }
  return 'written';
}

/** Records on the mirror that the EHR now holds `status`, so the pass does not send it again. */
export async function markWrittenBack(
  medplum: MedplumClient,
  pending: PendingWriteBack,
  ehrBase: string,
): Promise<void> {
  const participant = (pending.mirror.participant ?? []).map((p) => {
    const ehrPatientId = ehrIdOf(p.actor?.identifier ? [p.actor.identifier] : [], ehrBase, 'Patient');
    if (ehrPatientId !== pending.ehrPatientId) return p;
    return {
      ...p,
      extension: [
        ...(p.extension ?? []).filter((e) => e.url !== EHR_PARTICIPANT_STATUS_EXT),
        { url: EHR_PARTICIPANT_STATUS_EXT, valueCode: pending.status },
      ],
    };
  });
  const version = pending.mirror.meta?.versionId;
  // If-Match: had the mirror changed since we read it (another answer), the next pass sees the new one.
  await medplum.updateResource(
    { ...pending.mirror, participant },
    version ? { headers: { 'If-Match': `W/"${version}"` } } : undefined,
  );
}

/**
 * One write-back pass: the EHR's mirrors changed in Medplum since `after`, oldest first, each pending
 * answer written to the EHR. Stops at the first temporary EHR failure so the cursor stays before it;
 * a permanent refusal (403, 404, 409, 412, 422) is reported and the answer stays on the mirror.
 */
export async function runWriteBack(
  medplum: MedplumClient,
  ehr: EhrFhirClient,
  options: {
    after: string | undefined;
    grantedScope: string;
    outOfTime: () => boolean;
    pageSize?: number;
  },
): Promise<WriteBackSummary> {
  const base = normalizeBase(ehr.base);
  const warnings: string[] = [];
  let cursor = options.after;
  let checked = 0;
  let pendingCount = 0;
  let written = 0;
  let failed = 0;
  let mode: { mode: WriteBackMode; reason?: string } | undefined;
  const pageSize = options.pageSize ?? 100;
  const result = (): WriteBackSummary => ({
    mode: mode?.mode ?? 'none',
    ...(mode?.reason ? { reason: mode.reason } : {}),
    checked,
    pending: pendingCount,
    written,
    failed,
    ...(cursor ? { cursor } : {}),
    warnings,
  });

  for (;;) {
    if (options.outOfTime()) return result();
    const mirrors = await medplum.searchResources(
      'Appointment',
      {
        _tag: `${MIRROR_TAG.system}|${MIRROR_TAG.code}`,
        identifier: `${EHR_ID_SYSTEM}|`,
        ...(cursor ? { _lastUpdated: `gt${cursor}` } : {}),
        _sort: '_lastUpdated',
        _count: String(pageSize),
      },
      { cache: 'no-cache' },
    );
    for (const mirror of mirrors) {
      if (options.outOfTime()) return result();
      checked++;
      const pending = pendingWriteBack(mirror, base);
      if (pending) {
        pendingCount++;
        if (!mode && !scopeAllowsAppointmentUpdate(options.grantedScope)) {
          mode = { mode: 'none', reason: NO_UPDATE_SCOPE };
        } else if (!mode) {
          const capability = await capabilitiesOrUndefined(ehr, warnings);
          // Without the CapabilityStatement we cannot tell "not allowed" from "not known yet": try next run.
          if (!capability) return result();
          mode = writeBackMode(capability, options.grantedScope);
        }
        if (mode.mode !== 'none') {
          try {
            if ((await writeBackPatientStatus(ehr, pending, mode.mode)) === 'written') written++;
            await markWrittenBack(medplum, pending, base);
          } catch (err) {
            if (err instanceof EhrRequestError && err.retryable) {
              // Leave the cursor before this mirror: the next run tries it again.
              warnings.push(`write-back stopped: ${err.message}`);
              failed++;
              return result();
            }
            failed++;
            warnings.push(
              `Appointment/${mirror.id}: answer kept on the mirror; ${err instanceof Error ? err.message : String(err)}`,
            );
          }
        }
      }
      cursor = mirror.meta?.lastUpdated ?? cursor;
    }
    if (mirrors.length < pageSize) return result();
  }
}

async function capabilitiesOrUndefined(
  ehr: EhrFhirClient,
  warnings: string[],
): Promise<CapabilityStatement | undefined> {
  try {
    return await ehr.capabilities();
  } catch (err) {
    warnings.push(`could not read the EHR CapabilityStatement: ${(err as Error).message}`);
    return undefined;
  }
}
