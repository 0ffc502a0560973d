/**
 * Bot: watchdog (Cron, every 15 minutes). Two jobs, both paged and time-bounded:
 *
 * 1. Reconcile what Subscriptions missed (Medplum does not retry a bot a Subscription triggers):
 *    appointments updated in the lookback whose state implies enrolments that do not exist (or a cancelled
 *    one whose reminders still run) go through the appointment bot's logic again, and completed
 *    questionnaires without the processed tag through the survey bot's. Both are idempotent. Inbound
 *    messages recorded but left pending (the inbound bot failed part-way) are finished, their replies
 *    queued for dispatch.
 * 2. Delivery statuses Twilio reported before dispatch recorded the message (dispatch sends a page, then
 *    records it in one batch; a fast "sent", "delivered" or "failed" callback finds nothing and is
 *    dropped): a text or call still waiting for its first callback some minutes after it was recorded
 *    is looked up in Twilio by its SID and settled through the delivery-status bot's logic, failures
 *    included. Twilio's current status is at least as far along as any callback it already made, and
 *    every later callback finds the record, so nothing reported is lost.
 * 3. No reply after N touches: enrolments whose workflow has a `no-response-escalation` rule and whose
 *    recent messages went unanswered get the engine's `no-response` event (a call task, created once).
 *
 * Run it with `{ "since": "<ISO instant>" }` as input to reconcile a longer window after an outage.
 *
 * A project may hold several practices, each with its own watchdog: every pass looks only at its own
 * practice's resources (`CARELOOP_ORGANIZATION`; see src/fhir/practiceScope.ts) and leaves the others'
 * to theirs, since acting on them would use this practice's settings (zone, quiet hours, name, queues).
 */

import type { BotEvent, MedplumClient } from '@medplum/core';
import type { CarePlan, Communication, Resource } from '@medplum/fhirtypes';
import {
  fetchDeliveryStatus,
  twilioConfigFromSecrets,
  type FetchImpl,
  type ProviderStatus,
  type TwilioConfig,
} from '../channels';
import { channelOf, EXT, ID_SYSTEM, type PracticeSettings, type WorkflowDefinition } from '../engine';
import { applyToEnrolment } from '../fhir/enrolmentEvent';
import { definitionFor } from '../fhir/enrolmentState';
import { searchByValues, searchPages } from '../fhir/paging';
import { INBOUND_PENDING_TOKEN, isPendingInbound } from '../fhir/inbound';
import { appointmentPatientId } from '../fhir/patientContext';
import { ofPractice } from '../fhir/practiceScope';
import { enrolmentsByKey, expectationFor, missedBecause } from '../fhir/reconcile';
import { isProcessed, PROCESSED_TAG_TOKEN, QUESTIONNAIRES, questionnaireOf } from '../fhir/surveyResponses';
import { isFromPatient, unansweredTouches } from '../fhir/touches';
import { handleAppointment } from './appointmentEvents';
import { resumeInbound } from './inboundMessage';
import { loadBotSetup } from './botSetup';
import { handleStatus } from './deliveryStatus';
import { botClock, optionalSecret } from './runtime';
import { handleSurveyResponse } from './surveyResponse';

/** What a run did. */
export interface WatchdogResult {
  /** False when the time budget ran out; the next run (15 minutes later) goes on. */
  complete: boolean;
  readonly appointments: { checked: number; readonly reconciled: string[] };
  readonly surveys: { checked: number; readonly reconciled: string[] };
  /** Inbound messages the inbound bot recorded but did not finish acting on. */
  readonly inbound: { checked: number; readonly resumed: string[] };
  /**
   * Recorded texts and calls still waiting for their first status callback, looked up in Twilio: what
   * was settled, and what Twilio could not answer (looked up again next run).
   */
  readonly deliveryStatus: { checked: number; readonly settled: string[]; readonly unknown: string[] };
  readonly noResponse: { plansChecked: number; readonly escalated: string[] };
  /** One line per item that failed; the others were still done. */
  readonly errors: string[];
}

