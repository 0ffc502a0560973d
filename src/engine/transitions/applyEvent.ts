/**
 * Transitions: given an enrolment and an event, the changes to make. Compliance intents (opt-out,
 * opt-in, help, urgent, wrong number) behave the same in every workflow; confirm, cancel, reschedule,
 * question and unknown follow the workflow's response branches, with defaults when it has none.
 */

import type { Appointment, CarePlan, CommunicationRequest, Reference, Task } from '@medplum/fhirtypes';
import { CS, EXT } from '../codes';
import { chooseChannel } from '../policy/channel';
import { buildConsent, consentFor } from '../policy/consent';
import { identifier, urnFor } from '../planning/identifiers';
import { buildTask, channelOf, mediumFor, stepExtensions } from '../planning/resources';
import type { ReplyIntent } from '../reply';
import {
  chooseTemplate,
  helpText,
  optInConfirmation,
  optOutConfirmation,
  renderMessage,
  safetyReply,
} from '../template';
import { stepDuration } from '../workflow/duration';
import type {
  AnswerScale,
  BranchAction,
  Channel,
  ResponseBranch,
  StopCondition,
  TaskSpec,
} from '../workflow/types';
import type { EnrolmentOutcome } from '../workflow/outcomes';
import { defaultReply } from './replyTexts';
import type { EngagementEvent, EnrolmentState, OutboundReply, Transition } from './types';

const DAY = stepDuration(1, 'd', 'default');
const HOUR = stepDuration(1, 'h', 'default');

/** Twilio's default keywords: when the carrier answers these itself, Careloop must not answer twice. */
const CARRIER_KEYWORDS = new Set([
  'stop',
  'stopall',
  'unsubscribe',
  'cancel',
  'end',
  'quit',
  'revoke',
  'optout',
  'start',
  'unstop',
  'yes',
  'help',
  'info',
]);

/** Applies one event to an enrolment and returns the changes to write and the replies to send. */
export function applyEvent(state: EnrolmentState, event: EngagementEvent): Transition {
  const t = new TransitionBuilder(state);
  switch (event.type) {
    case 'reply':
      onReply(t, state, event);
      break;
    case 'no-response':
      onNoResponse(t, state, event.touches);
      break;
    case 'delivery-failed':
      onDeliveryFailed(t, state, event);
      break;
    case 'appointment-moved':
      t.revokeWhere(() => true, `appointment moved to ${event.appointment.start ?? 'an unknown time'}`);
      t.finish('revoked', 'rescheduled', 'appointment moved: this plan ends and a new one is planned');
      break;
    case 'appointment-cancelled':
      t.revokeWhere(() => true, 'appointment cancelled');
      t.finish('completed', 'appointment-cancelled', 'appointment cancelled');
      break;
    case 'appointment-noshow':
      t.revokeWhere(
        (_, stop) => stop.includes('noshow') || stop.includes('cancelled'),
        'appointment was a no-show',
      );
      t.finishIfIdle('no-show', 'appointment was a no-show');
      break;
    case 'appointment-fulfilled':
      t.revokeWhere((_, stop) => stop.includes('fulfilled'), 'appointment took place');
      t.finishIfIdle('completed', 'appointment took place');
      break;
    case 'appointment-booked':
      t.revokeWhere(() => true, 'patient booked a new appointment');
      t.finish('completed', 'rescheduled', 'patient booked a new appointment: loop closed');
      break;
    case 'survey-scored':
      onSurvey(t, state, event);
      break;
    case 'staff-stopped':
      t.revokeWhere(() => true, `stopped by staff: ${event.reason}`);
      t.finish('revoked', 'stopped-by-staff', `stopped by staff: ${event.reason}`);
      break;
  }
  return t.result();
}

