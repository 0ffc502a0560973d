/**
 * Bot: inbound message (public webhook for Twilio's form post: SMS replies and voice key presses).
 * Verifies the signature (a forged or unsigned request is refused with 403 and nothing is stored), finds
 * the patient and the conversation, records the message, lets the engine understand it and decide, writes
 * the changes, and answers with TwiML: the acknowledgement, HELP text or opt-out confirmation.
 */

import {
  forbidden,
  badRequest,
  OperationOutcomeError,
  type BotEvent,
  type MedplumClient,
} from '@medplum/core';
import type { Binary, Patient, Task } from '@medplum/fhirtypes';
import {
  escapeXml,
  messagingTwiml,
  parseFormBody,
  validateTwilioSignature,
  voiceKeyToReply,
} from '../channels';
import {
  applyEvent,
  buildTask,
  classifyReply,
  displayPhone,
  stepDuration,
  toE164,
  type Channel,
  type PracticeSettings,
  type Transition,
  type WorkflowDefinition,
} from '../engine';
import { conversationState, definitionFor, loadEnrolmentState } from '../fhir/enrolmentState';
import {
  enrolmentForReply,
  inboundByProviderId,
  inboundCommunication,
  lastOutbound,
  patientsByPhone,
} from '../fhir/inbound';
import { ensureThreads } from '../fhir/threads';
import { writeTransition } from '../fhir/writeChanges';
import { loadBotSetup } from './botSetup';
import { botClock, requireSecret } from './runtime';

/** What the bot did, returned with the TwiML for logs and tests. */
export interface InboundResult {
  readonly twiml: string;
  readonly intent?: string;
  readonly patient?: string;
  readonly duplicate?: boolean;
}

/** Medplum entry point: returns a Binary holding the TwiML answer. */
export async function handler(medplum: MedplumClient, event: BotEvent): Promise<Binary> {
  const params = verifiedParams(event);
  const { practice, workflows } = await loadBotSetup(medplum, event, 'inbound-message');
  const result = await handleInbound(medplum, params, { practice, workflows, now: botClock().now() });
  return twimlBinary(result.twiml);
}

/** Parses the form body and checks Twilio's signature against the exact public URL of this webhook. */
export function verifiedParams(event: BotEvent): Record<string, string> {
  let params: Record<string, string>;
  try {
    params = parseFormBody(event.input);
  } catch (err) {
    throw new OperationOutcomeError(badRequest((err as Error).message));
  }
  const headers = (event.headers ?? {}) as Record<string, string | string[] | undefined>;
  const header = headers['x-twilio-signature'] ?? headers['X-Twilio-Signature'];
  const signature = Array.isArray(header) ? header[0] : header;
  const ok = validateTwilioSignature({
    authToken: requireSecret(event.secrets, 'TWILIO_AUTH_TOKEN'),
    url: requireSecret(event.secrets, 'INBOUND_WEBHOOK_URL'),
    params,
    signature,
  });
  if (!ok) {
    // Logged without the body: it may hold a patient's words.
    console.warn(
      `inbound webhook: rejected a request with ${signature ? 'an invalid' : 'no'} Twilio signature`,
    );
    throw new OperationOutcomeError(forbidden);
  }
  return params;
}

