/**
 * Bot: EHR sync (Cron). Pulls the Appointments the EHR changed since the last run over its FHIR API with
 * a SMART Backend Services token, mirrors them and their Patients into Medplum, then writes patients'
 * answers back to the EHR where it allows. Resumable: the cursor (the EHR's `_lastUpdated` high-water
 * mark, in a Basic resource — see src/fhir/syncCursor.ts) moves only after a page is fully written, and a
 * run stops within its time budget, so a failure or timeout costs at most one page of repeated work.
 *
 * Secrets: EHR_FHIR_BASE, EHR_CLIENT_ID, EHR_PRIVATE_KEY (JWK JSON or PKCS#8 PEM); optional EHR_SCOPE,
 * EHR_KEY_ID, EHR_JWKS_URL, EHR_SIGNING_ALG, EHR_SYNC_START, EHR_WRITE_BACK (`off`), CARELOOP_ORGANIZATION.
 */

import type { BotEvent, MedplumClient } from '@medplum/core';
import type { Appointment, Bundle, Patient } from '@medplum/fhirtypes';
import { EhrFhirClient, EhrRequestError, type TokenSource } from '../fhir/ehrFhirClient';
import { runWriteBack, type WriteBackSummary } from '../fhir/ehrWriteBack';
import { normalizeBase } from '../fhir/mirrorIdentifiers';
import {
  ehrPatientId,
  MirrorInputError,
  upsertAppointmentMirror,
  upsertPatientMirror,
  type EhrSystem,
  type MirrorOutcome,
} from '../fhir/mirrors';
import {
  backendServicesToken,
  discoverSmartConfiguration,
  importSigningKey,
  SmartBackendError,
  type BackendServicesToken,
  type SigningAlg,
} from '../fhir/smartBackend';
import { readSyncCursor, saveSyncCursor } from '../fhir/syncCursor';
import {
  botClock,
  BotConfigError,
  optionalSecret,
  requireSecret,
  type BotSecrets,
  type Clock,
} from './runtime';

/** The cursor's name; with the EHR base it keys the cursor resource. */
export const EHR_SYNC_NAME = 'ehr-sync';

/** Read-only by default: write-back needs `system/Appointment.u` (v2) or `system/Appointment.write` (v1) added. */
export const DEFAULT_EHR_SCOPE = 'system/Patient.rs system/Appointment.rs';

const DEFAULT_BUDGET_MS = 50_000;
const DEFAULT_PAGE_SIZE = 100;
// Re-read a minute before the cursor: an EHR transaction committing late can carry a lastUpdated a little
// older than records already seen. The overlap is cheap because unchanged records are not rewritten.
const DEFAULT_OVERLAP_MS = 60_000;
// With no cursor and no EHR_SYNC_START, the first run looks this far back.
const FIRST_RUN_LOOKBACK_MS = 90 * 86_400_000;
// Renew a token this long before it expires rather than have a request fail on it.
const TOKEN_MARGIN_MS = 60_000;
const PATIENT_BATCH = 50;
const CONCURRENCY = 4;

/** The bot's configuration, read from its secrets. */
export interface EhrSyncConfig {
  readonly base: string;
  readonly clientId: string;
  readonly privateKey: string;
  readonly scope: string;
  readonly keyId?: string;
  readonly jwksUrl?: string;
  readonly alg?: SigningAlg;
  /** Where the first run starts (ISO instant) when there is no cursor yet. */
  readonly initialSince?: string;
  readonly writeBack: boolean;
  readonly organization?: string;
}

/** Knobs tests and the sandbox turn; production uses the defaults. */
export interface EhrSyncOptions {
  readonly fetchImpl?: typeof fetch;
  readonly clock?: Clock;
  readonly budgetMs?: number;
  readonly pageSize?: number;
  readonly overlapMs?: number;
}

/** Created / updated / unchanged counts of one kind of mirror. */
export interface MirrorCounts {
  created: number;
  updated: number;
  unchanged: number;
}

/** What a run did, for the bot log and tests. */
export interface EhrSyncSummary {
  readonly ehr: string;
  /** True when every page up to the last was written. */
  complete: boolean;
  stoppedBy?: 'time-budget' | 'error';
  pages: number;
  /** The cursor before and after the run (EHR lastUpdated). */
  readonly cursor: { from: string; to?: string };
  readonly appointments: MirrorCounts & { skipped: number };
  readonly patients: MirrorCounts;
  writeBack?: WriteBackSummary;
  readonly warnings: string[];
}

