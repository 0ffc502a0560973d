/**
 * One dispatch run: find due CommunicationRequests a page at a time, claim them, re-check policy, send,
 * and record the outcome. FHIR traffic is per page, never per message: one search (with the patients,
 * plans and appointments included), one for consents, one for recent sends, one batch to claim, one to
 * make sure each patient has a thread, one batch for the results.
 *
 * Claiming uses If-Match on each request's version, so two runs at once cannot both send a message: the
 * loser's claim fails and it skips that request.
 */

import type { MedplumClient } from '@medplum/core';
import type {
  Appointment,
  Bundle,
  BundleEntry,
  CarePlan,
  Communication,
  CommunicationRequest,
  Consent,
  Patient,
  Resource,
} from '@medplum/fhirtypes';
import {
  applyEvent,
  CS,
  EXT,
  ID_SYSTEM,
  isCommunicationConsent,
  patientLanguage,
  sendTimeCheck,
  SUPPORTED_LANGUAGES,
  type Channel,
  type OutboundRecord,
  type PracticeSettings,
  type WorkflowDefinition,
} from '../engine';
import { definitionFor, loadEnrolmentState } from './enrolmentState';
import { ensureThreads } from './threads';
import { writeTransition } from './writeChanges';

/** What a provider said about one send; the channels layer produces it. */
export type DispatchSendResult =
  | { readonly ok: true; readonly providerId: string; readonly status: string }
  | {
      readonly ok: false;
      readonly retryable: boolean;
      readonly reason: string;
      readonly code?: number;
      readonly optedOut?: boolean;
      readonly landline?: boolean;
      /** The provider may have accepted it anyway (timeout, 5xx): retrying could text the patient twice. */
      readonly maybeSent?: boolean;
    };

/** Sends one message; injected so the bot, the sandbox and tests choose the provider. */
export type SendFn = (msg: {
  readonly channel: Channel;
  readonly to: string;
  readonly text: string;
  readonly language: string;
  /** Deterministic key of the request, for provider-side idempotency where supported. */
  readonly key: string;
}) => Promise<DispatchSendResult>;

/** Options of a run. */
export interface DispatchOptions {
  readonly practice: PracticeSettings;
  readonly workflows: readonly WorkflowDefinition[];
  readonly send: SendFn;
  /** The current time; read once per page so a long run still sees time move. */
  readonly now: () => Date;
  readonly pageSize?: number;
  /** Stop starting new pages after this many ms (Medplum bots are time-bounded). */
  readonly budgetMs?: number;
  /** Transient failures are retried this many times (1 min, 5 min, 15 min) before a person is asked. */
  readonly maxAttempts?: number;
}

/** What a run did. */
export interface DispatchSummary {
  sent: number;
  deferred: number;
  revoked: number;
  held: number;
  retried: number;
  failed: number;
  skippedClaimed: number;
  pages: number;
}

const CLAIM_EXT = EXT.dispatchClaim;
const ATTEMPTS_EXT = EXT.dispatchAttempts;
const DELIVERY_EXT = EXT.deliveryStatus;
const BACKOFF_MS = [60_000, 5 * 60_000, 15 * 60_000];
const HOLD_RECHECK_MS = 60 * 60_000;

/** Runs dispatch until nothing is due or the budget is spent. */
export async function runDispatch(
  medplum: MedplumClient,
  options: DispatchOptions,
): Promise<DispatchSummary> {
  const summary: DispatchSummary = {
    sent: 0,
    deferred: 0,
    revoked: 0,
    held: 0,
    retried: 0,
    failed: 0,
    skippedClaimed: 0,
    pages: 0,
  };
  const started = options.now().getTime();
  const pageSize = options.pageSize ?? 200;
  // Every request is looked at once per run, whatever happens to it; this also bounds the run when the
  // server's date filter is coarse.
  const seen = new Set<string>();
  for (;;) {
    if (options.now().getTime() - started > (options.budgetMs ?? 45_000)) {
      break;
    }
    const now = options.now().toISOString();
    const query = new URLSearchParams([
      ['status', 'active'],
      ['occurrence', `le${now}`],
      ['_sort', 'occurrence'],
      ['_count', String(pageSize + seen.size)],
      ['_include', 'CommunicationRequest:subject'],
      ['_include', 'CommunicationRequest:based-on'],
      ['_include', 'CommunicationRequest:about'],
    ]);
    const bundle = await medplum.search('CommunicationRequest', query, { cache: 'no-cache' });
    const { requests, byRef } = splitBundle(bundle);
    const todo = requests.filter((r) => !seen.has(r.id ?? '')).slice(0, pageSize);
    if (todo.length === 0) {
      break;
    }
    summary.pages++;
    todo.forEach((r) => seen.add(r.id ?? ''));
    await fillMissing(medplum, todo, byRef);
    await dispatchPage(medplum, todo, byRef, options, summary, now);
  }
  return summary;
}