/** The bot's logic after verification (the sandbox and tests call this). */
export async function handleInbound(
  medplum: MedplumClient,
  params: Record<string, string>,
  ctx: { practice: PracticeSettings; workflows: readonly WorkflowDefinition[]; now: Date },
): Promise<InboundResult> {
  const now = ctx.now.toISOString();
  const voice =
    params.Digits !== undefined || (params.CallSid !== undefined && params.MessageSid === undefined);
  const channel: Channel = voice ? 'voice' : 'sms';
  const providerId =
    params.MessageSid ?? params.SmsSid ?? (params.CallSid ? `${params.CallSid}:${params.Digits ?? ''}` : '');
  // A caller pressed a key on the reminder call: read it like the same key sent by text.
  const text = (
    voice ? (voiceKeyToReply(params.Digits ?? '') ?? params.Digits ?? '') : (params.Body ?? '')
  ).slice(0, 1600);
  const answer = (replies: readonly string[]): string =>
    voice ? voiceTwiml(replies) : messagingTwiml(replies);

  if (!params.From) {
    throw new OperationOutcomeError(badRequest('webhook body has no From number'));
  }
  if (await inboundByProviderId(medplum, providerId)) {
    // Twilio retried a request we already handled: answer nothing rather than act twice.
    return { twiml: answer([]), duplicate: true };
  }
  const from = toE164(params.From) ?? params.From;
  const candidates = toE164(params.From) ? await patientsByPhone(medplum, from) : [];
  const outbound = await lastOutbound(
    medplum,
    candidates.map((p) => `Patient/${p.id ?? ''}`),
  );
  const patient: Patient | undefined =
    candidates.length === 1
      ? candidates[0]
      : candidates.find((p) => outbound?.subject?.reference === `Patient/${p.id ?? ''}`);

  if (!patient) {
    // Unknown number, or a number shared by several patients with no conversation to tell them apart.
    const comm = await medplum.createResource(inboundCommunication({ providerId, text, channel, from, now }));
    await medplum.createResource(unmatchedTask(comm.id ?? '', candidates, ctx.practice, now));
    const polite =
      candidates.length > 1
        ? `Thanks for your message. A member of the ${ctx.practice.name} team will get back to you.`
        : `Thanks for your message. This number isn't linked to a patient at ${ctx.practice.name}. Please call ${ctx.practice.phone ? displayPhone(ctx.practice.phone) : 'the practice'}.`;
    return { twiml: answer([polite]) };
  }

  const patientRef = `Patient/${patient.id ?? ''}`;
  const classification = classifyReply(text);
  const carePlan = await enrolmentForReply(medplum, patientRef, outbound);
  const definition = carePlan ? definitionFor(carePlan, ctx.workflows) : undefined;
  const threads = await ensureThreads(medplum, [patientRef]);
  const comm = await medplum.createResource(
    inboundCommunication({
      providerId,
      text,
      channel,
      patientRef,
      ...(threads.get(patientRef) ? { thread: threads.get(patientRef) } : {}),
      ...(outbound ? { outbound } : {}),
      ...(carePlan ? { carePlan } : {}),
      classification,
      from,
      now,
    }),
  );
  const state =
    carePlan && definition
      ? await loadEnrolmentState(medplum, { carePlan, definition, practice: ctx.practice, now: ctx.now })
      : await conversationState(medplum, { patient, practice: ctx.practice, now: ctx.now });
  const transition = applyEvent(state, {
    type: 'reply',
    classification,
    text,
    communication: { reference: `Communication/${comm.id ?? ''}` },
    channel,
  });
  await writeTransition(medplum, withoutUnsavedPlan(transition));
  const replies = transition.replies.map((r) => r.text);
  // The answers are part of the conversation too.
  for (const reply of replies) {
    await medplum.createResource({
      resourceType: 'Communication',
      status: 'completed',
      ...(threads.get(patientRef) ? { partOf: [{ reference: threads.get(patientRef) ?? '' }] } : {}),
      inResponseTo: [{ reference: `Communication/${comm.id ?? ''}` }],
      ...(carePlan?.id ? { basedOn: [{ reference: `CarePlan/${carePlan.id}` }] } : {}),
      subject: { reference: patientRef as `Patient/${string}` },
      recipient: [{ reference: patientRef as `Patient/${string}` }],
      sent: now,
      payload: [{ contentString: reply }],
    });
  }
  return { twiml: answer(replies), intent: classification.intent, patient: patientRef };
}

function withoutUnsavedPlan(t: Transition): Transition {
  // The stand-in plan of a reply outside any enrolment has no id and is never written.
  return t.carePlan && !t.carePlan.id ? { ...t, carePlan: undefined } : t;
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

/** The Binary a webhook bot returns so Medplum answers the HTTP request with TwiML. */
export function twimlBinary(twiml: string): Binary {
  return {
    resourceType: 'Binary',
    contentType: 'text/xml',
    data: Buffer.from(twiml, 'utf8').toString('base64'),
  };
}