/** A run that failed part-way; `summary` says how far it got (the cursor is saved up to there). */
export class EhrSyncError extends Error {
  readonly summary: EhrSyncSummary;

  constructor(message: string, summary: EhrSyncSummary, options?: ErrorOptions) {
    super(message, options);
    this.name = 'EhrSyncError';
    this.summary = summary;
  }
}

/** Medplum entry point. */
export async function handler(medplum: MedplumClient, event: BotEvent): Promise<EhrSyncSummary> {
  return runEhrSync(medplum, ehrSyncConfig(event.secrets));
}

/** Reads and checks the bot's secrets; throws BotConfigError naming the secret at fault. */
export function ehrSyncConfig(secrets: BotSecrets | undefined): EhrSyncConfig {
  const base = normalizeBase(requireSecret(secrets, 'EHR_FHIR_BASE'));
  let url: URL;
  try {
    url = new URL(base);
  } catch {
    throw new BotConfigError('bot secret EHR_FHIR_BASE is not a URL');
  }
  const local = url.hostname === 'localhost' || url.hostname === '127.0.0.1';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && local)) {
    throw new BotConfigError('bot secret EHR_FHIR_BASE must be an https URL');
  }
  const alg = optionalSecret(secrets, 'EHR_SIGNING_ALG');
  if (alg && alg !== 'RS384' && alg !== 'ES384') {
    throw new BotConfigError('bot secret EHR_SIGNING_ALG must be RS384 or ES384');
  }
  const initialSince = optionalSecret(secrets, 'EHR_SYNC_START');
  if (initialSince && Number.isNaN(Date.parse(initialSince))) {
    throw new BotConfigError('bot secret EHR_SYNC_START is not an ISO 8601 instant');
  }
  const keyId = optionalSecret(secrets, 'EHR_KEY_ID');
  const jwksUrl = optionalSecret(secrets, 'EHR_JWKS_URL');
  const organization = optionalSecret(secrets, 'CARELOOP_ORGANIZATION');
  const writeBack = (optionalSecret(secrets, 'EHR_WRITE_BACK') ?? 'on').toLowerCase();
  return {
    base,
    clientId: requireSecret(secrets, 'EHR_CLIENT_ID'),
    privateKey: requireSecret(secrets, 'EHR_PRIVATE_KEY'),
    scope: optionalSecret(secrets, 'EHR_SCOPE') ?? DEFAULT_EHR_SCOPE,
    ...(keyId ? { keyId } : {}),
    ...(jwksUrl ? { jwksUrl } : {}),
    ...(alg ? { alg: alg as SigningAlg } : {}),
    ...(initialSince ? { initialSince } : {}),
    writeBack: !['off', 'false', 'no', '0'].includes(writeBack),
    ...(organization ? { organization } : {}),
  };
}

