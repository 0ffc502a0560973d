/**
 * Planning an enrolment: from a workflow definition, a patient and a trigger to the CarePlan,
 * CommunicationRequests and Tasks to create, with every policy decision explained. Pure: the caller
 * passes `now`, the history and the consents, and writes the result.
 */

import type {
  CareTeam,
  CommunicationRequest,
  Organization,
  Patient,
  Reference,
  Task,
} from '@medplum/fhirtypes';
import { DateTime } from 'luxon';
import type { OutboundRecord } from '../policy/caps';
import { chooseChannel, isMissingContact } from '../policy/channel';
import { contactAddresses, invalidPhones } from '../policy/contact';
import { sendWindowFor } from '../policy/sendWindow';
import { appointmentStates, patientSuppression, stepSuppression } from '../policy/suppression';
import { isValidTimeZone, resolveTimeZone } from '../policy/timeZone';
import { buildTemplateContext, chooseTemplate, patientLanguage, renderMessage } from '../template';
import { stepDuration } from '../workflow/duration';
import { isAppointmentTrigger, type TaskSpec, type WorkflowStep } from '../workflow/types';
import { conditionVariables, failingCondition } from './conditions';
import { ageInYears, appointmentEnd, isTelehealth } from './facts';
import { enrolmentKey, stepKey, urnFor } from './identifiers';
import { buildCarePlan, buildCommunicationRequest, buildTask } from './resources';
import { fitMessage, lateDecision, occurrencesOf, type Occurrence } from './schedule';
import type { EnrollmentPlan, PlanEnrollmentInput, PlannedStep } from './types';

/** Languages Careloop ships templates for. */
export const SUPPORTED_LANGUAGES: readonly string[] = ['en', 'es'];

/**
 * Plans one enrolment. Returns `applicable: false` with reasons when the patient cannot be enrolled
 * (deceased, conditions unmet, purpose switched off, no appointment); otherwise the resources to create,
 * each with a deterministic identifier so that planning the same thing twice yields the same resources.
 */
