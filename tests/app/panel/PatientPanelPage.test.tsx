import type { Patient } from '@medplum/fhirtypes';
import { screen, waitFor, within } from '@testing-library/react';
import { setupServer } from 'msw/node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PatientPanelPage } from '../../../src/app/panel/PatientPanelPage';
import { remindedPatient } from '../appFixture';
import { seriousViolations } from '../axe';
import { renderWithProviders } from '../renderWithProviders';
import { ehrHandlers, testSession, withSession } from '../sessionFixture';

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

// Sat 28 Nov 2026, 10:00 in Chicago: the confirmation and the 3-day reminder went out, the 1-day one is due.
const NOW = new Date('2026-11-28T16:00:00Z');

async function renderPanel(options: { appointmentStatus?: number } = {}) {
  const fixture = await remindedPatient();
  const { medplum, appointment } = fixture;
  const patientId = fixture.patient.id ?? '';
  const patient = (await medplum.readResource('Patient', patientId)) as Patient;
  server.use(
    ...ehrHandlers({
      patient,
      appointments: [appointment],
      ...(options.appointmentStatus ? { appointmentStatus: options.appointmentStatus } : {}),
    }),
  );
  const session = testSession({ medplum, now: NOW, ehrPatientId: patientId, patient });
  const view = renderWithProviders(<PatientPanelPage patientId={patientId} ehrPatientId={patientId} />, {
    medplum,
    wrap: withSession(session),
  });
  return { ...view, ...fixture };
}

describe('PatientPanelPage', () => {
  it('shows the patient, the EHR appointment, the plan timeline and the thread', async () => {
    const { container } = await renderPanel();
    expect(await screen.findByRole('heading', { name: 'Ana Testpatient' })).toBeTruthy();
    expect(await screen.findByText(/51 years · Language: en/)).toBeTruthy();
    expect(screen.getByText(/Time zone: America\/Chicago/)).toBeTruthy();
    expect(await screen.findByText('SMS 312-555-0142 · allowed')).toBeTruthy();

    const appointments = screen.getByRole('region', { name: 'Appointments' });
    expect(within(appointments).getByText(/Tue 1 Dec 2026, 09:30 CST/)).toBeTruthy();
    expect(within(appointments).getByText('Not confirmed')).toBeTruthy();

    const plan = await screen.findByRole('article', { name: /Plan: Appointment booking confirmation/ });
    await waitFor(() => expect(within(plan).getByText('Reminder 3 days before')).toBeTruthy());
    const kinds = [...plan.querySelectorAll('[data-kind]')].map((e) => e.getAttribute('data-kind'));
    expect(kinds.filter((k) => k === 'sent')).toHaveLength(2);
    expect(kinds).toContain('scheduled');
    expect(within(plan).getByText('Reminder 1 day before')).toBeTruthy();
    // The same-day reminder was moved by quiet hours, and the panel says so in the patient's zone.
    expect(within(plan).getByText(/Tue 1 Dec 2026, 08:00 CST/)).toBeTruthy();
    expect(within(plan).getByText(/moved from 07:30 to 08:00: quiet hours/)).toBeTruthy();

    const messages = await screen.findByRole('list', { name: 'Messages' });
    expect(within(messages).getAllByRole('listitem')).toHaveLength(2);

    expect(await seriousViolations(container)).toEqual([]);
  });

  it('shows an EHR failure in place and keeps the rest of the panel', async () => {
    await renderPanel({ appointmentStatus: 503 });
    expect(
      await screen.findByText('Appointments could not be loaded from the EHR', {}, { timeout: 5000 }),
    ).toBeTruthy();
    expect(
      await screen.findByRole('article', { name: /Plan: Appointment booking confirmation/ }),
    ).toBeTruthy();
  });
});
