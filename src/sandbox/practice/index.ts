/**
 * The sandbox's synthetic practice: `generatePractice({ seed, now })` gives a transaction Bundle to load on
 * first start; the constants name the resources other sandbox parts refer to (the organizations, the
 * coordinators, the clinicians, the queues).
 */

import { LAKESIDE_MIX, RIVERBEND_MIX } from './generatePractice';
import type { PatientMix } from './patients';
import { LAKESIDE, RIVERBEND, type PracticeSpec, type QueueCode } from './practices';

export {
  generatePractice,
  LAKESIDE_MIX,
  RIVERBEND_MIX,
  type GeneratePracticeOptions,
} from './generatePractice';
export { summarizePractice, type PracticeSummary } from './summary';
export { SANDBOX_EHR_BASE, SANDBOX_IDENTIFIER, SYNTHETIC_TAG } from './identifiers';
export { practiceSettingsOverrides } from './organization';
export { LAKESIDE, RIVERBEND, QUEUE_CODES, type PracticeSpec, type QueueCode } from './practices';
export { seededRandom, type Random } from './random';
export type { PatientMix } from './patients';

/** Ids (no type prefix) of one practice's resources that other parts name. */
export interface PracticeIds {
  readonly organization: string;
  /** The first coordinator: the person the sandbox logs in as by default. */
  readonly coordinator: string;
  readonly coordinatorRole: string;
  readonly coordinators: readonly string[];
  readonly clinicians: readonly string[];
  readonly locations: readonly string[];
  /** CareTeam id owning each work queue (also in the Organization's practice settings `queueOwners`). */
  readonly queues: Readonly<Record<QueueCode, string>>;
  /**
   * Patients that are the same kind of patient whatever the seed: a mobile and an email, no opt-out,
   * living in the practice's zone, with an in-person visit booked 2 to 5 days ahead of `now`. The first
   * speaks English; Lakeside's second speaks Spanish.
   */
  readonly featuredPatients: readonly string[];
}

function idsOf(spec: PracticeSpec, mix: PatientMix): PracticeIds {
  const first = spec.coordinators[0];
  if (!first) {
    throw new Error(`practice ${spec.key} has no coordinator`);
  }
  return {
    organization: spec.organizationId,
    coordinator: first.id,
    coordinatorRole: first.roleId,
    coordinators: spec.coordinators.map((c) => c.id),
    clinicians: spec.clinicians.map((c) => c.id),
    locations: spec.locations.map((l) => l.id),
    queues: spec.queues,
    featuredPatients: mix.featured.map((_, i) => `${spec.key}-patient-${String(i + 1).padStart(3, '0')}`),
  };
}

/** The main practice (Lakeside Family Clinic, Chicago): `Organization/lakeside-family-clinic`. */
export const MAIN_PRACTICE: PracticeIds = idsOf(LAKESIDE, LAKESIDE_MIX);

/** The small second practice (Riverbend Health Center, Denver): `Organization/riverbend-health-center`. */
export const SECOND_PRACTICE: PracticeIds = idsOf(RIVERBEND, RIVERBEND_MIX);

/** The seed the sandbox uses unless told otherwise. */
export const DEFAULT_PRACTICE_SEED = 20261130;