export function planEnrollment(input: PlanEnrollmentInput): EnrollmentPlan {
  const { definition: def, patient, trigger, practice } = input;
  const patientRef = `Patient/${patient.id ?? 'unknown'}`;
  const appointment = trigger.appointment;
  const key = enrolmentKey({
    workflowName: def.name,
    patientRef,
    ...(appointment ? { appointment } : {}),
    ...(trigger.runKey ? { runKey: trigger.runKey } : {}),
  });
  const now = DateTime.fromISO(input.now, { setZone: true });
  if (!now.isValid) {
    throw new Error(`planEnrollment: now "${input.now}" is not an ISO instant`);
  }

  if (!isValidTimeZone(practice.timeZone)) {
    throw new Error(`planEnrollment: practice time zone "${practice.timeZone}" is not a known IANA zone`);
  }

  const refusals: string[] = [];
  const suppressed = patientSuppression(patient);
  if (suppressed) {
    refusals.push(suppressed);
  }
  if (practice.disabledPurposes.includes(def.purpose)) {
    refusals.push(`the practice has switched off ${def.purpose} messages`);
  }
  if (def.status === 'retired' || def.status === 'draft') {
    refusals.push(`workflow "${def.title}" is ${def.status}`);
  }
  const needsAppointment = isAppointmentTrigger(def.trigger);
  if (needsAppointment && !appointment?.start) {
    refusals.push('this workflow needs an appointment with a start time');
  }

  const tz = resolveTimeZone(patient, practice.timeZone);
  const language = patientLanguage(patient, SUPPORTED_LANGUAGES, practice.defaultLanguage);
  const age = ageInYears(patient, input.now);
  const variables = conditionVariables(patient, appointment, {
    ...(age === undefined ? {} : { ageYears: age }),
    newPatient: input.newPatient ?? false,
    telehealth: isTelehealth(appointment),
    language,
  });
  const notApplicable = failingCondition(def.conditions, patient, variables);
  if (notApplicable) {
    refusals.push(`not applicable: ${notApplicable}`);
  }
  if (refusals.length > 0) {
    return { applicable: false, key, reasons: refusals };
  }

  const zone = tz.zone;
  const start = appointment?.start ? DateTime.fromISO(appointment.start).setZone(zone) : undefined;
  const endIso = appointment ? appointmentEnd(appointment) : undefined;
  const anchors = {
    ...(start ? { start } : {}),
    ...(endIso ? { end: DateTime.fromISO(endIso).setZone(zone) } : {}),
    enrolledAt: now.setZone(zone),
  };
  const occurrences = occurrencesOf(def.steps, anchors, zone);
  // Among the steps that came due before planning, only the latest may be pulled in.
  const past = occurrences.filter((o) => o.nominal < now);
  const latestPast = past.at(-1);
  // Process in the order messages would go out; at a tie, a step that is on time goes before one that is
  // being pulled in late, so a booking confirmation is not crowded out by a stale reminder.
  const effective = (o: Occurrence): number => Math.max(o.nominal.toMillis(), now.toMillis());
  const order = [...occurrences].sort(
    (a, b) =>
      effective(a) - effective(b) ||
      Number(a.nominal < now) - Number(b.nominal < now) ||
      a.nominal.toMillis() - b.nominal.toMillis(),
  );

  const patientReference: Reference<Patient> = { reference: patientRef };
  const appointmentReference: Reference | undefined = appointment?.id
    ? { reference: `Appointment/${appointment.id}` }
    : undefined;
  const sender: Reference<Organization> | undefined = practice.organization
    ? { reference: practice.organization }
    : undefined;
  const states = appointmentStates(appointment, patientRef);
  const { window, label: windowLabel } = sendWindowFor(patient, practice);
  const records: OutboundRecord[] = [...input.history];
  const addresses = contactAddresses(patient, input.now);
  const templateContext = buildTemplateContext({
    patient,
    ...(appointment ? { appointment } : {}),
    ...(trigger.location ? { location: trigger.location } : {}),
    practice,
    timeZone: zone,
    language,
  });
  const carePlanUrn = urnFor('enrolment', key);

  const steps: PlannedStep[] = [];
  const requests: CommunicationRequest[] = [];
  const tasks: Task[] = [];
  const activities: { reference: string; type: 'CommunicationRequest' | 'Task' }[] = [];
  const contactProblems: string[] = [];

  order.forEach((occ, i) => {
    steps.push(
      planOccurrence(
        occ,
        order.slice(i + 1).find((o) => o.step.kind === 'message'),
      ),
    );
  });

  function planOccurrence(occ: Occurrence, next: Occurrence | undefined): PlannedStep {
    const { step } = occ;
    const sKey = stepKey(key, step.id, occ.index);
    const base = {
      stepId: step.id,
      occurrence: occ.index,
      title: occurrenceTitle(step, occ.index),
      kind: step.kind,
      nominalAt: iso(occ.nominal),
      key: sKey,
    };
    const addRequest = (
      status: 'active' | 'revoked',
      reasons: string[],
      { at, ...rest }: { at?: DateTime; channel?: PlannedStep['channel']; text?: string; segments?: number },
    ): void => {
      requests.push(
        buildCommunicationRequest({
          def,
          enrolmentKey: key,
          key: sKey,
          stepId: step.id,
          patient: patientReference,
          ...(appointmentReference ? { appointment: appointmentReference } : {}),
          ...(sender ? { sender } : {}),
          now: input.now,
          status,
          nominalAt: iso(occ.nominal),
          reasons,
          ...rest,
          ...(at ? { at: iso(at) } : {}),
        }),
      );
      activities.push({ reference: urnFor('request', sKey), type: 'CommunicationRequest' });
    };
    const skip = (reasons: string[], at?: DateTime, channel?: PlannedStep['channel']): PlannedStep => {
      if (step.kind === 'message') {
        addRequest('revoked', reasons, { ...(at ? { at } : {}), ...(channel ? { channel } : {}) });
      }
      return {
        ...base,
        status: 'skipped',
        reasons,
        ...(at ? { at: iso(at) } : {}),
        ...(channel ? { channel } : {}),
      };
    };

    const stopped = stepSuppression(step.stopWhen, states);
    if (stopped) {
      return skip([`skipped: ${stopped}`]);
    }
    const unmet = failingCondition(step.conditions, patient, variables);
    if (unmet) {
      return skip([`skipped: not applicable (${unmet})`]);
    }
    const supersededBy = occ === latestPast || occ.nominal >= now ? undefined : latestPast;
    const late = lateDecision(occ, now, supersededBy);
    if (!late.ok) {
      return skip(late.reasons, late.at);
    }

    if (step.kind === 'task' && step.task) {
      const task = buildTask({
        spec: step.task,
        key: sKey,
        patient: patientReference,
        ...(appointmentReference ? { focus: appointmentReference } : {}),
        carePlan: carePlanUrn,
        purpose: def.purpose,
        ...ownerFor(step.task),
        now: input.now,
        start: iso(late.at),
        reasons: late.reasons,
        stepId: step.id,
      });
      tasks.push(task);
      activities.push({ reference: urnFor('task', sKey), type: 'Task' });
      return { ...base, status: 'scheduled', at: iso(late.at), reasons: late.reasons };
    }

    const choice = chooseChannel({
      patient,
      channels: step.channels,
      consents: input.consents,
      purpose: def.purpose,
      basis: def.consentBasis,
      now: input.now,
      addresses,
    });
    if (!choice.ok) {
      contactProblems.push(...choice.reasons);
      return skip([...late.reasons, `skipped: no usable channel (${choice.reasons.join('; ')})`], late.at);
    }
    // Anything meant to arrive before the visit must still arrive before it, with a useful lead.
    const leadMs = start
      ? Math.min(start.toMillis() - occ.nominal.toMillis(), practice.minLeadMinutes * 60_000)
      : 0;
    const deadline = start && occ.nominal < start ? start.minus(leadMs) : undefined;
    const nextAt = next ? DateTime.max(next.nominal, now) : undefined;
    const fit = fitMessage(late.at, {
      zone,
      window,
      windowLabel,
      purpose: def.purpose,
      caps: practice.caps,
      records,
      ...(deadline ? { deadline } : {}),
      ...(next && nextAt && nextAt > late.at
        ? { next: { at: nextAt, title: occurrenceTitle(next.step, next.index) } }
        : {}),
    });
    const reasons = [...late.reasons, ...choice.reasons, ...fit.reasons];
    if (!fit.ok) {
      return skip(reasons, fit.at, choice.channel);
    }
    const template = chooseTemplate(step.templates, language, choice.channel, practice.defaultLanguage);
    if (!template) {
      return skip(
        [...reasons, `skipped: no ${choice.channel} template in ${language}`],
        fit.at,
        choice.channel,
      );
    }
    let rendered;
    try {
      rendered = renderMessage(template, choice.channel, templateContext);
    } catch (err) {
      return skip(
        [...reasons, `skipped: message could not be written (${(err as Error).message})`],
        fit.at,
        choice.channel,
      );
    }
    records.push({ at: iso(fit.at), purpose: def.purpose, channel: choice.channel });
    addRequest('active', reasons, {
      at: fit.at,
      channel: choice.channel,
      text: rendered.text,
      segments: rendered.segments,
    });
    return {
      ...base,
      status: 'scheduled',
      at: iso(fit.at),
      channel: choice.channel,
      address: choice.address,
      text: rendered.text,
      ...(rendered.subject ? { subject: rendered.subject } : {}),
      segments: rendered.segments,
      reasons,
    };
  }

  function ownerFor(spec: TaskSpec): { owner?: Reference<CareTeam> } {
    const owner = practice.queueOwners[spec.queue];
    return owner ? { owner: { reference: owner } } : {};
  }

  // A workflow that can reach the patient on no channel at all becomes work for a person.
  const messages = steps.filter((s) => s.kind === 'message');
  const unreachable =
    messages.length > 0 && messages.every((s) => s.status === 'skipped') && contactProblems.length > 0;
  const contactMissing = contactProblems.some(isMissingContact);
  if (unreachable && contactMissing) {
    const bad = invalidPhones(patient);
    const spec: TaskSpec = {
      kind: bad.length > 0 ? 'fix-contact' : 'manual-outreach',
      queue: 'front-office',
      priority: 'routine',
      dueIn: stepDuration(1, 'd', 'manual-outreach'),
    };
    const tKey = stepKey(key, spec.kind, 0);
    tasks.push(
      buildTask({
        spec,
        key: tKey,
        patient: patientReference,
        ...(appointmentReference ? { focus: appointmentReference } : {}),
        carePlan: carePlanUrn,
        purpose: def.purpose,
        ...ownerFor(spec),
        now: input.now,
        description:
          bad.length > 0
            ? `${def.title}: the phone number on file could not be read; fix it so messages can go out`
            : `${def.title}: no way to message the patient (${[...new Set(contactProblems)].join('; ')})`,
      }),
    );
    activities.push({ reference: urnFor('task', tKey), type: 'Task' });
  }

  const notes = tz.reason ? [tz.reason] : [];
  const carePlan = buildCarePlan({
    def,
    key,
    patient: patientReference,
    ...(appointmentReference ? { appointment: appointmentReference } : {}),
    now: input.now,
    activities,
    ...(trigger.enrolledBy ? { author: trigger.enrolledBy } : {}),
  });
  return {
    applicable: true,
    key,
    timeZone: zone,
    language,
    notes,
    steps: [...steps].sort((a, b) => (a.at ?? a.nominalAt ?? '').localeCompare(b.at ?? b.nominalAt ?? '')),
    carePlan,
    communicationRequests: requests,
    tasks,
  };
}

function occurrenceTitle(step: WorkflowStep, index: number): string {
  return step.timing.repeat ? `${step.title} #${index + 1}` : step.title;
}

function iso(t: DateTime): string {
  return t.toISO({ suppressMilliseconds: true }) ?? t.toUTC().toString();
}
