/**
 * The bots' steps replayed in memory with the real engine: planning at booking (appointment-events),
 * sending due requests through the send-time check (dispatch), delivery outcomes (delivery-status),
 * patients' replies (inbound-message), web survey answers (survey-response) and the no-reply check
 * (watchdog). Each step reads the state the bot would load and writes what the bot would write.
 */

import type {
  Appointment,
  CarePlan,
  Communication,
  CommunicationRequest,
  Patient,
  QuestionnaireResponse,
  Reference,
} from '@medplum/fhirtypes';
import { mapMessageStatus } from '../../channels/deliveryStatus';
import {
  applyEvent,
  channelOf,
  classifyReply,
  enrolmentKey,
  EXT,
  ID_SYSTEM,
  patientLanguage,
  planEnrollment,
  sendTimeCheck,
  SUPPORTED_LANGUAGES,
  type Channel,
  type EngagementEvent,
  type EnrolmentState,
  type PracticeSettings,
  type Transition,
  type WorkflowDefinition,
} from '../../engine';
import { deliveryFailedEvent, requeueAfterFailure } from '../../fhir/deliveryFailure';
import { withoutClaim } from '../../fhir/dispatchClaims';
import {
  communicationKey,
  countsTowardsCaps,
  createCommunication,
  purposeOf,
} from '../../fhir/dispatchRecords';
import { definitionFor, enrolmentStateFrom } from '../../fhir/enrolmentState';
import { inboundCommunication } from '../../fhir/inbound';
import { plannedSubject, requestsWithSubjects } from '../../fhir/messageSubject';
import { appointmentPatientId } from '../../fhir/patientContext';
import { replyRequests } from '../../fhir/replyRequests';
import { PROCESSED_TAG, QUESTIONNAIRES, SURVEY_ITEMS } from '../../fhir/surveyResponses';
import { threadKey } from '../../fhir/threads';
import { unansweredTouches } from '../../fhir/touches';
import type { Random } from '../practice';
import { plannedAnswers, type PlannedAnswer } from './behaviour';
import { EventQueue } from './events';
import { historyId, providerSid } from './ids';
import type { World } from './world';

const MINUTE = 60_000;
// The watchdog counts a touch as unanswered an hour after it went out, and runs every 15 minutes.
const ANSWER_WINDOW_MS = 60 * MINUTE;
const CLOSED_BY_BOOKING = new Set(['no-show-recovery', 'recall', 'reactivation']);

/** Fixed inputs of a simulation. */
export interface SimulationSetup {
  readonly world: World;
  readonly practice: PracticeSettings;
  readonly workflows: readonly WorkflowDefinition[];
  /** A seeded generator per named thing (see randomFor). */
  readonly random: (name: string) => Random;
  /** The end of the history (the sandbox's now), ms. */
  readonly now: number;
}

const iso = (ms: number): string => new Date(ms).toISOString();
const refOf = (r: { resourceType: string; id?: string }): string => `${r.resourceType}/${r.id ?? ''}`;

/** Replays the bots over the past; schedule appointments and cohort runs, then `run()`. */
export class Simulation {
  readonly queue: EventQueue;
  private readonly answers = new Map<string, PlannedAnswer[]>();
  /** The appointments' records as they stand at the end (the EHR's final word), by reference. */
  private readonly finals = new Map<string, Appointment & { id: string }>();

  constructor(private readonly s: SimulationSetup) {
    this.queue = new EventQueue(s.now);
  }

  /** Runs the history; afterwards every appointment is back to its final record. */
  run(): void {
    this.queue.runAll();
    for (const final of this.finals.values()) this.s.world.setCurrent(final);
  }