/** What a run needs besides the client. */
export interface WatchdogContext {
  readonly practice: PracticeSettings;
  readonly workflows: readonly WorkflowDefinition[];
  readonly clock: () => Date;
  /** How far back to look for missed events and unanswered messages. Default 2 days. */
  readonly lookbackMs?: number;
  /** `_lastUpdated` lower bound (server clock) for reconciling; default now minus the lookback. */
  readonly updatedSince?: string;
  /**
   * Leave resources changed more recently than this to their Subscription (default 5 minutes), so the
   * watchdog does not race the bot that is handling them right now. 0 turns it off.
   */
  readonly settleMs?: number;
  /** A touch counts once the patient has had this long to answer it. Default 1 hour. */
  readonly answerWindowMs?: number;
  readonly budgetMs?: number;
  readonly pageSize?: number;
  /**
   * Reads Twilio's current status of a text or call by its SID (`statusLookup`). Without it the
   * delivery-status pass is skipped.
   */
  readonly lookupStatus?: StatusLookupFn;
  /**
   * A recorded message still waiting for its first status callback is looked up once it is this old
   * (default 10 minutes): a callback that was not dropped has arrived by then.
   */
  readonly statusSettleMs?: number;
}

/** Asks the provider for the current status of one message we sent; injected so tests need no Twilio. */
export type StatusLookupFn = (sent: {
  readonly channel: 'sms' | 'voice';
  readonly sid: string;
}) => Promise<ProviderStatus>;

/** The production StatusLookupFn: Twilio's Messages/{sid} and Calls/{sid} resources. */
export function statusLookup(twilio: TwilioConfig, fetchImpl?: FetchImpl): StatusLookupFn {
  return (sent) => fetchDeliveryStatus(twilio, sent, fetchImpl);
}

const DAY_MS = 86_400_000;

/** Medplum entry point; returns the summary, or throws after finishing when some items failed. */
export async function handler(medplum: MedplumClient, event: BotEvent): Promise<WatchdogResult> {
  const { practice, workflows } = await loadBotSetup(medplum, event, 'watchdog');
  const since = requestedSince(event.input);
  const clock = botClock();
  const twilio = optionalSecret(event.secrets, 'TWILIO_ACCOUNT_SID')
    ? twilioConfigFromSecrets(event.secrets)
    : undefined;
  if (!twilio) {
    console.warn(
      'watchdog: no Twilio secrets; delivery statuses that raced ahead of dispatch stay unsettled',
    );
  }
  const result = await handleWatchdog(medplum, {
    practice,
    workflows,
    clock: () => clock.now(),
    ...(twilio ? { lookupStatus: statusLookup(twilio) } : {}),
    ...(since
      ? { updatedSince: since, lookbackMs: Math.max(2 * DAY_MS, clock.now().getTime() - Date.parse(since)) }
      : {}),
  });
  if (result.errors.length > 0) {
    // Thrown so Medplum records the run as failed (AuditEvent), after everything else was done.
    throw new Error(`watchdog: ${result.errors.length} item(s) failed: ${result.errors.join('; ')}`);
  }
  return result;
}

function requestedSince(input: unknown): string | undefined {
  if (typeof input !== 'object' || input === null || !('since' in input)) {
    return undefined;
  }
  const since = (input as { since: unknown }).since;
  if (typeof since !== 'string' || Number.isNaN(Date.parse(since))) {
    throw new Error('watchdog: input.since must be an ISO 8601 instant');
  }
  return new Date(since).toISOString();
}

