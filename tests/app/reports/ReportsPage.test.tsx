import type { MeasureReport } from '@medplum/fhirtypes';
import type { MockClient } from '@medplum/mock';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ReportsPage } from '../../../src/app/reports/ReportsPage';
import { computeKpis, toMeasureReports } from '../../../src/fhir/kpi';
import {
  APPOINTMENTS,
  CARE_PLANS,
  COMMUNICATIONS,
  CONSENTS,
  INPUT,
  PATIENTS,
  REQUESTS,
} from '../../fhir/reports/dataset';
import { emptyMedplum, store } from '../../fhir/worklist/fixtures';
import { seriousViolations } from '../axe';
import { renderWithProviders } from '../renderWithProviders';

const NOW = new Date('2026-11-25T18:00:00.000Z');
const ZONE = 'America/Chicago';

function rowOf(table: HTMLElement, name: string): HTMLElement {
  const header = within(table).getByRole('rowheader', { name: new RegExp(`^${name}`) });
  const row = header.closest('tr');
  if (!row) throw new Error(`no row ${name}`);
  return row;
}

/** The text of the cell in row `name` under column `column`. */
function cell(table: HTMLElement, name: string, column: string): string | null {
  const headers = within(table)
    .getAllByRole('columnheader')
    .map((h) => h.textContent);
  const index = headers.indexOf(column);
  if (index < 0) throw new Error(`no column ${column} in ${headers.join(', ')}`);
  const cells = [...rowOf(table, name).children];
  return cells[index]?.textContent ?? null;
}

function tableNamed(caption: string): HTMLElement {
  return screen.getByRole('table', { name: caption });
}

describe('ReportsPage', () => {
  let medplum: MockClient;
  beforeEach(async () => {
    medplum = emptyMedplum();
    await store(medplum, [
      ...PATIENTS,
      ...APPOINTMENTS,
      ...CARE_PLANS,
      ...REQUESTS,
      ...COMMUNICATIONS,
      ...CONSENTS,
    ]);
    const reports: MeasureReport[] = toMeasureReports(computeKpis(INPUT), {
      generatedAt: '2026-11-25T08:00:00.000Z',
    });
    await store(medplum, reports);
  });
  afterEach(() => vi.restoreAllMocks());

  it('shows the seeded figures: practice-wide, by workflow, by channel, funnels and cohorts', async () => {
    const { container } = renderWithProviders(
      <ReportsPage now={() => NOW} zone={ZONE} weakest={{ minDenominator: 1 }} />,
      { medplum },
    );
    const byWorkflow = await screen.findByRole('table', { name: 'By workflow' });
    expect(await seriousViolations(container)).toEqual([]);
    expect(screen.getByText('50% (3 of 6)')).toBeTruthy();
    expect(cell(byWorkflow, 'Appointment reminders', 'Response rate')).toBe('33% (1 of 3)');
    expect(cell(byWorkflow, 'Appointment reminders', 'Delivery failures')).toBe('25% (1 of 4)');
    expect(cell(byWorkflow, 'No-show recovery', 'No-show recovery')).toBe('50% (1 of 2)');
    expect(cell(byWorkflow, 'Feedback survey', 'Opt-out rate')).toBe('100% (1 of 1)');
    expect(cell(tableNamed('By channel'), 'Email', 'Response rate')).toBe('0% (0 of 1)');
    expect(cell(tableNamed('By channel'), 'Text \\(SMS\\)', 'Response rate')).toBe('60% (3 of 5)');

    // Weakest: feedback (opt-outs) and reminders (responses) are marked.
    expect(within(rowOf(byWorkflow, 'Feedback survey')).getByText('Needs attention')).toBeTruthy();
    expect(within(rowOf(byWorkflow, 'Appointment reminders')).getByText('Needs attention')).toBeTruthy();
    expect(within(rowOf(byWorkflow, 'No-show recovery')).queryByText('Needs attention')).toBeNull();
    expect(screen.getByText(/Feedback survey: opt-out rate 100% against 17% practice-wide/)).toBeTruthy();

    const funnel = rowOf(tableNamed('Funnel counts'), 'Appointment reminders');
    expect(
      within(funnel)
        .getAllByRole('cell')
        .map((c) => c.textContent),
    ).toEqual(['3', '3 (100%)', '1 (33%)', '0 (0%)', 'Delivered → Replied: 2 lost']);

    expect(cell(tableNamed('Language'), 'es', 'Response rate')).toBe('50% (1 of 2)');
    expect(cell(tableNamed('New vs returning patients'), 'returning', 'Response rate')).toBe('50% (2 of 4)');
    expect(cell(tableNamed('Age band'), '65\\+', 'Response rate')).toBe('0% (0 of 1)');
    expect(cell(tableNamed('Weekly figures (week starting Monday)'), '2026-11-16', 'Response rate')).toBe(
      '50% (2 of 4)',
    );
  });

  it('exports the same figures as CSV', async () => {
    const blobs: Blob[] = [];
    URL.createObjectURL = vi.fn((b: Blob) => {
      blobs.push(b);
      return 'blob:report';
    });
    URL.revokeObjectURL = vi.fn();
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(() => undefined);
    const user = userEvent.setup();
    renderWithProviders(<ReportsPage now={() => NOW} zone={ZONE} />, { medplum });
    await screen.findByRole('table', { name: 'By workflow' });
    await user.click(screen.getByRole('button', { name: 'Download CSV' }));
    expect(click).toHaveBeenCalled();
    const text = await blobs[0]?.text();
    const lines = text?.trimEnd().split('\r\n') ?? [];
    expect(lines[0]).toBe('dimension,value,measure,numerator,denominator,rate');
    expect(lines).toContain('all,practice,response-rate,3,6,0.5000');
    expect(lines).toContain('workflow,reminder,response-rate,1,3,0.3333');
    expect(lines).toContain('channel,sms,response-rate,3,5,0.6000');
    expect(lines).toContain('language,es,response-rate,1,2,0.5000');
    expect(lines).toContain('age-band,65+,response-rate,0,1,0.0000');
    expect(lines).toContain('funnel,reminder,replied,1,3,0.3333');
  });

  it('says so when the roll-up has not written anything', async () => {
    renderWithProviders(<ReportsPage now={() => NOW} zone={ZONE} />, { medplum: emptyMedplum() });
    expect(await screen.findByText('No figures yet')).toBeTruthy();
    await waitFor(() => expect(screen.queryByRole('table', { name: 'By workflow' })).toBeNull());
  });
});
