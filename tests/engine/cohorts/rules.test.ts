import type { Appointment, Patient } from '@medplum/fhirtypes';
import { describe, expect, it } from 'vitest';
import { CS } from '../../../src/engine/codes';
import {
  cohortRunKey,
  COHORT_RULES,
  matchCohorts,
  selectCohortEnrolments,
  visitSummary,
  type CohortMatch,
} from '../../../src/engine/cohorts/rules';
import type { WorkflowDefinition } from '../../../src/engine';

const NOW = '2026-11-16T14:00:00Z';
const ZONE = 'America/Chicago';

const patient = (overrides: Partial<Patient> = {}): Patient => ({
  resourceType: 'Patient',
  id: 'p1',
  birthDate: '1990-05-01',
  gender: 'male',
  ...overrides,
});
const visit = (start: string, status: Appointment['status'] = 'fulfilled'): Appointment => ({
  resourceType: 'Appointment',
  status,
  start,
  participant: [],
});
const cohorts = (p: Patient, appointments: Appointment[], now = NOW): string[] =>
  matchCohorts({ patient: p, appointments }, now, ZONE).map((m) => m.runKey);

describe('cohort run keys', () => {
  it('are per month, quarter or year in the practice zone', () => {
    expect(cohortRunKey('recall-due', 'month', NOW, ZONE)).toBe('recall-due:2026-11');
    expect(cohortRunKey('inactive', 'quarter', NOW, ZONE)).toBe('inactive:2026-Q4');
    expect(cohortRunKey('screening-due', 'year', NOW, ZONE)).toBe('screening-due:2026');
    // 03:00 UTC on 1 December is still 30 November in Chicago.
    expect(cohortRunKey('recall-due', 'month', '2026-12-01T03:00:00Z', ZONE)).toBe('recall-due:2026-11');
    expect(cohortRunKey('recall-due', 'month', '2026-12-01T03:00:00Z', 'UTC')).toBe('recall-due:2026-12');
    expect(() => cohortRunKey('x', 'month', 'not a date', ZONE)).toThrow();
  });
});

describe('visit summary', () => {
  it('finds the last fulfilled visit and anything booked ahead', () => {
    const s = visitSummary(
      [
        visit('2025-01-01T15:00:00Z'),
        visit('2025-06-01T15:00:00Z'),
        visit('2026-12-20T15:00:00Z', 'fulfilled'), // a future "fulfilled" is data noise, not a visit
        visit('2026-10-01T15:00:00Z', 'cancelled'),
      ],
      NOW,
    );
    expect(s).toEqual({ lastVisit: '2025-06-01T15:00:00.000Z', booked: false });
    expect(visitSummary([visit('2026-12-01T15:00:00Z', 'booked')], NOW).booked).toBe(true);
    expect(visitSummary([visit('2026-11-01T15:00:00Z', 'booked')], NOW).booked).toBe(false);
    expect(
      visitSummary([{ resourceType: 'Appointment', status: 'waitlist', participant: [] }], NOW).booked,
    ).toBe(true);
  });
});

