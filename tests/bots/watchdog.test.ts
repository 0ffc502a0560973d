import type {
  Appointment,
  CarePlan,
  Communication,
  Organization,
  QuestionnaireResponse,
  Task,
} from '@medplum/fhirtypes';
import type { MockClient } from '@medplum/mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { handleAppointment } from '../../src/bots/appointmentEvents';
import { installClock } from '../../src/bots/runtime';
import { handleWatchdog, handler, type WatchdogContext } from '../../src/bots/watchdog';
import { EXT } from '../../src/engine/codes';
import type { PracticeSettings, WorkflowDefinition } from '../../src/engine';
import { runDispatch } from '../../src/fhir/dispatchRun';
import { loadPracticeSettings } from '../../src/fhir/practice';
import { isProcessed, QUESTIONNAIRES } from '../../src/fhir/surveyResponses';
import { loadActiveWorkflows } from '../../src/fhir/workflows';
import {
  medplumWithPractice,
  ORGANIZATION,
  practiceWithRemindedPatient,
  secrets,
  syntheticPatient,
} from '../fixtures/medplum';

// Resources' meta.lastUpdated comes from the machine clock, the bots' time from the pinned clock: the
// reconcile tests look at everything updated since 2000 and do not wait for resources to settle.
const RECONCILE = { updatedSince: '2000-01-01T00:00:00Z', settleMs: 0 } as const;

let medplum: MockClient;
let practice: PracticeSettings;
let workflows: WorkflowDefinition[];

const at = (iso: string) => () => new Date(iso);

async function tasksOf(patientId: string): Promise<Task[]> {
  return medplum.searchResources(
    'Task',
    { patient: `Patient/${patientId}`, _count: '100' },
    { cache: 'no-cache' },
  );
}

async function plansOf(patientId: string): Promise<CarePlan[]> {
  return medplum.searchResources(
    'CarePlan',
    { subject: `Patient/${patientId}`, _count: '100' },
    { cache: 'no-cache' },
  );
}

describe('watchdog: no reply after N touches', () => {
  let patientId: string;
  let organization: string;

  beforeEach(async () => {
    ({ medplum, organization, practice, workflows, patientId } = await practiceWithRemindedPatient());
    // The third touch: the 1-day reminder, Mon 30 Nov 09:30 Chicago.
    await runDispatch(medplum, {
      practice,
      workflows,
      send: async () => ({ ok: true, providerId: 'SM1day', status: 'sent' }),
      now: at('2026-11-30T15:31:00Z'),
    });
  });

  const run = (iso: string, extra: Partial<WatchdogContext> = {}) =>
    handleWatchdog(medplum, { practice, workflows, clock: at(iso), ...extra });

  it('waits an hour for an answer, then creates the call task once and records the outcome', async () => {
    const early = await run('2026-11-30T16:00:00Z');
    expect(early.noResponse.escalated).toEqual([]);
    expect(await tasksOf(patientId)).toHaveLength(0);

    const due = await run('2026-11-30T16:45:00Z');
    expect(due.noResponse.escalated).toEqual([expect.stringMatching(/^CarePlan\/.+: 3 unanswered$/)]);
    const [task, ...more] = await tasksOf(patientId);
    expect(more).toHaveLength(0);
    expect(task?.code?.coding?.[0]?.code).toBe('call-patient');
    expect(task?.performerType?.[0]?.coding?.[0]?.code).toBe('front-office');
    const [plan] = await plansOf(patientId);
    // The same-day reminder is still to go: the plan stays active with the outcome recorded.
    expect(plan?.status).toBe('active');
    expect(plan?.extension?.find((e) => e.url === EXT.outcome)?.valueCoding?.code).toBe('no-response');

    const again = await run('2026-11-30T17:00:00Z');
    expect(again.noResponse).toEqual({ plansChecked: 0, escalated: [] });
    expect(await tasksOf(patientId)).toHaveLength(1);
  });

  it('a reply from the patient resets the count', async () => {
    const [plan] = await plansOf(patientId);
    await medplum.createResource<Communication>({
      resourceType: 'Communication',
      status: 'completed',
      basedOn: [{ reference: `CarePlan/${plan?.id}` }],
      subject: { reference: `Patient/${patientId}` },
      sender: { reference: `Patient/${patientId}` },
      received: '2026-11-28T16:00:00Z',
      payload: [{ contentString: 'ok thanks' }],
    });
    const result = await run('2026-11-30T18:00:00Z');
    expect(result.noResponse.plansChecked).toBe(1);
    expect(result.noResponse.escalated).toEqual([]);
    expect(await tasksOf(patientId)).toHaveLength(0);
  });

  it('stops at the time budget and says so', async () => {
    let ticks = 0;
    const result = await handleWatchdog(medplum, {
      practice,
      workflows,
      clock: () => new Date(Date.parse('2026-11-30T17:00:00Z') + 60_000 * ticks++),
    });
    expect(result.complete).toBe(false);
    expect(await tasksOf(patientId)).toHaveLength(0);
  });

  it('runs as a bot from its Cron event', async () => {
    const uninstall = installClock({ now: () => new Date('2026-11-30T16:45:00Z') });
    try {
      const result = await handler(medplum, {
        bot: { reference: 'Bot/watchdog' },
        input: {},
        secrets: secrets({ CARELOOP_ORGANIZATION: organization }),
      } as never);
      expect(result.noResponse.escalated).toHaveLength(1);
      await expect(
        handler(medplum, {
          bot: { reference: 'Bot/x' },
          input: { since: 'yesterday' },
          secrets: secrets({ CARELOOP_ORGANIZATION: organization }),
        } as never),
      ).rejects.toThrow('input.since');
      await expect(
        handler(medplum, { bot: { reference: 'Bot/x' }, input: {}, secrets: {} } as never),
      ).rejects.toThrow('CARELOOP_ORGANIZATION');
    } finally {
      uninstall();
    }
  });
});