/** The bot's logic with its dependencies passed in (the sandbox and tests call this). */
export async function handleWatchdog(medplum: MedplumClient, ctx: WatchdogContext): Promise<WatchdogResult> {
  const started = ctx.clock();
  const budget = ctx.budgetMs ?? 50_000;
  const run: Run = {
    ctx,
    now: started,
    lookbackMs: ctx.lookbackMs ?? 2 * DAY_MS,
    overBudget: () => ctx.clock().getTime() - started.getTime() > budget,
    result: {
      complete: true,
      appointments: { checked: 0, reconciled: [] },
      surveys: { checked: 0, reconciled: [] },
      inbound: { checked: 0, resumed: [] },
      deliveryStatus: { checked: 0, settled: [], unknown: [] },
      noResponse: { plansChecked: 0, escalated: [] },
      errors: [],
    },
  };
  // Missed events first: they create and end the enrolments the no-response pass looks at.
  for (const pass of [
    reconcileAppointments,
    reconcileSurveys,
    resumeInboundMessages,
    settleDeliveryStatuses,
    escalateNoResponse,
  ]) {
    if (run.overBudget()) {
      run.result.complete = false;
      break;
    }
    await pass(medplum, run);
  }
  return run.result;
}

interface Run {
  readonly ctx: WatchdogContext;
  readonly now: Date;
  readonly lookbackMs: number;
  readonly overBudget: () => boolean;
  readonly result: WatchdogResult;
}

function updatedSince(run: Run): string {
  return run.ctx.updatedSince ?? new Date(run.now.getTime() - run.lookbackMs).toISOString();
}

function settled(run: Run, resource: { meta?: { lastUpdated?: string } }): boolean {
  const settle = run.ctx.settleMs ?? 5 * 60_000;
  const updated = Date.parse(resource.meta?.lastUpdated ?? '');
  return settle <= 0 || Number.isNaN(updated) || updated <= run.now.getTime() - settle;
}

/** Pages through a search, handling each page before reading the next; stops (incomplete) at the budget. */
async function forEachPage<T>(
  run: Run,
  pages: AsyncIterable<T[]>,
  handle: (page: T[]) => Promise<void>,
): Promise<void> {
  for await (const page of pages) {
    if (run.overBudget()) {
      run.result.complete = false;
      return;
    }
    await handle(page);
  }
}

/** Runs `act` on each item, recording failures and stopping (incomplete) at the budget. */
async function each<T>(
  run: Run,
  items: readonly T[],
  label: (item: T) => string,
  act: (item: T) => Promise<void>,
): Promise<void> {
  for (const item of items) {
    if (run.overBudget()) {
      run.result.complete = false;
      return;
    }
    try {
      await act(item);
    } catch (err) {
      run.result.errors.push(`${label(item)}: ${(err as Error).message}`);
    }
  }
}

/**
 * For searches that acting takes items out of (a tag added, a status moved on), where offset pages would
 * skip some: reads the first page again, larger by what was already looked at, until nothing new comes
 * back, and hands on the new items of this run's practice. Stops (incomplete) at the budget.
 */
async function forEachUnseen<T extends Resource & { id: string; subject?: { reference?: string } }>(
  medplum: MedplumClient,
  run: Run,
  search: (count: number) => Promise<T[]>,
  handle: (fresh: T[]) => Promise<void>,
): Promise<void> {
  const pageSize = run.ctx.pageSize ?? 100;
  const seen = new Set<string>();
  for (;;) {
    if (run.overBudget()) {
      run.result.complete = false;
      return;
    }
    const unseen = (await search(pageSize + seen.size)).filter((r) => !seen.has(r.id));
    if (unseen.length === 0) {
      return;
    }
    unseen.forEach((r) => seen.add(r.id));
    await handle(await ofPractice(medplum, unseen, run.ctx.practice.organization, subjectOf));
  }
}

