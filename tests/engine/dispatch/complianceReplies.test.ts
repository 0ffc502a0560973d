import type { CommunicationRequest, Consent, Patient } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import {
  buildConsent,
  EXT,
  mediumFor,
  practiceSettings,
  sendTimeCheck,
  type SendDecision,
} from '../../../src/engine';

const PATIENT: Patient = {
  resourceType: 'Patient',
  id: 'p1',
  telecom: [{ system: 'phone', use: 'mobile', value: '+13125550142' }],
  extension: [{ url: EXT.timeZone, valueCode: 'America/Chicago' }],
};
const PRACTICE = practiceSettings({ name: 'Lakeside Family Clinic', timeZone: 'America/Chicago' });
// Sat 28 Nov 10:10 in Chicago: inside the send window.
const NOW = '2026-11-28T16:10:00.000Z';

/** The patient's STOP (Communication/stop1) on record, as the engine writes it. */
const optOut = (source: string, at = '2026-11-28T16:00:00Z'): Consent => ({
  ...buildConsent({
    patient: { reference: 'Patient/p1' },
    channel: 'sms',
    decision: 'deny',
    source: { reference: source },
    at,
    reason: 'patient replied "STOP"',
  }),
  id: `c-${source}`,
});

/** A reply queued for dispatch, the way replyRequests writes it. */
function reply(purpose: string, answers: string, legacy = false): CommunicationRequest {
  return {
    resourceType: 'CommunicationRequest',
    id: `r-${purpose}`,
    status: 'active',
    extension: [
      ...(legacy ? [] : [{ url: EXT.replyPurpose, valueCode: purpose }]),
      { url: EXT.scheduleReason, valueString: `reply (${purpose}) to ${answers}` },
    ],
    medium: [mediumFor('sms')],
    subject: { reference: 'Patient/p1' },
    ...(legacy ? {} : { about: [{ reference: answers }] }),
    occurrenceDateTime: NOW,
    payload: [{ contentString: 'Lakeside Family Clinic: a reply.' }],
  };
}

const check = (request: CommunicationRequest, consents: Consent[]): SendDecision =>
  sendTimeCheck({ request, patient: PATIENT, consents, sent: [], practice: PRACTICE, now: NOW });

describe('send-time check: the answers an opt-out still allows', () => {
  it('sends the confirmation of the opt-out on record, queued after it', () => {
    expect(
      check(reply('opt-out-confirmation', 'Communication/stop1'), [optOut('Communication/stop1')]),
    ).toEqual(expect.objectContaining({ action: 'send', channel: 'sms', to: '+13125550142' }));
  });

  it('reads replies queued before the reply-purpose marker from their schedule reason', () => {
    const legacy = reply('opt-out-confirmation', 'Communication/stop1', true);
    expect(check(legacy, [optOut('Communication/stop1')]).action).toBe('send');
    expect(check(reply('help', 'Communication/help1', true), [optOut('Communication/stop1')]).action).toBe(
      'send',
    );
  });

  it('answers HELP from a patient who opted out', () => {
    expect(check(reply('help', 'Communication/help1'), [optOut('Communication/stop1')]).action).toBe('send');
  });

  it('revokes a confirmation of any other message than the one that caused the opt-out on record', () => {
    const decision = check(reply('opt-out-confirmation', 'Communication/stop0'), [
      optOut('Communication/stop1'),
    ]);
    expect(decision).toEqual({ action: 'revoke', reason: expect.stringContaining('opted out of sms') });
  });

  it('still revokes every other reply and reminder after an opt-out', () => {
    const denied = [optOut('Communication/stop1')];
    expect(check(reply('acknowledgement', 'Communication/stop1'), denied).action).toBe('revoke');
    const reminder: CommunicationRequest = {
      ...reply('x', 'Communication/stop1'),
      extension: [],
      about: [],
    };
    expect(check(reminder, denied).action).toBe('revoke');
  });

  it('a confirmation still waits for the send window like every text', () => {
    const night = sendTimeCheck({
      request: reply('opt-out-confirmation', 'Communication/stop1'),
      patient: PATIENT,
      consents: [optOut('Communication/stop1')],
      sent: [],
      practice: PRACTICE,
      now: '2026-11-29T04:00:00.000Z',
    });
    expect(night.action).toBe('defer');
  });
});
