/**
 * Bot: inbound message (public webhook for Twilio's form post: SMS replies and voice key presses).
 * Verifies the signature (a forged or unsigned request is refused with 403 and nothing is stored), finds
 * the patient and the conversation, records the message, lets the engine understand it and decide, writes
 * the changes, and answers with TwiML: the acknowledgement, HELP text or opt-out confirmation.
 *
 * The bot serves one practice (`CARELOOP_ORGANIZATION`), reached on that practice's own number: a sender
 * is matched among that practice's patients only (src/fhir/practiceScope.ts).
 */

import {
  badRequest,
  OperationOutcomeError,
  serverError,
  type BotEvent,
  type MedplumClient,
} from '@medplum/core';
import type { Binary, CarePlan, Communication, Patient, Task } from '@medplum/fhirtypes';
import { escapeXml, messagingTwiml, voiceKeyToReply } from '../channels';
import {
  applyEvent,
  buildTask,
  channelOf,
  classifyReply,
  displayPhone,
  ID_SYSTEM,
  ifNoneExist,
  stepDuration,
  toE164,
  type Channel,
  type PracticeSettings,
  type Transition,
  type WorkflowDefinition,
} from '../engine';
import { conversationState, definitionFor, loadEnrolmentState } from '../fhir/enrolmentState';
import {
  claimInbound,
  enrolmentForReply,
  finishInbound,
  inboundByProviderId,
  inboundCommunication,
  isPendingInbound,
  lastOutbound,
  patientsByPhone,
  recordInbound,
  releaseInbound,
  retireInbound,
  supersededCopy,
} from '../fhir/inbound';
import { isPracticePatient } from '../fhir/practiceScope';
import { replyRequests } from '../fhir/replyRequests';
import { ensureThreads } from '../fhir/threads';
import { writeTransition } from '../fhir/writeChanges';
import { loadBotSetup } from './botSetup';
import { handleStatus, type DeliveryStatusResult } from './deliveryStatus';
import { botClock } from './runtime';
import { asWebhookFailure, twimlBinary, verifiedParams } from './twilioWebhook';

/** What the bot did, returned with the TwiML for logs and tests. */
export interface InboundResult {
  readonly twiml: string;
  readonly intent?: string;
  readonly patient?: string;
  readonly duplicate?: boolean;
  /**
   * Set when the request was a call's status callback rather than a message: it was passed to the
   * delivery-status logic and recorded nothing as a reply.
   */
  readonly callStatus?: DeliveryStatusResult['outcome'];
}

/** Medplum entry point: returns a Binary holding the TwiML answer. */
export async function handler(medplum: MedplumClient, event: BotEvent): Promise<Binary> {
  const params = verifiedParams(event);
  return asWebhookFailure(async () => {
    const { practice, workflows } = await loadBotSetup(medplum, event, 'inbound-message');
    const result = await handleInbound(medplum, params, { practice, workflows, now: botClock().now() });
    return twimlBinary(result.twiml);
  });
}

/** What acting on an inbound message needs besides the client. */
export interface InboundContext {
  readonly practice: PracticeSettings;
  readonly workflows: readonly WorkflowDefinition[];
  readonly now: Date;
}

/**
 * The bot's logic after verification (the sandbox and tests call this). The message is recorded first
 * (pending, keyed by Twilio's id), then claimed, acted on and marked done: a Twilio retry or a second copy
 * arriving at once gets an empty answer, and a run that fails part-way leaves the message pending for a
 * retry or the watchdog to finish (resumeInbound), never lost.
 */
