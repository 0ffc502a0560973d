import type { CommunicationRequest, Patient } from '@medplum/fhirtypes';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { buildConsent } from '../../../src/engine';
import { ReplyBox } from '../../../src/app/thread/ReplyBox';
import { useDraftStore } from '../../../src/app/state/draftStore';
import { appPractice } from '../appFixture';
import { seriousViolations } from '../axe';
import { renderWithProviders } from '../renderWithProviders';
import { testSession, withSession } from '../sessionFixture';

// 14:00 and 03:00 in Chicago on Mon 30 Nov 2026.
const AFTERNOON = new Date('2026-11-30T20:00:00Z');
const NIGHT = new Date('2026-11-30T09:00:00Z');

async function setup(now: Date, patientOverrides: Partial<Patient> = {}) {
  useDraftStore.setState({ drafts: {} });
  const fixture = await appPractice(patientOverrides);
  const session = testSession({ medplum: fixture.medplum, now });
  const view = renderWithProviders(<ReplyBox patient={fixture.patient} />, {
    medplum: fixture.medplum,
    wrap: withSession(session),
  });
  return { ...fixture, ...view };
}

describe('ReplyBox', () => {
  it('says the reply goes now and queues a CommunicationRequest due now for the dispatcher', async () => {
    const { medplum, patient, container } = await setup(AFTERNOON);
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('Reply to the patient'), 'Please bring your insurance card.');
    expect(await screen.findByText('Goes out now to 312-555-0142.')).toBeTruthy();
    expect(await seriousViolations(container)).toEqual([]);
    await user.click(screen.getByRole('button', { name: 'Send reply' }));
    expect(await screen.findByText(/Queued: Careloop sends it within a minute/)).toBeTruthy();
    const requests = await medplum.searchResources('CommunicationRequest', {
      subject: `Patient/${patient.id}`,
    });
    expect(requests).toHaveLength(1);
    const request = requests[0] as CommunicationRequest;
    expect(request.status).toBe('active');
    expect(request.occurrenceDateTime).toBe(AFTERNOON.toISOString());
    expect(request.payload?.[0]?.contentString).toBe('Please bring your insurance card.');
    expect(request.requester?.reference).toBe('Practitioner/dr-test');
    expect((screen.getByLabelText('Reply to the patient') as HTMLTextAreaElement).value).toBe('');
  });

  it('explains that a reply at 03:00 in the patient zone waits for quiet hours to end', async () => {
    await setup(NIGHT);
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('Reply to the patient'), 'We got your message.');
    expect(
      await screen.findByText(
        /Will wait until Mon 30 Nov 2026, 08:00 CST: .*waits for 08:00 America\/Chicago/,
      ),
    ).toBeTruthy();
  });

  it('refuses to send to a patient who opted out of SMS, and says why', async () => {
    const fixture = await appPractice();
    await fixture.medplum.createResource(
      buildConsent({
        patient: { reference: `Patient/${fixture.patient.id}` },
        channel: 'sms',
        decision: 'deny',
        at: '2026-11-29T10:00:00Z',
        reason: 'replied STOP',
      }),
    );
    useDraftStore.setState({ drafts: {} });
    renderWithProviders(<ReplyBox patient={fixture.patient} />, {
      medplum: fixture.medplum,
      wrap: withSession(testSession({ medplum: fixture.medplum, now: AFTERNOON })),
    });
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('Reply to the patient'), 'Hello');
    expect(await screen.findByText('Cannot send: patient opted out of sms on 2026-11-29.')).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Send reply' }) as HTMLButtonElement).disabled).toBe(true);
  });

  it('blocks clinical detail in an SMS', async () => {
    await setup(AFTERNOON);
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('Reply to the patient'), 'Your biopsy results are ready.');
    expect(
      await screen.findByText(/Cannot send: "(biopsy|results)" is clinical detail, which must not go by SMS/),
    ).toBeTruthy();
  });

  it('fills a template in the patient language, rendered by the engine', async () => {
    await setup(AFTERNOON, {
      communication: [{ language: { coding: [{ system: 'urn:ietf:bcp:47', code: 'es' }] }, preferred: true }],
    });
    const user = userEvent.setup();
    await user.selectOptions(screen.getByLabelText('Start from a template'), 'call-us');
    await waitFor(() =>
      expect((screen.getByLabelText('Reply to the patient') as HTMLTextAreaElement).value).toMatch(
        /^Hola Ana, le escribe Lakeside Family Clinic\. Llámenos al 312-555-0100/,
      ),
    );
  });

  it('keeps the text when the server refuses the reply', async () => {
    const fixture = await appPractice();
    fixture.medplum.createResourceIfNoneExist = () => Promise.reject(new Error('Service unavailable'));
    useDraftStore.setState({ drafts: {} });
    renderWithProviders(<ReplyBox patient={fixture.patient} />, {
      medplum: fixture.medplum,
      wrap: withSession(testSession({ medplum: fixture.medplum, now: AFTERNOON })),
    });
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('Reply to the patient'), 'See you tomorrow.');
    await user.click(screen.getByRole('button', { name: 'Send reply' }));
    expect(await screen.findByText(/Service unavailable Your text is kept; try again\./)).toBeTruthy();
    expect((screen.getByLabelText('Reply to the patient') as HTMLTextAreaElement).value).toBe(
      'See you tomorrow.',
    );
  });
});