/** One sync run with its dependencies passed in (the sandbox and tests call this). */
export async function runEhrSync(
  medplum: MedplumClient,
  config: EhrSyncConfig,
  options: EhrSyncOptions = {},
): Promise<EhrSyncSummary> {
  const clock = options.clock ?? botClock();
  const fetchImpl = options.fetchImpl ?? fetch;
  const started = clock.now().getTime();
  const budgetMs = options.budgetMs ?? DEFAULT_BUDGET_MS;
  const outOfTime = (): boolean => clock.now().getTime() - started >= budgetMs;
  const base = normalizeBase(config.base);

  // Token first: a configuration or registration problem fails the run before anything is read or written.
  const { token, ehr } = await connect(config, base, fetchImpl, clock);

  const stored = await readSyncCursor(medplum, EHR_SYNC_NAME, base);
  const from =
    stored.lastUpdated ?? config.initialSince ?? new Date(started - FIRST_RUN_LOOKBACK_MS).toISOString();
  const summary: EhrSyncSummary = {
    ehr: base,
    complete: false,
    pages: 0,
    cursor: { from },
    appointments: { created: 0, updated: 0, unchanged: 0, skipped: 0 },
    patients: { created: 0, updated: 0, unchanged: 0 },
    warnings: [],
  };
  const ehrSystem: EhrSystem = {
    base,
    ...(config.organization ? { organization: config.organization } : {}),
  };
  const since = new Date(Date.parse(from) - (options.overlapMs ?? DEFAULT_OVERLAP_MS)).toISOString();
  const pageSize = options.pageSize ?? DEFAULT_PAGE_SIZE;
  let next: string | undefined =
    `Appointment?_lastUpdated=ge${encodeURIComponent(since)}&_sort=_lastUpdated&_count=${pageSize}`;
  const patientMirrors = new Map<string, string | null>();
  const order = { ordered: true, last: 0, max: Date.parse(from) };

  try {
    while (next) {
      if (outOfTime()) {
        summary.stoppedBy = 'time-budget';
        break;
      }
      const page = await ehr.searchPage(next);
      summary.pages++;
      const appointments = entriesOf<Appointment>(page, 'Appointment');
      trackOrder(appointments, order, summary);
      await mirrorPatients(
        medplum,
        ehr,
        ehrSystem,
        appointments,
        entriesOf<Patient>(page, 'Patient'),
        patientMirrors,
        summary,
      );
      await mapLimit(appointments, CONCURRENCY, (a) =>
        mirrorAppointment(medplum, a, ehrSystem, patientMirrors, summary),
      );
      next = page.link?.find((l) => l.relation === 'next')?.url;
      if (order.ordered && order.max > Date.parse(from)) {
        // The page is written: everything at or before its newest record is safe to skip next time.
        await saveSyncCursor(
          medplum,
          EHR_SYNC_NAME,
          base,
          { lastUpdated: new Date(order.max).toISOString() },
          config.organization,
        );
        summary.cursor.to = new Date(order.max).toISOString();
      }
    }
    if (!next) {
      summary.complete = true;
      if (!order.ordered && order.max > Date.parse(from)) {
        await saveSyncCursor(
          medplum,
          EHR_SYNC_NAME,
          base,
          { lastUpdated: new Date(order.max).toISOString() },
          config.organization,
        );
        summary.cursor.to = new Date(order.max).toISOString();
      }
    }
  } catch (err) {
    summary.stoppedBy = 'error';
    const message = err instanceof Error ? err.message : String(err);
    console.error(`ehr-sync: stopped after ${summary.pages} page(s): ${message}`);
    throw new EhrSyncError(`ehr-sync stopped: ${message}`, summary, { cause: err });
  }

  if (config.writeBack && !outOfTime()) {
    summary.writeBack = await runWriteBack(medplum, ehr, {
      after: stored.writeBack ?? new Date(started - FIRST_RUN_LOOKBACK_MS).toISOString(),
      grantedScope: token().scope,
      outOfTime,
    });
    if (summary.writeBack.cursor) {
      await saveSyncCursor(
        medplum,
        EHR_SYNC_NAME,
        base,
        { writeBack: summary.writeBack.cursor },
        config.organization,
      );
    }
  }
  for (const w of summary.warnings) {
    console.warn(`ehr-sync: ${w}`);
  }
  return summary;
}

async function connect(
  config: EhrSyncConfig,
  base: string,
  fetchImpl: typeof fetch,
  clock: Clock,
): Promise<{ token: () => BackendServicesToken; ehr: EhrFhirClient }> {
  const smart = await discoverSmartConfiguration(base, fetchImpl);
  const key = await importSigningKey(config.privateKey, {
    ...(config.alg ? { alg: config.alg } : {}),
    ...(config.keyId ? { kid: config.keyId } : {}),
  });
  const algs = smart.token_endpoint_auth_signing_alg_values_supported;
  if (algs && algs.length > 0 && !algs.includes(key.alg)) {
    throw new SmartBackendError(
      `the EHR does not accept ${key.alg} client assertions (it lists ${algs.join(', ')})`,
    );
  }
  let current: BackendServicesToken | undefined;
  const tokenSource: TokenSource = async (refresh) => {
    const now = clock.now();
    if (!current || refresh || current.expiresAt.getTime() - now.getTime() < TOKEN_MARGIN_MS) {
      current = await backendServicesToken({
        tokenUrl: smart.token_endpoint,
        clientId: config.clientId,
        privateKey: key,
        scope: config.scope,
        now,
        fetchImpl,
        ...(config.jwksUrl ? { jku: config.jwksUrl } : {}),
      });
    }
    return current.accessToken;
  };
  await tokenSource(false);
  return {
    token: () => current as BackendServicesToken,
    ehr: new EhrFhirClient({ base, token: tokenSource, fetchImpl }),
  };
}

function entriesOf<T extends Appointment | Patient>(bundle: Bundle, type: T['resourceType']): T[] {
  return (bundle.entry ?? [])
    .filter((e) => e.search?.mode !== 'outcome')
    .map((e) => e.resource)
    .filter((r): r is T => r?.resourceType === type);
}

