/**
 * One dispatch run: find due CommunicationRequests a page at a time, re-check policy, claim what is to
 * be sent, send, and record the outcome. FHIR traffic is per page, never per message: one search (with the
 * patients, plans and appointments included), one for consents, one for recent sends, one to make sure
 * each patient has a thread, one batch that claims what goes out and settles what does not (held,
 * deferred, revoked), one batch for the results.
 *
 * Every write of that first batch uses If-Match on the version read, so two runs at once cannot both send
 * a message: the loser's write fails and it skips that request. A claim is a lease (dispatchClaims.ts):
 * a run skips requests another run holds, and finishes, without sending, those whose run stopped before
 * recording its results. Results that the server refuses are tried again; what still fails is left for
 * the next run to finish, and the run fails so the failure is seen.
 *
 * A run serves one practice (`practice.organization`): in a project holding several, the due requests of
 * the others are passed over (src/fhir/practiceScope.ts decides, from the search's own `_include`d
 * patients, so it costs no request). Medplum's `_compartment=Organization/<id>` search would narrow the
 * search itself, but it misses requests filed under no practice (whose patient decides) and Medplum's
 * MockClient and fhir-router MemoryRepository keep no `meta.compartment`, so it would find nothing there.
 */

import type { MedplumClient } from '@medplum/core';
import type {
  Appointment,
  Bundle,
  BundleEntry,
  CarePlan,
  CommunicationRequest,
  Consent,
  Patient,
  Resource,
} from '@medplum/fhirtypes';
import {
  applyEvent,
  channelOf,
  contactAddresses,
  EXT,
  isCommunicationConsent,
  patientLanguage,
  sendTimeCheck,
  SUPPORTED_LANGUAGES,
  type Channel,
  type OutboundRecord,
  type PracticeSettings,
  type WorkflowDefinition,
} from '../engine';
import {
  claimedAt,
  claimState,
  DEFAULT_CLAIM_LEASE_MS,
  expiredClaim,
  recordedSends,
  withClaim,
  withoutClaim,
} from './dispatchClaims';
import {
  communicationKey,
  countsTowardsCaps,
  createCommunication,
  purposeOf,
  put,
  versionOf,
  withReason,
} from './dispatchRecords';
import { definitionFor, loadEnrolmentState } from './enrolmentState';
import { emailSubject } from './messageSubject';
import { ofPractice } from './practiceScope';
import { isReplyRequest } from './replyRequests';
import { ensureThreads } from './threads';
import {
  executeBatchWithRetry,
  failedEntries,
  WriteError,
  writeTransition,
  type RetryPolicy,
} from './writeChanges';

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
  /** Email only: the subject line. */
  readonly subject?: string;
}) => Promise<DispatchSendResult>;

/** What the provider's own log says about a message (for one whose run stopped before recording it). */
export type SentLookupResult =
  | { readonly sent: true; readonly providerId: string; readonly status: string }
  | { readonly sent: false }
  | { readonly sent: 'unknown'; readonly reason: string };

/** Asks the provider whether a message went out since `since`; injected like SendFn. */
export type LookupFn = (msg: {
  readonly channel: Channel;
  readonly to: string;
  readonly text: string;
  readonly since: string;
}) => Promise<SentLookupResult>;

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
  /** How long a claim keeps other runs off a request (default 10 minutes). */
  readonly claimLeaseMs?: number;
  /** Tries and waits for result writes the server refuses (429, 5xx). */
  readonly writeRetry?: RetryPolicy;
  /**
   * For a message whose run stopped before recording it: asks the provider whether it went out. Without
   * it (or when the provider cannot say) such a message is recorded as sent with unknown delivery.
   */
  readonly lookupSent?: LookupFn;
}

/** What a run did. */
export interface DispatchSummary {
  sent: number;
  deferred: number;
  revoked: number;
  held: number;
  retried: number;
  failed: number;
  /** Requests another run held (or won) and this run left alone. */
  skippedClaimed: number;
  /** Requests an earlier run claimed and never finished, finished now from the record without sending. */
  recovered: number;
  /** Claimed requests given back unsent because the run's time was up. */
  released: number;
  /** Due requests of other practices in the project, left to their own dispatch bots. */
  otherPractices: number;
  pages: number;
}