describe('watchdog: reconciling missed Subscription events', () => {
  const NOW = '2026-11-20T21:00:00Z';
  let patientId: string;
  let organization: string;

  beforeEach(async () => {
    const setup = await medplumWithPractice();
    medplum = setup.medplum;
    organization = setup.organization;
    practice = await loadPracticeSettings(medplum, setup.organization);
    workflows = (await loadActiveWorkflows(medplum)).workflows;
    patientId = (await medplum.createResource(syntheticPatient())).id ?? '';
  });

  const run = (extra: Partial<WatchdogContext> = {}) =>
    handleWatchdog(medplum, { practice, workflows, clock: at(NOW), ...RECONCILE, ...extra });

  function appointment(
    status: Appointment['status'],
    start: string,
    patient = patientId,
  ): Promise<Appointment> {
    return medplum.createResource<Appointment>({
      resourceType: 'Appointment',
      status,
      start,
      end: new Date(Date.parse(start) + 30 * 60_000).toISOString(),
      participant: [{ actor: { reference: `Patient/${patient}` }, status: 'accepted' }],
    });
  }

  it('a booking the appointment bot never saw gets its reminders; a second run changes nothing', async () => {
    const booked = await appointment('booked', '2026-12-01T15:30:00Z');
    const first = await run();
    expect(first.appointments.reconciled).toContainEqual(
      expect.stringContaining(`Appointment/${booked.id}: booked`),
    );
    const plans = await plansOf(patientId);
    expect(plans.map((p) => p.title)).toEqual(expect.arrayContaining([expect.stringMatching(/reminder/i)]));

    const second = await run();
    expect(second.appointments.reconciled.filter((r) => r.includes(booked.id ?? ''))).toEqual([]);
    expect(await plansOf(patientId)).toHaveLength(plans.length);
  });

  it('a visit that just happened gets its follow-up; an old visit touched by a sync does not', async () => {
    const today = await appointment('fulfilled', '2026-11-20T15:00:00Z');
    const lastYear = await appointment('fulfilled', '2025-11-20T15:00:00Z');
    const result = await run();
    expect(result.appointments.reconciled).toContainEqual(
      expect.stringContaining(`Appointment/${today.id}: fulfilled`),
    );
    expect(result.appointments.reconciled.join()).not.toContain(lastYear.id ?? '?');
    const names = (await plansOf(patientId)).map((p) => p.instantiatesCanonical?.[0] ?? '');
    expect(names).toEqual(
      expect.arrayContaining([
        expect.stringContaining('post-visit-follow-up'),
        expect.stringContaining('feedback-survey'),
      ]),
    );
  });

  it('a missed no-show enrols recovery; a missed cancellation ends the reminders', async () => {
    const missed = await appointment('noshow', '2026-11-20T15:00:00Z');
    const booked = await appointment('booked', '2026-12-03T16:00:00Z');
    await handleAppointment(medplum, booked, { practice, workflows, now: new Date(NOW) });
    await medplum.updateResource<Appointment>({ ...booked, status: 'cancelled' });

    const result = await run();
    expect(result.appointments.reconciled).toEqual(
      expect.arrayContaining([
        expect.stringContaining(`Appointment/${missed.id}: noshow`),
        expect.stringContaining(`Appointment/${booked.id}: cancelled, but`),
      ]),
    );
    const plans = await plansOf(patientId);
    expect(plans.find((p) => p.instantiatesCanonical?.[0]?.includes('no-show-recovery'))?.status).toBe(
      'active',
    );
    const reminders = plans.find((p) => p.instantiatesCanonical?.[0]?.includes('appointment-reminders'));
    expect(reminders?.status).toBe('completed');
    expect((await run()).appointments.reconciled).toEqual([]);
  });

  it('a survey response the survey bot never saw is scored once', async () => {
    const response = await medplum.createResource<QuestionnaireResponse>({
      resourceType: 'QuestionnaireResponse',
      questionnaire: QUESTIONNAIRES.postVisitSurvey,
      status: 'completed',
      authored: '2026-11-20T20:00:00Z',
      subject: { reference: `Patient/${patientId}` },
      item: [{ linkId: 'recommend', answer: [{ valueInteger: 2 }] }],
    });
    const first = await run();
    expect(first.surveys.reconciled).toEqual([
      `QuestionnaireResponse/${response.id}: scored (score 2: escalated)`,
    ]);
    expect(isProcessed(await medplum.readResource('QuestionnaireResponse', response.id ?? ''))).toBe(true);
    expect((await tasksOf(patientId)).map((t) => t.code?.coding?.[0]?.code)).toEqual(['survey-escalation']);

    const second = await run();
    expect(second.surveys.reconciled).toEqual([]);
    expect(await tasksOf(patientId)).toHaveLength(1);
  });

  it('leaves what changed in the last minutes to its Subscription', async () => {
    await medplum.createResource<QuestionnaireResponse>({
      resourceType: 'QuestionnaireResponse',
      questionnaire: QUESTIONNAIRES.postVisitSurvey,
      status: 'completed',
      subject: { reference: `Patient/${patientId}` },
      item: [{ linkId: 'recommend', answer: [{ valueInteger: 9 }] }],
    });
    // Against the machine clock, which stamped the response just now.
    const now = () => new Date();
    const fresh = await handleWatchdog(medplum, {
      practice,
      workflows,
      clock: now,
      updatedSince: RECONCILE.updatedSince,
    });
    expect(fresh.surveys.reconciled).toEqual([]);
    const settled = await handleWatchdog(medplum, { practice, workflows, clock: now, ...RECONCILE });
    expect(settled.surveys.reconciled).toHaveLength(1);
  });

  it('as a bot, a failed item fails the run (for the AuditEvent) after the rest was done', async () => {
    // The machine clock stamped the resources; an hour later they have settled.
    const later = new Date(Date.now() + 3_600_000);
    const ghost = await appointment(
      'booked',
      new Date(later.getTime() + 10 * 86_400_000).toISOString(),
      'nobody',
    );
    const real = await appointment('booked', new Date(later.getTime() + 9 * 86_400_000).toISOString());
    const uninstall = installClock({ now: () => later });
    try {
      await expect(
        handler(medplum, {
          bot: { reference: 'Bot/watchdog' },
          input: { since: RECONCILE.updatedSince },
          secrets: secrets({ CARELOOP_ORGANIZATION: organization }),
        } as never),
      ).rejects.toThrow(`Appointment/${ghost.id}`);
    } finally {
      uninstall();
    }
    const plans = await plansOf(patientId);
    expect(plans.some((p) => p.supportingInfo?.[0]?.reference === `Appointment/${real.id}`)).toBe(true);
  });

  it('one failing item is reported and the others are still done', async () => {
    const ghost = await appointment('booked', '2026-12-02T15:00:00Z', 'no-such-patient');
    const real = await appointment('booked', '2026-12-01T15:30:00Z');
    const result = await run();
    expect(result.errors).toEqual([expect.stringContaining(`Appointment/${ghost.id}:`)]);
    expect(result.appointments.reconciled).toContainEqual(expect.stringContaining(`Appointment/${real.id}`));
    expect((await plansOf(patientId)).length).toBeGreaterThan(0);
  });
});