// The cursor may only move per page when the EHR really sorts by _lastUpdated; one record out of order
// (or without lastUpdated) shows it does not, and then only a complete run may move the cursor.
function trackOrder(
  appointments: readonly Appointment[],
  order: { ordered: boolean; last: number; max: number },
  summary: EhrSyncSummary,
): void {
  for (const a of appointments) {
    const at = Date.parse(a.meta?.lastUpdated ?? '');
    if (Number.isNaN(at) || at < order.last) {
      if (order.ordered) {
        summary.warnings.push(
          'the EHR does not return Appointments sorted by _lastUpdated; the cursor moves only when a run completes',
        );
      }
      order.ordered = false;
    }
    if (!Number.isNaN(at)) {
      order.last = Math.max(order.last, at);
      order.max = Math.max(order.max, at);
    }
  }
}

function count(counts: MirrorCounts, outcome: MirrorOutcome): void {
  counts[outcome]++;
}

/** Mirrors the page's patients not yet mirrored this run: one search for all of them, reads for stragglers. */
async function mirrorPatients(
  medplum: MedplumClient,
  ehr: EhrFhirClient,
  ehrSystem: EhrSystem,
  appointments: readonly Appointment[],
  included: readonly Patient[],
  mirrors: Map<string, string | null>,
  summary: EhrSyncSummary,
): Promise<void> {
  const base = ehrSystem.base ?? '';
  const wanted = [
    ...new Set(
      appointments.map((a) => ehrPatientId(a, base)).filter((id): id is string => !!id && !mirrors.has(id)),
    ),
  ];
  if (wanted.length === 0) {
    return;
  }
  const found = new Map<string, Patient>();
  for (const p of included) {
    if (p.id) found.set(p.id, p);
  }
  const missing = (): string[] => wanted.filter((id) => !found.has(id));
  const toSearch = missing();
  for (let i = 0; i < toSearch.length; i += PATIENT_BATCH) {
    const batch = toSearch.slice(i, i + PATIENT_BATCH);
    try {
      const bundle = await ehr.searchPage(
        `Patient?_id=${batch.map(encodeURIComponent).join(',')}&_count=${batch.length}`,
      );
      for (const p of entriesOf<Patient>(bundle, 'Patient')) {
        if (p.id) found.set(p.id, p);
      }
    } catch (err) {
      // Some EHRs refuse a list of ids; reading them one by one below still works.
      if (!(err instanceof EhrRequestError) || err.status !== 400) throw err;
      break;
    }
  }
  for (const id of missing()) {
    try {
      found.set(id, (await ehr.get<Patient>(`Patient/${encodeURIComponent(id)}`)).body);
    } catch (err) {
      if (err instanceof EhrRequestError && (err.status === 404 || err.status === 410)) {
        mirrors.set(id, null);
        summary.warnings.push(
          `Patient/${id} is not readable in the EHR (HTTP ${err.status}); its appointments are skipped`,
        );
        continue;
      }
      throw err;
    }
  }
  await mapLimit(
    [...found.entries()].filter(([id]) => wanted.includes(id)),
    CONCURRENCY,
    async ([id, patient]) => {
      const result = await upsertPatientMirror(medplum, patient, ehrSystem);
      mirrors.set(id, result.reference);
      count(summary.patients, result.outcome);
      summary.warnings.push(...result.warnings);
    },
  );
}

async function mirrorAppointment(
  medplum: MedplumClient,
  appointment: Appointment,
  ehrSystem: EhrSystem,
  patientMirrors: Map<string, string | null>,
  summary: EhrSyncSummary,
): Promise<void> {
  const patientId = ehrPatientId(appointment, ehrSystem.base ?? '');
  const patientRef = patientId ? patientMirrors.get(patientId) : undefined;
  if (!patientRef) {
    // Blocked time and group slots have no patient; nothing in Careloop is about them.
    summary.appointments.skipped++;
    return;
  }
  try {
    const result = await upsertAppointmentMirror(medplum, appointment, ehrSystem, patientRef);
    count(summary.appointments, result.outcome);
    summary.warnings.push(...result.warnings);
  } catch (err) {
    if (!(err instanceof MirrorInputError)) throw err;
    summary.appointments.skipped++;
    summary.warnings.push(err.message);
  }
}

async function mapLimit<T>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