// Acting on an appointment writes plans, never the appointment, so the pages do not shift under the search.
async function reconcileAppointments(medplum: MedplumClient, run: Run): Promise<void> {
  const query = { _lastUpdated: `ge${updatedSince(run)}`, _sort: '_lastUpdated' };
  await forEachPage(run, searchPages(medplum, 'Appointment', query, run.ctx.pageSize ?? 100), async (all) => {
    const page = await ofPractice(medplum, all, run.ctx.practice.organization, (a) => {
      const id = appointmentPatientId(a);
      return id ? `Patient/${id}` : undefined;
    });
    run.result.appointments.checked += page.length;
    const expectations = page
      .filter((a) => settled(run, a))
      .map((a) => expectationFor(a, run.ctx.workflows, run.now, run.lookbackMs))
      .filter((e) => e !== undefined);
    const plans = await enrolmentsByKey(
      medplum,
      expectations.flatMap((e) => [...e.expected, ...e.mustNotRun]),
    );
    const missed = expectations.flatMap((e) => {
      const why = missedBecause(e, plans);
      return why ? [{ appointment: e.appointment, why }] : [];
    });
    await each(
      run,
      missed,
      (m) => `Appointment/${m.appointment.id ?? '?'}`,
      async ({ appointment, why }) => {
        await handleAppointment(medplum, appointment, {
          practice: run.ctx.practice,
          workflows: run.ctx.workflows,
          now: run.now,
        });
        run.result.appointments.reconciled.push(`Appointment/${appointment.id ?? '?'}: ${why}`);
      },
    );
  });
}

/**
 * Tagging a response takes it out of the search, so offset pages would skip some: like dispatch, read the
 * first page again, larger by what was already looked at, until nothing new comes back.
 */
async function reconcileSurveys(medplum: MedplumClient, run: Run): Promise<void> {
  const scored: string[] = [QUESTIONNAIRES.postVisitSurvey, QUESTIONNAIRES.checkIn];
  await forEachUnseen(
    medplum,
    run,
    (count) =>
      medplum.searchResources(
        'QuestionnaireResponse',
        {
          status: 'completed',
          _lastUpdated: `ge${updatedSince(run)}`,
          '_tag:not': PROCESSED_TAG_TOKEN,
          _sort: '_lastUpdated',
          _count: String(count),
        },
        { cache: 'no-cache' },
      ),
    async (fresh) => {
      run.result.surveys.checked += fresh.length;
      await each(
        run,
        fresh.filter((r) => !isProcessed(r) && scored.includes(questionnaireOf(r) ?? '') && settled(run, r)),
        (r) => `QuestionnaireResponse/${r.id}`,
        async (response) => {
          const done = await handleSurveyResponse(medplum, response, {
            practice: run.ctx.practice,
            workflows: run.ctx.workflows,
            now: run.now,
          });
          run.result.surveys.reconciled.push(
            `${done.response}: ${done.outcome}${done.detail ? ` (${done.detail})` : ''}`,
          );
        },
      );
    },
  );
}

/**
 * Inbound messages still pending a few minutes after they arrived: the inbound bot failed after recording
 * them (a FHIR error mid-way). Finishing one takes it out of the search, so like the survey pass the first
 * page is read again until nothing new comes back.
 */
async function resumeInboundMessages(medplum: MedplumClient, run: Run): Promise<void> {
  await forEachUnseen(
    medplum,
    run,
    (count) =>
      medplum.searchResources(
        'Communication',
        { _tag: INBOUND_PENDING_TOKEN, _sort: '_lastUpdated', _count: String(count) },
        { cache: 'no-cache' },
      ),
    async (fresh) => {
      run.result.inbound.checked += fresh.length;
      await each(
        run,
        fresh.filter((c) => isPendingInbound(c) && settled(run, c)),
        (c) => `Communication/${c.id}`,
        async (comm) => {
          const done = await resumeInbound(medplum, comm, {
            practice: run.ctx.practice,
            workflows: run.ctx.workflows,
            now: run.now,
          });
          if (done.resumed) {
            run.result.inbound.resumed.push(`Communication/${comm.id}: ${done.replies} repl(ies) queued`);
          }
        },
      );
    },
  );
}

/** Provider statuses of a message no status callback has reached yet (dispatch records the send's answer). */
const AWAITING_CALLBACK = new Set(['queued', 'accepted', 'scheduled', 'sending', 'initiated', 'ringing']);

