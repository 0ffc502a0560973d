import type {
  Appointment,
  CarePlan,
  CommunicationRequest,
  QuestionnaireResponse,
  QuestionnaireResponseItem,
  Task,
} from '@medplum/fhirtypes';
import type { MockClient } from '@medplum/mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { handleAppointment } from '../../src/bots/appointmentEvents';
import { installClock } from '../../src/bots/runtime';
import { handler, handleSurveyResponse } from '../../src/bots/surveyResponse';
import { cohortRunKey } from '../../src/engine/cohorts/rules';
import { CARELOOP_BASE, CS, EXT, ID_SYSTEM } from '../../src/engine/codes';
import { planEnrollment, type PracticeSettings, type WorkflowDefinition } from '../../src/engine';
import { runDispatch } from '../../src/fhir/dispatchRun';
import { loadPracticeSettings } from '../../src/fhir/practice';
import { isProcessed, PROCESSED_TAG, QUESTIONNAIRES } from '../../src/fhir/surveyResponses';
import { loadActiveWorkflows } from '../../src/fhir/workflows';
import { writeEnrollment } from '../../src/fhir/writeChanges';
import { medplumWithPractice, secrets, syntheticPatient } from '../fixtures/medplum';

// A visit on Fri 20 Nov 09:00–09:30 Chicago; the survey goes at 11:30 and the patient answers at 11:45.
const VISIT = { start: '2026-11-20T15:00:00Z', end: '2026-11-20T15:30:00Z' };
const SURVEY_SENT = new Date('2026-11-20T17:31:00Z');
const ANSWERED = '2026-11-20T17:45:00Z';
const NOW = new Date('2026-11-20T18:00:00Z');

let medplum: MockClient;
let organization: string;
let practice: PracticeSettings;
let workflows: WorkflowDefinition[];

beforeEach(async () => {
  ({ medplum, organization } = await medplumWithPractice());
  practice = await loadPracticeSettings(medplum, organization);
  workflows = (await loadActiveWorkflows(medplum)).workflows;
});

const ctx = (now = NOW) => ({ practice, workflows, now });

async function patient(overrides = {}): Promise<string> {
  return (await medplum.createResource(syntheticPatient(overrides))).id ?? '';
}

/** A fulfilled visit: the appointment bot enrols the feedback survey and dispatch sends it. */
async function visited(patientId: string): Promise<CarePlan> {
  const appointment = await medplum.createResource<Appointment>({
    resourceType: 'Appointment',
    status: 'fulfilled',
    ...VISIT,
    participant: [{ actor: { reference: `Patient/${patientId}` }, status: 'accepted' }],
  });
  await handleAppointment(medplum, appointment, { ...ctx(new Date('2026-11-20T15:35:00Z')) });
  await runDispatch(medplum, {
    practice,
    workflows,
    send: async () => ({ ok: true, providerId: `SM${patientId.slice(0, 6)}`, status: 'sent' }),
    now: () => SURVEY_SENT,
  });
  const plan = (await plansOf(patientId)).find((p) =>
    p.instantiatesCanonical?.[0]?.includes('feedback-survey'),
  );
  expect(plan?.status).toBe('active');
  return plan as CarePlan;
}

async function plansOf(patientId: string): Promise<CarePlan[]> {
  return medplum.searchResources(
    'CarePlan',
    { subject: `Patient/${patientId}`, _count: '100' },
    { cache: 'no-cache' },
  );
}

async function tasksFor(response: QuestionnaireResponse): Promise<Task[]> {
  return medplum.searchResources(
    'Task',
    { focus: `QuestionnaireResponse/${response.id}`, _count: '100' },
    { cache: 'no-cache' },
  );
}

async function replies(patientId: string): Promise<CommunicationRequest[]> {
  const all = await medplum.searchResources(
    'CommunicationRequest',
    { subject: `Patient/${patientId}`, _count: '100' },
    { cache: 'no-cache' },
  );
  return all.filter((r) => r.identifier?.[0]?.value?.startsWith('survey:'));
}

