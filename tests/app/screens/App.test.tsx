import { MantineProvider } from '@mantine/core';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { App } from '../../../src/app/App';
import { LaunchProblem, type LaunchProblemKind } from '../../../src/app/session/launchProblem';
import type { CareloopSession } from '../../../src/app/session/session';
import { appPractice } from '../appFixture';
import { seriousViolations } from '../axe';
import { testSession } from '../sessionFixture';

function renderApp(connect: () => Promise<CareloopSession>) {
  return render(
    <MantineProvider>
      <QueryClientProvider client={new QueryClient()}>
        <App connect={connect} />
      </QueryClientProvider>
    </MantineProvider>,
  );
}

describe('App', () => {
  it.each<[LaunchProblemKind, string, string]>([
    ['no-launch', 'Open Careloop from your EHR', 'Sign in to Careloop'],
    ['session-expired', 'Your session has ended', 'Sign in again'],
    ['scope-denied', 'Careloop was not given access', 'Sign in again'],
    ['ehr-unreachable', 'The EHR did not answer', 'Try again'],
    ['medplum-unreachable', 'Careloop’s server did not answer', 'Try again'],
    ['unknown-issuer', 'This EHR is not registered with Careloop', 'Sign in again'],
  ])('shows the %s screen with a way forward', async (kind, title, action) => {
    const connect = (): Promise<never> => Promise.reject(new LaunchProblem(kind, 'detail for support'));
    const { container } = renderApp(connect);
    expect(await screen.findByRole('heading', { name: title })).toBeTruthy();
    expect(screen.getByText(action)).toBeTruthy();
    expect(screen.getByText('detail for support')).toBeTruthy();
    expect(await seriousViolations(container)).toEqual([]);
  });

  it('goes to the worklist on a standalone launch, with the navigation header', async () => {
    const { medplum } = await appPractice();
    const session = testSession({ medplum, now: new Date('2026-11-30T20:00:00Z') });
    renderApp(() => Promise.resolve(session));
    expect(await screen.findByRole('navigation', { name: 'Careloop' })).toBeTruthy();
    expect(screen.queryByRole('link', { name: 'Patient' })).toBeNull();
    expect(screen.getByRole('link', { name: 'Worklist' })).toBeTruthy();
    expect(window.location.hash).toBe('#/worklist');
  });

  it('shows the patient-not-found screen with the worklist as a way forward', async () => {
    const { medplum } = await appPractice();
    const session = testSession({
      medplum,
      now: new Date('2026-11-30T20:00:00Z'),
      ehrPatientId: 'unknown-1',
    });
    window.location.hash = '#/';
    renderApp(() => Promise.resolve(session));
    expect(
      await screen.findByRole('heading', { name: 'Careloop does not know this patient yet' }),
    ).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Open the worklist' })).toBeTruthy();
  });
});
