import type { Communication, Task } from '@medplum/fhirtypes';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { Route, Routes } from 'react-router';
import { describe, expect, it } from 'vitest';
import { ConversationPage } from '../../../src/app/conversations/ConversationPage';
import { useDraftStore } from '../../../src/app/state/draftStore';
import { CS } from '../../../src/engine/codes';
import { buildTask } from '../../../src/engine/planning/resources';
import { stepDuration } from '../../../src/engine/workflow';
import { remindedPatient } from '../appFixture';
import { seriousViolations } from '../axe';
import { renderWithProviders } from '../renderWithProviders';
import { testSession, withSession } from '../sessionFixture';

// Sat 28 Nov 2026, 10:00 in Chicago: after the 3-day reminder, before the 1-day one.
const NOW = new Date('2026-11-28T16:00:00Z');

async function setup() {
  useDraftStore.setState({ drafts: {} });
  const fixture = await remindedPatient();
  const { medplum, patient } = fixture;
  const patientRef = `Patient/${patient.id ?? ''}`;
  const [sent] = await medplum.searchResources('Communication', { subject: patientRef, _sort: '-sent' });
  const reply: Communication = {
    resourceType: 'Communication',
    status: 'completed',
    sender: { reference: patientRef as `Patient/${string}` },
    subject: { reference: patientRef as `Patient/${string}` },
    ...(sent?.partOf ? { partOf: sent.partOf } : {}),
    inResponseTo: [{ reference: `Communication/${sent?.id ?? ''}` }],
    received: '2026-11-28T15:40:00Z',
    payload: [{ contentString: 'Can I come at 10 instead?' }],
    extension: [
      { url: 'https://careloop.health/fhir/StructureDefinition/reply-intent', valueCode: 'reschedule' },
    ],
  };
  await medplum.createResource(reply);
  const task = await medplum.createResource<Task>(
    buildTask({
      spec: { kind: 'reschedule', queue: 'access', priority: 'routine', dueIn: stepDuration(1, 'd', 'test') },
      key: 'conv-test',
      patient: { reference: patientRef as `Patient/${string}` },
      now: '2026-11-28T15:41:00Z',
    }),
  );
  const session = testSession({ medplum, now: NOW });
  const view = renderWithProviders(
    <Routes>
      <Route path="/conversations/:patientId" element={<ConversationPage />} />
    </Routes>,
    { medplum, path: `/conversations/${patient.id ?? ''}`, wrap: withSession(session) },
  );
  return { ...fixture, ...view, task };
}

describe('ConversationPage', () => {
  it('shows what the patient said, what automation sent and will send, the task and the reply box', async () => {
    const { container } = await setup();
    expect(await screen.findByRole('heading', { name: 'Conversation with Ana Testpatient' })).toBeTruthy();
    const messages = await screen.findByRole('region', { name: 'Messages with the patient' });
    expect(await within(messages).findByText('Can I come at 10 instead?')).toBeTruthy();
    expect(within(messages).getAllByLabelText('Automated message').length).toBeGreaterThanOrEqual(2);

    const next = await screen.findByRole('region', { name: 'What automation will do next' });
    expect(within(next).getAllByRole('listitem').length).toBeGreaterThanOrEqual(1);
    expect(within(next).getByText(/Mon 30 Nov 2026/)).toBeTruthy();

    const tasks = screen.getByRole('region', { name: 'Tasks for this patient' });
    expect(within(tasks).getByRole('button', { name: 'Next: Reschedule the appointment' })).toBeTruthy();
    expect(screen.getByLabelText('Reply to the patient')).toBeTruthy();
    expect(await seriousViolations(container)).toEqual([]);
  });

  it('works the linked task in place: log a call, then complete', async () => {
    const { medplum, task } = await setup();
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Next: Reschedule the appointment' }));
    const panel = await screen.findByRole('region', { name: 'Task: Reschedule the appointment' });
    await user.selectOptions(within(panel).getByLabelText('Call outcome'), 'Reached and booked a visit');
    await user.click(within(panel).getByRole('button', { name: 'Log call' }));
    await waitFor(async () =>
      expect((await medplum.readResource('Task', task.id ?? '')).businessStatus?.coding?.[0]).toMatchObject({
        system: CS.businessStatus,
        code: 'scheduled',
      }),
    );
    await user.click(within(panel).getByRole('button', { name: 'Complete' }));
    await waitFor(async () =>
      expect((await medplum.readResource('Task', task.id ?? '')).status).toBe('completed'),
    );
    expect(await screen.findByText('No open tasks.')).toBeTruthy();
  });

  it('says so when the patient does not exist, with a way back', async () => {
    const { medplum } = await remindedPatient();
    const session = testSession({ medplum, now: NOW });
    renderWithProviders(
      <Routes>
        <Route path="/conversations/:patientId" element={<ConversationPage />} />
      </Routes>,
      { medplum, path: '/conversations/no-such-patient', wrap: withSession(session) },
    );
    expect(await screen.findByText('Patient not found')).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Back to the worklist' })).toBeTruthy();
  });
});