  /** The appointment's life: booked at `bookedAt`, then what the practice's record says happened. */
  scheduleAppointment(appointment: Appointment & { id: string }, bookedAt: number): void {
    this.finals.set(`Appointment/${appointment.id}`, appointment);
    const start = Date.parse(appointment.start ?? '');
    const end = Date.parse(appointment.end ?? appointment.start ?? '');
    this.queue.at(bookedAt, (at) => this.booked(appointment, at));
    switch (appointment.status) {
      case 'fulfilled':
        this.queue.at(end + 10 * MINUTE, (at) =>
          this.appointmentEvent(appointment.id ?? '', 'fulfilled', at),
        );
        break;
      case 'noshow':
        this.queue.at(end + this.s.random(`noshow:${appointment.id}`).int(30, 180) * MINUTE, (at) =>
          this.appointmentEvent(appointment.id ?? '', 'noshow', at),
        );
        break;
      case 'cancelled': {
        const cancelAt = Math.max(
          bookedAt + 60 * MINUTE,
          start - this.s.random(`cancel:${appointment.id}`).int(20, 60) * 60 * MINUTE,
        );
        this.queue.at(cancelAt, (at) => this.appointmentEvent(appointment.id ?? '', 'cancelled', at));
        break;
      }
      default:
        break;
    }
  }

  /**
   * A future visit booked during the history: appointment-events closed the loops waiting for a booking
   * then. Its own reminders are left to the sandbox's start-up reconcile, which plans every future visit
   * as of the sandbox's time, as it does without a history.
   */
  scheduleFutureBooking(appointment: Appointment, bookedAt: number): void {
    this.queue.at(bookedAt, (at) => {
      const patientRef = `Patient/${appointmentPatientId(appointment) ?? ''}`;
      for (const plan of this.s.world.activePlansOf(patientRef)) {
        if (plan.category?.some((c) => c.coding?.some((x) => CLOSED_BY_BOOKING.has(x.code ?? '')))) {
          this.applyToPlan(plan, { type: 'appointment-booked', appointment }, at);
        }
      }
    });
  }

  /** A cohort enrolment (recall) planned at `at`, as the cohorts bot does for its run key. */
  scheduleCohortEnrolment(
    definition: WorkflowDefinition,
    patientRef: string,
    runKey: string,
    at: number,
  ): void {
    this.queue.at(at, (t) => {
      const patient = this.s.world.patient(patientRef);
      this.enrol(definition, patient, { kind: definition.trigger, runKey }, t);
    });
  }

  // appointment-events: a booking closes loops waiting for one, then plans the booking workflows.
  private booked(appointment: Appointment & { id: string }, at: number): void {
    const patientRef = `Patient/${appointmentPatientId(appointment) ?? ''}`;
    // As the EHR had it when it was booked: not yet confirmed by the patient.
    const booked = {
      ...appointment,
      cancelationReason: undefined,
      status: 'booked' as const,
      participant: appointment.participant?.map((p) =>
        p.actor?.reference === patientRef ? { ...p, status: 'needs-action' as const } : p,
      ),
    };
    this.s.world.setCurrent(booked);
    for (const plan of this.s.world.activePlansOf(patientRef)) {
      if (plan.category?.some((c) => c.coding?.some((x) => CLOSED_BY_BOOKING.has(x.code ?? '')))) {
        this.applyToPlan(plan, { type: 'appointment-booked', appointment: booked }, at);
      }
    }
    this.enrolFor(booked, 'appointment-booked', at);
  }

  private appointmentEvent(id: string, status: 'fulfilled' | 'noshow' | 'cancelled', at: number): void {
    const appointment = this.finals.get(`Appointment/${id}`);
    if (!appointment) return;
    this.s.world.setCurrent(appointment);
    const patientRef = `Patient/${appointmentPatientId(appointment) ?? ''}`;
    const plans = this.s.world
      .activePlansOf(patientRef)
      .filter((p) => p.supportingInfo?.some((r) => r.reference === `Appointment/${id}`));
    const type = `appointment-${status}` as const;
    for (const plan of plans) {
      this.applyToPlan(plan, { type, appointment } as EngagementEvent, at);
    }
    this.enrolFor(appointment, type, at);
  }

  private enrolFor(appointment: Appointment, trigger: WorkflowDefinition['trigger'], at: number): void {
    const patientRef = `Patient/${appointmentPatientId(appointment) ?? ''}`;
    const patient = this.s.world.patient(patientRef);
    const location = this.s.world.location(
      appointment.participant?.find((p) => p.actor?.reference?.startsWith('Location/'))?.actor?.reference,
    );
    for (const definition of this.s.workflows.filter((w) => w.trigger === trigger && w.status === 'active')) {
      this.enrol(definition, patient, { kind: trigger, appointment, ...(location ? { location } : {}) }, at);
    }
  }

