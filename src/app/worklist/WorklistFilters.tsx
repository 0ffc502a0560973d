/** The worklist's filters and sort as native selects: keyboard friendly, and narrow enough for an iframe. */

import { Group, NativeSelect } from '@mantine/core';
import type { JSX } from 'react';
import { TASK_KINDS } from '../../engine/workflow/types';
import { taskLabel } from '../../engine/planning/resources';
import {
  BUSINESS_STATUSES,
  PRIORITY_LABELS,
  WORKFLOW_LABELS,
  type DueFilter,
  type OwnerFilter,
  type StatusFilter,
  type WorklistSort,
} from '../../fhir/worklist';
import { useWorklistStore } from './worklistStore';

const ANY = '';

function options(
  labels: Readonly<Record<string, string>>,
  anyLabel: string,
): { value: string; label: string }[] {
  return [
    { value: ANY, label: anyLabel },
    ...Object.entries(labels).map(([value, label]) => ({ value, label })),
  ];
}

const OWNER: Record<OwnerFilter, string> = {
  all: 'Everyone',
  mine: 'My tasks',
  'my-queues': 'My queues',
  unassigned: 'Unassigned',
};
const STATUS: Record<StatusFilter, string> = { open: 'Open', completed: 'Completed', cancelled: 'Cancelled' };
const DUE: Record<DueFilter, string> = {
  any: 'Any time',
  overdue: 'Overdue',
  today: 'Due within a day',
  week: 'Due within a week',
};
const SORT: Record<WorklistSort, string> = {
  due: 'Due soonest (overdue first)',
  '-due': 'Due latest',
  priority: 'Most urgent',
  '-priority': 'Least urgent',
  created: 'Oldest',
  '-created': 'Newest',
};
const KIND_LABELS = Object.fromEntries(TASK_KINDS.map((k) => [k, taskLabel(k)]));

/** Filters: workflow, kind, status, stage, owner, priority, due; and the sort. */
export function WorklistFilters(): JSX.Element {
  const filter = useWorklistStore((s) => s.filter);
  const setFilter = useWorklistStore((s) => s.setFilter);
  return (
    <Group gap="xs" align="flex-end" wrap="wrap">
      <NativeSelect
        label="Workflow"
        data={options(WORKFLOW_LABELS, 'All workflows')}
        value={filter.workflow ?? ANY}
        onChange={(e) => {
          const v = e.currentTarget.value;
          setFilter({ workflow: v || undefined });
        }}
      />
      <NativeSelect
        label="Kind"
        data={options(KIND_LABELS, 'All kinds')}
        value={filter.kinds?.[0] ?? ANY}
        onChange={(e) => {
          const v = e.currentTarget.value;
          setFilter({ kinds: v ? [v] : undefined });
        }}
      />
      <NativeSelect
        label="Status"
        data={Object.entries(STATUS).map(([value, label]) => ({ value, label }))}
        value={filter.status}
        onChange={(e) => setFilter({ status: e.currentTarget.value as StatusFilter })}
      />
      <NativeSelect
        label="Stage"
        data={options(BUSINESS_STATUSES, 'Any stage')}
        value={filter.businessStatus ?? ANY}
        onChange={(e) => {
          const v = e.currentTarget.value;
          setFilter({ businessStatus: v || undefined });
        }}
      />
      <NativeSelect
        label="Owner"
        data={Object.entries(OWNER).map(([value, label]) => ({ value, label }))}
        value={filter.owner}
        onChange={(e) => setFilter({ owner: e.currentTarget.value as OwnerFilter })}
      />
      <NativeSelect
        label="Priority"
        data={options(PRIORITY_LABELS, 'Any priority')}
        value={filter.priorities?.[0] ?? ANY}
        onChange={(e) => {
          const v = e.currentTarget.value;
          setFilter({ priorities: v ? [v] : undefined });
        }}
      />
      <NativeSelect
        label="Due"
        data={Object.entries(DUE).map(([value, label]) => ({ value, label }))}
        value={filter.due}
        onChange={(e) => setFilter({ due: e.currentTarget.value as DueFilter })}
      />
      <NativeSelect
        label="Sort"
        data={Object.entries(SORT).map(([value, label]) => ({ value, label }))}
        value={filter.sort}
        onChange={(e) => setFilter({ sort: e.currentTarget.value as WorklistSort })}
      />
    </Group>
  );
}
