import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { PreferencesSection } from '../../../src/app/panel/PreferencesSection';
import { useDraftStore } from '../../../src/app/state/draftStore';
import { consentFor, EXT } from '../../../src/engine';
import { appPractice } from '../appFixture';
import { seriousViolations } from '../axe';
import { renderWithProviders } from '../renderWithProviders';
import { testSession, withSession } from '../sessionFixture';

describe('PreferencesSection', () => {
  it('records an SMS opt-out as a Consent with its source and the patient words', async () => {
    useDraftStore.setState({ drafts: {} });
    const { medplum, patient } = await appPractice();
    const { container } = renderWithProviders(<PreferencesSection patient={patient} />, {
      medplum,
      wrap: withSession(testSession({ medplum, now: new Date('2026-11-30T20:00:00Z') })),
    });
    expect(await seriousViolations(container)).toEqual([]);
    const user = userEvent.setup();
    await user.type(screen.getByLabelText('How the patient told you'), 'asked by phone to stop texts');
    await user.click(screen.getByRole('button', { name: 'Save preference' }));
    expect(await screen.findByText('Saved.')).toBeTruthy();
    await waitFor(async () => {
      const consents = await medplum.searchResources('Consent', { patient: `Patient/${patient.id}` });
      expect(consents).toHaveLength(1);
      expect(consentFor(consents, 'sms', 'reminder', 'healthcare-exemption').allowed).toBe(false);
      expect(
        consents[0]?.extension?.find((e) => e.url === EXT.consentSource)?.valueReference?.reference,
      ).toBe('Practitioner/dr-test');
      expect(consents[0]?.category?.[0]?.text).toBe('asked by phone to stop texts');
    });
  });

  it('says in place why a channel cannot be preferred', async () => {
    const { medplum, patient } = await appPractice();
    renderWithProviders(<PreferencesSection patient={patient} />, {
      medplum,
      wrap: withSession(testSession({ medplum, now: new Date('2026-11-30T20:00:00Z') })),
    });
    const user = userEvent.setup();
    await user.selectOptions(screen.getByLabelText('Change'), 'prefer');
    await user.selectOptions(screen.getByLabelText('Channel'), 'email');
    await user.click(screen.getByRole('button', { name: 'Save preference' }));
    expect(await screen.findByText('The patient has no email address on file')).toBeTruthy();
  });
});