  private enrol(
    definition: WorkflowDefinition,
    patient: Patient,
    trigger: Parameters<typeof planEnrollment>[0]['trigger'],
    at: number,
  ): CarePlan | undefined {
    const { world } = this.s;
    const patientRef = refOf(patient);
    const key = enrolmentKey({
      workflowName: definition.name,
      patientRef,
      ...(trigger.appointment ? { appointment: trigger.appointment } : {}),
      ...(trigger.runKey ? { runKey: trigger.runKey } : {}),
    });
    if (world.ofType<CarePlan>('CarePlan').some((p) => p.identifier?.some((i) => i.value === key))) {
      return undefined;
    }
    const plan = planEnrollment({
      definition,
      patient,
      trigger,
      practice: this.s.practice,
      history: this.capsHistory(patientRef),
      consents: world.consentsOf(patientRef),
      now: iso(at),
      newPatient: trigger.appointment ? this.isNewPatient(patientRef, trigger.appointment) : false,
    });
    if (!plan.applicable) return undefined;
    const requests = requestsWithSubjects(plan);
    world.reserve([plan.carePlan, ...requests, ...plan.tasks]);
    const carePlan = world.put(plan.carePlan);
    for (const r of requests) this.scheduleSend(world.put(r));
    for (const t of plan.tasks) world.put(t);
    this.answers.set(
      refOf(carePlan),
      plannedAnswers(
        this.s.random(`answers:${refOf(carePlan)}`),
        definition.name,
        trigger.appointment,
        this.language(patient),
      ),
    );
    return carePlan;
  }

  private isNewPatient(patientRef: string, appointment: Appointment): boolean {
    const start = appointment.start ?? '';
    return !this.s.world
      .ofType<Appointment>('Appointment')
      .some(
        (a) =>
          a.id !== appointment.id &&
          a.status === 'fulfilled' &&
          (a.start ?? '') < start &&
          a.participant?.some((p) => p.actor?.reference === patientRef),
      );
  }

  /** What appointment-events passes for the caps: messages sent and still scheduled for the patient. */
  private capsHistory(patientRef: string): { at: string; purpose: string }[] {
    const scheduled = this.s.world
      .ofType<CommunicationRequest>('CommunicationRequest')
      .filter((r) => r.subject?.reference === patientRef && r.status === 'active' && countsTowardsCaps(r))
      .map((r) => ({ at: r.occurrenceDateTime ?? '', purpose: purposeOf(r) }));
    return [...(this.s.world.sentBy.get(patientRef) ?? []), ...scheduled];
  }

  private language(patient: Patient): string {
    return patientLanguage(patient, SUPPORTED_LANGUAGES, this.s.practice.defaultLanguage);
  }

  private scheduleSend(request: CommunicationRequest): void {
    const due = Date.parse(request.occurrenceDateTime ?? '');
    if (request.status === 'active' && !Number.isNaN(due)) {
      this.queue.at(due, (at) => this.send(refOf(request), at));
    }
  }