export async function handleInbound(
  medplum: MedplumClient,
  params: Record<string, string>,
  ctx: InboundContext,
): Promise<InboundResult> {
  const now = ctx.now.toISOString();
  if (isCallStatusCallback(params)) {
    // A call's status callback is not something the patient said. Calls placed before call status went to
    // the delivery-status bot still report here: their status is recorded there, nothing as a reply.
    const status = await handleStatus(medplum, params, ctx);
    return { twiml: '<Response/>', callStatus: status.outcome };
  }
  const voice =
    params.Digits !== undefined || (params.CallSid !== undefined && params.MessageSid === undefined);
  const channel: Channel = voice ? 'voice' : 'sms';
  const providerId =
    params.MessageSid ?? params.SmsSid ?? (params.CallSid ? `${params.CallSid}:${params.Digits ?? ''}` : '');
  // A caller pressed a key on the reminder call: read it like the same key sent by text. The text is kept
  // whole, however long (Twilio joins a long SMS into one body of up to 1,600 characters).
  const text = voice ? (voiceKeyToReply(params.Digits ?? '') ?? params.Digits ?? '') : (params.Body ?? '');
  const answer = (replies: readonly string[]): string =>
    voice ? voiceTwiml(replies) : messagingTwiml(replies);

  // A key press on a call we placed: the call's own record names the patient, and Twilio's From is then
  // the practice's caller ID, so the patient's number is To.
  const placed = voice && params.CallSid ? await placedCall(medplum, params.CallSid) : undefined;
  const field = placed || isOutboundCall(params) ? 'To' : 'From';
  const from = params[field]?.trim() ?? '';
  if (!from) {
    throw new OperationOutcomeError(badRequest(`webhook body has no ${field} number`));
  }
  const existing = await inboundByProviderId(medplum, providerId);
  if (existing && !isPendingInbound(existing)) {
    // Twilio retried a request we already handled: answer nothing rather than act twice.
    return { twiml: answer([]), duplicate: true };
  }
  const e164 = toE164(from);
  const called = placed ? await patientOf(medplum, placed) : undefined;
  // Only this practice's patients: a number shared across practices is this practice's patient, and a
  // number only another practice knows is unknown here (each practice has its own inbound number, so
  // its patients' replies reach its own bot; see docs/deploy.md).
  const candidates = (called ? [called] : e164 ? await patientsByPhone(medplum, e164) : []).filter((p) =>
    isPracticePatient(p, ctx.practice.organization),
  );
  const outbound =
    placed ??
    (await lastOutbound(
      medplum,
      candidates.map((p) => `Patient/${p.id ?? ''}`),
    ));
  const patient: Patient | undefined =
    candidates.length === 1
      ? candidates[0]
      : candidates.find((p) => outbound?.subject?.reference === `Patient/${p.id ?? ''}`);

  if (!patient) {
    // Unknown number (or not a phone number at all), or a number shared by several patients with no
    // conversation to tell them apart: a person reads it.
    const comm = await claimInbound(
      medplum,
      existing ??
        (await recordInbound(
          medplum,
          inboundCommunication({ providerId, text, channel, from: e164 ?? from, now }),
        )),
      ctx.now,
    );
    if (!comm) return { twiml: answer([]), duplicate: true };
    if (await supersededCopy(medplum, comm)) {
      await retireInbound(medplum, comm);
      return { twiml: answer([]), duplicate: true };
    }
    try {
      await createUnmatchedTask(medplum, comm, candidates, ctx.practice, now);
      await finishInbound(medplum, comm);
    } catch (err) {
      await releaseInbound(medplum, comm);
      throw err;
    }
    const polite =
      candidates.length > 1
        ? `Thanks for your message. A member of the ${ctx.practice.name} team will get back to you.`
        : `Thanks for your message. This number isn't linked to a patient at ${ctx.practice.name}. Please call ${ctx.practice.phone ? displayPhone(ctx.practice.phone) : 'the practice'}.`;
    return { twiml: answer([polite]) };
  }

  const patientRef = `Patient/${patient.id ?? ''}`;
  const carePlan = await enrolmentForReply(medplum, patientRef, outbound);
  const threads = await ensureThreads(medplum, [patientRef]);
  const thread = threads.get(patientRef);
  const classification = classifyReply(text);
  const comm = await claimInbound(
    medplum,
    existing ??
      (await recordInbound(
        medplum,
        inboundCommunication({
          providerId,
          text,
          channel,
          patientRef,
          ...(thread ? { thread } : {}),
          ...(outbound ? { outbound } : {}),
          ...(carePlan ? { carePlan } : {}),
          classification,
          from: e164 ?? from,
          now,
        }),
      )),
    ctx.now,
  );
  if (!comm) {
    // Another copy of this request is acting on it right now.
    return { twiml: answer([]), duplicate: true };
  }
  if (await supersededCopy(medplum, comm)) {
    await retireInbound(medplum, comm);
    return { twiml: answer([]), duplicate: true };
  }
  let replies: string[];
  try {
    const transition = await actOnInbound(
      medplum,
      comm,
      { patient, carePlan, classification, text, channel },
      ctx,
    );
    replies = transition.replies.map((r) => r.text);
    // The answers are part of the conversation too; keyed by the message, so a resumed run adds none twice.
    for (const [i, reply] of replies.entries()) {
      const key = `answer:Communication/${comm.id ?? ''}:${i}`;
      await medplum.createResourceIfNoneExist<Communication>(
        {
          resourceType: 'Communication',
          identifier: [{ system: ID_SYSTEM.request, value: key }],
          status: 'completed',
          ...(thread ? { partOf: [{ reference: thread }] } : {}),
          inResponseTo: [{ reference: `Communication/${comm.id ?? ''}` }],
          ...(carePlan?.id ? { basedOn: [{ reference: `CarePlan/${carePlan.id}` }] } : {}),
          subject: { reference: patientRef as `Patient/${string}` },
          recipient: [{ reference: patientRef as `Patient/${string}` }],
          sent: now,
          payload: [{ contentString: reply }],
        },
        `identifier=${encodeURIComponent(`${ID_SYSTEM.request}|${key}`)}`,
      );
    }
    await finishInbound(medplum, comm);
  } catch (err) {
    // Recorded and still pending: a Twilio retry (connection override `rp=5xx`) or the watchdog finishes it.
    await releaseInbound(medplum, comm);
    console.error(
      `inbound webhook: Communication/${comm.id ?? ''} recorded, not yet acted on: ${(err as Error).message}`,
    );
    throw new OperationOutcomeError(serverError(err as Error));
  }
  return { twiml: answer(replies), intent: classification.intent, patient: patientRef };
}

