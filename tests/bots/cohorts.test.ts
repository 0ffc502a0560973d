import type { Appointment, CarePlan, Patient } from '@medplum/fhirtypes';
import type { MockClient } from '@medplum/mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { handleCohorts, handler } from '../../src/bots/cohorts';
import { installClock } from '../../src/bots/runtime';
import { CS, ID_SYSTEM } from '../../src/engine/codes';
import type { PracticeSettings, WorkflowDefinition } from '../../src/engine';
import { loadPracticeSettings } from '../../src/fhir/practice';
import { loadActiveWorkflows } from '../../src/fhir/workflows';
import {
  addSecondPractice,
  filedUnder,
  medplumWithPractice,
  secrets,
  syntheticPatient,
} from '../fixtures/medplum';

// Monday 16 Nov 2026, 08:00 in Chicago: the daily cron.
const NOW = new Date('2026-11-16T14:00:00Z');
const CHRONIC_TAG = { system: CS.cohort, code: 'chronic-care' };

let medplum: MockClient;
let organization: string;
let practice: PracticeSettings;
let workflows: WorkflowDefinition[];

beforeEach(async () => {
  ({ medplum, organization } = await medplumWithPractice());
  practice = await loadPracticeSettings(medplum, organization);
  workflows = (await loadActiveWorkflows(medplum)).workflows;
});

const fixed = (at: Date) => () => at;

async function patientWith(
  visits: { start: string; status?: Appointment['status'] }[],
  overrides: Partial<Patient> = {},
): Promise<string> {
  const patient = await medplum.createResource(syntheticPatient(overrides));
  for (const v of visits) {
    await medplum.createResource<Appointment>({
      resourceType: 'Appointment',
      status: v.status ?? 'fulfilled',
      start: v.start,
      end: new Date(Date.parse(v.start) + 30 * 60_000).toISOString(),
      participant: [{ actor: { reference: `Patient/${patient.id}` }, status: 'accepted' }],
    });
  }
  return patient.id ?? '';
}

async function plansOf(patientId: string): Promise<CarePlan[]> {
  return medplum.searchResources(
    'CarePlan',
    { subject: `Patient/${patientId}`, _count: '100' },
    { cache: 'no-cache' },
  );
}

const keyOf = (p: CarePlan | undefined): string | undefined =>
  p?.identifier?.find((i) => i.system === ID_SYSTEM.enrolment)?.value;

