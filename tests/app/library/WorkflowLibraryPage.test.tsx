import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bundle, PlanDefinition, Resource } from '@medplum/fhirtypes';
import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { describeTiming } from '../../../src/app/library/describeWorkflow';
import { WorkflowLibraryPage } from '../../../src/app/library/WorkflowLibraryPage';
import { stepDuration } from '../../../src/engine/workflow';
import { emptyMedplum } from '../../fhir/worklist/fixtures';
import { seriousViolations } from '../axe';
import { renderWithProviders } from '../renderWithProviders';

// src/fhir/library.ts finds fhir-resources/ through import.meta.url, which is not a file URL under jsdom.
function workflowResources(): Resource[] {
  const dir = join(process.cwd(), 'fhir-resources', 'workflows');
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .flatMap((f) => {
      const json = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Resource;
      return json.resourceType === 'Bundle'
        ? ((json as Bundle).entry ?? []).flatMap((e) => e.resource ?? [])
        : [json];
    });
}

async function libraryMedplum(extra: Resource[] = []): Promise<ReturnType<typeof emptyMedplum>> {
  const medplum = emptyMedplum();
  for (const r of [...workflowResources(), ...extra]) {
    await medplum.createResource(r);
  }
  return medplum;
}

describe('WorkflowLibraryPage', () => {
  it('shows every workflow with its trigger, steps, timing, channels and texts per language', async () => {
    const medplum = await libraryMedplum();
    const { container } = renderWithProviders(<WorkflowLibraryPage />, { medplum });
    const cards = await screen.findAllByRole('article');
    expect(await seriousViolations(container)).toEqual([]);
    expect(cards).toHaveLength(10);
    const noShow = screen.getByRole('article', { name: 'No-show recovery' });
    expect(within(noShow).getByText(/When a patient misses an appointment/)).toBeTruthy();
    const first = within(noShow).getByRole('region', { name: 'Step 1: Missed visit message' });
    expect(within(first).getByText(/Right after enrolment/)).toBeTruthy();
    expect(within(first).getByText('How: text, then email')).toBeTruthy();
    expect(within(first).getByText(/We missed you, \{\{patient.firstName\}\}/)).toBeTruthy();
    expect(within(first).getByText(/vimos que no pudo venir a su cita/)).toBeTruthy();
    expect(
      within(first)
        .getAllByRole('rowheader')
        .map((h) => h.textContent),
    ).toEqual(['English (text)', 'Spanish (text)', 'English (email)', 'Spanish (email)']);
    const second = within(noShow).getByRole('region', { name: 'Step 2: Follow-up after 24 hours' });
    expect(within(second).getByText(/24 hours after enrolment/)).toBeTruthy();
    expect(
      within(noShow).getByText(/Asks to reschedule → create a task: Reschedule the appointment/),
    ).toBeTruthy();

    const reminders = screen.getByRole('article', { name: 'Appointment booking confirmation and reminders' });
    expect(
      within(reminders).getByRole('region', { name: 'Step 2: Reminder 3 days before' }).textContent,
    ).toContain('3 days before the appointment');
  });

  it('finds a workflow by name', async () => {
    const user = userEvent.setup();
    renderWithProviders(<WorkflowLibraryPage />, { medplum: await libraryMedplum() });
    await screen.findAllByRole('article');
    await user.type(screen.getByLabelText('Find a workflow'), 'billing');
    expect(screen.getAllByRole('article')).toHaveLength(1);
    expect(screen.getByText(/Needs prior consent/)).toBeTruthy();
  });

  it('lists a definition that does not load, with the reason', async () => {
    const broken: PlanDefinition = {
      resourceType: 'PlanDefinition',
      status: 'active',
      url: 'https://careloop.health/fhir/PlanDefinition/broken',
      name: 'broken name!',
      type: { coding: [{ code: 'workflow-definition' }] },
    };
    renderWithProviders(<WorkflowLibraryPage />, { medplum: await libraryMedplum([broken]) });
    expect(await screen.findByText('Definitions that could not be read')).toBeTruthy();
    expect(screen.getByText(/PlanDefinition\/broken: .*code-like/)).toBeTruthy();
  });

  it('describes timing in words', () => {
    expect(
      describeTiming({
        anchor: 'before-start',
        offset: stepDuration(3, 'd', 't'),
        timeOfDay: '10:00',
        latePolicy: 'skip',
      }),
    ).toBe(
      "3 days before the appointment, at 10:00 in the patient's time zone; skipped if it is already too late",
    );
  });
});
