/** Parsing FHIR Durations (UCUM time units) into milliseconds with a label for human-readable reasons. */

import type { Duration } from '@medplum/fhirtypes';
import type { DateTime } from 'luxon';
import type { StepDuration } from './types';
import { WorkflowDefinitionError } from './errors';

const UNIT_MS: Record<StepDuration['unit'], { ms: number; one: string; many: string }> = {
  min: { ms: 60_000, one: 'minute', many: 'minutes' },
  h: { ms: 3_600_000, one: 'hour', many: 'hours' },
  d: { ms: 86_400_000, one: 'day', many: 'days' },
  wk: { ms: 604_800_000, one: 'week', many: 'weeks' },
};

/** The UCUM time units the profile accepts. */
export const TIME_UNITS: readonly string[] = Object.keys(UNIT_MS);

/** Builds a StepDuration from a value and a UCUM unit; throws naming `element` when the unit is unknown. */
export function stepDuration(value: number, unit: string, element: string): StepDuration {
  const u = (UNIT_MS as Record<string, (typeof UNIT_MS)['d'] | undefined>)[unit];
  if (!u) {
    throw new WorkflowDefinitionError(
      element,
      `unit "${unit}" is not a UCUM time unit (use min, h, d or wk)`,
    );
  }
  if (!Number.isFinite(value) || value < 0) {
    throw new WorkflowDefinitionError(element, `value must be a number ≥ 0, got ${String(value)}`);
  }
  return {
    value,
    unit: unit as StepDuration['unit'],
    ms: value * u.ms,
    label: `${value} ${value === 1 ? u.one : u.many}`,
  };
}

/** Reads a FHIR Duration (code preferred over unit) into a StepDuration. */
export function parseDuration(d: Duration | undefined, element: string): StepDuration {
  if (!d) {
    throw new WorkflowDefinitionError(element, 'is required');
  }
  if (typeof d.value !== 'number') {
    throw new WorkflowDefinitionError(`${element}.value`, 'is required');
  }
  return stepDuration(d.value, d.code ?? d.unit ?? '', `${element}.code`);
}

/** Adds (sign 1) or subtracts (sign -1) a duration: calendar days and weeks, exact minutes and hours. */
export function shift(t: DateTime, d: StepDuration, sign: 1 | -1 = 1): DateTime {
  const amount = sign * d.value;
  switch (d.unit) {
    case 'd':
      return t.plus({ days: amount });
    case 'wk':
      return t.plus({ weeks: amount });
    default:
      return t.plus({ milliseconds: sign * d.ms });
  }
}