describe('cohort rules', () => {
  it('recall: 11 to 24 calendar months since the last visit, nothing booked', () => {
    expect(cohorts(patient(), [visit('2025-12-16T15:00:00Z')])).toEqual(['recall-due:2026-11']);
    expect(cohorts(patient(), [visit('2025-12-17T15:00:00Z')])).toEqual([]);
    expect(
      cohorts(patient(), [visit('2025-12-01T15:00:00Z'), visit('2027-01-05T15:00:00Z', 'booked')]),
    ).toEqual([]);
    // At 12 months the patient is also inactive; the table order decides which outreach goes first.
    expect(cohorts(patient(), [visit('2025-10-01T15:00:00Z')])).toEqual([
      'recall-due:2026-11',
      'inactive:2026-Q4',
    ]);
    expect(cohorts(patient(), [visit('2024-10-01T15:00:00Z')])).toEqual(['inactive:2026-Q4']);
  });

  it('never-seen patients are not lapsed; screening goes by age and sex', () => {
    expect(cohorts(patient(), [])).toEqual([]);
    expect(cohorts(patient({ birthDate: '1970-01-01' }), [])).toEqual(['screening-due:2026']);
    expect(cohorts(patient({ birthDate: '1995-01-01', gender: 'female' }), [])).toEqual([
      'screening-due:2026',
    ]);
    expect(cohorts(patient({ birthDate: '1995-01-01', gender: 'male' }), [])).toEqual([]);
    expect(cohorts(patient({ birthDate: '1940-01-01' }), [])).toEqual([]);
    expect(cohorts(patient({ birthDate: undefined }), [])).toEqual([]);
  });

  it('chronic care: the cohort tag, whatever the visits', () => {
    const tagged = patient({ meta: { tag: [{ system: CS.cohort, code: 'chronic-care' }] } });
    expect(cohorts(tagged, [visit('2026-11-01T15:00:00Z')])).toEqual(['chronic-care:2026-Q4']);
    expect(cohorts(patient({ meta: { tag: [{ system: 'other', code: 'chronic-care' }] } }), [])).toEqual([]);
  });

  it('every rule names a cohort of CodeSystem/cohort', () => {
    for (const rule of COHORT_RULES) {
      expect(['recall-due', 'screening-due', 'inactive', 'chronic-care']).toContain(rule.cohort);
    }
  });
});

describe('selecting enrolments', () => {
  const wf = (name: string, cohort: string): WorkflowDefinition =>
    ({
      url: `https://careloop.health/fhir/PlanDefinition/${name}`,
      name,
      status: 'active',
      trigger: 'cohort-due',
      cohort,
    }) as WorkflowDefinition;
  const recall = wf('recall', 'recall-due');
  const reactivation = wf('reactivation', 'inactive');
  const chronic = wf('chronic', 'chronic-care');
  const workflows = [recall, reactivation, chronic];
  const matches: CohortMatch[] = [
    { cohort: 'recall-due', runKey: 'recall-due:2026-11', outreach: true, label: '' },
    { cohort: 'inactive', runKey: 'inactive:2026-Q4', outreach: true, label: '' },
    { cohort: 'chronic-care', runKey: 'chronic-care:2026-Q4', outreach: false, label: '' },
  ];
  const select = (existing: string[] = [], running: string[] = []) =>
    selectCohortEnrolments({
      patientRef: 'Patient/p1',
      matches,
      workflows,
      existingKeys: new Set(existing),
      runningWorkflows: new Set(running),
    });

  it('lists outreach in precedence order and programmes alongside', () => {
    const s = select();
    expect(s.outreach.map((c) => c.key)).toEqual([
      'recall:Patient/p1:recall-due:2026-11',
      'reactivation:Patient/p1:inactive:2026-Q4',
    ]);
    expect(s.programmes.map((c) => c.key)).toEqual(['chronic:Patient/p1:chronic-care:2026-Q4']);
  });

  it('no outreach while one runs or once this period was reached; programmes are independent', () => {
    expect(select([], [recall.url]).outreach).toEqual([]);
    const reached = select(['recall:Patient/p1:recall-due:2026-11']);
    expect(reached.outreach).toEqual([]);
    expect(reached.skipped.map((s) => s.reason)).toEqual([
      'already enrolled for recall-due:2026-11',
      'already reached for recall-due:2026-11',
    ]);
    expect(reached.programmes).toHaveLength(1);
    expect(select([], [chronic.url]).programmes).toEqual([]);
    expect(select(['chronic:Patient/p1:chronic-care:2026-Q4']).programmes).toEqual([]);
  });

  it('ignores workflows that are not active cohort workflows', () => {
    const s = selectCohortEnrolments({
      patientRef: 'Patient/p1',
      matches,
      workflows: [{ ...recall, status: 'retired' } as WorkflowDefinition],
      existingKeys: new Set(),
      runningWorkflows: new Set(),
    });
    expect(s).toEqual({ outreach: [], programmes: [], skipped: [] });
  });
});
