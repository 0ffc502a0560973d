/**
 * Eight weeks of Careloop activity for the sandbox's main practice, made by replaying the bots with the
 * real engine over the practice's own past appointments (see simulation.ts) and a recall campaign, then
 * the coordinators' work on the queues and the daily KPI roll-ups. Pure and deterministic: the same
 * practice bundle, seed and `now` give the same Bundle (PUTs with stable ids).
 */

import type { Appointment, Bundle, Meta, Organization, Patient, Resource } from '@medplum/fhirtypes';
import { matchCohorts, type WorkflowDefinition } from '../../engine';
import { loadLibraryResources, loadLibraryWorkflows } from '../../fhir/library';
import { practiceSettingsFromOrganization } from '../../fhir/practice';
import { accountsOf } from '../../fhir/practiceScope';
import { LAKESIDE, MAIN_PRACTICE, seededRandom, SYNTHETIC_TAG, type Random } from '../practice';
import { historyMeasureReports, kpiResources } from './measureReports';
import { randomFor } from './ids';
import { Simulation } from './simulation';
import { workTheQueues } from './staffWork';
import { World } from './world';

/** What to generate from. */
export interface GenerateHistoryOptions {
  /** The practice bundle (`generatePractice`) the history is about. */
  readonly practice: Bundle;
  readonly seed: number;
  /** The end of the history: the sandbox's time. */
  readonly now: Date;
  /** How many weeks back; default 8. */
  readonly weeks?: number;
  /** The workflow library's resources (default: read from fhir-resources/). */
  readonly library?: readonly Resource[];
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Counts of what a history holds, for the start-up log and tests. */
export interface HistorySummary {
  readonly resources: number;
  readonly byType: Readonly<Record<string, number>>;
}

function practiceOrganization(resources: readonly Resource[]): Organization {
  const org = resources.find(
    (r): r is Organization => r.resourceType === 'Organization' && r.id === MAIN_PRACTICE.organization,
  );
  if (!org) {
    throw new Error(`generateHistory: the practice bundle has no Organization/${MAIN_PRACTICE.organization}`);
  }
  return org;
}

function patientOf(a: Appointment): string | undefined {
  return a.participant?.find((p) => p.actor?.reference?.startsWith('Patient/'))?.actor?.reference;
}

/** Recall-due patients found by the cohort rules on two days of the window, as the daily cohort bot would. */
function scheduleRecall(
  sim: Simulation,
  workflows: readonly WorkflowDefinition[],
  patients: readonly Patient[],
  appointments: readonly Appointment[],
  runs: readonly number[],
  zone: string,
): void {
  const recall = workflows.find(
    (w) => w.trigger === 'cohort-due' && w.cohort === 'recall-due' && w.status === 'active',
  );
  if (!recall) return;
  const byPatient = new Map<string, Appointment[]>();
  for (const a of appointments) {
    const p = patientOf(a);
    if (p) byPatient.set(p, [...(byPatient.get(p) ?? []), a]);
  }
  const enrolled = new Set<string>();
  for (const at of runs) {
    const now = new Date(at).toISOString();
    for (const patient of patients) {
      const ref = `Patient/${patient.id ?? ''}`;
      if (enrolled.has(ref)) continue;
      const match = matchCohorts({ patient, appointments: byPatient.get(ref) ?? [] }, now, zone).find(
        (m) => m.cohort === 'recall-due',
      );
      if (match) {
        enrolled.add(ref);
        sim.scheduleCohortEnrolment(recall, ref, match.runKey, at);
      }
    }
  }
}

/**
 * The practice's recent visits are nearly all fulfilled. A quarter of the window's visits are recorded
 * instead as no-shows (near the 23% average of Dantas et al. 2018) and a few as patient cancellations, as
 * the EHR would have marked them, so the no-show and cancellation paths have something to run on. Exact
 * shares of a seeded shuffle, so every seed gets the same numbers.
 */
function recordOutcomes(
  world: World,
  rng: Random,
  visits: readonly Appointment[],
  hasLaterVisit: (a: Appointment) => boolean,
): Map<string, Appointment & { id: string }> {
  // A patient who booked again would have closed the no-show loop; visits not followed by one are the calls.
  const shuffled = rng.shuffle(visits.filter((a) => a.status === 'fulfilled'));
  const fulfilled = [...shuffled.filter((a) => !hasLaterVisit(a)), ...shuffled.filter(hasLaterVisit)];
  const noShows = new Set(fulfilled.slice(0, Math.round(fulfilled.length * 0.25)));
  const cancelled = new Set(
    fulfilled.slice(noShows.size, noShows.size + Math.round(fulfilled.length * 0.07)),
  );
  const out = new Map<string, Appointment & { id: string }>();
  for (const a of visits) {
    const patient = patientOf(a);
    const recorded: Appointment = noShows.has(a)
      ? world.put<Appointment>({ ...a, status: 'noshow' })
      : cancelled.has(a)
        ? world.put<Appointment>({
            ...a,
            status: 'cancelled',
            cancelationReason: {
              coding: [
                {
                  system: 'http://terminology.hl7.org/CodeSystem/appointment-cancellation-reason',
                  code: 'pat',
                  display: 'Patient',
                },
              ],
            },
            participant: a.participant?.map((p) =>
              p.actor?.reference === patient ? { ...p, status: 'declined' as const } : p,
            ),
          })
        : a;
    out.set(a.id ?? '', recorded as Appointment & { id: string });
  }
  return out;
}

/** Adds the practice's account (so coordinators see it) and the synthetic tag, keeping other tags. */
function withPracticeMeta(resource: Resource, org: Organization): Resource {
  const meta: Meta = resource.meta ?? {};
  const tags = meta.tag ?? [];
  return {
    ...resource,
    meta: {
      ...meta,
      accounts: [{ reference: `Organization/${org.id ?? ''}`, display: org.name ?? LAKESIDE.name }],
      tag: tags.some((t) => t.system === SYNTHETIC_TAG.system) ? tags : [...tags, { ...SYNTHETIC_TAG }],
    },
  } as Resource;
}

/**
 * Generates the history as a transaction Bundle of PUTs (load it after the practice bundle). Throws on an
 * invalid `now` or a practice bundle without the main practice.
 */
export function generateHistory(options: GenerateHistoryOptions): Bundle {
  if (!(options.now instanceof Date) || Number.isNaN(options.now.getTime())) {
    throw new Error('generateHistory: `now` must be a valid Date');
  }
  const now = options.now.getTime();
  const days = (options.weeks ?? 8) * 7;
  // Times are set from the hour, so a sandbox started a moment later (its clock runs) replays the same history.
  const hour = Math.floor(now / HOUR) * HOUR;
  const windowStart = hour - days * DAY;
  const practiceResources = (options.practice.entry ?? []).flatMap((e) => (e.resource ? [e.resource] : []));
  const org = practiceOrganization(practiceResources);
  const orgRef = `Organization/${org.id ?? ''}`;
  const practice = practiceSettingsFromOrganization(org);
  const workflows = loadLibraryWorkflows(options.library ?? loadLibraryResources());
  const world = new World(practiceResources);
  const rng = seededRandom(options.seed ^ 0x5eed);
  const random = (name: string): Random => randomFor(options.seed, name);
  const sim = new Simulation({ world, practice, workflows, random, now });

  const ours = <T extends Resource>(r: T): boolean => accountsOf(r).includes(orgRef);
  const patients = world.ofType<Patient>('Patient').filter(ours);
  const appointments = world.ofType<Appointment>('Appointment').filter(ours);
  const past = appointments
    .filter((a) => {
      const start = Date.parse(a.start ?? '');
      return start >= windowStart && start < now && ['fulfilled', 'noshow', 'cancelled'].includes(a.status);
    })
    .map((a) => ({ a, bookedAt: Math.max(Date.parse(a.created ?? '') || windowStart, windowStart) }))
    .sort((x, y) => x.bookedAt - y.bookedAt || (x.a.id ?? '').localeCompare(y.a.id ?? ''));
  // A visit booked after this one closed its no-show loop when it was booked; a future booking closes it
  // when the sandbox starts (appointment-events on the start-up reconcile). Neither leaves a call to make.
  const hasLaterVisit = (a: Appointment): boolean =>
    appointments.some(
      (b) =>
        b !== a &&
        patientOf(b) === patientOf(a) &&
        (Date.parse(b.created ?? '') > Date.parse(a.start ?? '') ||
          (b.status === 'booked' && Date.parse(b.start ?? '') >= now)),
    );
  const recorded = recordOutcomes(
    world,
    rng,
    past.map((p) => p.a),
    hasLaterVisit,
  );
  for (const { a, bookedAt } of past) {
    sim.scheduleAppointment(recorded.get(a.id ?? '') ?? (a as Appointment & { id: string }), bookedAt);
  }
  for (const a of appointments) {
    const created = Date.parse(a.created ?? '');
    if (
      a.status === 'booked' &&
      Date.parse(a.start ?? '') >= now &&
      created >= windowStart &&
      created < now
    ) {
      sim.scheduleFutureBooking(a, created);
    }
  }
  scheduleRecall(
    sim,
    workflows,
    patients,
    appointments,
    [hour - 33 * DAY, hour - 12 * DAY],
    practice.timeZone,
  );
  sim.run();

  workTheQueues(
    world,
    random,
    LAKESIDE.coordinators.map((c) => ({
      reference: `Practitioner/${c.id}`,
      display: `${c.given} ${c.family}`,
    })),
    hour,
  );

  const generated = world.written().map((r) => withPracticeMeta(r, org));
  const reports = historyMeasureReports({
    resources: kpiResources([...practiceResources.filter((r) => r.resourceType === 'Consent'), ...generated]),
    now: options.now,
    zone: practice.timeZone,
    days,
    reporter: { reference: orgRef as `Organization/${string}` },
  }).map((r) => withPracticeMeta(r, org));
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [...generated, ...reports].map((resource) => ({
      resource,
      request: { method: 'PUT', url: `${resource.resourceType}/${resource.id ?? ''}` },
    })),
  };
}

/** Resources per type in a history bundle. */
export function summarizeHistory(bundle: Bundle): HistorySummary {
  const byType: Record<string, number> = {};
  for (const e of bundle.entry ?? []) {
    const type = e.resource?.resourceType ?? 'unknown';
    byType[type] = (byType[type] ?? 0) + 1;
  }
  return { resources: bundle.entry?.length ?? 0, byType };
}