function survey(
  patientId: string | undefined,
  items: QuestionnaireResponseItem[],
  overrides: Partial<QuestionnaireResponse> = {},
): Promise<QuestionnaireResponse> {
  return medplum.createResource<QuestionnaireResponse>({
    resourceType: 'QuestionnaireResponse',
    questionnaire: `${QUESTIONNAIRES.postVisitSurvey}|1.0.0`,
    status: 'completed',
    authored: ANSWERED,
    ...(patientId ? { subject: { reference: `Patient/${patientId}` } } : {}),
    item: items,
    ...overrides,
  });
}

const score = (value: number): QuestionnaireResponseItem => ({
  linkId: 'recommend',
  answer: [{ valueInteger: value }],
});
const comment = (text: string): QuestionnaireResponseItem => ({
  linkId: 'comment',
  answer: [{ valueString: text }],
});

describe('survey-response bot: post-visit survey', () => {
  it('a low score escalates with the comment, completes the plan, thanks the patient once', async () => {
    const patientId = await patient();
    const plan = await visited(patientId);
    const response = await survey(patientId, [score(3), comment('Waited a long time')]);

    const first = await handleSurveyResponse(medplum, response, ctx());
    expect(first).toMatchObject({ outcome: 'scored', carePlan: `CarePlan/${plan.id}`, replies: 1 });

    const [task, ...more] = await tasksFor(response);
    expect(more).toHaveLength(0);
    expect(task?.code?.coding?.[0]?.code).toBe('survey-escalation');
    expect(task?.for?.reference).toBe(`Patient/${patientId}`);
    expect(task?.basedOn?.[0]?.reference).toBe(`CarePlan/${plan.id}`);
    expect(task?.description).toContain('Waited a long time');

    const done = await medplum.readResource('CarePlan', plan.id ?? '');
    expect(done.status).toBe('completed');
    expect(done.extension?.find((e) => e.url === EXT.outcome)?.valueCoding?.code).toBe('survey-completed');

    const [thanks, ...extra] = await replies(patientId);
    expect(extra).toHaveLength(0);
    expect(thanks).toMatchObject({
      status: 'active',
      occurrenceDateTime: NOW.toISOString(),
      groupIdentifier: plan.identifier?.[0],
      about: [{ reference: `QuestionnaireResponse/${response.id}` }],
    });
    expect(thanks?.basedOn).toBeUndefined();
    expect(thanks?.category?.[0]?.coding?.[0]).toMatchObject({ system: CS.purpose, code: 'feedback' });
    expect(thanks?.medium?.[0]?.coding?.[0]?.code).toBe('sms');
    expect(thanks?.payload?.[0]?.contentString).toContain('https://lakeside.example/review');
    expect(isProcessed(await medplum.readResource('QuestionnaireResponse', response.id ?? ''))).toBe(true);

    // The same event again (Medplum may deliver twice; the watchdog may run it too): nothing new.
    const second = await handleSurveyResponse(medplum, response, ctx());
    expect(second.outcome).toBe('already-processed');
    expect(await tasksFor(response)).toHaveLength(1);
    expect(await replies(patientId)).toHaveLength(1);
  });

  it('a run that stopped before tagging is finished by a retry without duplicates', async () => {
    const patientId = await patient();
    await visited(patientId);
    const response = await survey(patientId, [score(2)]);
    await handleSurveyResponse(medplum, response, ctx());
    // Undo only the tag, as if the first run had failed after writing everything else.
    const stored = await medplum.readResource('QuestionnaireResponse', response.id ?? '');
    await medplum.updateResource({ ...stored, meta: { ...stored.meta, tag: [] } });

    const retry = await handleSurveyResponse(medplum, response, ctx(new Date('2026-11-20T18:15:00Z')));
    expect(retry.outcome).toBe('scored');
    expect(await tasksFor(response)).toHaveLength(1);
    expect(await replies(patientId)).toHaveLength(1);
  });

  it('thanks every respondent with the same words and the same review link, whatever the score', async () => {
    const low = await patient();
    const high = await patient({ telecom: [{ system: 'phone', use: 'mobile', value: '+13125550143' }] });
    await visited(low);
    await visited(high);
    await handleSurveyResponse(medplum, await survey(low, [score(0)]), ctx());
    const happy = await survey(high, [score(10), comment('Great visit')]);
    const result = await handleSurveyResponse(medplum, happy, ctx());
    expect(result.tasks).toEqual([]);
    expect(await tasksFor(happy)).toHaveLength(0);
    const [a] = await replies(low);
    const [b] = await replies(high);
    expect(a?.payload?.[0]?.contentString).toBe(b?.payload?.[0]?.contentString);
    expect(b?.payload?.[0]?.contentString).toContain('review');
  });

  it("the thank-you is sent by dispatch at once, although the survey ended the plan and the day's feedback cap is used", async () => {
    const patientId = await patient();
    await visited(patientId);
    await handleSurveyResponse(medplum, await survey(patientId, [score(9)]), ctx());
    const texts: string[] = [];
    const send = async (msg: { text: string }) => {
      texts.push(msg.text);
      return { ok: true as const, providerId: `SMthanks${texts.length}`, status: 'sent' };
    };
    // The survey question already went out today (one feedback message a day), but a reply to the
    // patient's own answer is exempt from the caps: it is not held until the next morning.
    const sameDay = await runDispatch(medplum, { practice, workflows, send, now: () => NOW });
    expect(sameDay).toMatchObject({ sent: 1, deferred: 0, revoked: 0 });
    expect(texts[0]).toContain('Thank you for your feedback');
    const [thanks] = await replies(patientId);
    expect(thanks?.status).toBe('completed');
    expect(thanks?.occurrenceDateTime).toBe(NOW.toISOString());
  });

  it('without a feedback enrolment a low score still escalates (via the engine) and the patient is thanked', async () => {
    const patientId = await patient();
    const response = await survey(patientId, [score(4)]);
    const result = await handleSurveyResponse(medplum, response, ctx());
    expect(result).toMatchObject({ outcome: 'scored', replies: 1 });
    expect(result.carePlan).toBeUndefined();
    const [task] = await tasksFor(response);
    expect(task?.identifier?.[0]).toEqual({
      system: ID_SYSTEM.task,
      value: `conversation:Patient/${patientId}:survey-escalation:QuestionnaireResponse/${response.id}`,
    });
    expect(task?.basedOn).toBeUndefined();
    const [thanks] = await replies(patientId);
    expect(thanks?.groupIdentifier).toBeUndefined();
    expect(thanks?.category?.[0]?.coding?.[0]?.code).toBe('feedback');
    await handleSurveyResponse(medplum, response, ctx());
    expect(await tasksFor(response)).toHaveLength(1);
  });

  it('a response naming its CarePlan in basedOn is matched to that plan', async () => {
    const patientId = await patient();
    const plan = await visited(patientId);
    const response = await survey(patientId, [score(8)], { basedOn: [{ reference: `CarePlan/${plan.id}` }] });
    expect((await handleSurveyResponse(medplum, response, ctx())).carePlan).toBe(`CarePlan/${plan.id}`);
  });
});

