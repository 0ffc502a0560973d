import type { MeasureReport } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { computeKpis, toMeasureReports, type KpiMeasure } from '../../../src/fhir/kpi';
import {
  ageBand,
  biggestDrop,
  cohortRates,
  computeFunnels,
  csvCell,
  languageCohort,
  overallRates,
  rangeWindow,
  ratesByChannel,
  ratesByWorkflow,
  readReportRows,
  reportCsv,
  weakestWorkflows,
  weekOf,
  weeklyRates,
  type Rate,
} from '../../../src/fhir/reports';
import { EXPECTED, FACTS, INPUT, PATIENTS } from './dataset';

/** The dataset's MeasureReports, as the roll-up writes them. */
function reports(): MeasureReport[] {
  return toMeasureReports(computeKpis(INPUT), { generatedAt: '2026-11-25T08:00:00.000Z' });
}

function counts(rate: Rate | undefined): [number, number] | undefined {
  return rate ? [rate.numerator, rate.denominator] : undefined;
}

function table(
  rates: ReadonlyMap<string, ReadonlyMap<KpiMeasure, Rate>>,
  measure: KpiMeasure,
): Record<string, [number, number] | undefined> {
  return Object.fromEntries([...rates].map(([k, v]) => [k, counts(v.get(measure))]));
}

describe('rates from the roll-up’s MeasureReports agree with the hand count', () => {
  const rows = readReportRows(reports());

  it('by workflow', () => {
    const byWorkflow = ratesByWorkflow(rows);
    expect(table(byWorkflow, 'response-rate')).toEqual(EXPECTED.responseByWorkflow);
    expect(table(byWorkflow, 'delivery-failure-rate')).toEqual(EXPECTED.deliveryFailureByWorkflow);
  });

  it('practice-wide', () => {
    const all = overallRates(rows);
    expect(counts(all.get('response-rate'))).toEqual(EXPECTED.responseOverall);
    expect(all.get('response-rate')?.rate).toBe(0.5);
    expect(counts(all.get('delivery-failure-rate'))).toEqual(EXPECTED.deliveryFailureOverall);
    expect(counts(all.get('follow-up-completion-rate'))).toEqual(EXPECTED.followUpOverall);
    expect(counts(all.get('no-show-recovery-rate'))).toEqual(EXPECTED.noShowRecovery);
    expect(counts(all.get('survey-completion-rate'))).toEqual(EXPECTED.surveyCompletion);
    expect(counts(all.get('opt-out-rate'))).toEqual(EXPECTED.optOutOverall);
  });

  it('by channel and by week', () => {
    expect(table(ratesByChannel(rows), 'response-rate')).toEqual(EXPECTED.responseByChannel);
    expect(table(weeklyRates(rows), 'response-rate')).toEqual(EXPECTED.responseByWeek);
  });

  it('ignores reports that are not Careloop KPIs', () => {
    const other: MeasureReport = {
      resourceType: 'MeasureReport',
      status: 'complete',
      type: 'summary',
      measure: 'http://example.org/Measure/x',
      period: { start: '2026-11-17' },
    };
    expect(readReportRows([other])).toEqual([]);
  });

  it('flags the weakest workflows against the practice', () => {
    const weak = weakestWorkflows(ratesByWorkflow(rows), overallRates(rows), { minDenominator: 1 });
    expect(weak.map((w) => [w.workflow, w.measure])).toEqual([
      ['feedback', 'opt-out-rate'],
      ['reminder', 'response-rate'],
    ]);
    expect(weak[0]?.gap).toBeCloseTo(1 - 1 / 6, 6);
    expect(weak[1]?.gap).toBeCloseTo(0.5 - 1 / 3, 6);
    // With the default minimum of 5 cases nothing in this small week is flagged.
    expect(weakestWorkflows(ratesByWorkflow(rows), overallRates(rows))).toEqual([]);
  });
});

describe('funnels from the underlying resources', () => {
  it('count enrolments sent → delivered → replied → completed', () => {
    expect(computeFunnels(INPUT)).toEqual(EXPECTED.funnels);
  });

  it('find where patients drop off', () => {
    expect(biggestDrop(EXPECTED.funnels[2])).toEqual({ from: 'delivered', to: 'replied', lost: 2 });
  });

  it('agree with the response rate: replied / delivered is each workflow’s response rate', () => {
    const byWorkflow = ratesByWorkflow(readReportRows(reports()));
    for (const f of computeFunnels(INPUT)) {
      expect([f.replied, f.delivered]).toEqual(counts(byWorkflow.get(f.workflow)?.get('response-rate')));
    }
  });
});

describe('cohorts (computed from the resources: the roll-up has no cohort stratifiers)', () => {
  it('reads language, age band and new vs returning', () => {
    expect(PATIENTS.map(languageCohort)).toEqual(['en', 'es', 'en', 'es']);
    expect(ageBand('1980-05-01', '2026-11-10T15:00:00Z')).toBe('35–49');
    expect(ageBand('2010-01-01', '2026-11-10T15:00:00Z')).toBe('under 18');
    expect(ageBand(undefined, '2026-11-10T15:00:00Z')).toBe('not recorded');
  });

  it('splits the response rate by cohort, and the shares add up to the whole', () => {
    expect(table(cohortRates(INPUT, 'language', FACTS), 'response-rate')).toEqual(
      EXPECTED.responseByLanguage,
    );
    expect(table(cohortRates(INPUT, 'new-vs-returning', FACTS), 'response-rate')).toEqual(
      EXPECTED.responseByNewReturning,
    );
    expect(table(cohortRates(INPUT, 'age-band', FACTS), 'response-rate')).toEqual(EXPECTED.responseByAgeBand);
    for (const dim of ['language', 'new-vs-returning', 'age-band'] as const) {
      const shares = [...cohortRates(INPUT, dim, FACTS).values()].map((m) => m.get('response-rate'));
      const numerator = shares.reduce((s, r) => s + (r?.numerator ?? 0), 0);
      const denominator = shares.reduce((s, r) => s + (r?.denominator ?? 0), 0);
      expect([numerator, denominator]).toEqual(EXPECTED.responseOverall);
    }
  });
});

describe('CSV', () => {
  it('writes one line per split and measure, with exact counts', () => {
    const rows = readReportRows(reports());
    const csv = reportCsv([{ dimension: 'workflow', rates: ratesByWorkflow(rows) }], computeFunnels(INPUT));
    const lines = csv.trimEnd().split('\r\n');
    expect(lines[0]).toBe('dimension,value,measure,numerator,denominator,rate');
    expect(lines).toContain('workflow,reminder,response-rate,1,3,0.3333');
    expect(lines).toContain('workflow,reminder,delivery-failure-rate,1,4,0.2500');
    expect(lines).toContain('funnel,no-show-recovery,completed,1,2,0.5000');
  });

  it('quotes and defuses cells', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('=SUM(A1)')).toBe("'=SUM(A1)");
    expect(csvCell(-3)).toBe('-3');
  });
});

describe('dates', () => {
  it('weeks start on Monday; a range is whole local days', () => {
    expect(weekOf('2026-11-22')).toBe('2026-11-16');
    expect(weekOf('2026-11-23')).toBe('2026-11-23');
    expect(rangeWindow({ from: '2026-11-16', to: '2026-11-24', zone: 'America/Chicago' })).toEqual({
      start: '2026-11-16T06:00:00.000Z',
      end: '2026-11-25T06:00:00.000Z',
    });
    expect(() => rangeWindow({ from: '2026-11-24', to: '2026-11-16', zone: 'America/Chicago' })).toThrow(
      'not a valid range',
    );
  });
});
