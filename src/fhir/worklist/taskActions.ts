/**
 * What each worklist action does to a Task, as pure functions: the current Task in, the changed Task out
 * (same id and meta, so the write can carry If-Match). No clock: the caller passes `now`.
 */

import type { Annotation, Task } from '@medplum/fhirtypes';
import { CARELOOP_BASE, CS } from '../../engine/codes';

/** Who acts: a person's reference (`Practitioner/<id>`) and display name. */
export interface Actor {
  readonly reference: string;
  readonly display?: string;
}

/** Code system of the call outcomes a coordinator logs. */
export const CALL_OUTCOME_SYSTEM = `${CARELOOP_BASE}/CodeSystem/call-outcome`;

/** Outcomes of a phone call, with the funnel stage each moves the task to. */
export const CALL_OUTCOMES = {
  reached: { label: 'Reached the patient', businessStatus: 'contacted' },
  scheduled: { label: 'Reached and booked a visit', businessStatus: 'scheduled' },
  voicemail: { label: 'Left a voicemail', businessStatus: 'attempting-contact' },
  'no-answer': { label: 'No answer', businessStatus: 'attempting-contact' },
  'wrong-number': { label: 'Wrong number', businessStatus: 'attempting-contact' },
  declined: { label: 'Patient declined', businessStatus: 'resolved' },
} as const;

/** A call outcome code. */
export type CallOutcome = keyof typeof CALL_OUTCOMES;

/** Business statuses (funnel stages) with the words the worklist shows. */
export const BUSINESS_STATUSES: Readonly<Record<string, string>> = {
  new: 'New',
  'attempting-contact': 'Attempting contact',
  contacted: 'Contacted',
  scheduled: 'Scheduled',
  resolved: 'Resolved',
  'unable-to-reach': 'Unable to reach',
};

const CLOSED = new Set(['completed', 'cancelled', 'rejected', 'failed', 'entered-in-error']);

/** Thrown when an action makes no sense for the task as it is now (e.g. completing a cancelled task). */
export class TaskActionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TaskActionError';
  }
}

function open(task: Task, action: string): void {
  if (CLOSED.has(task.status)) {
    throw new TaskActionError(`Cannot ${action}: the task is already ${task.status}`);
  }
}

function note(actor: Actor, text: string, now: string): Annotation {
  return {
    authorReference: {
      reference: actor.reference,
      ...(actor.display ? { display: actor.display } : {}),
    } as Annotation['authorReference'],
    time: now,
    text,
  };
}

function withNote(task: Task, actor: Actor, text: string | undefined, now: string): Task {
  const trimmed = text?.trim();
  return trimmed ? { ...task, note: [...(task.note ?? []), note(actor, trimmed, now)] } : task;
}

function businessStatus(code: string): Task['businessStatus'] {
  const text = BUSINESS_STATUSES[code];
  if (!text) {
    throw new TaskActionError(`Unknown business status "${code}"`);
  }
  return { coding: [{ system: CS.businessStatus, code }], text };
}

/** Takes the task: the actor owns it and it is accepted. */
export function claimTask(task: Task, actor: Actor, now: string): Task {
  open(task, 'claim');
  return {
    ...task,
    owner: {
      reference: actor.reference,
      ...(actor.display ? { display: actor.display } : {}),
    } as Task['owner'],
    status: task.status === 'in-progress' || task.status === 'on-hold' ? task.status : 'accepted',
    lastModified: now,
  };
}

/**
 * Gives the task to a person (accepted, theirs) or hands it to a queue (requested, owned by the queue's
 * CareTeam or Organization if the practice mapped one, and the queue code as performerType).
 */
export function assignTask(
  task: Task,
  to: { person: Actor } | { queue: string; owner?: string },
  now: string,
): Task {
  open(task, 'assign');
  if ('person' in to) {
    return claimTask(task, to.person, now);
  }
  const rest: Task = { ...task };
  delete rest.owner;
  return {
    ...rest,
    ...(to.owner ? { owner: { reference: to.owner } as Task['owner'] } : {}),
    performerType: [{ coding: [{ system: CS.queue, code: to.queue }], text: to.queue }],
    status: 'requested',
    lastModified: now,
  };
}

/** Moves the task to a funnel stage. */
export function setBusinessStatus(task: Task, code: string, now: string): Task {
  open(task, 'change the status of');
  return { ...task, businessStatus: businessStatus(code), lastModified: now };
}

/** Adds a note; an empty note is refused so nothing blank is saved. */
export function addNote(task: Task, actor: Actor, text: string, now: string): Task {
  if (!text.trim()) {
    throw new TaskActionError('The note is empty');
  }
  return { ...withNote(task, actor, text, now), lastModified: now };
}

/** Sets the due time (`restriction.period.end`); refuses a date that cannot be read. */
export function setDue(task: Task, due: string, now: string): Task {
  open(task, 'set the due date of');
  if (Number.isNaN(Date.parse(due))) {
    throw new TaskActionError(`"${due}" is not a date`);
  }
  const end = new Date(due).toISOString();
  return {
    ...task,
    restriction: { ...task.restriction, period: { ...task.restriction?.period, end } },
    lastModified: now,
  };
}

/** Snoozes the task: due `days` from now, with a note saying so. */
export function snoozeTask(task: Task, actor: Actor, days: number, now: string): Task {
  if (!Number.isFinite(days) || days <= 0) {
    throw new TaskActionError('Snooze for at least one day');
  }
  const until = new Date(Date.parse(now) + days * 24 * 60 * 60 * 1000).toISOString();
  return withNote(setDue(task, until, now), actor, `Snoozed until ${until.slice(0, 10)}`, now);
}

/**
 * Records a phone call: the outcome as a Task.output (coded, with the note), the funnel stage it implies,
 * a note for the history, and the task in progress.
 */
export function logCallOutcome(
  task: Task,
  actor: Actor,
  outcome: CallOutcome,
  text: string,
  now: string,
): Task {
  open(task, 'log a call on');
  const def = CALL_OUTCOMES[outcome];
  if (!def) {
    throw new TaskActionError(`Unknown call outcome "${String(outcome)}"`);
  }
  const detail = text.trim();
  const output: NonNullable<Task['output']>[number] = {
    type: {
      coding: [{ system: CALL_OUTCOME_SYSTEM, code: outcome, display: def.label }],
      text: 'Call outcome',
    },
    valueString: detail ? `${def.label}: ${detail}` : def.label,
  };
  return {
    ...withNote(task, actor, `Call: ${def.label}${detail ? ` — ${detail}` : ''}`, now),
    output: [...(task.output ?? []), output],
    businessStatus: businessStatus(def.businessStatus),
    status: task.status === 'on-hold' ? 'on-hold' : 'in-progress',
    lastModified: now,
  };
}

/** Completes the task (with an optional closing note). */
export function completeTask(task: Task, actor: Actor, text: string, now: string): Task {
  open(task, 'complete');
  return {
    ...withNote(task, actor, text, now),
    status: 'completed',
    executionPeriod: { ...task.executionPeriod, end: now },
    lastModified: now,
  };
}

/** Cancels the task; a reason is required and kept as statusReason and a note. */
export function cancelTask(task: Task, actor: Actor, reason: string, now: string): Task {
  open(task, 'cancel');
  if (!reason.trim()) {
    throw new TaskActionError('Say why the task is cancelled');
  }
  return {
    ...withNote(task, actor, `Cancelled: ${reason.trim()}`, now),
    status: 'cancelled',
    statusReason: { text: reason.trim() },
    executionPeriod: { ...task.executionPeriod, end: now },
    lastModified: now,
  };
}