describe('survey-response bot: bad input', () => {
  it('no answer and no comment: nothing to do, recorded as processed', async () => {
    const patientId = await patient();
    await visited(patientId);
    const response = await survey(patientId, []);
    const result = await handleSurveyResponse(medplum, response, ctx());
    expect(result.outcome).toBe('ignored');
    expect(await tasksFor(response)).toHaveLength(0);
    expect(await replies(patientId)).toHaveLength(0);
    expect(isProcessed(await medplum.readResource('QuestionnaireResponse', response.id ?? ''))).toBe(true);
  });

  it('no score but a comment, or a score out of range or not a number: a person reads it, no guess', async () => {
    const patientId = await patient();
    const plan = await visited(patientId);
    const cases: [QuestionnaireResponseItem[], string][] = [
      [[comment('The parking was full')], 'no answer'],
      [[score(11)], 'outside 0–10'],
      [[score(-1)], 'outside 0–10'],
      [[{ linkId: 'recommend', answer: [{ valueString: 'ten' }] }], 'not a whole number'],
    ];
    for (const [items, reason] of cases) {
      const response = await survey(patientId, items);
      const result = await handleSurveyResponse(medplum, response, ctx());
      expect(result.outcome, reason).toBe('needs-review');
      expect(result.detail).toContain(reason);
      const [task, ...more] = await tasksFor(response);
      expect(more).toHaveLength(0);
      expect(task?.description).toContain(reason);
      expect(task?.code?.coding?.[0]?.code).toBe('survey-escalation');
    }
    // Nothing was scored: the plan still waits for an answer and nobody was thanked.
    expect((await medplum.readResource('CarePlan', plan.id ?? '')).status).toBe('active');
    expect(await replies(patientId)).toHaveLength(0);
  });

  it('a response without a patient, or naming a missing one, becomes a task to find out whose it is', async () => {
    for (const subject of [undefined, 'Patient/does-not-exist']) {
      const response = await survey(
        undefined,
        [score(2)],
        subject ? { subject: { reference: subject } } : {},
      );
      const result = await handleSurveyResponse(medplum, response, ctx());
      expect(result.outcome).toBe('needs-review');
      const [task] = await tasksFor(response);
      expect(task?.for).toBeUndefined();
      expect(task?.description).toContain(subject ? 'does not exist' : 'names no patient');
      await handleSurveyResponse(medplum, response, ctx());
      expect(await tasksFor(response)).toHaveLength(1);
    }
  });

  it('ignores responses in progress and other questionnaires, and leaves them untagged', async () => {
    const patientId = await patient();
    const draft = await survey(patientId, [score(2)], { status: 'in-progress' });
    const other = await survey(patientId, [score(2)], {
      questionnaire: 'https://example.org/Questionnaire/intake',
    });
    for (const response of [draft, other]) {
      expect((await handleSurveyResponse(medplum, response, ctx())).outcome).toBe('ignored');
      expect(await tasksFor(response)).toHaveLength(0);
      expect(isProcessed(await medplum.readResource('QuestionnaireResponse', response.id ?? ''))).toBe(false);
    }
  });

  it('a response created already tagged (acted on by the inbound bot) is left alone', async () => {
    const patientId = await patient();
    const response = await survey(patientId, [score(1)], { meta: { tag: [{ ...PROCESSED_TAG }] } });
    expect((await handleSurveyResponse(medplum, response, ctx())).outcome).toBe('already-processed');
    expect(await tasksFor(response)).toHaveLength(0);
  });
});