/** A text or call dispatch recorded with Twilio's SID whose status no callback has moved yet. */
function awaitingCallback(c: Communication): { channel: 'sms' | 'voice'; sid: string } | undefined {
  const sid = c.identifier?.find((i) => i.system === ID_SYSTEM.providerMessage)?.value;
  const channel = channelOf(c);
  const provider = c.extension?.find((e) => e.url === EXT.deliveryStatus)?.valueCode ?? '';
  const outbound = !c.received && c.basedOn?.some((b) => b.reference?.startsWith('CommunicationRequest/'));
  if (!sid || !outbound || (channel !== 'sms' && channel !== 'voice') || !AWAITING_CALLBACK.has(provider)) {
    return undefined;
  }
  return { channel, sid };
}

/**
 * Texts and calls recorded at least `statusSettleMs` ago that no status callback has reached: their
 * callbacks came before the record and were dropped (or never came). Twilio's current status settles
 * them through the delivery-status bot's logic, so a failure is requeued or falls back as it would have.
 * A settled message leaves the search, which can shift later pages: what a run skips, the next one finds.
 */
async function settleDeliveryStatuses(medplum: MedplumClient, run: Run): Promise<void> {
  const lookup = run.ctx.lookupStatus;
  if (!lookup) return;
  const until = run.now.getTime() - (run.ctx.statusSettleMs ?? 10 * 60_000);
  const since = new Date(run.now.getTime() - run.lookbackMs).toISOString();
  const query = { status: 'preparation,in-progress', sent: `ge${since}`, _sort: 'sent' };
  await forEachPage(
    run,
    searchPages(medplum, 'Communication', query, run.ctx.pageSize ?? 100),
    async (all) => {
      const waiting = all.filter(
        (c) => awaitingCallback(c) !== undefined && Date.parse(c.sent ?? '') <= until,
      );
      const page = await ofPractice(medplum, waiting, run.ctx.practice.organization, subjectOf);
      run.result.deliveryStatus.checked += page.length;
      await each(
        run,
        page,
        (c) => `Communication/${c.id ?? '?'}`,
        async (comm) => {
          const sent = awaitingCallback(comm);
          if (!sent) return;
          const answer = await lookup(sent);
          if (!answer.known) {
            run.result.deliveryStatus.unknown.push(`Communication/${comm.id ?? '?'}: ${answer.reason}`);
            return;
          }
          const done = await handleStatus(medplum, answer.callback, {
            practice: run.ctx.practice,
            workflows: run.ctx.workflows,
            now: run.now,
          });
          const status = answer.callback.MessageStatus ?? answer.callback.CallStatus ?? '?';
          if (done.outcome !== 'ignored-stale') {
            run.result.deliveryStatus.settled.push(
              `Communication/${comm.id ?? '?'}: ${status} (${done.outcome})`,
            );
          }
        },
      );
    },
  );
}

/**
 * A plan can only newly reach its threshold when one of its messages went out recently, so the search
 * starts from recent sends (by `sent`, the bot clock) rather than from every active plan. Escalating writes
 * plans and tasks, never Communications, so the pages stay put.
 */