describe('cohorts bot', () => {
  it('enrols recall, reactivation and chronic care by the rules, once per run key', async () => {
    const recall = await patientWith([{ start: '2025-12-01T15:00:00Z' }]);
    const booked = await patientWith([
      { start: '2025-12-01T15:00:00Z' },
      { start: '2026-12-10T15:00:00Z', status: 'booked' },
    ]);
    const recent = await patientWith([{ start: '2026-06-01T15:00:00Z' }]);
    const lapsed = await patientWith([{ start: '2024-06-01T15:00:00Z' }]);
    const chronic = await patientWith([{ start: '2026-10-01T15:00:00Z' }], { meta: { tag: [CHRONIC_TAG] } });
    const neverSeen = await patientWith([]);
    const deceased = await patientWith([{ start: '2025-11-20T15:00:00Z' }], { deceasedBoolean: true });

    const first = await handleCohorts(medplum, { practice, workflows, clock: fixed(NOW) });
    expect(first.complete).toBe(true);
    expect(first.cohortsWithoutWorkflow).toEqual(['screening-due']);
    expect(first.enrolled).toEqual(
      expect.arrayContaining([
        `preventive-recall Patient/${recall} recall-due:2026-11`,
        `patient-reactivation Patient/${lapsed} inactive:2026-Q4`,
        `chronic-care-management Patient/${chronic} chronic-care:2026-Q4`,
      ]),
    );
    expect(first.enrolled).toHaveLength(3);
    expect(first.notEnrolled.map((n) => n.key)).toEqual([
      `preventive-recall:Patient/${deceased}:recall-due:2026-11`,
    ]);
    expect(first.notEnrolled[0]?.reasons).toContain('patient is deceased');

    expect((await plansOf(recall)).map(keyOf)).toEqual([
      `preventive-recall:Patient/${recall}:recall-due:2026-11`,
    ]);
    for (const id of [booked, recent, neverSeen, deceased]) {
      expect(await plansOf(id)).toHaveLength(0);
    }
    const checkIns = await medplum.searchResources('CommunicationRequest', {
      subject: `Patient/${chronic}`,
      status: 'active',
      _count: '100',
    });
    expect(checkIns).toHaveLength(12);

    const again = await handleCohorts(medplum, { practice, workflows, clock: fixed(NOW) });
    expect(again.enrolled).toEqual([]);
    expect(again.skipped).toBeGreaterThanOrEqual(3);
    for (const id of [recall, lapsed, chronic]) {
      expect(await plansOf(id)).toHaveLength(1);
    }
  });

  it('a new month is a new recall run, but not while the last recall is still running', async () => {
    const recall = await patientWith([{ start: '2025-12-01T15:00:00Z' }]);
    await handleCohorts(medplum, { practice, workflows, clock: fixed(NOW) });
    const december = new Date('2026-12-16T14:00:00Z');
    expect((await handleCohorts(medplum, { practice, workflows, clock: fixed(december) })).enrolled).toEqual(
      [],
    );

    const [running] = await plansOf(recall);
    await medplum.updateResource<CarePlan>({ ...(running as CarePlan), status: 'completed' });
    const next = await handleCohorts(medplum, { practice, workflows, clock: fixed(december) });
    expect(next.enrolled).toEqual([`preventive-recall Patient/${recall} recall-due:2026-12`]);
  });

  it('outreach goes by precedence: with a screening workflow, screening comes before reactivation', async () => {
    const lapsed = await patientWith([{ start: '2024-06-01T15:00:00Z' }]); // 51 years old, seen 29 months ago
    const base = workflows.find((w) => w.cohort === 'recall-due') as WorkflowDefinition;
    const screening: WorkflowDefinition = {
      ...base,
      url: 'https://careloop.health/fhir/PlanDefinition/screening-outreach',
      name: 'screening-outreach',
      cohort: 'screening-due',
    };
    const result = await handleCohorts(medplum, {
      practice,
      workflows: [...workflows, screening],
      clock: fixed(NOW),
    });
    expect(result.cohortsWithoutWorkflow).toEqual([]);
    expect(result.enrolled).toContain(`screening-outreach Patient/${lapsed} screening-due:2026`);
    expect(result.enrolled.filter((e) => e.includes(lapsed))).toHaveLength(1);
  });

  it('a switched-off purpose falls through to the next outreach; a completed one this period does not', async () => {
    const lapsed = await patientWith([{ start: '2025-06-01T15:00:00Z' }]); // 17 months: recall and inactive
    const noRecall = { ...practice, disabledPurposes: [...practice.disabledPurposes, 'recall'] };
    const result = await handleCohorts(medplum, { practice: noRecall, workflows, clock: fixed(NOW) });
    expect(result.notEnrolled.map((n) => n.key)).toEqual([
      `preventive-recall:Patient/${lapsed}:recall-due:2026-11`,
    ]);
    expect(result.enrolled).toEqual([`patient-reactivation Patient/${lapsed} inactive:2026-Q4`]);

    const other = await patientWith([{ start: '2025-06-01T15:00:00Z' }], {
      telecom: [{ system: 'phone', use: 'mobile', value: '+13125550143' }],
    });
    await handleCohorts(medplum, { practice, workflows, clock: fixed(NOW) });
    const [plan] = await plansOf(other);
    expect(keyOf(plan)).toBe(`preventive-recall:Patient/${other}:recall-due:2026-11`);
    await medplum.updateResource<CarePlan>({ ...(plan as CarePlan), status: 'completed' });
    // Reached for recall this month: no reactivation campaign on top.
    expect((await handleCohorts(medplum, { practice, workflows, clock: fixed(NOW) })).enrolled).toEqual([]);
  });

  it('pages through patients and stops at the budget; a restart finishes without duplicates', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      ids.push(
        await patientWith([{ start: '2025-12-01T15:00:00Z' }], {
          telecom: [{ system: 'phone', use: 'mobile', value: `+1312555015${i}` }],
        }),
      );
    }
    let ticks = 0;
    const slow = () => new Date(NOW.getTime() + 30_000 * ticks++);
    const partial = await handleCohorts(medplum, { practice, workflows, clock: slow, pageSize: 2 });
    expect(partial.complete).toBe(false);
    expect(partial.pages).toBe(1);
    const rest = await handleCohorts(medplum, { practice, workflows, clock: fixed(NOW), pageSize: 2 });
    expect(rest.complete).toBe(true);
    expect(rest.pages).toBeGreaterThanOrEqual(3);
    for (const id of ids) {
      expect(await plansOf(id)).toHaveLength(1);
    }
    expect(partial.enrolled.length + rest.enrolled.length).toBe(5);
  });

  it('does nothing when no workflow selects any cohort', async () => {
    await patientWith([{ start: '2025-12-01T15:00:00Z' }]);
    const result = await handleCohorts(medplum, {
      practice,
      workflows: workflows.filter((w) => w.trigger !== 'cohort-due'),
      clock: fixed(NOW),
    });
    expect(result).toMatchObject({ pages: 0, enrolled: [] });
    expect(result.cohortsWithoutWorkflow.sort()).toEqual([
      'chronic-care',
      'inactive',
      'recall-due',
      'screening-due',
    ]);
  });
});