/**
 * Finishes an inbound message a bot recorded but did not finish acting on (the watchdog calls this for
 * messages still pending after a few minutes). The webhook's answer is gone with that request, so the
 * replies are queued for dispatch instead, as replies to the message (exempt from the caps).
 */
export async function resumeInbound(
  medplum: MedplumClient,
  pending: Communication,
  ctx: InboundContext,
): Promise<{ resumed: boolean; replies: number }> {
  const comm = await claimInbound(medplum, pending, ctx.now);
  if (!comm) return { resumed: false, replies: 0 };
  const now = ctx.now.toISOString();
  const patientRef = comm.subject?.reference;
  if (!patientRef) {
    await createUnmatchedTask(medplum, comm, [], ctx.practice, now);
    await finishInbound(medplum, comm);
    return { resumed: true, replies: 0 };
  }
  const patient = await medplum.readResource('Patient', patientRef.slice('Patient/'.length));
  const planRef = comm.basedOn?.find((b) => b.reference?.startsWith('CarePlan/'))?.reference;
  const carePlan = planRef
    ? await medplum.readResource('CarePlan', planRef.slice('CarePlan/'.length))
    : await enrolmentForReply(medplum, patientRef, undefined);
  const text = comm.payload?.[0]?.contentString ?? '';
  const channel: Channel = channelOf(comm) ?? 'sms';
  const classification = classifyReply(text);
  const transition = await actOnInbound(
    medplum,
    comm,
    { patient, carePlan, classification, text, channel },
    ctx,
  );
  const requests = replyRequests(transition, {
    ...(carePlan ? { carePlan } : {}),
    patientRef,
    now,
    key: `inbound:Communication/${comm.id ?? ''}`,
    ...(ctx.practice.organization ? { sender: ctx.practice.organization } : {}),
    inResponseTo: { reference: `Communication/${comm.id ?? ''}` },
  });
  await writeTransition(medplum, { ...emptyTransition(), requests });
  await finishInbound(medplum, comm);
  return { resumed: true, replies: requests.length };
}

/**
 * A call's status callback (Twilio posts `CallStatus` without `Digits`), as opposed to a key press, which
 * Twilio posts to the Gather action with `Digits`.
 */
export function isCallStatusCallback(params: Record<string, string>): boolean {
  return (
    params.CallSid !== undefined &&
    params.MessageSid === undefined &&
    params.Digits === undefined &&
    params.CallStatus !== undefined
  );
}

