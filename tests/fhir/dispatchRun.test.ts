import type { Appointment, CommunicationRequest, Communication, Patient, Task } from '@medplum/fhirtypes';
import type { MockClient } from '@medplum/mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { handleAppointment } from '../../src/bots/appointmentEvents';
import { buildConsent, ID_SYSTEM, type PracticeSettings, type WorkflowDefinition } from '../../src/engine';
import { runDispatch, type DispatchSendResult, type SendFn } from '../../src/fhir/dispatchRun';
import { MESSAGE_SUBJECT_EXT } from '../../src/fhir/messageSubject';
import { replyRequests } from '../../src/fhir/replyRequests';
import { loadPracticeSettings } from '../../src/fhir/practice';
import { loadActiveWorkflows } from '../../src/fhir/workflows';
import { addSecondPractice, filedUnder, medplumWithPractice, syntheticPatient } from '../fixtures/medplum';

let medplum: MockClient;
let practice: PracticeSettings;
let workflows: WorkflowDefinition[];
const BOOKED_AT = new Date('2026-11-20T21:00:00Z'); // Fri 15:00 Chicago
const APPOINTMENT_START = '2026-12-01T15:30:00Z'; // Tue 09:30 Chicago

beforeEach(async () => {
  const setup = await medplumWithPractice({ workflows: (p) => p.name === 'appointment-reminders' });
  medplum = setup.medplum;
  practice = await loadPracticeSettings(medplum, setup.organization);
  workflows = (await loadActiveWorkflows(medplum)).workflows;
});

async function enrolPatient(overrides = {}): Promise<string> {
  const patient = await medplum.createResource(syntheticPatient(overrides));
  const appointment = await medplum.createResource<Appointment>({
    resourceType: 'Appointment',
    status: 'booked',
    start: APPOINTMENT_START,
    end: '2026-12-01T16:00:00Z',
    participant: [{ actor: { reference: `Patient/${patient.id}` }, status: 'needs-action' }],
  });
  await handleAppointment(medplum, appointment, { practice, workflows, now: BOOKED_AT });
  return patient.id ?? '';
}

function recordingSender(
  result: (n: number) => DispatchSendResult = (n) => ({ ok: true, providerId: `SM${n}`, status: 'queued' }),
) {
  const sent: Parameters<SendFn>[0][] = [];
  const send: SendFn = async (msg) => {
    sent.push(msg);
    return result(sent.length);
  };
  return { sent, send };
}

async function requests(patientId: string): Promise<CommunicationRequest[]> {
  return medplum.searchResources(
    'CommunicationRequest',
    { subject: `Patient/${patientId}`, _count: '100' },
    { cache: 'no-cache' },
  );
}

const at = (iso: string) => () => new Date(iso);

