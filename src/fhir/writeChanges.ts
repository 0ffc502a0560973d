/**
 * Writing what the engine decided: a planned enrolment (one transaction of conditional creates) or a
 * transition (one batch of updates and conditional creates). One request each, never one per resource.
 */

import { getStatus, OperationOutcomeError, type MedplumClient } from '@medplum/core';
import type { Bundle, BundleEntry, OperationOutcome, Resource } from '@medplum/fhirtypes';
import { ifNoneExist, type EnrollmentPlan, type Transition } from '../engine';
import { enrollmentTransaction } from './enrollmentBundle';

/** Raised when some entries of a batch failed; carries the failing entries' outcomes. */
export class WriteError extends Error {
  readonly failures: { index: number; status: string; message: string }[];

  constructor(failures: { index: number; status: string; message: string }[]) {
    super(
      `${failures.length} write(s) failed: ${failures.map((f) => `#${f.index} ${f.status} ${f.message}`).join('; ')}`,
    );
    this.name = 'WriteError';
    this.failures = failures;
  }
}

/** How often a failed write is tried again within one run, and how long to wait in between. */
export interface RetryPolicy {
  /** Tries in all, the first included. */
  readonly attempts: number;
  /** Wait before the second try; doubles each time. */
  readonly waitMs: number;
}

/**
 * Entry failures worth another try: the server was busy or broken (429, 5xx) or gave no answer. A 4xx
 * (invalid resource, 412 version conflict) would fail the same way again.
 */
export function isRetryableStatus(status: string): boolean {
  return status === '' || /^(429|5\d\d)/.test(status);
}

/** The default: three tries, 200 ms then 400 ms apart (MedplumClient already retries a whole failed request). */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, waitMs: 200 };

function statusOfError(err: unknown): string {
  // A whole request that failed (after MedplumClient's own retries) fails every entry alike; no answer at
  // all (a dropped connection) has no status and is worth another try.
  return err instanceof OperationOutcomeError ? String(getStatus(err.outcome)) : '';
}

/**
 * Executes a batch and tries again, a few times, only the entries that failed with a retryable status
 * (PUTs and conditional creates are safe to repeat). Returns one response entry per input entry, in
 * order; entries that still failed keep their last failing response, for the caller to deal with.
 */
export async function executeBatchWithRetry(
  medplum: MedplumClient,
  bundle: Bundle,
  policy: RetryPolicy = DEFAULT_RETRY,
): Promise<BundleEntry[]> {
  const entries = bundle.entry ?? [];
  const responses: BundleEntry[] = entries.map(() => ({ response: { status: '' } }));
  let pending = entries.map((_, i) => i);
  for (let attempt = 0; attempt < policy.attempts && pending.length > 0; attempt++) {
    if (attempt > 0) {
      await new Promise((resolve) => setTimeout(resolve, policy.waitMs * 2 ** (attempt - 1)));
    }
    try {
      const result = await medplum.executeBatch({
        ...bundle,
        entry: pending.map((i) => entries[i] as BundleEntry),
      });
      pending.forEach((i, k) => {
        responses[i] = result.entry?.[k] ?? { response: { status: '' } };
      });
    } catch (err) {
      const status = statusOfError(err);
      const message = (err as Error).message;
      for (const i of pending) {
        responses[i] = { response: { status, outcome: outcomeOf(message) } };
      }
      if (!isRetryableStatus(status)) break;
    }
    pending = pending.filter((i) => isRetryableStatus(responses[i]?.response?.status ?? ''));
  }
  return responses;
}

function outcomeOf(message: string): OperationOutcome {
  return {
    resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code: 'exception', details: { text: message } }],
  };
}

/** The entries of a batch response that did not succeed (not 2xx or 3xx), with their index. */
export function failedEntries(responses: readonly BundleEntry[]): WriteError['failures'] {
  return responses.flatMap((e, index) => {
    const status = e.response?.status ?? '';
    return /^[23]/.test(status)
      ? []
      : [{ index, status, message: e.response?.outcome?.issue?.[0]?.details?.text ?? 'failed' }];
  });
}

/**
 * Creates an enrolment's resources unless they already exist (a retry is harmless). It is one transaction
 * (internal references tie it together), so a failure tries the whole of it again.
 */
export async function writeEnrollment(
  medplum: MedplumClient,
  plan: Extract<EnrollmentPlan, { applicable: true }>,
  policy: RetryPolicy = DEFAULT_RETRY,
): Promise<Bundle> {
  const transaction = enrollmentTransaction(plan);
  let last: WriteError | Error = new Error('not written');
  for (let attempt = 0; attempt < policy.attempts; attempt++) {
    if (attempt > 0) {
      await new Promise((resolve) => setTimeout(resolve, policy.waitMs * 2 ** (attempt - 1)));
    }
    try {
      return checked(await medplum.executeBatch(transaction));
    } catch (err) {
      last = err as Error;
      const statuses = err instanceof WriteError ? err.failures.map((f) => f.status) : [statusOfError(err)];
      if (!statuses.every(isRetryableStatus)) break;
    }
  }
  throw last instanceof WriteError
    ? last
    : new WriteError([{ index: 0, status: statusOfError(last), message: last.message }]);
}

function update(resource: Resource): BundleEntry {
  if (!resource.id) {
    throw new Error(`${resource.resourceType} to update has no id`);
  }
  return { resource, request: { method: 'PUT', url: `${resource.resourceType}/${resource.id}` } };
}

function createOnce(
  resource: Resource & { identifier?: { system?: string; value?: string }[] },
  system: 'task' | 'consent' | 'request',
): BundleEntry {
  const value = resource.identifier?.[0]?.value;
  return {
    resource,
    request: {
      method: 'POST',
      url: resource.resourceType,
      ...(value ? { ifNoneExist: ifNoneExist(system, value) } : {}),
    },
  };
}

/** The batch that applies a transition; empty transitions make no request. */
export function transitionBatch(t: Transition): Bundle | undefined {
  const entry: BundleEntry[] = [
    ...t.revoked.map(update),
    ...t.cancelledTasks.map(update),
    ...(t.appointment ? [update(t.appointment)] : []),
    ...(t.carePlan ? [update(t.carePlan)] : []),
    ...t.consents.map((c) => createOnce(c, 'consent')),
    ...t.tasks.map((task) => createOnce(task, 'task')),
    ...t.requests.map((r) => createOnce(r, 'request')),
  ];
  return entry.length ? { resourceType: 'Bundle', type: 'batch', entry } : undefined;
}

/**
 * Writes a transition in one batch request; entries that fail with 429 or 5xx are tried again (every
 * entry is a PUT of a whole resource or a conditional create, so repeating one is harmless). What still
 * fails raises WriteError: running the same transition again later (a retried webhook, the watchdog)
 * writes only what is missing.
 */
export async function writeTransition(
  medplum: MedplumClient,
  t: Transition,
  policy: RetryPolicy = DEFAULT_RETRY,
): Promise<Bundle | undefined> {
  const batch = transitionBatch(t);
  if (!batch) return undefined;
  const entry = await executeBatchWithRetry(medplum, batch, policy);
  return checked({ resourceType: 'Bundle', type: 'batch-response', entry });
}

function checked(result: Bundle): Bundle {
  const failures = failedEntries(result.entry ?? []);
  if (failures.length) {
    throw new WriteError(failures);
  }
  return result;
}