describe('survey-response bot: chronic-care check-in', () => {
  async function enrolledInCheckIns(patientId: string): Promise<CarePlan> {
    const definition = workflows.find((w) => w.cohort === 'chronic-care');
    const plan = planEnrollment({
      definition: definition as WorkflowDefinition,
      patient: await medplum.readResource('Patient', patientId),
      trigger: {
        kind: 'cohort-due',
        runKey: cohortRunKey('chronic-care', 'quarter', NOW.toISOString(), 'UTC'),
      },
      practice,
      history: [],
      consents: [],
      now: '2026-11-16T14:00:00Z',
    });
    if (!plan.applicable) throw new Error(plan.reasons.join('; '));
    await writeEnrollment(medplum, plan);
    return (await plansOf(patientId))[0] as CarePlan;
  }

  function checkIn(patientId: string, items: QuestionnaireResponseItem[]): Promise<QuestionnaireResponse> {
    return survey(patientId, items, { questionnaire: QUESTIONNAIRES.checkIn });
  }
  const feeling = (code: string): QuestionnaireResponseItem => ({
    linkId: 'feeling',
    answer: [{ valueCoding: { system: `${CARELOOP_BASE}/CodeSystem/check-in-feeling`, code } }],
  });
  const concerns = (yes: boolean): QuestionnaireResponseItem => ({
    linkId: 'new-concerns',
    answer: [{ valueBoolean: yes }],
  });

  it('a feeling of 1 or 2 is an urgent call for care coordination, once; the programme goes on', async () => {
    const patientId = await patient();
    const plan = await enrolledInCheckIns(patientId);
    const response = await checkIn(patientId, [feeling('2'), concerns(false)]);
    const result = await handleSurveyResponse(medplum, response, ctx());
    expect(result).toMatchObject({ outcome: 'checked-in', carePlan: `CarePlan/${plan.id}`, replies: 0 });
    const [task] = await tasksFor(response);
    expect(task?.code?.coding?.[0]?.code).toBe('call-patient');
    expect(task?.performerType?.[0]?.coding?.[0]?.code).toBe('care-coordination');
    expect(task?.priority).toBe('urgent');
    expect(task?.basedOn?.[0]?.reference).toBe(`CarePlan/${plan.id}`);
    expect((await medplum.readResource('CarePlan', plan.id ?? '')).status).toBe('active');
    await handleSurveyResponse(medplum, response, ctx());
    expect(await tasksFor(response)).toHaveLength(1);
  });

  it('a good week makes no task; new concerns or a comment do', async () => {
    const patientId = await patient();
    await enrolledInCheckIns(patientId);
    const fine = await checkIn(patientId, [feeling('4'), concerns(false)]);
    expect((await handleSurveyResponse(medplum, fine, ctx())).tasks).toEqual([]);
    const worried = await checkIn(patientId, [feeling('4'), concerns(true)]);
    await handleSurveyResponse(medplum, worried, ctx());
    expect((await tasksFor(worried))[0]?.code?.coding?.[0]?.code).toBe('call-patient');
    const wrote = await checkIn(patientId, [feeling('5'), concerns(false), comment('Need a refill form')]);
    await handleSurveyResponse(medplum, wrote, ctx());
    const [note] = await tasksFor(wrote);
    expect(note?.code?.coding?.[0]?.code).toBe('staff-reply');
    expect(note?.description).toContain('Need a refill form');
  });

  it('without an enrolment the library step scale still applies; an unreadable feeling goes to a person', async () => {
    const patientId = await patient();
    const low = await checkIn(patientId, [{ linkId: 'feeling', answer: [{ valueInteger: 1 }] }]);
    await handleSurveyResponse(medplum, low, ctx());
    expect((await tasksFor(low))[0]?.code?.coding?.[0]?.code).toBe('call-patient');
    const odd = await checkIn(patientId, [feeling('9')]);
    const result = await handleSurveyResponse(medplum, odd, ctx());
    expect(result.outcome).toBe('needs-review');
    expect(result.detail).toContain('outside 1–5');
  });
});

