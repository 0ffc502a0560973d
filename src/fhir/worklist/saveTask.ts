/**
 * Writes a changed Task with optimistic concurrency: the update carries `If-Match` with the version the
 * coordinator saw, so two people working the same task cannot silently overwrite each other. A conflict
 * comes back as a TaskConflictError holding the other person's version.
 */

import { normalizeErrorString, type MedplumClient } from '@medplum/core';
import type { Task } from '@medplum/fhirtypes';

/** Someone else saved the task first: `current` is their version (what the server holds now). */
export class TaskConflictError extends Error {
  constructor(
    readonly current: Task,
    readonly attempted: Task,
  ) {
    super('Someone else changed this task while you were working on it');
    this.name = 'TaskConflictError';
  }
}

function isPreconditionFailed(err: unknown): boolean {
  const e = err as {
    status?: number;
    outcome?: { issue?: { code?: string; details?: { text?: string } }[] };
  };
  if (e?.status === 412) return true;
  const text = normalizeErrorString(err);
  return /precondition failed/i.test(text);
}

/**
 * Saves `changed` if the server still holds `changed.meta.versionId`; throws TaskConflictError (with the
 * current version) when it does not, and an Error when the task has no id or version to check against.
 */
export async function saveTask(medplum: MedplumClient, changed: Task): Promise<Task> {
  const version = changed.meta?.versionId;
  if (!changed.id || !version) {
    throw new Error('Cannot save a task without its id and version (load it first)');
  }
  try {
    return await medplum.updateResource(changed, { headers: { 'If-Match': `W/"${version}"` } });
  } catch (err) {
    if (!isPreconditionFailed(err)) {
      throw err;
    }
    const current = await medplum.readResource('Task', changed.id, { cache: 'no-cache' });
    throw new TaskConflictError(current, changed);
  }
}

/** One task's result in a bulk action. */
export type BulkResult =
  | { readonly id: string; readonly ok: true; readonly task: Task }
  | { readonly id: string; readonly ok: false; readonly error: Error };

/**
 * Applies `change` to each task and saves each with If-Match, a few at a time; every task gets a result
 * (saved, conflict or error) so one conflict does not stop or hide the rest.
 */
export async function saveTasks(
  medplum: MedplumClient,
  tasks: readonly Task[],
  change: (task: Task) => Task,
  concurrency = 4,
): Promise<BulkResult[]> {
  const results: BulkResult[] = new Array<BulkResult>(tasks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const i = next++;
      const task = tasks[i] as Task;
      const id = task.id ?? '';
      try {
        results[i] = { id, ok: true, task: await saveTask(medplum, change(task)) };
      } catch (err) {
        results[i] = { id, ok: false, error: err instanceof Error ? err : new Error(String(err)) };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, tasks.length) }, worker));
  return results;
}
