/**
 * The sandbox's synthetic practice: `generatePractice({ seed, now })` gives a transaction Bundle to load on
 * first start; the constants name the resources other sandbox parts refer to (the organizations, the
 * coordinators, the clinicians, the queues).
 */

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
}

function idsOf(spec: PracticeSpec): PracticeIds {
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
  };
}

/** The main practice (Lakeside Family Clinic, Chicago): `Organization/lakeside-family-clinic`. */
export const MAIN_PRACTICE: PracticeIds = idsOf(LAKESIDE);

/** The small second practice (Riverbend Health Center, Denver): `Organization/riverbend-health-center`. */
export const SECOND_PRACTICE: PracticeIds = idsOf(RIVERBEND);

/** The seed the sandbox uses unless told otherwise. */
export const DEFAULT_PRACTICE_SEED = 20261130;