/**
 * A request about a call Careloop placed (`Direction=outbound-api`): Twilio's `From` is the practice's
 * caller ID and `To` the patient.
 */
export function isOutboundCall(params: Record<string, string>): boolean {
  return (
    params.CallSid !== undefined &&
    params.MessageSid === undefined &&
    (params.Direction ?? '').trim().toLowerCase().startsWith('outbound')
  );
}

/** The Communication dispatch recorded for a call it placed, found by Twilio's CallSid. */
async function placedCall(medplum: MedplumClient, callSid: string): Promise<Communication | undefined> {
  const found = await medplum.searchResources(
    'Communication',
    { identifier: `${ID_SYSTEM.providerMessage}|${callSid}`, _count: '5' },
    { cache: 'no-cache' },
  );
  return found.find(
    (c) => c.sent && c.basedOn?.some((b) => b.reference?.startsWith('CommunicationRequest/')),
  );
}

/** The patient a placed call went to; undefined if the record names none or it is gone (then the number decides). */
async function patientOf(medplum: MedplumClient, call: Communication): Promise<Patient | undefined> {
  const ref = call.subject?.reference;
  if (!ref?.startsWith('Patient/')) return undefined;
  try {
    return await medplum.readResource('Patient', ref.slice('Patient/'.length));
  } catch {
    return undefined;
  }
}

/** Applies the engine's transition for a recorded message and writes it; returns it for the replies. */
async function actOnInbound(
  medplum: MedplumClient,
  comm: Communication,
  args: {
    patient: Patient;
    carePlan: CarePlan | undefined;
    classification: ReturnType<typeof classifyReply>;
    text: string;
    channel: Channel;
  },
  ctx: InboundContext,
): Promise<Transition> {
  const definition = args.carePlan ? definitionFor(args.carePlan, ctx.workflows) : undefined;
  const state =
    args.carePlan && definition
      ? await loadEnrolmentState(medplum, {
          carePlan: args.carePlan,
          definition,
          practice: ctx.practice,
          now: ctx.now,
        })
      : await conversationState(medplum, { patient: args.patient, practice: ctx.practice, now: ctx.now });
  const transition = applyEvent(state, {
    type: 'reply',
    classification: args.classification,
    text: args.text,
    communication: { reference: `Communication/${comm.id ?? ''}` },
    channel: args.channel,
  });
  await writeTransition(medplum, withoutUnsavedPlan(transition));
  return transition;
}

function emptyTransition(): Transition {
  return { revoked: [], requests: [], replies: [], consents: [], tasks: [], cancelledTasks: [], log: [] };
}

function withoutUnsavedPlan(t: Transition): Transition {
  // The stand-in plan of a reply outside any enrolment has no id and is never written.
  return t.carePlan && !t.carePlan.id ? { ...t, carePlan: undefined } : t;
}

async function createUnmatchedTask(
  medplum: MedplumClient,
  comm: Communication,
  candidates: readonly Patient[],
  practice: PracticeSettings,
  now: string,
): Promise<void> {
  const task = unmatchedTask(comm.id ?? '', candidates, practice, now);
  const key = task.identifier?.[0]?.value ?? '';
  await medplum.createResourceIfNoneExist(task, ifNoneExist('task', key));
}

function unmatchedTask(
  commId: string,
  candidates: readonly Patient[],
  practice: PracticeSettings,
  now: string,
): Task {
  const several = candidates.length > 1;
  return buildTask({
    spec: {
      kind: 'staff-reply',
      queue: 'front-office',
      priority: 'routine',
      dueIn: stepDuration(4, 'h', 'unmatched'),
    },
    key: `inbound:${commId}`,
    focus: { reference: `Communication/${commId}` },
    now,
    description: several
      ? `A message came from a number shared by ${candidates.length} patients; find out who wrote and reply.`
      : 'A message came from a number that matches no patient; read it and reply or update the record.',
    ...(practice.queueOwners['front-office']
      ? { owner: { reference: practice.queueOwners['front-office'] as `CareTeam/${string}` } }
      : {}),
  });
}

function voiceTwiml(replies: readonly string[]): string {
  const says = replies.map((r) => `<Say>${escapeXml(r)}</Say>`).join('');
  return `<Response>${says}<Hangup/></Response>`;
}