const ATTEMPTS_EXT = EXT.dispatchAttempts;
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
    recovered: 0,
    released: 0,
    otherPractices: 0,
    pages: 0,
  };
  const started = options.now().getTime();
  const deadline = started + (options.budgetMs ?? 45_000);
  const pageSize = options.pageSize ?? 200;
  // Every request is looked at once per run, whatever happens to it; this also bounds the run when the
  // server's date filter is coarse.
  const seen = new Set<string>();
  for (;;) {
    if (options.now().getTime() > deadline) {
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
    const unseen = requests.filter((r) => !seen.has(r.id ?? '')).slice(0, pageSize);
    if (unseen.length === 0) {
      break;
    }
    summary.pages++;
    // Another practice's requests are passed over, never claimed: they stay due for that practice's own
    // dispatch (its settings, its sender), and being in `seen` they do not fill this run's next pages.
    unseen.forEach((r) => seen.add(r.id ?? ''));
    await fillMissing(medplum, unseen, byRef);
    const todo = await ofPractice(
      medplum,
      unseen,
      options.practice.organization,
      (r) => r.subject?.reference,
      byRef,
    );
    summary.otherPractices += unseen.length - todo.length;
    if (todo.length > 0) {
      await dispatchPage(medplum, todo, byRef, options, summary, now, deadline);
    }
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

/** A failed send that needs a fallback channel or a person, through the engine's transitions. */
interface FollowUp {
  request: CommunicationRequest;
  carePlan: CarePlan;
  definition: WorkflowDefinition;
  channel: Channel;
  reason: string;
  permanent: boolean;
  optedOut: boolean;
  landline: boolean;
}

/**
 * A claimed request: on its way out (with what its send-time check needs), or abandoned by an earlier run
 * and to be recorded without sending.
 */
type Claimed =
  | {
      request: CommunicationRequest;
      recover?: false;
      check: Omit<Parameters<typeof sendTimeCheck>[0], 'sent'>;
      carePlan?: CarePlan;
      definition?: WorkflowDefinition;
    }
  | { request: CommunicationRequest; recover: true; found?: { providerId: string; status: string } };

async function dispatchPage(
  medplum: MedplumClient,
  page: CommunicationRequest[],
  byRef: Map<string, Resource>,
  options: DispatchOptions,
  summary: DispatchSummary,
  now: string,
  deadline: number,
): Promise<void> {
  const nowMs = Date.parse(now);
  const leaseMs = options.claimLeaseMs ?? DEFAULT_CLAIM_LEASE_MS;
  const open: CommunicationRequest[] = [];
  const abandoned: CommunicationRequest[] = [];
  for (const r of page) {
    const state = claimState(r, nowMs, leaseMs);
    if (state === 'held') {
      // Another run is sending it right now; it will record the result (or a later run will recover it).
      summary.skippedClaimed++;
    } else {
      (state === 'open' ? open : abandoned).push(r);
    }
  }
  if (open.length === 0 && abandoned.length === 0) return;
  const recorded = await recordedSends(medplum, abandoned);
  const found = await lookUpUnrecorded(
    abandoned.filter((r) => !recorded.has(communicationKey(r))),
    byRef,
    options,
    now,
  );
  // What the provider says never went out is sent now, like any open request (its stale claim replaced).
  for (const [id, result] of found) {
    if (result.sent !== false) continue;
    const i = abandoned.findIndex((r) => r.id === id);
    if (i >= 0) open.push(...abandoned.splice(i, 1));
  }

  const patientRefs = [
    ...new Set([...open, ...abandoned].map((r) => r.subject?.reference ?? '').filter(Boolean)),
  ];
  const weekAgo = new Date(nowMs - 7 * 86_400_000).toISOString();
  const [consents, recent] = await Promise.all([
    open.length
      ? medplum.searchResources('Consent', {
          patient: patientRefs.join(','),
          status: 'active',
          _count: '1000',
        })
      : Promise.resolve([] as Consent[]),
    open.length
      ? medplum.searchResources('CommunicationRequest', {
          subject: patientRefs.join(','),
          status: 'completed',
          occurrence: `ge${weekAgo}`,
          _count: '1000',
        })
      : Promise.resolve([] as CommunicationRequest[]),
  ]);
  const sentBy = new Map<string, OutboundRecord[]>();
  for (const r of recent) {
    // Replies to the patient neither count towards the caps nor are held by them (docs/compliance.md).
    if (!countsTowardsCaps(r)) continue;
    const list = sentBy.get(r.subject?.reference ?? '') ?? [];
    // Caps count when it actually went out; completed requests carry that time.
    list.push({ at: r.occurrenceDateTime ?? now, purpose: purposeOf(r) });
    sentBy.set(r.subject?.reference ?? '', list);
  }

  // Decide first, then write every decision in one version-checked batch: what goes out is claimed, what
  // does not (held, deferred, revoked) is settled, and whatever another run changed since we read it fails
  // with 412 and is left to that run.
  const first: BundleEntry[] = [];
  const kinds: ('send' | 'hold' | 'defer' | 'revoke' | 'recover')[] = [];
  const toSend: (Claimed | undefined)[] = [];
  // The same planned message twice (a server whose conditional create is not atomic let two racing
  // writers both create it): the first copy goes, any other is revoked rather than sent again.
  const keysDone = new Map(recent.map((r) => [r.identifier?.[0]?.value ?? '', r.id]));
  for (const request of open) {
    const key = request.identifier?.[0]?.value;
    const original = key ? keysDone.get(key) : undefined;
    if (key && original && original !== request.id) {
      kinds.push('revoke');
      toSend.push(undefined);
      first.push(
        put(
          {
            ...withoutClaim(request),
            status: 'revoked',
            statusReason: { text: `duplicate of CommunicationRequest/${original}` },
          },
          versionOf(request),
        ),
      );
      continue;
    }
    if (key) keysDone.set(key, request.id);
    const patientRef = request.subject?.reference ?? '';
    const { carePlan, definition, appointment, patient } = contextOf(request, byRef, options);
    const check: Omit<Parameters<typeof sendTimeCheck>[0], 'sent'> = {
      request,
      ...(carePlan ? { carePlan } : {}),
      ...(definition ? { definition } : {}),
      ...(patient ? { patient } : {}),
      ...(appointment ? { appointment } : {}),
      consents: (consents as Consent[]).filter(
        (c) => c.patient?.reference === patientRef && isCommunicationConsent(c),
      ),
      practice: options.practice,
      now,
    };
    const decision = sendTimeCheck({ ...check, sent: capHistory(request, sentBy) });
    const base = withoutClaim(request);
    const ifMatch = versionOf(request);
    kinds.push(decision.action);
    if (decision.action === 'hold') {
      // Looked at again in an hour rather than every minute: a backlog of paused plans must not fill
      // every page and starve the messages behind it. If the plan resumes later, the send-time check
      // still revokes what has become pointless (the visit already started).
      const recheck = new Date(nowMs + HOLD_RECHECK_MS).toISOString();
      first.push(
        put(withReason({ ...base, occurrenceDateTime: recheck }, `held: ${decision.reason}`), ifMatch),
      );
      toSend.push(undefined);
    } else if (decision.action === 'revoke') {
      first.push(
        put(
          { ...base, status: 'revoked', statusReason: { text: `at send time: ${decision.reason}` } },
          ifMatch,
        ),
      );
      toSend.push(undefined);
    } else if (decision.action === 'defer') {
      first.push(
        put(
          withReason(
            { ...base, occurrenceDateTime: decision.until },
            `deferred at send time: ${decision.reason}`,
          ),
          ifMatch,
        ),
      );
      toSend.push(undefined);
    } else {
      first.push(put(withClaim(request, now), ifMatch));
      toSend.push({
        request,
        check,
        ...(carePlan ? { carePlan } : {}),
        ...(definition ? { definition } : {}),
      });
    }
  }

  for (const request of abandoned) {
    // The run that claimed it stopped before recording its results. Whatever it recorded stands; if it
    // recorded nothing, the message may well have gone out, and sending it again could text the patient
    // twice: it is claimed afresh and recorded below as sent with unknown delivery, like a send that
    // timed out.
    const base = withoutClaim(request);
    const ifMatch = versionOf(request);
    const done = recorded.get(communicationKey(request));
    kinds.push('recover');
    if (!done) {
      first.push(put(withClaim(request, now), ifMatch));
      const log = found.get(request.id ?? '');
      toSend.push({
        request,
        recover: true,
        ...(log?.sent === true ? { found: { providerId: log.providerId, status: log.status } } : {}),
      });
    } else if (done.status === 'not-done') {
      first.push(
        put(
          {
            ...base,
            status: 'revoked',
            statusReason: { text: `not delivered: ${done.statusReason?.text ?? 'failed'}` },
          },
          ifMatch,
        ),
      );
      toSend.push(undefined);
    } else {
      first.push(put({ ...base, status: 'completed', occurrenceDateTime: done.sent ?? now }, ifMatch));
      toSend.push(undefined);
    }
  }

  const firstResult = await medplum.executeBatch({ resourceType: 'Bundle', type: 'batch', entry: first });
  const claimed: Claimed[] = [];
  (firstResult.entry ?? []).forEach((e, i) => {
    const status = e.response?.status ?? '';
    const kind = kinds[i];
    if (!/^2/.test(status)) {
      // 412: another run got there first. Anything else (429, 5xx): untouched, the next run tries again.
      summary.skippedClaimed++;
      return;
    }
    const claim = toSend[i];
    if (claim) {
      claimed.push({ ...claim, request: (e.resource as CommunicationRequest | undefined) ?? claim.request });
    } else if (kind === 'hold') summary.held++;
    else if (kind === 'defer') summary.deferred++;
    else if (kind === 'revoke') summary.revoked++;
    else summary.recovered++;
  });
  // Threads only for patients this run is about to write to: a run that lost every claim creates none.
  const threads = await ensureThreads(
    medplum,
    claimed.map((c) => c.request.subject?.reference ?? ''),
  );

  const results: BundleEntry[] = [];
  // Which result entries belong to which request, to tell what was recorded.
  const groups: { request: CommunicationRequest; entries: number[]; followUp?: FollowUp }[] = [];
  for (const claim of claimed) {
    const { request } = claim;
    const patientRef = request.subject?.reference ?? '';
    const base = withoutClaim(request);
    const group = { request, entries: [results.length] as number[] };
    groups.push(group);
    if (claim.recover) {
      summary.recovered++;
      results.push(put({ ...base, status: 'completed', occurrenceDateTime: now }));
      group.entries.push(results.length);
      results.push(
        createCommunication(request, {
          channel: channelOf(request) ?? 'sms',
          text: request.payload?.[0]?.contentString ?? '',
          providerId: claim.found?.providerId ?? '',
          providerStatus: claim.found?.status ?? 'unknown',
          thread: threads.get(patientRef),
          now,
          note: claim.found
            ? "The dispatch run that sent this message stopped before recording it; recorded from the provider's log."
            : 'The dispatch run that claimed this message stopped before recording whether it went out; it was not sent again.',
        }),
      );
      continue;
    }
    const { check, carePlan, definition } = claim;
    if (options.now().getTime() > deadline) {
      // Out of time: give it back unsent for the next run rather than be cut off mid-page.
      summary.released++;
      results.push(put(base));
      continue;
    }
    // Checked again with what this page has sent so far: two messages of one purpose to one patient in
    // the same page must still respect the caps (the first one's failure, though, leaves room for the second).
    const decision = sendTimeCheck({ ...check, sent: capHistory(request, sentBy) });
    if (decision.action !== 'send') {
      summary.deferred++;
      const until =
        decision.action === 'defer' ? decision.until : new Date(nowMs + HOLD_RECHECK_MS).toISOString();
      results.push(
        put(withReason({ ...base, occurrenceDateTime: until }, `deferred at send time: ${decision.reason}`)),
      );
      continue;
    }
    const key = request.identifier?.[0]?.value ?? request.id ?? '';
    const patient = byRef.get(patientRef) as Patient | undefined;
    const language = patient
      ? patientLanguage(patient, SUPPORTED_LANGUAGES, options.practice.defaultLanguage)
      : 'en';
    const subject =
      decision.channel === 'email'
        ? emailSubject(request, {
            ...(definition ? { definition } : {}),
            practiceName: options.practice.name,
            language,
          })
        : undefined;
    let outcome: DispatchSendResult;
    try {
      outcome = await options.send({
        channel: decision.channel,
        to: decision.to,
        text: decision.text,
        language,
        key,
        ...(subject ? { subject } : {}),
      });
    } catch (err) {
      outcome = { ok: false, retryable: true, reason: (err as Error).message };
    }
    const record = {
      channel: decision.channel,
      text: decision.text,
      thread: threads.get(patientRef),
      now,
      ...(subject ? { subject } : {}),
    };
    if (outcome.ok || outcome.maybeSent) {
      // A send that may have gone through (timeout, 5xx) is recorded as sent with unknown delivery rather
      // than retried: better one message we cannot confirm than two. The status callback settles it.
      summary.sent++;
      if (countsTowardsCaps(request)) {
        sentBy.set(patientRef, [...(sentBy.get(patientRef) ?? []), { at: now, purpose: purposeOf(request) }]);
      }
      results.push(put({ ...base, status: 'completed', occurrenceDateTime: now }));
      group.entries.push(results.length);
      results.push(
        createCommunication(request, {
          ...record,
          providerId: outcome.ok ? outcome.providerId : '',
          providerStatus: outcome.ok ? outcome.status : 'unknown',
        }),
      );
      continue;
    }
    const attempts = Number(request.extension?.find((e) => e.url === ATTEMPTS_EXT)?.valueInteger ?? 0) + 1;
    const maxAttempts = options.maxAttempts ?? 3;
    if (outcome.retryable && attempts < maxAttempts) {
      summary.retried++;
      const retryAt = new Date(
        nowMs + (BACKOFF_MS[attempts - 1] ?? BACKOFF_MS.at(-1) ?? 60_000),
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
    group.entries.push(results.length);
    results.push(
      createCommunication(request, {
        ...record,
        providerId: '',
        providerStatus: 'failed',
        failure: outcome.reason,
      }),
    );
    if (carePlan && definition) {
      Object.assign(group, {
        followUp: {
          request,
          carePlan,
          definition,
          channel: decision.channel,
          reason: outcome.reason,
          permanent: !outcome.retryable,
          optedOut: outcome.optedOut ?? false,
          landline: outcome.landline ?? false,
        },
      });
    }
  }
  const failures = results.length
    ? await writeResults(medplum, results, groups, options, nowMs, leaseMs)
    : [];
  // Failures that need a fallback channel or a person are rare; they go through the engine's transitions.
  const failedRequests = new Set(failures);
  for (const g of groups) {
    if (!g.followUp || failedRequests.has(g.request)) continue;
    const f = g.followUp;
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
  if (failures.length) {
    throw new DispatchWriteError(failures.map((r) => r.id ?? ''));
  }
}

/** Raised when a page's results could not all be recorded; the requests named are finished by a later run. */
export class DispatchWriteError extends WriteError {
  readonly requests: readonly string[];

  constructor(requests: readonly string[]) {
    super(
      requests.map((id, index) => ({
        index,
        status: 'unrecorded',
        message: `CommunicationRequest/${id}: result not recorded; a later run finishes it without sending again`,
      })),
    );
    this.name = 'DispatchWriteError';
    this.requests = requests;
  }
}

/**
 * Writes a page's results, trying refused entries again. A request whose own update still failed keeps
 * its claim, which a later run finds once the lease is over. A request that was updated but whose
 * Communication could not be written is put back under an expired claim, so the next run records the
 * message (never sending it again) instead of it vanishing from the thread. Returns the requests whose
 * results are not all on record.
 */
async function writeResults(
  medplum: MedplumClient,
  results: BundleEntry[],
  groups: { request: CommunicationRequest; entries: number[] }[],
  options: DispatchOptions,
  nowMs: number,
  leaseMs: number,
): Promise<CommunicationRequest[]> {
  const responses = await executeBatchWithRetry(
    medplum,
    { resourceType: 'Bundle', type: 'batch', entry: results },
    options.writeRetry,
  );
  const failedAt = new Set(failedEntries(responses).map((f) => f.index));
  if (failedAt.size === 0) return [];
  const unrecorded = groups.filter((g) => g.entries.some((i) => failedAt.has(i)));
  const putBack = unrecorded.filter((g) => !failedAt.has(g.entries[0] ?? -1));
  if (putBack.length) {
    const back = await executeBatchWithRetry(
      medplum,
      {
        resourceType: 'Bundle',
        type: 'batch',
        entry: putBack.map((g) => put(expiredClaim(withoutClaim(g.request), nowMs, leaseMs))),
      },
      options.writeRetry,
    );
    failedEntries(back).forEach((f) =>
      console.error(
        `dispatch: CommunicationRequest/${putBack[f.index]?.request.id ?? '?'} was sent but neither its Communication nor its claim could be written (${f.status} ${f.message})`,
      ),
    );
  }
  return unrecorded.map((g) => g.request);
}

/**
 * Asks the provider about each abandoned request with nothing on record (rare: a run stopped between
 * sending and recording). Results by request id; a failing lookup counts as "cannot say".
 */
async function lookUpUnrecorded(
  unrecorded: readonly CommunicationRequest[],
  byRef: Map<string, Resource>,
  options: DispatchOptions,
  now: string,
): Promise<Map<string, SentLookupResult>> {
  const out = new Map<string, SentLookupResult>();
  const lookup = options.lookupSent;
  if (!lookup) return out;
  await Promise.all(
    unrecorded.map(async (request) => {
      const channel = channelOf(request);
      const patient = byRef.get(request.subject?.reference ?? '') as Patient | undefined;
      const to = patient
        ? contactAddresses(patient, now)
            .filter((a) => a.channel === channel)
            .sort((a, b) => a.rank - b.rank)[0]?.address
        : undefined;
      const at = claimedAt(request);
      if (!channel || !to || at === undefined) return;
      try {
        const result = await lookup({
          channel,
          to,
          text: request.payload?.[0]?.contentString ?? '',
          since: new Date(at).toISOString(),
        });
        out.set(request.id ?? '', result);
      } catch (err) {
        out.set(request.id ?? '', { sent: 'unknown', reason: (err as Error).message });
      }
    }),
  );
  return out;
}

/** The sends the caps look at for this request: none for a reply to the patient, which the caps do not hold. */
function capHistory(request: CommunicationRequest, sentBy: Map<string, OutboundRecord[]>): OutboundRecord[] {
  return isReplyRequest(request) ? [] : (sentBy.get(request.subject?.reference ?? '') ?? []);
}

function contextOf(
  request: CommunicationRequest,
  byRef: Map<string, Resource>,
  options: DispatchOptions,
): { carePlan?: CarePlan; definition?: WorkflowDefinition; appointment?: Appointment; patient?: Patient } {
  const carePlanRef = request.basedOn?.find((b) => b.reference?.startsWith('CarePlan/'))?.reference;
  const carePlan = carePlanRef ? (byRef.get(carePlanRef) as CarePlan | undefined) : undefined;
  const appointmentRef = request.about?.find((a) => a.reference?.startsWith('Appointment/'))?.reference;
  const appointment = appointmentRef ? (byRef.get(appointmentRef) as Appointment | undefined) : undefined;
  const definition = carePlan ? definitionFor(carePlan, options.workflows) : undefined;
  const patient = byRef.get(request.subject?.reference ?? '') as Patient | undefined;
  return {
    ...(carePlan ? { carePlan } : {}),
    ...(definition ? { definition } : {}),
    ...(appointment ? { appointment } : {}),
    ...(patient ? { patient } : {}),
  };
}
