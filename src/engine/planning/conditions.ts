/** Evaluating a workflow's FHIRPath applicability conditions against a patient and an appointment. */

import { evalFhirPathTyped, toTypedValue, type TypedValue } from '@medplum/core';
import type { Appointment, Patient } from '@medplum/fhirtypes';
import type { FhirPathCondition } from '../workflow/types';

/** Facts the caller knows that FHIRPath over the two resources cannot derive. */
export interface ConditionFacts {
  readonly ageYears?: number;
  readonly newPatient: boolean;
  readonly telehealth: boolean;
  readonly language: string;
}

/** The variables conditions may use (documented in docs/workflow-definitions.md). */
export function conditionVariables(
  patient: Patient,
  appointment: Appointment | undefined,
  facts: ConditionFacts,
): Record<string, TypedValue> {
  const vars: Record<string, TypedValue> = {
    '%patient': toTypedValue(patient),
    '%newPatient': { type: 'boolean', value: facts.newPatient },
    '%telehealth': { type: 'boolean', value: facts.telehealth },
    '%language': { type: 'code', value: facts.language },
    '%ageYears': { type: 'integer', value: facts.ageYears ?? -1 },
  };
  if (appointment) {
    vars['%appointment'] = toTypedValue(appointment);
  }
  return vars;
}

/**
 * The description of the first condition that does not hold, or undefined when all hold. A condition
 * that cannot be evaluated (e.g. it reads %appointment on a cohort enrolment) counts as not holding:
 * when in doubt, do not message.
 */
export function failingCondition(
  conditions: readonly FhirPathCondition[],
  patient: Patient,
  variables: Record<string, TypedValue>,
): string | undefined {
  for (const c of conditions) {
    let holds = false;
    try {
      const result = evalFhirPathTyped(c.expression, [toTypedValue(patient)], variables);
      holds = result.length > 0 && result.every((r) => r.value === true);
    } catch (err) {
      return `${c.description} (could not be evaluated: ${(err as Error).message})`;
    }
    if (!holds) {
      return c.description;
    }
  }
  return undefined;
}