describe('survey-response handler', () => {
  let uninstall: () => void;
  beforeEach(() => {
    uninstall = installClock({ now: () => NOW });
  });
  afterEach(() => uninstall());

  it('reads the practice and workflows and handles the response', async () => {
    const patientId = await patient();
    await visited(patientId);
    const response = await survey(patientId, [score(6)]);
    const result = await handler(medplum, {
      bot: { reference: 'Bot/survey-response' },
      contentType: 'application/fhir+json',
      input: response,
      secrets: secrets({ CARELOOP_ORGANIZATION: organization }),
    } as never);
    expect(result.outcome).toBe('scored');
    expect(result.tasks).toHaveLength(1);
  });

  it("leaves another practice's response to that practice's bot", async () => {
    const patientId = await patient({ managingOrganization: { reference: 'Organization/riverside' } });
    await visited(patientId);
    const response = await survey(patientId, [score(6)]);
    const result = await handler(medplum, {
      bot: { reference: 'Bot/survey-response' },
      contentType: 'application/fhir+json',
      input: response,
      secrets: secrets({ CARELOOP_ORGANIZATION: organization }),
    } as never);
    expect(result).toMatchObject({ outcome: 'ignored', detail: 'another practice', tasks: [] });
    const stored = await medplum.readResource('QuestionnaireResponse', response.id ?? '');
    expect(isProcessed(stored)).toBe(false);
  });

  it('refuses other input and a missing practice setting', async () => {
    await expect(
      handler(medplum, {
        bot: { reference: 'Bot/x' },
        input: { resourceType: 'Patient' },
        secrets: secrets({ CARELOOP_ORGANIZATION: organization }),
      } as never),
    ).rejects.toThrow('expected a QuestionnaireResponse');
    await expect(
      handler(medplum, {
        bot: { reference: 'Bot/x' },
        input: await survey(undefined, []),
        secrets: {},
      } as never),
    ).rejects.toThrow('CARELOOP_ORGANIZATION');
  });
});
