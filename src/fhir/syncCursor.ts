/**
 * Where a sync bot remembers how far it got: one `Basic` resource per sync and EHR, found by a fixed
 * identifier. Basic rather than a bot-side store because Medplum has none that survives redeploys, and a
 * FHIR resource has history (every move of the cursor is auditable), an AccessPolicy, and can be edited by
 * an admin to replay a window (set it back) or skip one (set it forward).
 */

import type { MedplumClient } from '@medplum/core';
import type { Basic, Extension } from '@medplum/fhirtypes';
import { CARELOOP_BASE } from '../engine';

/** Identifier system of cursor resources; the value is `<sync name>:<EHR base>`. */
export const SYNC_CURSOR_SYSTEM = `${CARELOOP_BASE}/identifier/sync-cursor`;

/** Basic.code of cursor resources. */
export const SYNC_CURSOR_CODE = {
  system: `${CARELOOP_BASE}/CodeSystem/basic-kind`,
  code: 'sync-cursor',
} as const;

/** Extensions holding the cursor's positions. */
export const SYNC_CURSOR_EXT = {
  /** The EHR's `meta.lastUpdated` high-water mark of fully written pages (EHR clock). */
  lastUpdated: `${CARELOOP_BASE}/StructureDefinition/sync-cursor-last-updated`,
  /** The Medplum `meta.lastUpdated` up to which mirrors were checked for write-back (Medplum clock). */
  writeBack: `${CARELOOP_BASE}/StructureDefinition/sync-cursor-write-back`,
} as const;

/** The positions a cursor holds; absent means "never ran". */
export interface SyncCursor {
  readonly lastUpdated?: string;
  readonly writeBack?: string;
}

function key(name: string, ehrBase: string): string {
  return `${name}:${ehrBase}`;
}

/** Reads the cursor of sync `name` for `ehrBase`. */
export async function readSyncCursor(
  medplum: MedplumClient,
  name: string,
  ehrBase: string,
): Promise<SyncCursor> {
  const basic = await medplum.searchOne(
    'Basic',
    { identifier: `${SYNC_CURSOR_SYSTEM}|${key(name, ehrBase)}` },
    { cache: 'no-cache' },
  );
  return cursorOf(basic);
}

function cursorOf(basic: Basic | undefined): SyncCursor {
  const value = (url: string): string | undefined =>
    basic?.extension?.find((e) => e.url === url)?.valueInstant;
  const lastUpdated = value(SYNC_CURSOR_EXT.lastUpdated);
  const writeBack = value(SYNC_CURSOR_EXT.writeBack);
  return { ...(lastUpdated ? { lastUpdated } : {}), ...(writeBack ? { writeBack } : {}) };
}

/**
 * Moves the cursor forward to `update` (never back: a slower concurrent run must not undo a faster one's
 * progress). Writes nothing when no position moved.
 */
export async function saveSyncCursor(
  medplum: MedplumClient,
  name: string,
  ehrBase: string,
  update: SyncCursor,
  organization?: string,
): Promise<SyncCursor> {
  const identifier = { system: SYNC_CURSOR_SYSTEM, value: key(name, ehrBase) };
  const existing = await medplum.searchOne(
    'Basic',
    { identifier: `${identifier.system}|${identifier.value}` },
    { cache: 'no-cache' },
  );
  const current = cursorOf(existing);
  const next: SyncCursor = {
    ...current,
    ...(later(update.lastUpdated, current.lastUpdated) ? { lastUpdated: update.lastUpdated } : {}),
    ...(later(update.writeBack, current.writeBack) ? { writeBack: update.writeBack } : {}),
  };
  if (next.lastUpdated === current.lastUpdated && next.writeBack === current.writeBack && existing) {
    return current;
  }
  const extension: Extension[] = [
    ...(existing?.extension ?? []).filter(
      (e) => e.url !== SYNC_CURSOR_EXT.lastUpdated && e.url !== SYNC_CURSOR_EXT.writeBack,
    ),
    ...(next.lastUpdated ? [{ url: SYNC_CURSOR_EXT.lastUpdated, valueInstant: next.lastUpdated }] : []),
    ...(next.writeBack ? [{ url: SYNC_CURSOR_EXT.writeBack, valueInstant: next.writeBack }] : []),
  ];
  const basic: Basic = {
    ...(existing ?? {}),
    resourceType: 'Basic',
    identifier: [identifier],
    code: { coding: [{ ...SYNC_CURSOR_CODE }], text: `${name} cursor` },
    extension,
    ...(organization && !existing ? { meta: { accounts: [{ reference: organization }] } } : {}),
  };
  await medplum.upsertResource(basic, { identifier: `${identifier.system}|${identifier.value}` });
  return next;
}

function later(candidate: string | undefined, current: string | undefined): candidate is string {
  if (!candidate || Number.isNaN(Date.parse(candidate))) {
    return false;
  }
  return !current || Date.parse(candidate) > Date.parse(current);
}
