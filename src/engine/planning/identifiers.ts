/**
 * Deterministic identifiers: the same workflow, patient and trigger always produce the same keys, so a
 * retried or duplicated bot run makes conditional creates that match instead of duplicates.
 */

import type { Appointment, Identifier } from '@medplum/fhirtypes';
import { v5 as uuidv5 } from 'uuid';
import { ID_SYSTEM } from '../codes';

// Fixed namespace for Careloop's name-based UUIDs; changing it would orphan every existing key.
const NAMESPACE = '6f3d1c8e-2b57-4d0a-9e7c-5a1f0c2d9b41';

// Keys are joined with ':' and never '|': FHIR token search splits `system|value` at a '|', so a value
// containing one would never match its own conditional create and every retry would duplicate.

/**
 * The key of one enrolment. An appointment trigger includes the start time, so a moved appointment
 * is a new enrolment while a repeat of the same event is not.
 */
export function enrolmentKey(args: {
  workflowName: string;
  patientRef: string;
  appointment?: Appointment;
  /** For cohort and manual enrolments: the run they belong to (e.g. `recall-due:2026-11`). */
  runKey?: string;
}): string {
  const trigger = args.appointment
    ? `${args.appointment.resourceType}/${args.appointment.id ?? 'new'}@${args.appointment.start ?? 'unscheduled'}`
    : (args.runKey ?? 'manual');
  return `${args.workflowName}:${args.patientRef}:${trigger}`;
}

/** Key of one occurrence of one step of an enrolment. */
export function stepKey(enrolment: string, stepId: string, occurrence: number): string {
  return `${enrolment}:${stepId}:${occurrence}`;
}

/** A FHIR Identifier in one of Careloop's identifier systems. */
export function identifier(system: keyof typeof ID_SYSTEM, value: string): Identifier {
  return { system: ID_SYSTEM[system], value };
}

/** A stable `urn:uuid:` for a key, used as a transaction Bundle fullUrl and for references between new resources. */
export function urnFor(system: keyof typeof ID_SYSTEM, value: string): string {
  return `urn:uuid:${uuidv5(`${ID_SYSTEM[system]}|${value}`, NAMESPACE)}`;
}

/** The conditional-create query that finds a resource by its Careloop identifier. */
export function ifNoneExist(system: keyof typeof ID_SYSTEM, value: string): string {
  return `identifier=${encodeURIComponent(`${ID_SYSTEM[system]}|${value}`)}`;
}