  // dispatch: the send-time check, then the send and its record.
  private send(requestRef: string, at: number): void {
    const { world } = this.s;
    const request = world.get<CommunicationRequest>(requestRef);
    if (!request || request.status !== 'active' || Date.parse(request.occurrenceDateTime ?? '') > at) return;
    const planRef = request.basedOn?.find((b) => b.reference?.startsWith('CarePlan/'))?.reference;
    const carePlan = world.get<CarePlan>(planRef);
    const definition = carePlan ? definitionFor(carePlan, this.s.workflows) : undefined;
    const patientRef = request.subject?.reference ?? '';
    const patient = world.get<Patient>(patientRef);
    const appointment = world.appointment(
      request.about?.find((a) => a.reference?.startsWith('Appointment/'))?.reference,
    );
    const decision = sendTimeCheck({
      request,
      ...(carePlan ? { carePlan } : {}),
      ...(definition ? { definition } : {}),
      ...(patient ? { patient } : {}),
      ...(appointment ? { appointment } : {}),
      consents: world.consentsOf(patientRef),
      sent: world.sentBy.get(patientRef) ?? [],
      practice: this.s.practice,
      now: iso(at),
    });
    const base = withoutClaim(request);
    switch (decision.action) {
      case 'hold':
        return;
      case 'revoke':
        world.put({ ...base, status: 'revoked', statusReason: { text: `at send time: ${decision.reason}` } });
        return;
      case 'defer':
        this.scheduleSend(
          world.put({
            ...base,
            occurrenceDateTime: decision.until,
            extension: [...(base.extension ?? []), { url: EXT.scheduleReason, valueString: decision.reason }],
          }),
        );
        return;
      case 'send':
        break;
    }
    const channel = decision.channel;
    const key = communicationKey(request);
    const outcome = this.deliveryOutcome(channel, patient, key);
    const providerId = channel === 'email' ? '' : providerSid(channel === 'voice' ? 'CA' : 'SM', key);
    const subject = channel === 'email' ? plannedSubject(request) : undefined;
    const record = createCommunication(request, {
      channel,
      text: decision.text,
      providerId,
      providerStatus: outcome.providerStatus,
      thread: this.thread(patientRef),
      now: iso(at),
      ...(subject ? { subject } : {}),
    }).resource as Communication;
    const status = mapMessageStatus({
      MessageStatus: outcome.providerStatus,
      ...(outcome.code ? { ErrorCode: outcome.code } : {}),
    });
    const communication = world.put(
      {
        ...record,
        status: status.communicationStatus,
        ...(status.failed ? { statusReason: { text: status.reason ?? 'not delivered' } } : {}),
      },
      historyId(`communication:${key}`),
    );
    const sent = world.put({ ...base, status: 'completed', occurrenceDateTime: iso(at) });
    if (countsTowardsCaps(request)) {
      world.sentBy.set(patientRef, [
        ...(world.sentBy.get(patientRef) ?? []),
        { at: iso(at), purpose: purposeOf(request), channel },
      ]);
    }
    if (status.failed) {
      this.deliveryFailed(sent, carePlan, definition, channel, status, at);
      return;
    }
    if (carePlan && definition) {
      this.afterDelivery(carePlan, definition, sent, communication, at);
    }
  }

  private deliveryOutcome(
    channel: Channel,
    patient: Patient | undefined,
    key: string,
  ): { providerStatus: string; code?: string } {
    if (channel === 'email') return { providerStatus: 'delivered' };
    if (channel === 'voice') return { providerStatus: 'delivered' };
    const hasLandlineOnly = !patient?.telecom?.some((t) => t.system === 'phone' && t.use === 'mobile');
    const roll = this.s.random(`delivery:${key}`).next();
    if (roll < 0.025) return { providerStatus: 'undelivered', code: '30003' };
    if (roll < 0.035 || (hasLandlineOnly && roll < 0.2)) return { providerStatus: 'failed', code: '30006' };
    return { providerStatus: 'delivered' };
  }

  // delivery-status: a transient failure is sent again; a permanent one goes to the engine.
  private deliveryFailed(
    request: CommunicationRequest,
    carePlan: CarePlan | undefined,
    definition: WorkflowDefinition | undefined,
    channel: Channel,
    status: ReturnType<typeof mapMessageStatus>,
    at: number,
  ): void {
    const requeued = requeueAfterFailure(request, status, new Date(at));
    if (requeued) {
      this.scheduleSend(this.s.world.put(requeued));
      return;
    }
    if (!carePlan || !definition) return;
    this.transition(
      carePlan,
      applyEvent(this.state(carePlan, definition, at), deliveryFailedEvent(request, channel, status)),
      at,
    );
  }

