/**
 * The worklist's headline counts, in the words coordinators use ("12 patients ready for scheduling",
 * "6 no-shows need a call", "2 low survey scores"). Each is a `_summary=count` search over open work, so a
 * count costs one cheap request and never loads the tasks.
 */

import { CS } from '../../engine/codes';
import { OPEN_STATUSES, WORKFLOW_TAG_SYSTEM } from './taskFacts';
import type { WorklistFilter } from './worklistSearch';

/** One headline count: what it counts and how to say it. */
export interface QueueCount {
  readonly id: string;
  /** Task kind counted. */
  readonly kind: string;
  /** Workflow purpose, when the count is one workflow's share of a kind. */
  readonly workflow?: string;
  readonly one: string;
  readonly many: string;
}

/** The counts shown above the worklist, most time-critical first. */
export const QUEUE_COUNTS: readonly QueueCount[] = [
  { id: 'urgent', kind: 'urgent-reply', one: 'urgent message to review', many: 'urgent messages to review' },
  {
    id: 'no-show-calls',
    kind: 'call-patient',
    workflow: 'no-show-recovery',
    one: 'no-show needs a call',
    many: 'no-shows need a call',
  },
  {
    id: 'ready-to-schedule',
    kind: 'ready-to-schedule',
    one: 'patient ready for scheduling',
    many: 'patients ready for scheduling',
  },
  {
    id: 'reschedule',
    kind: 'reschedule',
    one: 'patient wants to reschedule',
    many: 'patients want to reschedule',
  },
  {
    id: 'cancellation',
    kind: 'cancellation',
    one: 'cancellation to process',
    many: 'cancellations to process',
  },
  {
    id: 'staff-reply',
    kind: 'staff-reply',
    one: 'patient waiting for a reply',
    many: 'patients waiting for a reply',
  },
  { id: 'survey', kind: 'survey-escalation', one: 'low survey score', many: 'low survey scores' },
  { id: 'fix-contact', kind: 'fix-contact', one: 'contact detail to fix', many: 'contact details to fix' },
  {
    id: 'consent',
    kind: 'consent-review',
    one: 'messaging preference to check',
    many: 'messaging preferences to check',
  },
  {
    id: 'outreach',
    kind: 'manual-outreach',
    one: 'patient to reach another way',
    many: 'patients to reach another way',
  },
  { id: 'billing', kind: 'billing-follow-up', one: 'billing question', many: 'billing questions' },
];

/** The count in words: "1 low survey score", "12 patients ready for scheduling". */
export function countPhrase(count: QueueCount, n: number): string {
  return `${n} ${n === 1 ? count.one : count.many}`;
}

/** The `_summary=count` search for one headline count (open tasks of the kind, and workflow if set). */
export function queueCountParams(count: QueueCount): URLSearchParams {
  const params = new URLSearchParams([
    ['status', OPEN_STATUSES.join(',')],
    ['code', `${CS.taskKind}|${count.kind}`],
  ]);
  if (count.workflow) {
    params.set('_tag', `${WORKFLOW_TAG_SYSTEM}|${count.workflow}`);
  }
  params.set('_summary', 'count');
  return params;
}

/** The worklist filter a count opens when clicked: that open work, overdue first. */
export function filterForCount(count: QueueCount, base: WorklistFilter): WorklistFilter {
  const rest: WorklistFilter = { ...base };
  delete (rest as { workflow?: string }).workflow;
  return {
    ...rest,
    ...(count.workflow ? { workflow: count.workflow } : {}),
    kinds: [count.kind],
    status: 'open',
    page: 0,
  };
}
