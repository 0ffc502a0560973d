/**
 * The synthetic practice as one FHIR transaction Bundle: every entry a `PUT Type/id` with a stable id, so
 * loading it twice changes nothing. Pure and deterministic: the same seed and `now` give byte-identical
 * JSON (a seeded generator, no Math.random, no clock).
 */

import type { Bundle, BundleEntry, Patient, Resource } from '@medplum/fhirtypes';
import { DateTime } from 'luxon';
import { scheduleVisits, Scheduler } from './appointments';
import { practiceResources } from './organization';
import { buildPatients, patientProfiles, type PatientMix } from './patients';
import { LAKESIDE, practiceNumbers, RIVERBEND, type PracticeSpec } from './practices';
import { seededRandom, type Random } from './random';
import { NumberPool } from './regions';

/** What to generate from. */
export interface GeneratePracticeOptions {
  /** Any integer; the same seed gives the same practice. */
  readonly seed: number;
  /** The instant the schedule is built around: history before it, bookings after it. */
  readonly now: Date;
}

/** The mix of the main practice (Lakeside). */
export const LAKESIDE_MIX: PatientMix = {
  patients: 220,
  chronic: 28,
  inactive: 26,
  newPatients: 12,
  emailOnly: 18,
  landlineOnly: 14,
  landlineEmail: 4,
  optedOutSms: 12,
  spanishShare: 0.3,
  noTimeZone: 16,
  sharedFamilyNumber: true,
  featured: ['en', 'es'],
};

/** The mix of the small second practice (Riverbend). */
export const RIVERBEND_MIX: PatientMix = {
  patients: 10,
  chronic: 1,
  inactive: 1,
  newPatients: 1,
  emailOnly: 1,
  landlineOnly: 1,
  landlineEmail: 0,
  optedOutSms: 1,
  spanishShare: 0.2,
  noTimeZone: 1,
  sharedFamilyNumber: false,
  featured: ['en'],
};

function practiceEntries(
  rng: Random,
  spec: PracticeSpec,
  mix: PatientMix,
  now: DateTime,
  numbers: NumberPool,
  regularVisits: readonly [number, number],
): { setup: Resource[]; records: Resource[] } {
  const profiles = patientProfiles(rng, spec, mix, now, numbers);
  const built = buildPatients(rng, spec, profiles, now, numbers, new Map<string, Patient['address']>());
  const scheduler = new Scheduler(rng, spec, now);
  for (const p of profiles) {
    scheduleVisits(rng, scheduler, p, regularVisits);
  }
  return {
    setup: practiceResources(spec),
    records: [...built.patients, ...built.conditions, ...built.consents, ...scheduler.appointments()],
  };
}

function entry(resource: Resource): BundleEntry {
  return { resource, request: { method: 'PUT', url: `${resource.resourceType}/${resource.id ?? ''}` } };
}

/**
 * Generates the sandbox's practices: Lakeside Family Clinic (220 patients, ~1000 appointments) and
 * Riverbend Health Center (10 patients, ~20 appointments), as a transaction Bundle of PUTs, organizations
 * and staff first. Throws on an invalid `now` or seed.
 */
export function generatePractice(options: GeneratePracticeOptions): Bundle {
  const { seed } = options;
  if (!(options.now instanceof Date) || Number.isNaN(options.now.getTime())) {
    throw new Error('generatePractice: `now` must be a valid Date');
  }
  const rng = seededRandom(seed);
  const now = DateTime.fromJSDate(options.now, { zone: 'utc' });
  const numbers = new NumberPool([...practiceNumbers(LAKESIDE), ...practiceNumbers(RIVERBEND)]);
  const lakeside = practiceEntries(rng, LAKESIDE, LAKESIDE_MIX, now, numbers, [1, 5]);
  const riverbend = practiceEntries(rng, RIVERBEND, RIVERBEND_MIX, now, numbers, [1, 2]);
  return {
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [...lakeside.setup, ...riverbend.setup, ...lakeside.records, ...riverbend.records].map(entry),
  };
}
