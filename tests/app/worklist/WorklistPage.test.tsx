import type { CareTeam, Task } from '@medplum/fhirtypes';
import type { MockClient } from '@medplum/mock';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { WorklistPage } from '../../../src/app/worklist/WorklistPage';
import { useWorklistStore } from '../../../src/app/worklist/worklistStore';
import { CS } from '../../../src/engine/codes';
import { CALL_OUTCOME_SYSTEM, saveTask, setBusinessStatus } from '../../../src/fhir/worklist';
import { emptyMedplum, patient, store, task } from '../../fhir/worklist/fixtures';
import { seriousViolations } from '../axe';
import { renderWithProviders } from '../renderWithProviders';

const NOW = new Date('2026-11-20T15:00:00.000Z');
const clock = (): Date => NOW;

const ACCESS_TEAM: CareTeam = {
  resourceType: 'CareTeam',
  id: 'team-access',
  status: 'active',
  name: 'Patient access',
  category: [{ coding: [{ system: CS.queue, code: 'access' }] }],
  participant: [
    { member: { reference: 'Practitioner/coord-1' } },
    { member: { reference: 'Practitioner/coord-2', display: 'Robin Colleague' } },
  ],
};

async function seed(medplum: MockClient): Promise<void> {
  await store(medplum, [
    patient('pa', 'Ana', 'Testpatient'),
    patient('pb', 'Ben', 'Sample'),
    patient('pc', 'Cleo', 'Example'),
    ACCESS_TEAM,
  ]);
  await store(medplum, [
    {
      ...task({
        kind: 'call-patient',
        workflow: 'no-show-recovery',
        due: '2026-11-19T15:00:00Z',
        patient: 'pa',
      }),
      id: 'ns1',
    },
    {
      ...task({
        kind: 'call-patient',
        workflow: 'no-show-recovery',
        due: '2026-11-22T15:00:00Z',
        patient: 'pb',
      }),
      id: 'ns2',
    },
    {
      ...task({
        kind: 'ready-to-schedule',
        workflow: 'recall',
        queue: 'access',
        due: '2026-11-21T15:00:00Z',
        patient: 'pc',
      }),
      id: 'rs1',
    },
    {
      ...task({
        kind: 'survey-escalation',
        workflow: 'feedback',
        due: '2026-11-23T15:00:00Z',
        patient: 'pc',
      }),
      id: 'sv1',
    },
  ] as Task[]);
}

/** The worklist page searches (not the counts) the page made, oldest first. */
function searchesFor(spy: { mock: { calls: unknown[][] } }): URLSearchParams[] {
  return spy.mock.calls
    .filter((c) => c[0] === 'Task')
    .map((c) => new URLSearchParams(c[1] as URLSearchParams))
    .filter((p) => p.get('_summary') !== 'count');
}

function row(name: string): HTMLElement {
  const cell = screen.getByRole('button', { name });
  const tr = cell.closest('tr');
  if (!tr) throw new Error(`no row for ${name}`);
  return tr;
}