function onReply(
  t: TransitionBuilder,
  state: EnrolmentState,
  event: Extract<EngagementEvent, { type: 'reply' }>,
): void {
  const { classification, channel } = event;
  const intent = classification.intent;
  t.log(`patient replied (${intent}, confidence ${classification.confidence.toFixed(2)})`);
  const keyword = CARRIER_KEYWORDS.has(
    event.text
      .trim()
      .toLowerCase()
      .replace(/[^a-z]/g, ''),
  );
  const carrierAnswered = state.practice.carrierKeywordReplies && keyword;

  if (intent !== 'urgent' && !classification.perSeOptOut && onAnswer(t, state, event)) {
    return;
  }
  // Twilio re-subscribes an opted-out number on YES/START; a "yes" from a number we stopped texting
  // is read the same way, not as a confirmation nobody asked for.
  if (intent === 'confirm' && keyword && optedOut(state, channel)) {
    t.consent(channel, 'permit', event.communication, `patient replied "${event.text}"`);
    if (!carrierAnswered) {
      t.reply(channel, optInConfirmation(state.practice, state.language), 'opt-in-confirmation');
    }
    return;
  }

  switch (intent) {
    case 'urgent': {
      t.task(
        {
          kind: 'urgent-reply',
          queue: 'clinical-triage',
          priority: 'stat',
          dueIn: stepDuration(15, 'min', 'urgent'),
        },
        event.communication,
        `Patient's message may be an emergency: "${event.text}". Call them now.`,
      );
      t.reply(channel, safetyReply(state.practice, state.language), 'safety');
      // A person takes over: no more automated messages until staff resume the plan.
      t.setCarePlan(
        { ...t.carePlan(), status: 'on-hold' },
        'plan paused: urgent message handed to the care team',
      );
      return;
    }
    case 'opt-out': {
      t.consent(channel, 'deny', event.communication, `patient replied "${event.text}"`);
      t.revokeWhere((cr) => channelOf(cr) === channel, `patient opted out of ${channel}`);
      if (!carrierAnswered) {
        t.reply(channel, optOutConfirmation(state.practice, state.language), 'opt-out-confirmation');
      }
      if (classification.alsoCouldMean === 'cancel' && state.appointment) {
        t.task(
          { kind: 'consent-review', queue: 'front-office', priority: 'routine', dueIn: DAY },
          event.communication,
          `Patient texted "${event.text}": texts are stopped. Check whether they also want to cancel their appointment.`,
        );
      }
      t.finishIfIdle('opted-out', `patient opted out of ${channel}`);
      return;
    }
    case 'opt-in': {
      t.consent(channel, 'permit', event.communication, `patient replied "${event.text}"`);
      if (!carrierAnswered) {
        t.reply(channel, optInConfirmation(state.practice, state.language), 'opt-in-confirmation');
      }
      return;
    }
    case 'help':
      if (!carrierAnswered) {
        t.reply(channel, helpText(state.practice, state.language), 'help');
      }
      return;
    case 'wrong-number': {
      t.consent(channel, 'deny', event.communication, 'wrong number');
      t.revokeWhere((cr) => channelOf(cr) === channel, 'wrong number');
      t.task(
        { kind: 'fix-contact', queue: 'front-office', priority: 'routine', dueIn: DAY },
        event.communication,
        `Whoever has this number says it is not the patient's ("${event.text}"). Update the contact details.`,
      );
      // It is not the patient's number: telling them how to opt out of messages they will no longer get is noise.
      t.replyTemplate(channel, defaultReply('wrong-number', state.language), 'acknowledgement', false);
      t.finishIfIdle('suppressed', 'wrong number');
      return;
    }
    default:
      onBranchIntent(t, state, event, intent);
  }
}

function optedOut(state: EnrolmentState, channel: Channel): boolean {
  return !consentFor(state.consents ?? [], channel, state.definition.purpose, 'healthcare-exemption').allowed;
}

const ANSWER = /^\s*(\d{1,2})(?:\s*(?:\/|out of|de)\s*\d{1,2})?\b[\s.,!:;-]*(.*)$/is;

/**
 * A number in range after a step that asked for one is an answer. Returns false when the reply is not
 * an answer, so it is read as an intent instead.
 */
function onAnswer(
  t: TransitionBuilder,
  state: EnrolmentState,
  event: Extract<EngagementEvent, { type: 'reply' }>,
): boolean {
  const step = state.definition.steps.find((s) => s.id === state.awaitingAnswer);
  const scale = step?.answerScale;
  const match = scale ? ANSWER.exec(event.text) : null;
  if (!scale || !match) {
    return false;
  }
  const value = Number(match[1]);
  if (value < scale.min || value > scale.max) {
    return false;
  }
  const comment = match[2]?.trim() ?? '';
  t.log(`patient answered ${value} (${scale.min}–${scale.max})${comment ? ` with "${comment}"` : ''}`);
  if (scale.endsEnrolment) {
    onSurvey(t, state, {
      score: value,
      ...(comment ? { comment } : {}),
      response: event.communication,
      scale,
    });
    return true;
  }
  if (value <= scale.escalateAtOrBelow) {
    t.task(
      scale.task,
      event.communication,
      `${step?.title ?? 'Check-in'}: patient answered ${value} on a ${scale.min}–${scale.max} scale${comment ? `: "${comment}"` : ''}.`,
    );
  }
  t.replyTemplate(
    event.channel,
    state.language === 'es' ? 'Gracias por su respuesta.' : 'Thanks for your answer.',
    'acknowledgement',
  );
  return true;
}

