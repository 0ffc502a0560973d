import type { CarePlan } from '@medplum/fhirtypes';
import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { PlanActions } from '../../../src/app/panel/PlanActions';
import { useDraftStore } from '../../../src/app/state/draftStore';
import { EXT } from '../../../src/engine';
import { remindedPatient } from '../appFixture';
import { renderWithProviders } from '../renderWithProviders';
import { testSession, withSession } from '../sessionFixture';

const NOW = new Date('2026-11-28T16:00:00Z');

async function setup() {
  useDraftStore.setState({ drafts: {} });
  const fixture = await remindedPatient();
  const [plan] = await fixture.medplum.searchResources('CarePlan', {
    subject: `Patient/${fixture.patient.id}`,
  });
  const view = renderWithProviders(<PlanActions plan={plan as CarePlan} patient={fixture.patient} />, {
    medplum: fixture.medplum,
    wrap: withSession(testSession({ medplum: fixture.medplum, now: NOW })),
  });
  return { ...fixture, ...view, plan: plan as CarePlan };
}

describe('PlanActions', () => {
  it('asks for a reason before pausing, then pauses with it', async () => {
    const { medplum, plan } = await setup();
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'Pause' }));
    expect(await screen.findByText('Say why before you pause, resume or stop a plan.')).toBeTruthy();
    await user.type(screen.getByLabelText(/Reason for changing/), 'patient in hospital');
    await user.click(screen.getByRole('button', { name: 'Pause' }));
    await waitFor(async () => {
      const stored = await medplum.readResource('CarePlan', plan.id ?? '');
      expect(stored.status).toBe('on-hold');
      expect(stored.note?.at(-1)?.text).toBe('Paused: patient in hospital');
    });
  });

  it('stops through the engine, recording stopped-by-staff', async () => {
    const { medplum, plan } = await setup();
    const user = userEvent.setup();
    await user.type(screen.getByLabelText(/Reason for changing/), 'patient moved away');
    await user.click(screen.getByRole('button', { name: 'Stop' }));
    await waitFor(() => expect(screen.queryByRole('alert')).toBeNull());
    await waitFor(
      async () => {
        const stored = await medplum.readResource('CarePlan', plan.id ?? '');
        expect(stored.extension?.find((e) => e.url === EXT.outcome)?.valueCoding?.code).toBe(
          'stopped-by-staff',
        );
      },
      { timeout: 10_000 },
    );
  });

  it('shows a conflict in place and keeps the reason', async () => {
    const { medplum, plan } = await setup();
    await medplum.updateResource({ ...plan, description: 'a bot changed it' });
    const user = userEvent.setup();
    await user.type(screen.getByLabelText(/Reason for changing/), 'patient asked');
    await user.click(screen.getByRole('button', { name: 'Pause' }));
    expect(await screen.findByRole('alert')).toBeTruthy();
    expect((screen.getByLabelText(/Reason for changing/) as HTMLInputElement).value).toBe('patient asked');
  });
});