describe('runDispatch', () => {
  it('sends what is due, records each Communication in the thread, and never sends twice', async () => {
    const patientId = await enrolPatient();
    const { sent, send } = recordingSender();
    // At booking, the confirmation goes; on Sat 28 Nov 09:31 Chicago, the 3-day reminder.
    expect(
      (await runDispatch(medplum, { practice, workflows, send, now: at('2026-11-20T21:01:00Z') })).sent,
    ).toBe(1);
    expect(
      (await runDispatch(medplum, { practice, workflows, send, now: at('2026-11-28T15:31:00Z') })).sent,
    ).toBe(1);
    expect(sent.map((m) => m.to)).toEqual(['+13125550142', '+13125550142']);
    expect(sent[1]?.text).toContain('Reply C to confirm');
    const comms = await medplum.searchResources(
      'Communication',
      { subject: `Patient/${patientId}`, _count: '100' },
      { cache: 'no-cache' },
    );
    const messages = comms.filter((c) => c.partOf);
    const headers = comms.filter((c) => !c.partOf);
    expect(headers).toHaveLength(1);
    expect(messages).toHaveLength(2);
    expect(messages.every((m) => m.partOf?.[0]?.reference === `Communication/${headers[0]?.id}`)).toBe(true);
    expect(
      messages
        .flatMap((m) => m.identifier ?? [])
        .filter((i) => i.system === ID_SYSTEM.providerMessage)
        .map((i) => i.value)
        .sort(),
    ).toEqual(['SM1', 'SM2']);

    const again = await runDispatch(medplum, { practice, workflows, send, now: at('2026-11-28T15:32:00Z') });
    expect(again.sent).toBe(0);
    expect(sent).toHaveLength(2);
  });

  it('two runs at once send each message once', async () => {
    await enrolPatient();
    const { sent, send } = recordingSender();
    const [a, b] = await Promise.all([
      runDispatch(medplum, { practice, workflows, send, now: at('2026-11-20T21:01:00Z') }),
      runDispatch(medplum, { practice, workflows, send, now: at('2026-11-20T21:01:00Z') }),
    ]);
    expect(a.sent + b.sent).toBe(1);
    expect(sent).toHaveLength(1);
  });

  it('re-checks consent at send time: an opt-out after planning revokes the message', async () => {
    const patientId = await enrolPatient();
    await medplum.createResource(
      buildConsent({
        patient: { reference: `Patient/${patientId}` },
        channel: 'sms',
        decision: 'deny',
        at: '2026-11-22T12:00:00Z',
        reason: 'replied STOP',
      }),
    );
    const { sent, send } = recordingSender();
    const summary = await runDispatch(medplum, {
      practice,
      workflows,
      send,
      now: at('2026-11-28T15:31:00Z'),
    });
    expect(sent).toHaveLength(0);
    expect(summary.revoked).toBe(2);
    const revoked = (await requests(patientId)).filter((r) =>
      r.statusReason?.text?.includes('opted out of sms'),
    );
    expect(revoked).toHaveLength(2);
  });

  it('waits for quiet hours to end when a message comes due late at night', async () => {
    const patientId = await enrolPatient();
    const { sent, send } = recordingSender();
    // 23:00 in Chicago: everything due waits for 08:00.
    const summary = await runDispatch(medplum, {
      practice,
      workflows,
      send,
      now: at('2026-11-29T05:00:00Z'),
    });
    expect(sent).toHaveLength(0);
    expect(summary.deferred).toBe(2);
    const deferred = (await requests(patientId)).filter(
      (r) => r.status === 'active' && r.occurrenceDateTime === '2026-11-29T14:00:00.000Z',
    );
    expect(deferred).toHaveLength(2);
  });

  it('retries transient failures with backoff, then hands the patient to a person', async () => {
    const patientId = await enrolPatient();
    const { send } = recordingSender(() => ({ ok: false, retryable: true, reason: 'carrier timeout' }));
    const options = { practice, workflows, send };
    const first = await runDispatch(medplum, { ...options, now: at('2026-11-28T15:31:00Z') });
    expect(first.retried).toBe(2);
    await runDispatch(medplum, { ...options, now: at('2026-11-28T15:33:00Z') });
    const third = await runDispatch(medplum, { ...options, now: at('2026-11-28T15:40:00Z') });
    expect(third.failed).toBe(2);
    const tasks = await medplum.searchResources(
      'Task',
      { patient: `Patient/${patientId}` },
      { cache: 'no-cache' },
    );
    expect(tasks.map((t: Task) => t.code?.coding?.[0]?.code)).toContain('manual-outreach');
  });

  it('falls back to a call when the number turns out to be a landline', async () => {
    const patientId = await enrolPatient();
    const sent: string[] = [];
    const send: SendFn = async (msg) => {
      sent.push(msg.channel);
      return msg.channel === 'sms'
        ? { ok: false, retryable: false, reason: 'landline (30006)', landline: true }
        : { ok: true, providerId: 'CA1', status: 'queued' };
    };
    // The booking confirmation offers SMS or email only: with no email, a person is asked to reach out.
    await runDispatch(medplum, { practice, workflows, send, now: at('2026-11-20T21:01:00Z') });
    expect(sent).toEqual(['sms']);
    // The 3-day reminder may also call: the failed SMS falls back to a call, placed in the same run.
    const summary = await runDispatch(medplum, {
      practice,
      workflows,
      send,
      now: at('2026-11-28T15:31:00Z'),
    });
    expect(sent).toEqual(['sms', 'sms', 'voice']);
    expect(summary).toMatchObject({ failed: 1, sent: 1 });
    const completed = (await requests(patientId)).filter((r) => r.status === 'completed');
    expect(completed.map((r) => r.medium?.[0]?.coding?.[0]?.code)).toEqual(['voice']);
    const tasks = await medplum.searchResources(
      'Task',
      { patient: `Patient/${patientId}` },
      { cache: 'no-cache' },
    );
    const kinds = tasks.map((t) => t.code?.coding?.[0]?.code);
    expect(kinds).toContain('fix-contact');
    expect(kinds).toContain('manual-outreach');
    const comms: Communication[] = await medplum.searchResources(
      'Communication',
      { subject: `Patient/${patientId}` },
      { cache: 'no-cache' },
    );
    // Both failed SMS attempts are on record as not done; the call went out.
    expect(comms.filter((c) => c.partOf).map((c) => [c.medium?.[0]?.coding?.[0]?.code, c.status])).toEqual([
      ['sms', 'not-done'],
      ['sms', 'not-done'],
      ['voice', 'in-progress'],
    ]);
  });

  it('leaves the messages of a paused plan alone and looks again in an hour', async () => {
    const patientId = await enrolPatient();
    const [plan] = await medplum.searchResources(
      'CarePlan',
      { subject: `Patient/${patientId}` },
      { cache: 'no-cache' },
    );
    if (!plan) throw new Error('fixture should enrol');
    await medplum.updateResource({ ...plan, status: 'on-hold' });
    const { sent, send } = recordingSender();
    const summary = await runDispatch(medplum, {
      practice,
      workflows,
      send,
      now: at('2026-11-20T21:01:00Z'),
    });
    expect(sent).toHaveLength(0);
    expect(summary.held).toBe(1);
    const held = (await requests(patientId)).filter(
      (r) => r.occurrenceDateTime === '2026-11-20T22:01:00.000Z',
    );
    expect(held.map((r) => r.status)).toEqual(['active']);
  });

  it('emails go out with the subject planned for their step, kept on the request and the Communication', async () => {
    const patientId = await enrolPatient({
      telecom: [{ system: 'email', value: 'ana.testpatient@example.com' }],
    });
    const [planned] = (await requests(patientId)).filter(
      (r) => r.status === 'active' && (r.occurrenceDateTime ?? '') <= '2026-11-20T21:01:00Z',
    );
    expect(planned?.extension?.find((e) => e.url === MESSAGE_SUBJECT_EXT)?.valueString).toBe(
      'Your appointment at Lakeside Family Clinic is booked',
    );
    const { sent, send } = recordingSender();
    await runDispatch(medplum, { practice, workflows, send, now: at('2026-11-20T21:01:00Z') });
    await runDispatch(medplum, { practice, workflows, send, now: at('2026-11-28T15:31:00Z') });
    expect(sent.map((m) => [m.channel, m.subject])).toEqual([
      ['email', 'Your appointment at Lakeside Family Clinic is booked'],
      ['email', 'Reminder: your appointment on Tue, Dec 1'],
    ]);
    const comms = await medplum.searchResources(
      'Communication',
      { subject: `Patient/${patientId}`, _count: '100' },
      { cache: 'no-cache' },
    );
    expect(comms.filter((c) => c.partOf).map((c) => c.topic?.text)).toEqual(sent.map((m) => m.subject));
  });

  it('a reply to the patient is neither held by the caps nor counted towards them', async () => {
    const patientId = await enrolPatient();
    const [plan] = await medplum.searchResources(
      'CarePlan',
      { subject: `Patient/${patientId}` },
      { cache: 'no-cache' },
    );
    const { sent, send } = recordingSender();
    // The booking confirmation uses the day's one reminder message.
    await runDispatch(medplum, { practice, workflows, send, now: at('2026-11-20T21:01:00Z') });
    const replies = replyRequests(
      {
        replies: [
          {
            text: 'Thanks, we got your message.',
            language: 'en',
            channel: 'sms',
            purpose: 'acknowledgement',
          },
        ],
      },
      {
        ...(plan ? { carePlan: plan } : {}),
        patientRef: `Patient/${patientId}`,
        now: '2026-11-20T21:30:00.000Z',
        key: 'test:ack',
      },
    );
    for (const r of replies) await medplum.createResource(r);
    const summary = await runDispatch(medplum, {
      practice,
      workflows,
      send,
      now: at('2026-11-20T21:31:00Z'),
    });
    expect(summary).toMatchObject({ sent: 1, deferred: 0 });
    expect(sent.map((m) => m.text)).toEqual([
      expect.stringContaining('Lakeside'),
      'Thanks, we got your message.',
    ]);
    // Nor does the reply use up the week's three: after the 3-day reminder on Saturday, the 1-day one still
    // goes on Monday (counting the reply, it would be a fourth message in seven days).
    await runDispatch(medplum, { practice, workflows, send, now: at('2026-11-28T15:31:00Z') });
    const monday = await runDispatch(medplum, { practice, workflows, send, now: at('2026-11-30T15:31:00Z') });
    expect(monday).toMatchObject({ sent: 1, deferred: 0 });
    expect(sent).toHaveLength(4);
  });
});

