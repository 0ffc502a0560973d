import type { CarePlan } from '@medplum/fhirtypes';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { EnrolSection } from '../../../src/app/enrol/EnrolSection';
import { loadEngagement } from '../../../src/fhir/app/engagement';
import { appPractice, book } from '../appFixture';
import { seriousViolations } from '../axe';
import { renderWithProviders } from '../renderWithProviders';
import { testSession, withSession } from '../sessionFixture';

// Mon 30 Nov 2026, 14:00 Chicago; the visit is Thu 10 Dec 09:30 Chicago.
const NOW = new Date('2026-11-30T20:00:00Z');

describe('EnrolSection', () => {
  it('offers the reminders for the booked visit, previews every message and creates the plan on confirm', async () => {
    const { medplum, patient } = await appPractice();
    const appointment = await book(medplum, patient, '2026-12-10T15:30:00Z', '2026-12-10T16:00:00Z');
    const engagement = await loadEngagement(medplum, patient.id ?? '');
    const { container } = renderWithProviders(
      <EnrolSection patient={patient} appointments={[appointment]} engagement={engagement} />,
      { medplum, wrap: withSession(testSession({ medplum, now: NOW })) },
    );
    const user = userEvent.setup();
    await user.click(screen.getByRole('button', { name: 'Enrol in a workflow' }));
    const option = await screen.findByRole('radio', {
      name: /Appointment booking confirmation and reminders — appointment Thu 10 Dec 2026, 09:30 CST/,
    });
    await user.click(option);

    const preview = await screen.findByLabelText('Preview');
    const steps = within(preview).getAllByRole('listitem');
    const text = steps.map((s) => s.textContent ?? '');
    expect(text.find((t) => t.includes('Reminder 3 days before'))).toMatch(/Mon 7 Dec 2026, 09:30 CST · SMS/);
    expect(text.find((t) => t.includes('Reminder 1 day before'))).toMatch(/Wed 9 Dec 2026, 09:30 CST · SMS/);
    expect(text.find((t) => t.includes('Reminder 1 day before'))).toMatch(
      /Ana, your visit is on Thu, Dec 10/,
    );
    expect(text.find((t) => t.includes('Same-day'))).toMatch(/moved from 07:30 to 08:00: quiet hours/);
    expect(await seriousViolations(container)).toEqual([]);

    await user.click(screen.getByRole('button', { name: 'Confirm enrolment' }));
    expect(await screen.findByText('Enrolled.')).toBeTruthy();
    const plans = await medplum.searchResources('CarePlan', { subject: `Patient/${patient.id}` });
    expect(plans).toHaveLength(1);
    const plan = plans[0] as CarePlan;
    expect(plan.author?.reference).toBe('Practitioner/dr-test');
    expect(plan.supportingInfo?.[0]?.reference).toBe(`Appointment/${appointment.id}`);
    const requests = await medplum.searchResources('CommunicationRequest', {
      subject: `Patient/${patient.id}`,
      status: 'active',
    });
    expect(requests.map((r) => r.occurrenceDateTime).sort()).toContain('2026-12-07T09:30:00-06:00');
  });

  it('offers nothing (and says so) when no workflow applies', async () => {
    const { medplum, patient } = await appPractice();
    const engagement = await loadEngagement(medplum, patient.id ?? '');
    renderWithProviders(<EnrolSection patient={patient} appointments={[]} engagement={engagement} />, {
      medplum,
      wrap: withSession(testSession({ medplum, now: NOW })),
    });
    await userEvent.setup().click(screen.getByRole('button', { name: 'Enrol in a workflow' }));
    await waitFor(() => expect(screen.getByText('No workflow applies to this patient now.')).toBeTruthy());
  });
});