/**
 * Reads what `_include` did not bring (servers without _include support, such as Medplum's MockClient),
 * one `_id` search per resource type, so a page still costs a fixed number of requests.
 */
async function fillMissing(
  medplum: MedplumClient,
  page: CommunicationRequest[],
  byRef: Map<string, Resource>,
): Promise<void> {
  const wanted = new Map<string, Set<string>>();
  for (const r of page) {
    for (const ref of [
      r.subject?.reference,
      ...(r.basedOn ?? []).map((b) => b.reference),
      ...(r.about ?? []).map((a) => a.reference),
    ]) {
      if (!ref || byRef.has(ref)) continue;
      const [type, id] = ref.split('/');
      if (!type || !id || !['Patient', 'CarePlan', 'Appointment'].includes(type)) continue;
      wanted.set(type, (wanted.get(type) ?? new Set()).add(id));
    }
  }
  await Promise.all(
    [...wanted].map(async ([type, ids]) => {
      const found = await medplum.searchResources(
        type as 'Patient' | 'CarePlan' | 'Appointment',
        { _id: [...ids].join(','), _count: String(ids.size) },
        { cache: 'no-cache' },
      );
      for (const r of found) byRef.set(`${type}/${r.id ?? ''}`, r);
    }),
  );
}

function splitBundle(bundle: Bundle): { requests: CommunicationRequest[]; byRef: Map<string, Resource> } {
  const requests: CommunicationRequest[] = [];
  const byRef = new Map<string, Resource>();
  for (const e of bundle.entry ?? []) {
    const r = e.resource;
    if (!r?.id) continue;
    if (r.resourceType === 'CommunicationRequest' && e.search?.mode !== 'include') {
      requests.push(r);
    } else {
      byRef.set(`${r.resourceType}/${r.id}`, r);
    }
  }
  return { requests, byRef };
}