function onBranchIntent(
  t: TransitionBuilder,
  state: EnrolmentState,
  event: Extract<EngagementEvent, { type: 'reply' }>,
  intent: ReplyIntent,
): void {
  const branch = state.definition.branches.find((b) => b.intent === intent) ?? defaultBranch(state, intent);
  if (!branch) {
    // Not understood: clarify once, then hand it to a person rather than loop.
    if ((state.unknownReplies ?? 0) === 0 && state.appointment) {
      t.replyTemplate(event.channel, defaultReply('clarify', state.language), 'clarify');
      return;
    }
    t.task(
      { kind: 'staff-reply', queue: 'front-office', priority: 'routine', dueIn: HOUR },
      event.communication,
      `Patient's reply was not understood: "${event.text}"`,
    );
    t.replyTemplate(event.channel, defaultReply('question-ack', state.language), 'acknowledgement');
    return;
  }
  applyBranch(t, state, event, branch);
}

function defaultBranch(state: EnrolmentState, intent: ReplyIntent): ResponseBranch | undefined {
  const hasAppointment = state.appointment !== undefined;
  const ack = (kind: Parameters<typeof defaultReply>[0]): ResponseBranch['replies'] => {
    const en = defaultReply(kind, 'en');
    const es = defaultReply(kind, 'es');
    return [...(en ? [{ language: 'en', body: en }] : []), ...(es ? [{ language: 'es', body: es }] : [])];
  };
  switch (intent) {
    case 'confirm':
      return hasAppointment
        ? { intent, action: 'confirm-appointment', outcome: 'confirmed', replies: ack('confirm') }
        : undefined;
    case 'cancel':
      return hasAppointment
        ? {
            intent,
            action: 'cancel-appointment',
            outcome: 'cancelled-by-patient',
            task: { kind: 'cancellation', queue: 'access', priority: 'routine', dueIn: DAY },
            replies: ack('cancel'),
          }
        : undefined;
    case 'reschedule':
      return {
        intent,
        action: 'create-task',
        outcome: 'reschedule-requested',
        task: { kind: 'reschedule', queue: 'access', priority: 'routine', dueIn: DAY },
        replies: ack('reschedule'),
      };
    case 'question':
      return {
        intent,
        action: 'create-task',
        task: { kind: 'staff-reply', queue: 'front-office', priority: 'routine', dueIn: HOUR },
        replies: ack('question-ack'),
      };
    default:
      return undefined;
  }
}

function applyBranch(
  t: TransitionBuilder,
  state: EnrolmentState,
  event: Extract<EngagementEvent, { type: 'reply' }>,
  branch: ResponseBranch,
): void {
  const action: BranchAction = branch.action;
  const patientRef = `Patient/${state.patient.id ?? 'unknown'}`;
  if (action === 'confirm-appointment' && state.appointment) {
    t.setAppointment(
      withPatientStatus(state.appointment, patientRef, 'accepted'),
      'appointment confirmed by the patient',
    );
    t.revokeWhere((_, stop) => stop.includes('confirmed'), 'appointment already confirmed');
  }
  if (action === 'cancel-appointment' && state.appointment) {
    t.setAppointment(
      withPatientStatus(state.appointment, patientRef, 'declined'),
      'patient declined the appointment',
    );
    t.revokeWhere(() => true, 'patient cancelled the appointment');
    t.task(
      branch.task ?? { kind: 'cancellation', queue: 'access', priority: 'routine', dueIn: DAY },
      event.communication,
      `Patient asked to cancel by ${event.channel}: "${event.text}". Cancel it in the EHR and offer a new time.`,
    );
  }
  if (action === 'create-task' && branch.task) {
    t.task(branch.task, event.communication, `Patient replied: "${event.text}"`);
  }
  const body = chooseTemplate(branch.replies, state.language, event.channel, 'en')?.body;
  t.replyTemplate(event.channel, body, 'acknowledgement');
  if (!branch.outcome) {
    return;
  }
  if (action === 'confirm-appointment') {
    // Steps that do not ask for confirmation (a same-day "see you soon") still go.
    t.finishIfIdle(branch.outcome, `outcome: ${branch.outcome}`, true);
    return;
  }
  // A branch with an outcome closes the loop: a person or the patient has taken it from here, so the
  // rest of the cadence ("last reminder…") would only be noise.
  t.revokeWhere(() => true, `patient replied: ${branch.outcome}`);
  t.finish('completed', branch.outcome, `outcome: ${branch.outcome}`);
}

