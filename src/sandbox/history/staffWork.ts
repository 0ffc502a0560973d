/**
 * What the coordinators did with the work the bots gave them: older tasks were worked (a call logged and
 * the task completed), the most recent stay open, so the worklist opens on a realistic backlog ("10
 * no-shows need a call", "12 patients ready for scheduling", "2 low survey scores").
 */

import type { Task } from '@medplum/fhirtypes';
import { CS } from '../../engine';
import { completeTask, logCallOutcome, OPEN_STATUSES, type Actor } from '../../fhir/worklist';
import type { Random } from '../practice';
import type { World } from './world';

/** How many open tasks of a kind (and workflow purpose, for calls) are left for the worklist. */
export const OPEN_BACKLOG: Readonly<Record<string, number>> = {
  'call-patient:no-show-recovery': 10,
  'ready-to-schedule': 12,
  'survey-escalation': 2,
  reschedule: 4,
  cancellation: 2,
  'staff-reply': 2,
  'manual-outreach': 2,
  'call-patient': 3,
};
const DEFAULT_BACKLOG = 2;

const HOUR = 3_600_000;

function kindOf(task: Task): string {
  const kind = task.code?.coding?.find((c) => c.system === CS.taskKind)?.code ?? '';
  const purpose = task.meta?.tag?.find((t) => t.system === CS.purpose)?.code;
  return kind === 'call-patient' && purpose === 'no-show-recovery' ? `${kind}:${purpose}` : kind;
}

const CLOSING_NOTES: Readonly<Record<string, string>> = {
  'ready-to-schedule': 'Booked the follow-up visit.',
  reschedule: 'Moved the visit to a new time.',
  cancellation: 'Cancelled in the EHR and offered a new time.',
  'survey-escalation': 'Called the patient and apologised; shared with the practice manager.',
  'staff-reply': 'Answered the patient.',
};

/**
 * Completes every open task beyond the backlog of its kind, oldest first, by a coordinator some hours
 * after it was created (never after `now`). Calls get a call outcome logged before they are completed.
 */
export function workTheQueues(
  world: World,
  random: (name: string) => Random,
  coordinators: readonly Actor[],
  now: number,
): number {
  const open = world
    .ofType<Task>('Task')
    .filter((t) => (OPEN_STATUSES as readonly string[]).includes(t.status))
    .filter((t) => Date.parse(t.executionPeriod?.start ?? t.authoredOn ?? '') <= now);
  const byKind = new Map<string, Task[]>();
  for (const t of open) {
    byKind.set(kindOf(t), [...(byKind.get(kindOf(t)) ?? []), t]);
  }
  let worked = 0;
  for (const [kind, tasks] of byKind) {
    const keep = OPEN_BACKLOG[kind] ?? DEFAULT_BACKLOG;
    const oldestFirst = [...tasks].sort(
      (a, b) =>
        Date.parse(a.authoredOn ?? '') - Date.parse(b.authoredOn ?? '') ||
        (a.id ?? '').localeCompare(b.id ?? ''),
    );
    for (const task of oldestFirst.slice(0, Math.max(0, oldestFirst.length - keep))) {
      const rng = random(`staff:${task.id ?? ''}`);
      const start = Date.parse(task.executionPeriod?.start ?? task.authoredOn ?? '');
      const at = Math.min(now - HOUR, start + rng.int(2, 40) * HOUR);
      const when = new Date(Math.max(at, start)).toISOString();
      const actor = rng.pick(coordinators);
      const called = kind.startsWith('call-patient')
        ? logCallOutcome(task, actor, rng.chance(0.7) ? 'scheduled' : 'voicemail', '', when)
        : task;
      world.put(completeTask(called, actor, CLOSING_NOTES[kind.split(':')[0] ?? ''] ?? 'Done.', when));
      worked++;
    }
  }
  return worked;
}