describe('cohorts handler', () => {
  let uninstall: () => void;
  beforeEach(() => {
    uninstall = installClock({ now: () => NOW });
  });
  afterEach(() => uninstall());

  it('runs with the practice from the secrets and refuses without it', async () => {
    const id = await patientWith([{ start: '2025-12-01T15:00:00Z' }]);
    const result = await handler(medplum, {
      bot: { reference: 'Bot/cohorts' },
      input: {},
      secrets: secrets({ CARELOOP_ORGANIZATION: organization }),
    } as never);
    expect(result.enrolled).toEqual([`preventive-recall Patient/${id} recall-due:2026-11`]);
    await expect(
      handler(medplum, { bot: { reference: 'Bot/x' }, input: {}, secrets: {} } as never),
    ).rejects.toThrow('CARELOOP_ORGANIZATION');
  });
});

describe('cohorts bot in a project holding several practices', () => {
  it("enrols only its own practice's patients, judged by its own visits", async () => {
    const riverbendOrg = await addSecondPractice(medplum);
    const riverbend = await loadPracticeSettings(medplum, riverbendOrg);
    const due = [{ start: '2025-12-01T15:00:00Z' }];
    const phone = (n: number): Partial<Patient> => ({
      telecom: [{ system: 'phone', use: 'mobile', value: `+1312555016${n}` }],
    });
    const ours = [
      await patientWith(due, { ...phone(1), ...filedUnder(organization) }),
      await patientWith(due, { ...phone(2), ...filedUnder(organization, 'managing-organization') }),
      await patientWith(due, phone(3)), // filed nowhere: a one-practice project's patient
    ];
    const theirs = [
      await patientWith(due, { ...phone(4), ...filedUnder(riverbendOrg) }),
      await patientWith(due, { ...phone(5), ...filedUnder(riverbendOrg, 'managing-organization') }),
    ];
    // A Lakeside patient booked at Riverbend: that booking is Riverbend's, so Lakeside's recall is still due.
    const bookedElsewhere = await patientWith(due, { ...phone(6), ...filedUnder(organization) });
    await medplum.createResource<Appointment>({
      resourceType: 'Appointment',
      meta: { accounts: [{ reference: riverbendOrg as `Organization/${string}` }] },
      status: 'booked',
      start: '2026-12-10T15:00:00Z',
      end: '2026-12-10T15:30:00Z',
      participant: [{ actor: { reference: `Patient/${bookedElsewhere}` }, status: 'accepted' }],
    });

    const result = await handleCohorts(medplum, { practice, workflows, clock: fixed(NOW), pageSize: 2 });
    expect(result).toMatchObject({ complete: true, otherPractices: 2 });
    expect(result.enrolled.sort()).toEqual(
      [...ours, bookedElsewhere].map((id) => `preventive-recall Patient/${id} recall-due:2026-11`).sort(),
    );
    for (const id of theirs) {
      expect(await plansOf(id)).toHaveLength(0);
    }

    const theirRun = await handleCohorts(medplum, { practice: riverbend, workflows, clock: fixed(NOW) });
    expect(theirRun.enrolled).toEqual(
      expect.arrayContaining(theirs.map((id) => `preventive-recall Patient/${id} recall-due:2026-11`)),
    );
    expect(theirRun.enrolled.some((e) => e.includes(`Patient/${ours[0]}`))).toBe(false);
  });
});