function onNoResponse(t: TransitionBuilder, state: EnrolmentState, touches: number): void {
  const rule = state.definition.noResponse;
  if (!rule || touches < rule.touches) {
    return;
  }
  t.task(
    rule.task,
    undefined,
    `No reply after ${touches} messages (${state.definition.title}). Call the patient.`,
    'no-response',
  );
  t.finishIfIdle('no-response', `no reply after ${touches} messages`, true);
}

function onDeliveryFailed(
  t: TransitionBuilder,
  state: EnrolmentState,
  event: Extract<EngagementEvent, { type: 'delivery-failed' }>,
): void {
  t.log(`${event.channel} delivery failed: ${event.reason}`);
  if (event.carrierOptOut) {
    t.consent(event.channel, 'deny', undefined, 'the carrier reports the number opted out');
  }
  const failedKey = event.request.identifier?.[0]?.value ?? 'request';
  if (!event.permanent) {
    t.task(
      { kind: 'manual-outreach', queue: 'front-office', priority: 'routine', dueIn: DAY },
      undefined,
      `A ${event.channel} message could not be delivered after retries (${event.reason}). Reach the patient another way.`,
      `delivery-${failedKey}`,
    );
    return;
  }
  const stepId = event.request.extension?.find((e) => e.url === EXT.stepId)?.valueString;
  const step = state.definition.steps.find((s) => s.id === stepId);
  // Every channel this message already failed on is out, or two failing channels would alternate forever.
  const tried = new Set<string>([
    event.channel,
    ...(event.request.extension ?? [])
      .filter((e) => e.url === EXT.triedChannel)
      .map((e) => e.valueCode ?? ''),
  ]);
  const remaining = (step?.channels ?? []).filter((c) => !tried.has(c));
  const consents = [...(state.consents ?? []), ...t.newConsents()];
  const choice = chooseChannel({
    patient: state.patient,
    channels: remaining,
    consents,
    purpose: state.definition.purpose,
    basis: state.definition.consentBasis,
    now: state.now,
  });
  const template =
    choice.ok && step ? chooseTemplate(step.templates, state.language, choice.channel, 'en') : undefined;
  if (choice.ok && step && template) {
    const rendered = renderMessage(template, choice.channel, state.templateContext);
    t.fallbackRequest(
      event.request,
      choice.channel,
      rendered.text,
      `fallback after ${event.channel} failed: ${event.reason}`,
      [...tried],
    );
  } else {
    t.task(
      { kind: 'manual-outreach', queue: 'front-office', priority: 'routine', dueIn: DAY },
      undefined,
      `A ${event.channel} message failed for good (${event.reason}) and no other channel is available. Reach the patient another way.`,
      `delivery-${failedKey}`,
    );
  }
  if (event.landline || event.reason.toLowerCase().includes('landline')) {
    t.task(
      { kind: 'fix-contact', queue: 'front-office', priority: 'routine', dueIn: DAY },
      undefined,
      'The number recorded as a mobile is a landline: update the contact details.',
      'landline',
    );
  }
}

function onSurvey(
  t: TransitionBuilder,
  state: EnrolmentState,
  event: { score: number; comment?: string; response: Reference; scale?: AnswerScale },
): void {
  const threshold = event.scale?.escalateAtOrBelow ?? state.practice.surveyEscalationAtOrBelow;
  const low = event.score <= threshold;
  if (low) {
    const comment = event.comment ? ` Comment: "${event.comment}"` : '';
    t.task(
      event.scale?.task ?? {
        kind: 'survey-escalation',
        queue: 'front-office',
        priority: 'urgent',
        dueIn: DAY,
      },
      event.response,
      `Survey score ${event.score}/${event.scale?.max ?? 10}.${comment}`,
    );
  }
  // Everyone is thanked and everyone gets the same review invitation: gating reviews by score breaks
  // Google's policy and the FTC rule, so the score never decides who is asked.
  const review = state.practice.links.review;
  const text =
    state.language === 'es'
      ? `Gracias por su respuesta.${review ? ` Si desea, puede dejar una reseña: ${review}` : ''}`
      : `Thank you for your feedback.${review ? ` If you'd like, you can leave a review: ${review}` : ''}`;
  const channel = t.lastChannel() ?? 'sms';
  t.replyTemplate(channel, text, 'survey-thanks');
  t.finish('completed', 'survey-completed', `survey scored ${event.score}/10${low ? ': escalated' : ''}`);
}

