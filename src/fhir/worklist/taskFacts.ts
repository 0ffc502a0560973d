/**
 * What the worklist reads off one Task: its kind, queue, workflow, funnel stage, owner and due time. Pure
 * readers over the Task shape the engine writes (src/engine/planning/resources.ts `buildTask`).
 */

import type { Task } from '@medplum/fhirtypes';
import { CS } from '../../engine/codes';
import { taskLabel } from '../../engine/planning/resources';
import { QUEUE_LABELS } from './labels';

/** Task statuses that still need a person: work that is neither done, cancelled nor refused. */
export const OPEN_STATUSES = [
  'requested',
  'received',
  'accepted',
  'ready',
  'in-progress',
  'on-hold',
] as const;

/**
 * Open statuses of work nobody has taken yet. A claim or an assignment to a person moves a task to
 * `accepted`, and a hand-back to a queue moves it back to `requested`, so "unassigned" is a plain status
 * search that every FHIR server (and Medplum's in-memory one) answers, whatever a queue owner looks like.
 */
export const UNCLAIMED_STATUSES = ['requested', 'received', 'ready'] as const;

/**
 * The tag that names the workflow a Task came from: system = the workflow-purpose CodeSystem, code = the
 * purpose (one per workflow in the library). FHIR search cannot follow Task.basedOn to the CarePlan's
 * workflow on Medplum's in-memory server (no chained search), so the worklist filters on this tag.
 */
export const WORKFLOW_TAG_SYSTEM = CS.purpose;

function codeIn(
  codings: readonly { system?: string; code?: string }[] | undefined,
  system: string,
): string | undefined {
  return codings?.find((c) => c.system === system)?.code;
}

/** The task kind (Task.code in the task-kind CodeSystem). */
export function taskKind(task: Task): string | undefined {
  return codeIn(task.code?.coding, CS.taskKind);
}

/** What a coordinator calls the task: the kind's label, else the code's text. */
export function taskTitle(task: Task): string {
  const kind = taskKind(task);
  return kind ? taskLabel(kind) : (task.code?.text ?? 'Task');
}

/** The work queue (performerType in the work-queue CodeSystem). */
export function taskQueue(task: Task): string | undefined {
  return codeIn(
    task.performerType?.flatMap((p) => p.coding ?? []),
    CS.queue,
  );
}

/**
 * Who owns the task, in words: "Unassigned", "Me", the owner's display, or — for a queue (a CareTeam or
 * Organization owner, as the bots assign) — the queue's name rather than its reference.
 */
export function ownerLabel(task: Task, me: string | undefined): string {
  const ref = task.owner?.reference;
  if (!ref) return 'Unassigned';
  if (ref === me) return 'Me';
  if (task.owner?.display) return task.owner.display;
  const queue = taskQueue(task);
  if (queue && /^(CareTeam|Organization)\//.test(ref)) return `${QUEUE_LABELS[queue] ?? queue} queue`;
  return ref;
}

/** The workflow purpose the Task is tagged with, if any. */
export function taskWorkflow(task: Task): string | undefined {
  return codeIn(task.meta?.tag, WORKFLOW_TAG_SYSTEM);
}

/** The funnel stage (businessStatus in the business-status CodeSystem). */
export function businessStatusOf(task: Task): string | undefined {
  return codeIn(task.businessStatus?.coding, CS.businessStatus);
}

/** Due time: `restriction.period.end`. */
export function dueOf(task: Task): string | undefined {
  return task.restriction?.period?.end;
}

/** True when the task is still open and its due time has passed. */
export function isOverdue(task: Task, now: Date): boolean {
  const due = dueOf(task);
  return (
    (OPEN_STATUSES as readonly string[]).includes(task.status) &&
    due !== undefined &&
    Date.parse(due) < now.getTime()
  );
}

/** True when a person (not a queue) owns the task. */
export function isPersonallyOwned(task: Task): boolean {
  const ref = task.owner?.reference ?? '';
  return ref.startsWith('Practitioner/') || ref.startsWith('PractitionerRole/');
}

/** The patient reference (`Patient/<id>`) the task is for. */
export function taskPatient(task: Task): string | undefined {
  const ref = task.for?.reference;
  return ref?.startsWith('Patient/') ? ref : undefined;
}
