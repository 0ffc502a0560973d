/**
 * The worklist as a FHIR search: filters and sort in, `Task` search parameters out. The server pages and
 * filters; the app never loads every task. Due is Medplum's `due-date` search parameter
 * (Task.restriction.period) and priority order is Medplum's `priority-order`.
 */

import { CS } from '../../engine/codes';
import { OPEN_STATUSES, UNCLAIMED_STATUSES, WORKFLOW_TAG_SYSTEM } from './taskFacts';

/** Whose work to show. */
export type OwnerFilter = 'all' | 'mine' | 'my-queues' | 'unassigned';

/** Which tasks by lifecycle. */
export type StatusFilter = 'open' | 'completed' | 'cancelled';

/** Which tasks by due time, relative to now. */
export type DueFilter = 'any' | 'overdue' | 'today' | 'week';

/** Sort keys the worklist offers; a leading `-` sorts descending. */
export type WorklistSort = 'due' | '-due' | 'priority' | '-priority' | 'created' | '-created';

/** What the coordinator picked. Absent fields do not filter. */
export interface WorklistFilter {
  /** Workflow purpose code (one per workflow), e.g. `no-show-recovery`. */
  readonly workflow?: string;
  /** Task kinds (task-kind codes). */
  readonly kinds?: readonly string[];
  readonly status: StatusFilter;
  /** Funnel stage (business-status code). */
  readonly businessStatus?: string;
  readonly owner: OwnerFilter;
  /** FHIR request priorities. */
  readonly priorities?: readonly string[];
  readonly due: DueFilter;
  readonly sort: WorklistSort;
  /** Zero-based page number. */
  readonly page: number;
  readonly pageSize: number;
}

/** Who is looking: needed for "mine" and "my queues". */
export interface WorklistViewer {
  /** `Practitioner/<id>` of the signed-in coordinator. */
  readonly me?: string;
  /** Work-queue codes the coordinator serves (from their CareTeams). */
  readonly queues: readonly string[];
  /** The instant "overdue" is measured from; "today" means due within 24 h of it, "week" within 7 days. */
  readonly now: Date;
}

/** The filter a coordinator starts with: open work, everyone's, overdue first. */
export const DEFAULT_FILTER: WorklistFilter = {
  status: 'open',
  owner: 'all',
  due: 'any',
  sort: 'due',
  page: 0,
  pageSize: 25,
};

const STATUS_VALUES: Record<StatusFilter, readonly string[]> = {
  open: OPEN_STATUSES,
  completed: ['completed'],
  cancelled: ['cancelled'],
};

const SORT_PARAM: Record<WorklistSort, string> = {
  due: 'due-date',
  '-due': '-due-date',
  // priority-order is higher for more pressing work (stat 50 ... routine 10).
  priority: '-priority-order',
  '-priority': 'priority-order',
  created: 'authored-on',
  '-created': '-authored-on',
};

const DAY_MS = 24 * 60 * 60 * 1000;

/** Thrown when a filter asks for something a search cannot express (e.g. "mine" with nobody signed in). */
export class WorklistFilterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WorklistFilterError';
  }
}

function statuses(filter: WorklistFilter): string[] {
  const wanted = STATUS_VALUES[filter.status];
  // "Unassigned" narrows open work to the statuses nobody has taken; it means nothing for closed work.
  return filter.owner === 'unassigned' && filter.status === 'open'
    ? wanted.filter((s) => (UNCLAIMED_STATUSES as readonly string[]).includes(s))
    : [...wanted];
}

/**
 * Search parameters shared by the page and its count: every filter, no paging or sort. Throws
 * WorklistFilterError when "mine" is asked with nobody signed in.
 */
export function worklistFilterParams(filter: WorklistFilter, viewer: WorklistViewer): [string, string][] {
  const params: [string, string][] = [['status', statuses(filter).join(',')]];
  if (filter.workflow) {
    params.push(['_tag', `${WORKFLOW_TAG_SYSTEM}|${filter.workflow}`]);
  }
  if (filter.kinds?.length) {
    params.push(['code', filter.kinds.map((k) => `${CS.taskKind}|${k}`).join(',')]);
  }
  if (filter.businessStatus) {
    params.push(['business-status', `${CS.businessStatus}|${filter.businessStatus}`]);
  }
  if (filter.priorities?.length) {
    params.push(['priority', filter.priorities.join(',')]);
  }
  if (filter.owner === 'mine') {
    if (!viewer.me) {
      throw new WorklistFilterError('"My tasks" needs a signed-in practitioner');
    }
    params.push(['owner', viewer.me]);
  } else if (filter.owner === 'my-queues') {
    // A coordinator in no queue sees nothing rather than everything: an impossible code keeps it empty.
    const queues = viewer.queues.length ? viewer.queues : ['none'];
    params.push(['performer', queues.map((q) => `${CS.queue}|${q}`).join(',')]);
  }
  const now = viewer.now.getTime();
  // `eb` (ends before): a due time is a Period with only an end, so `lt` would compare its open start.
  if (filter.due === 'overdue') {
    params.push(['due-date', `eb${new Date(now).toISOString()}`]);
  } else if (filter.due === 'today') {
    params.push(['due-date', `eb${new Date(now + DAY_MS).toISOString()}`]);
  } else if (filter.due === 'week') {
    params.push(['due-date', `eb${new Date(now + 7 * DAY_MS).toISOString()}`]);
  }
  return params;
}

/** The search for one page of the worklist: filters, sort, `_count`, `_offset`, patients included. */
export function worklistSearchParams(filter: WorklistFilter, viewer: WorklistViewer): URLSearchParams {
  const params = new URLSearchParams(worklistFilterParams(filter, viewer));
  params.set('_sort', SORT_PARAM[filter.sort]);
  params.set('_count', String(filter.pageSize));
  if (filter.page > 0) {
    params.set('_offset', String(filter.page * filter.pageSize));
  }
  params.set('_total', 'accurate');
  params.set('_include', 'Task:subject');
  return params;
}