async function dispatchPage(
  medplum: MedplumClient,
  page: CommunicationRequest[],
  byRef: Map<string, Resource>,
  options: DispatchOptions,
  summary: DispatchSummary,
  now: string,
): Promise<void> {
  const patientRefs = [...new Set(page.map((r) => r.subject?.reference ?? '').filter(Boolean))];
  const weekAgo = new Date(Date.parse(now) - 7 * 86_400_000).toISOString();
  const [consents, recent] = await Promise.all([
    medplum.searchResources('Consent', { patient: patientRefs.join(','), status: 'active', _count: '1000' }),
    medplum.searchResources('CommunicationRequest', {
      subject: patientRefs.join(','),
      status: 'completed',
      occurrence: `ge${weekAgo}`,
      _count: '1000',
    }),
  ]);
  const sentBy = new Map<string, OutboundRecord[]>();
  for (const r of recent) {
    const list = sentBy.get(r.subject?.reference ?? '') ?? [];
    // Caps count when it actually went out; completed requests carry that time.
    list.push({ at: r.occurrenceDateTime ?? now, purpose: purposeOf(r) });
    sentBy.set(r.subject?.reference ?? '', list);
  }

  // Claim the page: a version-checked update per request in one batch. Whatever fails was claimed by
  // another run (or changed since we read it) and is left alone.
  const claimBatch: Bundle = {
    resourceType: 'Bundle',
    type: 'batch',
    entry: page.map((r) => ({
      resource: {
        ...r,
        extension: [
          ...(r.extension ?? []).filter((e) => e.url !== CLAIM_EXT),
          { url: CLAIM_EXT, valueDateTime: now },
        ],
      },
      request: {
        method: 'PUT',
        url: `CommunicationRequest/${r.id}`,
        ...(r.meta?.versionId ? { ifMatch: `W/"${r.meta.versionId}"` } : {}),
      },
    })),
  };
  const claimResult = await medplum.executeBatch(claimBatch);
  const claimed: CommunicationRequest[] = [];
  (claimResult.entry ?? []).forEach((e, i) => {
    const ok = /^2/.test(e.response?.status ?? '');
    const original = page[i];
    if (ok && original) {
      claimed.push((e.resource as CommunicationRequest | undefined) ?? original);
    } else {
      summary.skippedClaimed++;
    }
  });

  const threads = await ensureThreads(
    medplum,
    claimed.map((r) => r.subject?.reference ?? '').filter(Boolean),
  );
  const results: BundleEntry[] = [];
  const followUps: {
    request: CommunicationRequest;
    carePlan: CarePlan;
    definition: WorkflowDefinition;
    channel: Channel;
    reason: string;
    permanent: boolean;
    optedOut: boolean;
    landline: boolean;
  }[] = [];

  for (const request of claimed) {
    const patientRef = request.subject?.reference ?? '';
    const carePlanRef = request.basedOn?.find((b) => b.reference?.startsWith('CarePlan/'))?.reference;
    const carePlan = carePlanRef ? (byRef.get(carePlanRef) as CarePlan | undefined) : undefined;
    const appointmentRef = request.about?.find((a) => a.reference?.startsWith('Appointment/'))?.reference;
    const definition = carePlan ? definitionFor(carePlan, options.workflows) : undefined;
    const sent = sentBy.get(patientRef) ?? [];
    const decision = sendTimeCheck({
      request,
      ...(carePlan ? { carePlan } : {}),
      ...(definition ? { definition } : {}),
      ...(byRef.get(patientRef) ? { patient: byRef.get(patientRef) as Patient } : {}),
      ...(appointmentRef && byRef.get(appointmentRef)
        ? { appointment: byRef.get(appointmentRef) as Appointment }
        : {}),
      consents: (consents as Consent[]).filter(
        (c) => c.patient?.reference === patientRef && isCommunicationConsent(c),
      ),
      sent,
      practice: options.practice,
      now,
    });
    const base = withoutClaim(request);
    if (decision.action === 'hold') {
      // Looked at again in an hour rather than every minute: a backlog of paused plans must not fill
      // every page and starve the messages behind it. If the plan resumes later, the send-time check
      // still revokes what has become pointless (the visit already started).
      summary.held++;
      const recheck = new Date(Date.parse(now) + HOLD_RECHECK_MS).toISOString();
      results.push(put(withReason({ ...base, occurrenceDateTime: recheck }, `held: ${decision.reason}`)));
      continue;
    }
    if (decision.action === 'revoke') {
      summary.revoked++;
      results.push(
        put({ ...base, status: 'revoked', statusReason: { text: `at send time: ${decision.reason}` } }),
      );
      continue;
    }
    if (decision.action === 'defer') {
      summary.deferred++;
      results.push(
        put(
          withReason(
            { ...base, occurrenceDateTime: decision.until },
            `deferred at send time: ${decision.reason}`,
          ),
        ),
      );
      continue;
    }
    const key = request.identifier?.[0]?.value ?? request.id ?? '';
    const patient = byRef.get(patientRef) as Patient | undefined;
    const language = patient
      ? patientLanguage(patient, SUPPORTED_LANGUAGES, options.practice.defaultLanguage)
      : 'en';
    let outcome: DispatchSendResult;
    try {
      outcome = await options.send({
        channel: decision.channel,
        to: decision.to,
        text: decision.text,
        language,
        key,
      });
    } catch (err) {
      outcome = { ok: false, retryable: true, reason: (err as Error).message };
    }
    if (outcome.ok || outcome.maybeSent) {
      // A send that may have gone through (timeout, 5xx) is recorded as sent with unknown delivery rather
      // than retried: better one message we cannot confirm than two. The status callback settles it.
      summary.sent++;
      sent.push({ at: now, purpose: purposeOf(request) });
      sentBy.set(patientRef, sent);
      results.push(put({ ...base, status: 'completed', occurrenceDateTime: now }));
      results.push(
        createCommunication(
          request,
          decision.channel,
          decision.text,
          outcome.ok ? outcome.providerId : '',
          outcome.ok ? outcome.status : 'unknown',
          threads.get(patientRef),
          now,
        ),
      );
      continue;
    }
    const attempts = Number(request.extension?.find((e) => e.url === ATTEMPTS_EXT)?.valueInteger ?? 0) + 1;
    const maxAttempts = options.maxAttempts ?? 3;
    if (outcome.retryable && attempts < maxAttempts) {
      summary.retried++;
      const retryAt = new Date(
        Date.parse(now) + (BACKOFF_MS[attempts - 1] ?? BACKOFF_MS.at(-1) ?? 60_000),
      ).toISOString();
      results.push(
        put(
          withReason(
            {
              ...base,
              occurrenceDateTime: retryAt,
              extension: [
                ...(base.extension ?? []).filter((e) => e.url !== ATTEMPTS_EXT),
                { url: ATTEMPTS_EXT, valueInteger: attempts },
              ],
            },
            `attempt ${attempts} failed (${outcome.reason}); retrying`,
          ),
        ),
      );
      continue;
    }
    summary.failed++;
    results.push(
      put({ ...base, status: 'revoked', statusReason: { text: `not delivered: ${outcome.reason}` } }),
    );
    // The attempt is part of the record (and of the delivery-failure rate) even though nothing arrived.
    results.push(
      createCommunication(
        request,
        decision.channel,
        decision.text,
        '',
        'failed',
        threads.get(patientRef),
        now,
        outcome.reason,
      ),
    );
    if (carePlan && definition) {
      followUps.push({
        request,
        carePlan,
        definition,
        channel: decision.channel,
        reason: outcome.reason,
        permanent: !outcome.retryable,
        optedOut: outcome.optedOut ?? false,
        landline: outcome.landline ?? false,
      });
    }
  }
  if (results.length) {
    await medplum.executeBatch({ resourceType: 'Bundle', type: 'batch', entry: results });
  }
  // Failures that need a fallback channel or a person are rare; they go through the engine's transitions.
  for (const f of followUps) {
    const state = await loadEnrolmentState(medplum, {
      carePlan: f.carePlan,
      definition: f.definition,
      practice: options.practice,
      now: new Date(now),
    });
    await writeTransition(
      medplum,
      applyEvent(state, {
        type: 'delivery-failed',
        request: f.request,
        channel: f.channel,
        permanent: f.permanent,
        reason: f.reason,
        ...(f.optedOut ? { carrierOptOut: true } : {}),
        ...(f.landline ? { landline: true } : {}),
      }),
    );
  }
}