async function escalateNoResponse(medplum: MedplumClient, run: Run): Promise<void> {
  const watched = run.ctx.workflows.filter((w) => w.noResponse);
  if (watched.length === 0) {
    return;
  }
  const since = new Date(run.now.getTime() - run.lookbackMs).toISOString();
  const checked = new Set<string>();
  const query = { sent: `ge${since}`, _sort: 'sent' };
  await forEachPage(
    run,
    searchPages(medplum, 'Communication', query, run.ctx.pageSize ?? 200),
    async (page) => {
      const planIds = [
        ...new Set(
          page
            .filter((c) => !isFromPatient(c))
            .flatMap((c) => (c.basedOn ?? []).map((r) => r.reference ?? ''))
            .filter((r) => r.startsWith('CarePlan/') && !checked.has(r))
            .map((r) => r.slice('CarePlan/'.length)),
        ),
      ];
      planIds.forEach((id) => checked.add(`CarePlan/${id}`));
      const ours = await ofPractice(
        medplum,
        planIds.length ? await searchByValues(medplum, 'CarePlan', '_id', planIds, { status: 'active' }) : [],
        run.ctx.practice.organization,
        subjectOf,
      );
      const plans = ours
        .map((plan) => ({ plan, definition: definitionFor(plan, watched) }))
        .filter((p): p is { plan: CarePlan; definition: WorkflowDefinition } => p.definition !== undefined)
        // The call task is made once: a plan that already recorded "no response" is not looked at again.
        .filter(({ plan }) => outcomeOf(plan) !== 'no-response');
      run.result.noResponse.plansChecked += plans.length;
      if (plans.length === 0) {
        return;
      }
      const due = await unansweredPlans(medplum, run, plans);
      await each(
        run,
        due,
        (c) => `CarePlan/${c.plan.id ?? '?'}`,
        async ({ plan, definition, touches }) => {
          await applyToEnrolment(
            medplum,
            { carePlan: plan, definition, practice: run.ctx.practice, now: run.now },
            { type: 'no-response', touches },
          );
          run.result.noResponse.escalated.push(`CarePlan/${plan.id ?? '?'}: ${touches} unanswered`);
        },
      );
    },
  );
}

/** The plans whose unanswered touches reached their workflow's threshold, with the count. */
async function unansweredPlans(
  medplum: MedplumClient,
  run: Run,
  plans: readonly { plan: CarePlan; definition: WorkflowDefinition }[],
): Promise<{ plan: CarePlan; definition: WorkflowDefinition; touches: number }[]> {
  const patients = [...new Set(plans.map(({ plan }) => plan.subject?.reference ?? ''))];
  // Answers older than the oldest of these enrolments cannot come after any of their messages.
  const starts = plans
    .map(({ plan }) => Date.parse(plan.period?.start ?? plan.created ?? ''))
    .filter((t) => !Number.isNaN(t));
  const from = starts.length ? new Date(Math.min(...starts)).toISOString() : undefined;
  const asksQuestionnaires = plans.some(({ definition }) => questionnairesOf(definition).size > 0);
  const [ofPlans, fromPatients, responses] = await Promise.all([
    searchByValues(
      medplum,
      'Communication',
      'based-on',
      plans.map(({ plan }) => `CarePlan/${plan.id ?? ''}`),
    ),
    searchByValues(medplum, 'Communication', 'sender', patients, from ? { received: `ge${from}` } : {}),
    asksQuestionnaires
      ? searchByValues(medplum, 'QuestionnaireResponse', 'subject', patients, {
          status: 'completed',
          ...(from ? { authored: `ge${from}` } : {}),
        })
      : Promise.resolve([]),
  ]);
  const communications: Communication[] = [...ofPlans, ...fromPatients];
  return plans.flatMap(({ plan, definition }) => {
    const asked = questionnairesOf(definition);
    const touches = unansweredTouches({
      carePlan: plan,
      communications,
      responses: responses.filter((r) => asked.has(questionnaireOf(r) ?? '')),
      now: run.now,
      answerWindowMs: run.ctx.answerWindowMs ?? 60 * 60_000,
    });
    return touches >= (definition.noResponse?.touches ?? Number.POSITIVE_INFINITY)
      ? [{ plan, definition, touches }]
      : [];
  });
}

function subjectOf(resource: { subject?: { reference?: string } }): string | undefined {
  return resource.subject?.reference;
}

function outcomeOf(plan: CarePlan): string | undefined {
  return plan.extension?.find((e) => e.url === EXT.outcome)?.valueCoding?.code;
}

function questionnairesOf(definition: WorkflowDefinition): Set<string> {
  return new Set(definition.steps.map((s) => s.questionnaire ?? '').filter((q) => q !== ''));
}