describe('watchdog: a project holding several practices', () => {
  const NOW = '2026-11-20T21:00:00Z';
  let lakeside: PracticeSettings;
  let riverside: PracticeSettings;

  beforeEach(async () => {
    const setup = await medplumWithPractice();
    medplum = setup.medplum;
    lakeside = await loadPracticeSettings(medplum, setup.organization);
    const other = await medplum.createResource<Organization>({
      ...ORGANIZATION,
      name: 'Riverside Pediatrics',
      telecom: [{ system: 'phone', value: '+12065550100' }],
      extension: [{ url: EXT.timeZone, valueCode: 'America/Los_Angeles' }],
    });
    riverside = await loadPracticeSettings(medplum, `Organization/${other.id}`);
    workflows = (await loadActiveWorkflows(medplum)).workflows;
  });

  /** A patient of `practice` (filed by meta.accounts, or only by managingOrganization) booked for 1 Dec. */
  async function booking(
    practiceOf: PracticeSettings,
    filed: 'accounts' | 'managing-organization',
    phone: string,
  ): Promise<{ patientId: string; appointment: Appointment }> {
    const org = { reference: practiceOf.organization as `Organization/${string}` };
    const patient = await medplum.createResource(
      syntheticPatient({
        telecom: [{ system: 'phone', use: 'mobile', value: phone }],
        ...(filed === 'accounts' ? { meta: { accounts: [org] } } : { managingOrganization: org }),
      }),
    );
    const appointment = await medplum.createResource<Appointment>({
      resourceType: 'Appointment',
      ...(filed === 'accounts' ? { meta: { accounts: [org] } } : {}),
      status: 'booked',
      start: '2026-12-01T17:30:00Z',
      end: '2026-12-01T18:00:00Z',
      participant: [{ actor: { reference: `Patient/${patient.id}` }, status: 'accepted' }],
    });
    return { patientId: patient.id ?? '', appointment };
  }

  const run = (p: PracticeSettings) =>
    handleWatchdog(medplum, { practice: p, workflows, clock: at(NOW), ...RECONCILE });

  it("each practice's watchdog reconciles only its own appointments, with its own settings", async () => {
    const a = await booking(lakeside, 'accounts', '+13125550151');
    const b = await booking(riverside, 'accounts', '+12065550152');
    const c = await booking(riverside, 'managing-organization', '+12065550153');
    const d = await booking(lakeside, 'managing-organization', '+13125550154');

    const first = await run(lakeside);
    const reconciled = first.appointments.reconciled.join('\n');
    expect(reconciled).toContain(`Appointment/${a.appointment.id}`);
    expect(reconciled).toContain(`Appointment/${d.appointment.id}`);
    expect(reconciled).not.toContain(`Appointment/${b.appointment.id}`);
    expect(reconciled).not.toContain(`Appointment/${c.appointment.id}`);
    expect(await plansOf(b.patientId)).toHaveLength(0);
    expect(await plansOf(c.patientId)).toHaveLength(0);
    expect((await plansOf(a.patientId)).length).toBeGreaterThan(0);

    const second = await run(riverside);
    expect(second.appointments.reconciled).toHaveLength(2);
    expect(second.appointments.reconciled.join('\n')).toContain(`Appointment/${c.appointment.id}`);
    // Riverside's reminders are written in Riverside's name, never Lakeside's.
    const requests = await medplum.searchResources(
      'CommunicationRequest',
      { subject: `Patient/${b.patientId}`, _count: '100' },
      { cache: 'no-cache' },
    );
    const texts = requests.map((r) => r.payload?.[0]?.contentString ?? '').join('\n');
    expect(texts).toContain('Riverside Pediatrics');
    expect(texts).not.toContain('Lakeside');
  });
});