describe('runDispatch in a project holding several practices', () => {
  it("sends only its own practice's due messages, and another practice's backlog neither gets claimed nor starves the pages", async () => {
    const riverbend = await loadPracticeSettings(medplum, await addSecondPractice(medplum));
    const book = async (
      settings: PracticeSettings,
      patient: Partial<Patient>,
      phone: string,
      bookedAt: Date,
    ): Promise<string> => {
      const p = await medplum.createResource(
        syntheticPatient({ ...patient, telecom: [{ system: 'phone', use: 'mobile', value: phone }] }),
      );
      const appointment = await medplum.createResource<Appointment>({
        resourceType: 'Appointment',
        status: 'booked',
        start: APPOINTMENT_START,
        end: '2026-12-01T16:00:00Z',
        participant: [{ actor: { reference: `Patient/${p.id}` }, status: 'needs-action' }],
      });
      await handleAppointment(medplum, appointment, { practice: settings, workflows, now: bookedAt });
      return p.id ?? '';
    };
    const organization = practice.organization ?? '';
    // Riverbend's confirmations came due first, more of them than fit in a page.
    const early = new Date('2026-11-20T20:50:00Z');
    const theirs = [
      await book(riverbend, filedUnder(riverbend.organization ?? ''), '+12065550151', early),
      await book(
        riverbend,
        filedUnder(riverbend.organization ?? '', 'managing-organization'),
        '+12065550152',
        early,
      ),
      await book(riverbend, filedUnder(riverbend.organization ?? ''), '+12065550153', early),
    ];
    const ours = [
      await book(practice, filedUnder(organization), '+13125550154', BOOKED_AT),
      await book(practice, filedUnder(organization, 'managing-organization'), '+13125550155', BOOKED_AT),
      // Filed nowhere: a one-practice project's patient, every practice's.
      await book(practice, {}, '+13125550156', BOOKED_AT),
    ];
    const theirRequests = (await Promise.all(theirs.map(requests))).flat();
    const { sent, send } = recordingSender();

    const summary = await runDispatch(medplum, {
      practice,
      workflows,
      send,
      pageSize: 2,
      now: at('2026-11-20T21:01:00Z'),
    });
    expect(summary).toMatchObject({ sent: 3, otherPractices: 3 });
    expect(sent.map((m) => m.to).sort()).toEqual(['+13125550154', '+13125550155', '+13125550156']);
    expect(sent.every((m) => m.text.includes('Lakeside'))).toBe(true);
    for (const id of ours) {
      expect((await requests(id)).filter((r) => r.status === 'completed')).toHaveLength(1);
    }
    // Riverbend's requests are exactly as they were: not claimed, not deferred, not sent.
    for (const before of theirRequests) {
      const after = await medplum.readResource('CommunicationRequest', before.id ?? '');
      expect(after.meta?.versionId).toBe(before.meta?.versionId);
    }

    // Riverbend's own dispatch sends them, in Riverbend's name, and leaves Lakeside's alone.
    const theirRun = recordingSender();
    const second = await runDispatch(medplum, {
      practice: riverbend,
      workflows,
      send: theirRun.send,
      pageSize: 2,
      now: at('2026-11-20T21:02:00Z'),
    });
    expect(second.sent).toBe(3);
    expect(theirRun.sent.map((m) => m.to).sort()).toEqual(['+12065550151', '+12065550152', '+12065550153']);
    expect(theirRun.sent.every((m) => m.text.includes('Riverbend') && !m.text.includes('Lakeside'))).toBe(
      true,
    );
    expect(sent).toHaveLength(3);
  });
});