  /** The patient's planned answer to this step, and the watchdog's no-reply check after it. */
  private afterDelivery(
    carePlan: CarePlan,
    definition: WorkflowDefinition,
    request: CommunicationRequest,
    communication: Communication,
    at: number,
  ): void {
    const stepId = request.extension?.find((e) => e.url === EXT.stepId)?.valueString ?? '';
    const planRef = refOf(carePlan);
    const planned = this.answers.get(planRef) ?? [];
    const answer = planned.find((a) => a.stepIds.includes(stepId));
    // Texts answer texts; the survey form can be opened from any message.
    if (answer && (answer.answer.kind === 'form' || channelOf(communication) === 'sms')) {
      this.answers.set(
        planRef,
        planned.filter((a) => a !== answer),
      );
      this.queue.at(at + answer.delayMin * MINUTE, (t) => {
        if (answer.answer.kind === 'text') this.reply(planRef, communication, answer.answer.text, t);
        else this.surveyForm(planRef, answer.answer.score, answer.answer.comment, t);
      });
    }
    if (definition.noResponse) {
      this.queue.at(at + ANSWER_WINDOW_MS + 15 * MINUTE, (t) => this.noReplyCheck(planRef, t));
    }
  }

  // inbound-message: record the reply, apply it, queue the engine's answers.
  private reply(planRef: string, outbound: Communication, text: string, at: number): void {
    const { world } = this.s;
    const carePlan = world.get<CarePlan>(planRef);
    if (!carePlan) return;
    const definition = definitionFor(carePlan, this.s.workflows);
    const patientRef = carePlan.subject?.reference ?? '';
    const patient = world.patient(patientRef);
    const channel: Channel = channelOf(outbound) === 'email' ? 'email' : 'sms';
    const providerId = providerSid('SM', `inbound:${refOf(outbound)}`);
    const classification = classifyReply(text);
    const from = patient.telecom?.find((t) => t.system === 'phone')?.value ?? '';
    const inbound = world.put(
      inboundCommunication({
        providerId,
        text,
        channel,
        patientRef,
        thread: this.thread(patientRef),
        outbound,
        carePlan,
        classification,
        from,
        now: iso(at),
      }),
      historyId(`inbound:${providerId}`),
    );
    if (!definition) return;
    const t = applyEvent(this.state(carePlan, definition, at), {
      type: 'reply',
      classification,
      text,
      communication: { reference: refOf(inbound) },
      channel,
    });
    this.transition(carePlan, t, at, {
      key: `inbound:${refOf(inbound)}`,
      inResponseTo: { reference: refOf(inbound) },
    });
  }

  // The web survey form: a completed QuestionnaireResponse, scored by the survey-response bot.
  private surveyForm(planRef: string, score: number, comment: string | undefined, at: number): void {
    const { world } = this.s;
    const carePlan = world.get<CarePlan>(planRef);
    const definition = carePlan ? definitionFor(carePlan, this.s.workflows) : undefined;
    if (!carePlan || !definition || carePlan.status !== 'active') return;
    const patientRef = carePlan.subject?.reference ?? '';
    const response = world.put<QuestionnaireResponse>(
      {
        resourceType: 'QuestionnaireResponse',
        meta: { tag: [{ ...PROCESSED_TAG }] },
        questionnaire: `${QUESTIONNAIRES.postVisitSurvey}|1.0.0`,
        status: 'completed',
        basedOn: [{ reference: planRef as `CarePlan/${string}` }],
        subject: { reference: patientRef },
        source: { reference: patientRef as `Patient/${string}` },
        authored: iso(at),
        item: [
          { linkId: SURVEY_ITEMS.score, answer: [{ valueInteger: score }] },
          ...(comment ? [{ linkId: SURVEY_ITEMS.comment, answer: [{ valueString: comment }] }] : []),
        ],
      },
      historyId(`survey:${planRef}`),
    );
    const t = applyEvent(this.state(carePlan, definition, at), {
      type: 'survey-scored',
      score,
      ...(comment ? { comment } : {}),
      response: { reference: refOf(response) },
    });
    this.transition(carePlan, t, at, {
      key: `survey:${refOf(response)}`,
      inResponseTo: { reference: refOf(response) },
      purpose: 'feedback',
    });
  }