describe('WorklistPage', () => {
  let medplum: MockClient;
  beforeEach(async () => {
    useWorklistStore.getState().reset();
    medplum = emptyMedplum();
    await seed(medplum);
  });

  it('says what is waiting in coordinators’ words, with no serious accessibility issue', async () => {
    const { container } = renderWithProviders(<WorklistPage now={clock} />, { medplum });
    expect(await screen.findByRole('button', { name: '2 no-shows need a call' })).toBeTruthy();
    expect(screen.getByRole('button', { name: '1 patient ready for scheduling' })).toBeTruthy();
    expect(screen.getByRole('button', { name: '1 low survey score' })).toBeTruthy();
    expect(await seriousViolations(container)).toEqual([]);
  });

  it('assigns a task to a colleague', async () => {
    const user = userEvent.setup();
    const { container } = renderWithProviders(<WorklistPage now={clock} />, { medplum });
    await user.click(await screen.findByRole('button', { name: 'Ana Testpatient' }));
    const panel = await screen.findByRole('region', { name: 'Task: Call the patient' });
    expect(await seriousViolations(container)).toEqual([]);
    await user.selectOptions(within(panel).getByLabelText('Assign to'), 'Robin Colleague');
    await user.click(within(panel).getByRole('button', { name: 'Assign' }));
    await waitFor(async () =>
      expect((await medplum.readResource('Task', 'ns1')).owner).toMatchObject({
        reference: 'Practitioner/coord-2',
        display: 'Robin Colleague',
      }),
    );
    expect(await within(row('Ana Testpatient')).findByText('Robin Colleague')).toBeTruthy();
  });

  it('lists open work overdue first, and a filter changes the FHIR search', async () => {
    const spy = vi.spyOn(medplum, 'search');
    const user = userEvent.setup();
    renderWithProviders(<WorklistPage now={clock} />, { medplum });
    await screen.findByRole('button', { name: 'Ana Testpatient' });
    const rows = within(screen.getByRole('table', { name: 'Tasks' }))
      .getAllByRole('row')
      .slice(1);
    expect(rows.map((r) => within(r).getAllByRole('cell')[1]?.textContent)).toEqual([
      'Ana Testpatient',
      'Cleo Example',
      'Ben Sample',
      'Cleo Example',
    ]);
    expect(within(row('Ana Testpatient')).getByText('Overdue')).toBeTruthy();

    await user.selectOptions(screen.getByLabelText('Workflow'), 'No-show recovery');
    await waitFor(() => expect(screen.queryByRole('button', { name: 'Cleo Example' })).toBeNull());
    const last = searchesFor(spy).at(-1);
    expect(last?.get('_tag')).toBe(`${CS.purpose}|no-show-recovery`);
    expect(last?.get('_count')).toBe('25');

    await user.selectOptions(screen.getByLabelText('Owner'), 'My queues');
    await waitFor(() => expect(searchesFor(spy).at(-1)?.get('performer')).toBe(`${CS.queue}|access`));
    expect(await screen.findByText('No tasks match these filters.')).toBeTruthy();
  });

  it('pages on the server', async () => {
    const many = Array.from({ length: 27 }, (_, i) => ({
      ...task({
        kind: 'staff-reply',
        due: new Date(Date.parse('2026-12-01T00:00:00Z') + i * 3_600_000).toISOString(),
        patient: 'pb',
        key: `many-${i}`,
      }),
      id: `m${String(i).padStart(2, '0')}`,
    }));
    await store(medplum, many as Task[]);
    const spy = vi.spyOn(medplum, 'search');
    const user = userEvent.setup();
    renderWithProviders(<WorklistPage now={clock} />, { medplum });
    expect(await screen.findByText('1–25 of 31')).toBeTruthy();
    await user.click(screen.getByRole('button', { name: 'Next page' }));
    expect(await screen.findByText('26–31 of 31')).toBeTruthy();
    expect(searchesFor(spy).at(-1)?.get('_offset')).toBe('25');
    expect(within(screen.getByRole('table', { name: 'Tasks' })).getAllByRole('row')).toHaveLength(7);
  });

  it('claims, logs a call and completes a task; the count drops', async () => {
    const user = userEvent.setup();
    renderWithProviders(<WorklistPage now={clock} />, { medplum });
    await user.click(await screen.findByRole('button', { name: '2 no-shows need a call' }));
    await user.click(await screen.findByRole('button', { name: 'Ana Testpatient' }));
    const panel = await screen.findByRole('region', { name: 'Task: Call the patient' });
    await user.click(within(panel).getByRole('button', { name: 'Claim' }));
    await waitFor(async () =>
      expect((await medplum.readResource('Task', 'ns1')).owner?.reference).toBe('Practitioner/coord-1'),
    );
    expect((await medplum.readResource('Task', 'ns1')).status).toBe('accepted');

    await user.selectOptions(within(panel).getByLabelText('Call outcome'), 'Left a voicemail');
    await user.type(within(panel).getByLabelText('Call notes'), 'will try after 5pm');
    await user.click(within(panel).getByRole('button', { name: 'Log call' }));
    await waitFor(async () => expect((await medplum.readResource('Task', 'ns1')).output).toHaveLength(1));
    const called = await medplum.readResource('Task', 'ns1');
    expect(called.output?.[0]?.type.coding?.[0]).toMatchObject({
      system: CALL_OUTCOME_SYSTEM,
      code: 'voicemail',
    });
    expect(called.businessStatus?.coding?.[0]?.code).toBe('attempting-contact');
    expect(called.note?.at(-1)?.text).toBe('Call: Left a voicemail — will try after 5pm');

    await user.click(within(panel).getByRole('button', { name: 'Complete' }));
    await waitFor(async () => expect((await medplum.readResource('Task', 'ns1')).status).toBe('completed'));
    expect(await screen.findByRole('button', { name: '1 no-show needs a call' })).toBeTruthy();
  });

  it('adds a note, clearing the box once it is saved, and snoozes by the days chosen', async () => {
    const user = userEvent.setup();
    renderWithProviders(<WorklistPage now={clock} />, { medplum });
    await user.click(await screen.findByRole('button', { name: 'Ben Sample' }));
    const panel = await screen.findByRole('region', { name: 'Task: Call the patient' });
    await user.type(within(panel).getByLabelText('Note'), 'asked for a morning call');
    await user.click(within(panel).getByRole('button', { name: 'Add note' }));
    await waitFor(async () =>
      expect((await medplum.readResource('Task', 'ns2')).note?.at(-1)?.text).toBe('asked for a morning call'),
    );
    await waitFor(() => expect((within(panel).getByLabelText('Note') as HTMLTextAreaElement).value).toBe(''));

    await user.click(within(panel).getByRole('button', { name: 'Snooze 3 days' }));
    await waitFor(async () =>
      expect((await medplum.readResource('Task', 'ns2')).restriction?.period?.end).toBe(
        '2026-11-23T15:00:00.000Z',
      ),
    );
    expect((await medplum.readResource('Task', 'ns2')).note?.at(-1)?.text).toBe('Snoozed until 2026-11-23');
  });

  it('shows a conflict clearly and keeps what was typed', async () => {
    const user = userEvent.setup();
    renderWithProviders(<WorklistPage now={clock} />, { medplum });
    await user.click(await screen.findByRole('button', { name: 'Ben Sample' }));
    const panel = await screen.findByRole('region', { name: 'Task: Call the patient' });
    // Another coordinator moves the task on while this one types.
    const theirs = await medplum.readResource('Task', 'ns2');
    await saveTask(medplum, setBusinessStatus(theirs, 'contacted', NOW.toISOString()));
    await user.type(within(panel).getByLabelText('Reason to cancel'), 'patient moved out of state');
    await user.click(within(panel).getByRole('button', { name: 'Cancel task' }));

    const alert = await within(panel).findByRole('alert');
    expect(alert.textContent).toContain('Someone else changed this task');
    expect(alert.textContent).toContain('Contacted');
    expect((within(panel).getByLabelText('Reason to cancel') as HTMLInputElement).value).toBe(
      'patient moved out of state',
    );
    expect((await medplum.readResource('Task', 'ns2')).status).toBe('requested');

    await user.click(within(panel).getByRole('button', { name: /Load their version/ }));
    await user.click(within(panel).getByRole('button', { name: 'Cancel task' }));
    await waitFor(async () => expect((await medplum.readResource('Task', 'ns2')).status).toBe('cancelled'));
    const cancelled = await medplum.readResource('Task', 'ns2');
    expect(cancelled.statusReason?.text).toBe('patient moved out of state');
    expect(cancelled.businessStatus?.coding?.[0]?.code).toBe('contacted');
  });

  it('bulk claims and assigns to a queue', async () => {
    const user = userEvent.setup();
    renderWithProviders(<WorklistPage now={clock} />, { medplum });
    await screen.findByRole('button', { name: 'Ana Testpatient' });
    await user.click(screen.getByRole('checkbox', { name: 'Select Call the patient for Ana Testpatient' }));
    await user.click(screen.getByRole('checkbox', { name: 'Select Call the patient for Ben Sample' }));
    await user.click(screen.getByRole('button', { name: 'Claim selected' }));
    expect(await screen.findByText('2 saved')).toBeTruthy();
    for (const id of ['ns1', 'ns2']) {
      expect((await medplum.readResource('Task', id)).owner?.reference).toBe('Practitioner/coord-1');
    }
    await user.click(screen.getByRole('checkbox', { name: 'Select all tasks on this page' }));
    await user.selectOptions(screen.getByLabelText('Assign selected to queue'), 'Queue: Patient access');
    await user.click(screen.getByRole('button', { name: 'Assign selected' }));
    expect(await screen.findByText('4 saved')).toBeTruthy();
    const sv1 = await medplum.readResource('Task', 'sv1');
    expect(sv1.owner?.reference).toBe('CareTeam/team-access');
    expect(sv1.performerType?.[0]?.coding?.[0]?.code).toBe('access');
    expect(sv1.status).toBe('requested');
  });

  it('bulk claim saves what it can and says which tasks someone else changed meanwhile', async () => {
    const user = userEvent.setup();
    renderWithProviders(<WorklistPage now={clock} />, { medplum });
    await screen.findByRole('button', { name: 'Ana Testpatient' });
    await user.click(screen.getByRole('checkbox', { name: 'Select Call the patient for Ana Testpatient' }));
    await user.click(screen.getByRole('checkbox', { name: 'Select Call the patient for Ben Sample' }));
    const theirs = await medplum.readResource('Task', 'ns2');
    await saveTask(medplum, setBusinessStatus(theirs, 'contacted', NOW.toISOString()));
    await user.click(screen.getByRole('button', { name: 'Claim selected' }));
    expect(
      await screen.findByText(/1 saved; 1 changed by someone else meanwhile, left as they are/),
    ).toBeTruthy();
    expect((await medplum.readResource('Task', 'ns1')).owner?.reference).toBe('Practitioner/coord-1');
    expect((await medplum.readResource('Task', 'ns2')).owner).toBeUndefined();
  });
});
