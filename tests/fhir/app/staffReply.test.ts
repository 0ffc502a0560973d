import { describe, expect, it } from 'vitest';
import { consentFor, ID_SYSTEM } from '../../../src/engine';
import type { Communication } from '@medplum/fhirtypes';
import { checkStaffReply, messageToAnswer, queueStaffReply } from '../../../src/fhir/app/staffReply';
import { REPLY_TO_EXT } from '../../../src/fhir/replyRequests';
import { recordConsent, setPreferredChannel } from '../../../src/fhir/app/consentChange';
import { runDispatch } from '../../../src/fhir/dispatchRun';
import { loadPracticeSettings } from '../../../src/fhir/practice';
import { medplumWithPractice, syntheticPatient } from '../../fixtures/medplum';

const AFTERNOON = new Date('2026-11-30T20:00:00Z');

describe('staff replies', () => {
  it('are sent by the dispatcher like any planned message, once, into the thread', async () => {
    const { medplum, organization } = await medplumWithPractice({ workflows: () => false });
    const practice = await loadPracticeSettings(medplum, organization);
    const patient = await medplum.createResource(syntheticPatient());
    const input = {
      patient,
      channel: 'sms' as const,
      text: 'Please call us.',
      practice,
      now: AFTERNOON,
      key: 'k1',
    };
    await queueStaffReply(medplum, input);
    await queueStaffReply(medplum, input); // a double click
    const sent: string[] = [];
    const summary = await runDispatch(medplum, {
      practice,
      workflows: [],
      send: async (m) => {
        sent.push(`${m.to}: ${m.text}`);
        return { ok: true, providerId: 'SMstaff', status: 'queued' };
      },
      now: () => AFTERNOON,
    });
    expect(summary.sent).toBe(1);
    expect(sent).toEqual(['+13125550142: Please call us.']);
    const [message] = await medplum.searchResources('Communication', {
      identifier: `${ID_SYSTEM.providerMessage}|SMstaff`,
    });
    expect(message?.partOf?.[0]?.reference).toMatch(/^Communication\//);
  });

  it('are held back by the dispatcher when the patient opted out after the reply was queued', async () => {
    const { medplum, organization } = await medplumWithPractice({ workflows: () => false });
    const practice = await loadPracticeSettings(medplum, organization);
    const patient = await medplum.createResource(syntheticPatient());
    await queueStaffReply(medplum, {
      patient,
      channel: 'sms',
      text: 'Hi',
      practice,
      now: AFTERNOON,
      key: 'k2',
    });
    await recordConsent(medplum, {
      patient,
      channel: 'sms',
      decision: 'deny',
      reason: 'asked by phone to stop texts',
      source: { reference: 'Practitioner/dr-test' },
      now: AFTERNOON,
    });
    const summary = await runDispatch(medplum, {
      practice,
      workflows: [],
      send: async () => ({ ok: true, providerId: 'never', status: 'queued' }),
      now: () => new Date(AFTERNOON.getTime() + 60_000),
    });
    expect(summary).toMatchObject({ sent: 0, revoked: 1 });
  });
});

describe('a staff reply to a patient who just wrote', () => {
  const wrote = (id: string, received: string): Communication => ({
    resourceType: 'Communication',
    id,
    status: 'completed',
    sender: { reference: 'Patient/p1' },
    received,
    payload: [{ contentString: 'Can I bring my son too?' }],
  });

  it('answers the latest message of the last three days, and nothing older or sent by the practice', () => {
    const ours: Communication = {
      ...wrote('ours', '2026-11-30T19:00:00Z'),
      sender: { reference: 'Organization/o' },
    };
    expect(
      messageToAnswer(
        [wrote('old', '2026-11-29T10:00:00Z'), wrote('new', '2026-11-30T18:00:00Z'), ours],
        AFTERNOON,
      ),
    ).toEqual({ reference: 'Communication/new' });
    expect(messageToAnswer([wrote('stale', '2026-11-26T10:00:00Z')], AFTERNOON)).toBeUndefined();
  });

  it('is marked as a reply and not held by the frequency caps, which still hold an unprompted message', async () => {
    const { medplum, organization } = await medplumWithPractice({ workflows: () => false });
    const practice = await loadPracticeSettings(medplum, organization);
    const patient = await medplum.createResource(syntheticPatient());
    // A follow-up went out an hour ago: the one-a-day cap for the purpose is used up.
    const sent = [{ at: '2026-11-30T19:00:00Z', purpose: 'follow-up', channel: 'sms' }];
    const input = {
      patient,
      channel: 'sms' as const,
      text: 'Yes, of course.',
      practice,
      now: AFTERNOON,
      key: 'k3',
    };
    expect(checkStaffReply(input, { consents: [], sent }).action).not.toBe('send');
    const answering = { ...input, inResponseTo: { reference: 'Communication/new' } };
    expect(checkStaffReply(answering, { consents: [], sent }).action).toBe('send');
    const request = await queueStaffReply(medplum, answering);
    expect(request.extension?.find((e) => e.url === REPLY_TO_EXT)?.valueReference).toEqual({
      reference: 'Communication/new',
    });
  });
});

describe('preferences', () => {
  it('records an opt-out the engine reads, with its source, and an opt-in that restores messaging', async () => {
    const { medplum } = await medplumWithPractice({ workflows: () => false });
    const patient = await medplum.createResource(syntheticPatient());
    const optOut = await recordConsent(medplum, {
      patient,
      channel: 'sms',
      decision: 'deny',
      reason: 'asked by phone to stop texts',
      source: { reference: 'Practitioner/dr-test' },
      now: AFTERNOON,
    });
    expect(consentFor([optOut], 'sms', 'reminder', 'healthcare-exemption').allowed).toBe(false);
    expect(optOut.extension?.[0]?.valueReference?.reference).toBe('Practitioner/dr-test');
    const optIn = await recordConsent(medplum, {
      patient,
      channel: 'sms',
      decision: 'permit',
      reason: 'asked at the desk to get texts again',
      now: new Date(AFTERNOON.getTime() + 1000),
    });
    expect(consentFor([optOut, optIn], 'sms', 'reminder', 'healthcare-exemption').allowed).toBe(true);
    await expect(
      recordConsent(medplum, { patient, channel: 'sms', decision: 'deny', reason: ' ', now: AFTERNOON }),
    ).rejects.toThrow('Say how the patient told you');
  });

  it('makes a channel preferred by ranking its contact point first, and refuses one with no address', async () => {
    const { medplum } = await medplumWithPractice({ workflows: () => false });
    const patient = await medplum.createResource(
      syntheticPatient({
        telecom: [
          { system: 'phone', use: 'mobile', value: '+13125550142', rank: 1 },
          { system: 'email', value: 'ana@example.org', rank: 2 },
        ],
      }),
    );
    const updated = await setPreferredChannel(medplum, patient, 'email', AFTERNOON);
    expect(updated.telecom?.map((t) => `${t.system}:${t.rank}`)).toEqual(['phone:2', 'email:1']);
    const noEmail = await medplum.createResource(syntheticPatient());
    await expect(setPreferredChannel(medplum, noEmail, 'email', AFTERNOON)).rejects.toThrow(
      'The patient has no email address on file',
    );
  });
});