  // watchdog: no reply after the workflow's number of touches.
  private noReplyCheck(planRef: string, at: number): void {
    const { world } = this.s;
    const carePlan = world.get<CarePlan>(planRef);
    const definition = carePlan ? definitionFor(carePlan, this.s.workflows) : undefined;
    if (!carePlan || !definition?.noResponse || carePlan.status !== 'active') return;
    const patientRef = carePlan.subject?.reference ?? '';
    const communications = [
      ...world.communicationsOf(planRef),
      ...world.ofType<Communication>('Communication').filter((c) => c.sender?.reference === patientRef),
    ];
    const touches = unansweredTouches({
      carePlan,
      communications,
      now: new Date(at),
      answerWindowMs: ANSWER_WINDOW_MS,
    });
    if (touches >= definition.noResponse.touches) {
      this.transition(
        carePlan,
        applyEvent(this.state(carePlan, definition, at), { type: 'no-response', touches }),
        at,
      );
    }
  }

  private applyToPlan(carePlan: CarePlan, event: EngagementEvent, at: number): void {
    const definition = definitionFor(carePlan, this.s.workflows);
    if (!definition) return;
    this.transition(carePlan, applyEvent(this.state(carePlan, definition, at), event), at);
  }

  /** Writes a transition and schedules its new requests (fallbacks and replies to the patient). */
  private transition(
    carePlan: CarePlan,
    t: Transition,
    at: number,
    reply?: { key: string; inResponseTo: Reference; purpose?: string },
  ): void {
    const { world } = this.s;
    // The EHR's record of the appointment is the practice's; the engine's change to it is momentary.
    if (t.appointment?.id) world.setCurrent({ ...t.appointment, id: t.appointment.id });
    world.applyTransition({ ...t, appointment: undefined });
    for (const r of t.requests) {
      const stored = world.get<CommunicationRequest>(`CommunicationRequest/${world.idFor(r)}`);
      if (stored) this.scheduleSend(stored);
    }
    if (reply && t.replies.length) {
      const requests = replyRequests(t, {
        carePlan,
        patientRef: carePlan.subject?.reference ?? '',
        now: iso(at),
        key: reply.key,
        ...(reply.purpose ? { purpose: reply.purpose } : {}),
        ...(this.s.practice.organization ? { sender: this.s.practice.organization } : {}),
        inResponseTo: reply.inResponseTo,
      });
      for (const r of requests) this.scheduleSend(world.put(r));
    }
  }

  /** What loadEnrolmentState reads, from the in-memory state, made into the state as it does. */
  private state(carePlan: CarePlan, definition: WorkflowDefinition, at: number): EnrolmentState {
    const { world, practice } = this.s;
    const planRef = refOf(carePlan);
    const patient = world.patient(carePlan.subject?.reference ?? '');
    const appointment = world.appointment(
      carePlan.supportingInfo?.map((r) => r.reference).find((r) => r?.startsWith('Appointment/')),
    );
    const requests = world.requestsOf(planRef);
    const done = requests
      .filter((r) => r.status === 'completed')
      .sort((a, b) => Date.parse(b.occurrenceDateTime ?? '') - Date.parse(a.occurrenceDateTime ?? ''));
    return enrolmentStateFrom({
      definition,
      carePlan,
      patient,
      ...(appointment ? { appointment } : {}),
      pendingRequests: requests.filter((r) => r.status === 'active'),
      plannedTasks: world.tasksOf(planRef).filter((t) => t.status === 'requested' || t.status === 'draft'),
      practice,
      consents: world.consentsOf(refOf(patient)),
      ...(done[0] ? { lastCompleted: done[0] } : {}),
      patientMessages: world.communicationsOf(planRef).filter((c) => c.sender?.reference === refOf(patient)),
      now: iso(at),
    });
  }

  /** The patient's conversation header (threads.ts), created with their first message. */
  private thread(patientRef: string): string {
    const id = historyId(`thread:${patientRef}`);
    const ref = `Communication/${id}`;
    if (!this.s.world.get(ref)) {
      this.s.world.put<Communication>(
        {
          resourceType: 'Communication',
          id,
          identifier: [{ system: ID_SYSTEM.thread, value: threadKey(patientRef) }],
          status: 'in-progress',
          subject: { reference: patientRef as `Patient/${string}` },
          recipient: [{ reference: patientRef as `Patient/${string}` }],
          topic: { text: 'Careloop conversation' },
        },
        id,
      );
    }
    return ref;
  }
}