function withPatientStatus(
  appointment: Appointment,
  patientRef: string,
  status: 'accepted' | 'declined',
): Appointment {
  const participant = (appointment.participant ?? []).map((p) =>
    p.actor?.reference === patientRef ? { ...p, status } : p,
  );
  if (!participant.some((p) => p.actor?.reference === patientRef)) {
    participant.push({ actor: { reference: patientRef }, status });
  }
  return { ...appointment, participant };
}

/** Accumulates the changes of one transition, keeping every key deterministic. */
class TransitionBuilder {
  private readonly state: EnrolmentState;
  private readonly key: string;
  private appointment?: Appointment;
  private plan?: CarePlan;
  private readonly revoked = new Map<string, CommunicationRequest>();
  private readonly requests: CommunicationRequest[] = [];
  private readonly replies: OutboundReply[] = [];
  private readonly consents: ReturnType<typeof buildConsent>[] = [];
  private readonly tasks: Task[] = [];
  private readonly cancelled: Task[] = [];
  private readonly lines: string[] = [];

  constructor(state: EnrolmentState) {
    this.state = state;
    this.key = state.carePlan.identifier?.find((i) => i.value)?.value ?? state.carePlan.id ?? 'enrolment';
  }

  log(line: string): void {
    this.lines.push(line);
  }

  carePlan(): CarePlan {
    return this.plan ?? this.state.carePlan;
  }

  setCarePlan(plan: CarePlan, why: string): void {
    this.plan = plan;
    this.log(why);
  }

  setAppointment(appointment: Appointment, why: string): void {
    this.appointment = appointment;
    this.log(why);
  }

  newConsents(): ReturnType<typeof buildConsent>[] {
    return this.consents;
  }

  lastChannel(): Channel | undefined {
    return this.state.pendingRequests.map((r) => channelOf(r)).find((c) => c !== undefined);
  }

  revokeWhere(
    match: (cr: CommunicationRequest, stopWhen: readonly StopCondition[]) => boolean,
    reason: string,
  ): void {
    for (const cr of this.state.pendingRequests) {
      const stepId = cr.extension?.find((e) => e.url === EXT.stepId)?.valueString;
      const stop = this.state.definition.steps.find((s) => s.id === stepId)?.stopWhen ?? [];
      const id = cr.id ?? cr.identifier?.[0]?.value ?? '';
      if (cr.status === 'active' && !this.revoked.has(id) && match(cr, stop)) {
        this.revoked.set(id, { ...cr, status: 'revoked', statusReason: { text: reason } });
      }
    }
    if (this.revoked.size > 0) {
      this.log(`${this.revoked.size} pending message(s) revoked: ${reason}`);
    }
  }

  consent(
    channel: Channel,
    decision: 'permit' | 'deny',
    source: Reference | undefined,
    reason: string,
  ): void {
    this.consents.push(
      buildConsent({
        patient: { reference: `Patient/${this.state.patient.id ?? 'unknown'}` },
        channel,
        decision,
        ...(source ? { source } : {}),
        at: this.state.now,
        reason,
        // The same message processed twice must not record the decision twice.
        identifier: `${this.key}:consent:${channel}:${decision}:${source?.reference ?? this.state.now}`,
      }),
    );
    this.log(`${decision === 'deny' ? 'opt-out' : 'opt-in'} recorded for ${channel}: ${reason}`);
  }

  task(spec: TaskSpec, source: Reference | undefined, description: string, keySuffix?: string): void {
    const suffix = keySuffix ?? source?.reference ?? this.state.now;
    const key = `${this.key}:${spec.kind}:${suffix}`;
    const owner = this.state.practice.queueOwners[spec.queue];
    const focus =
      source ??
      (this.state.appointment?.id ? { reference: `Appointment/${this.state.appointment.id}` } : undefined);
    this.tasks.push(
      buildTask({
        spec,
        key,
        patient: { reference: `Patient/${this.state.patient.id ?? 'unknown'}` },
        ...(focus ? { focus } : {}),
        ...(this.state.carePlan.id ? { carePlan: `CarePlan/${this.state.carePlan.id}` } : {}),
        ...(owner ? { owner: { reference: owner } } : {}),
        purpose: this.state.definition.purpose,
        now: this.state.now,
        description,
      }),
    );
    this.log(`task created: ${spec.kind} for ${spec.queue}`);
  }

