/**
 * What the conversation page shows beside the thread: what automation will do next (pending planned
 * messages), what it decided not to do (revoked steps with the reason), the enrolments running, and the
 * patient's open tasks with the next action. Pure, over records already loaded.
 */

import type { CarePlan, CommunicationRequest, Task } from '@medplum/fhirtypes';
import { OPEN_STATUSES, dueOf } from './taskFacts';

/** The side panel's facts. */
export interface ConversationFacts {
  /** Active planned messages, soonest first. */
  readonly upcoming: CommunicationRequest[];
  /** Steps automation skipped or stopped, most recent first (at most `limit`). */
  readonly skipped: CommunicationRequest[];
  readonly activePlans: CarePlan[];
  /** Open tasks, soonest due first. */
  readonly openTasks: Task[];
}

function time(value: string | undefined): number {
  const t = value ? Date.parse(value) : NaN;
  return Number.isNaN(t) ? Number.MAX_SAFE_INTEGER : t;
}

/** Sorts and filters a patient's records for the conversation page. */
export function conversationFacts(
  records: {
    readonly carePlans: readonly CarePlan[];
    readonly requests: readonly CommunicationRequest[];
    readonly tasks: readonly Task[];
  },
  limit = 5,
): ConversationFacts {
  return {
    upcoming: records.requests
      .filter((r) => r.status === 'active' && r.occurrenceDateTime)
      .sort((a, b) => time(a.occurrenceDateTime) - time(b.occurrenceDateTime)),
    skipped: records.requests
      .filter((r) => r.status === 'revoked')
      .sort((a, b) => time(b.occurrenceDateTime ?? b.authoredOn) - time(a.occurrenceDateTime ?? a.authoredOn))
      .slice(0, limit),
    activePlans: records.carePlans.filter((p) => p.status === 'active' || p.status === 'on-hold'),
    openTasks: records.tasks
      .filter((t) => (OPEN_STATUSES as readonly string[]).includes(t.status))
      .sort((a, b) => time(dueOf(a)) - time(dueOf(b))),
  };
}
