import { MockClient } from '@medplum/mock';
import { describe, expect, it } from 'vitest';
import { computeKpis, toMeasureReports } from '../../../src/fhir/kpi';
import { loadReportData } from '../../../src/fhir/reports';
import { indexFhirDefinitions } from '../../fixtures/fhirDefinitions';
import { INPUT, ZONE } from './dataset';

const RANGE = { from: '2026-11-16', to: '2026-11-24', zone: ZONE };

/** Two practices in one project, each with its own roll-up's reports for the same days. */
async function twoPractices(): Promise<MockClient> {
  indexFhirDefinitions();
  const medplum = new MockClient();
  const rows = computeKpis(INPUT);
  for (const reporter of ['Organization/lakeside', 'Organization/riverbend']) {
    const reports = toMeasureReports(rows, {
      generatedAt: '2026-11-25T08:00:00.000Z',
      reporter: { reference: reporter },
    });
    // Riverbend's roll-up saw half as much: only its first half of the reports.
    const mine = reporter.endsWith('riverbend') ? reports.slice(0, Math.ceil(reports.length / 2)) : reports;
    for (const r of mine) await medplum.createResource(r);
  }
  return medplum;
}

describe('loadReportData', () => {
  it('reports on one practice only when the range names it', async () => {
    const medplum = await twoPractices();
    const all = await loadReportData(medplum, RANGE);
    const lakeside = await loadReportData(medplum, { ...RANGE, organization: 'Organization/lakeside' });
    const riverbend = await loadReportData(medplum, { ...RANGE, organization: 'Organization/riverbend' });
    expect(lakeside.reports.length).toBeGreaterThan(riverbend.reports.length);
    expect(all.reports).toHaveLength(lakeside.reports.length + riverbend.reports.length);
    expect(lakeside.reports.every((r) => r.reporter?.reference === 'Organization/lakeside')).toBe(true);
    expect(riverbend.reports.every((r) => r.reporter?.reference === 'Organization/riverbend')).toBe(true);
  });
});