function purposeOf(r: CommunicationRequest): string {
  return r.category?.flatMap((c) => c.coding ?? []).find((c) => c.system === CS.purpose)?.code ?? 'unknown';
}

function withoutClaim(r: CommunicationRequest): CommunicationRequest {
  return { ...r, extension: (r.extension ?? []).filter((e) => e.url !== CLAIM_EXT) };
}

function withReason(r: CommunicationRequest, reason: string): CommunicationRequest {
  return { ...r, extension: [...(r.extension ?? []), { url: EXT.scheduleReason, valueString: reason }] };
}

function put(r: CommunicationRequest): BundleEntry {
  return { resource: r, request: { method: 'PUT', url: `CommunicationRequest/${r.id ?? ''}` } };
}

function createCommunication(
  request: CommunicationRequest,
  channel: Channel,
  text: string,
  providerId: string,
  providerStatus: string,
  thread: string | undefined,
  now: string,
  failure?: string,
): BundleEntry {
  const key = request.identifier?.[0]?.value ?? request.id ?? '';
  const communication: Communication = {
    resourceType: 'Communication',
    identifier: [
      { system: ID_SYSTEM.request, value: key },
      ...(providerId ? [{ system: ID_SYSTEM.providerMessage, value: providerId }] : []),
    ],
    extension: [{ url: DELIVERY_EXT, valueCode: providerStatus || 'queued' }],
    basedOn: [{ reference: `CommunicationRequest/${request.id ?? ''}` }, ...(request.basedOn ?? [])],
    ...(thread ? { partOf: [{ reference: thread }] } : {}),
    status: failure ? 'not-done' : 'in-progress',
    ...(failure ? { statusReason: { text: failure } } : {}),
    category: request.category,
    medium: request.medium,
    subject: request.subject,
    recipient: request.recipient,
    ...(request.sender ? { sender: request.sender } : {}),
    ...(request.about ? { about: request.about } : {}),
    sent: now,
    payload: [{ contentString: text }],
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