  reply(channel: Channel, text: string, purpose: OutboundReply['purpose']): void {
    this.replies.push({ channel, language: this.state.language, text, purpose });
  }

  /** Renders a reply body with the enrolment's values (practice name and opt-out wording added for SMS). */
  replyTemplate(
    channel: Channel,
    body: string | undefined,
    purpose: OutboundReply['purpose'],
    optOutNotice = true,
  ): void {
    if (!body) {
      return;
    }
    const text = renderMessage({ language: this.state.language, body }, channel, this.state.templateContext, {
      optOutNotice,
    }).text;
    this.reply(channel, text, purpose);
  }

  fallbackRequest(
    failed: CommunicationRequest,
    channel: Channel,
    text: string,
    reason: string,
    tried: string[],
  ): void {
    const stepId = failed.extension?.find((e) => e.url === EXT.stepId)?.valueString ?? 'step';
    const key = `${failed.identifier?.[0]?.value ?? this.key}:fallback-${channel}`;
    this.requests.push({
      ...failed,
      id: undefined,
      meta: undefined,
      extension: [
        ...stepExtensions(stepId, undefined, [reason]),
        ...tried.map((code) => ({ url: EXT.triedChannel, valueCode: code })),
      ],
      identifier: [identifier('request', key)],
      status: 'active',
      statusReason: undefined,
      medium: [mediumFor(channel)],
      occurrenceDateTime: this.state.now,
      authoredOn: this.state.now,
      payload: [{ contentString: text }],
      replaces: failed.id
        ? [{ reference: `CommunicationRequest/${failed.id}` }]
        : [{ reference: urnFor('request', key) }],
    });
    this.log(reason);
  }

  /** Ends the plan with an outcome; work it had scheduled for later is cancelled with it. */
  finish(status: 'completed' | 'revoked', outcome: EnrolmentOutcome, why: string): void {
    const plan = this.carePlan();
    if (plan.status === 'completed' || plan.status === 'revoked') {
      return;
    }
    for (const task of this.state.plannedTasks ?? []) {
      if (task.status === 'requested' || task.status === 'draft') {
        this.cancelled.push({ ...task, status: 'cancelled', statusReason: { text: `plan ended: ${why}` } });
      }
    }
    this.setCarePlan(
      {
        ...plan,
        status,
        period: { ...plan.period, end: this.state.now },
        extension: [
          ...(plan.extension ?? []).filter((e) => e.url !== EXT.outcome),
          { url: EXT.outcome, valueCoding: { system: CS.outcome, code: outcome } },
        ],
      },
      why,
    );
  }

  /**
   * Ends the plan only if nothing is left to send; with `recordAnyway` the outcome is recorded on an
   * active plan too, so the timeline shows "confirmed" while a same-day reminder is still due.
   */
  finishIfIdle(outcome: EnrolmentOutcome, why: string, recordAnyway = false): void {
    const left = this.state.pendingRequests.filter((cr) => {
      const id = cr.id ?? cr.identifier?.[0]?.value ?? '';
      return cr.status === 'active' && !this.revoked.has(id);
    });
    if (left.length === 0) {
      this.finish('completed', outcome, why);
      return;
    }
    if (recordAnyway) {
      const plan = this.carePlan();
      this.setCarePlan(
        {
          ...plan,
          extension: [
            ...(plan.extension ?? []).filter((e) => e.url !== EXT.outcome),
            { url: EXT.outcome, valueCoding: { system: CS.outcome, code: outcome } },
          ],
        },
        `${why} (${left.length} message(s) still scheduled)`,
      );
    }
  }

  result(): Transition {
    return {
      ...(this.appointment ? { appointment: this.appointment } : {}),
      revoked: [...this.revoked.values()],
      requests: this.requests,
      replies: this.replies,
      consents: this.consents,
      tasks: this.tasks,
      cancelledTasks: this.cancelled,
      ...(this.plan ? { carePlan: this.plan } : {}),
      log: this.lines,
    };
  }
}
