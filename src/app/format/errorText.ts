/** An error as one readable sentence, for alerts shown in place. */
import { normalizeErrorString } from '@medplum/core';

/** The message of any thrown value (Medplum OperationOutcomes included). */
export function errorText(err: unknown): string {
  if (err instanceof Error && err.message) {
    return err.message;
  }
  return normalizeErrorString(err);
}
