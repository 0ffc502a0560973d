/**
 * The coordinators' worklist: headline counts, filters, one server-side page of tasks, bulk claim and
 * assign, and the action panel for the task opened. Filters live in a zustand store; tasks in TanStack
 * Query, fetched a page at a time with FHIR search.
 */

import { Alert, Button, Grid, Group, Stack, Text, Title } from '@mantine/core';
import { normalizeErrorString } from '@medplum/core';
import { useState, type JSX } from 'react';
import { WorklistFilterError, taskPatient } from '../../fhir/worklist';
import { BulkBar } from './BulkBar';
import { QueueCounts } from './QueueCounts';
import { TaskPanel } from './TaskPanel';
import { TaskTable, patientName } from './TaskTable';
import { useOptionalSession } from '../session/SessionContext';
import { useViewer } from './useViewer';
import { useWorklistPage } from './useWorklistPage';
import { WorklistFilters } from './WorklistFilters';
import { useWorklistStore } from './worklistStore';

/** Props for tests: a fixed clock. */
export interface WorklistPageProps {
  readonly now?: () => Date;
}

const systemClock = (): Date => new Date();

/** `/worklist`. */
export function WorklistPage(props: WorklistPageProps = {}): JSX.Element {
  const session = useOptionalSession();
  // The sandbox may run its clock ahead of the wall clock: "overdue" follows the session's time.
  const clock = props.now ?? (session ? () => session.now() : systemClock);
  const viewer = useViewer();
  const filter = useWorklistStore((s) => s.filter);
  const selected = useWorklistStore((s) => s.selected);
  const toggle = useWorklistStore((s) => s.toggle);
  const setSelected = useWorklistStore((s) => s.setSelected);
  const setPage = useWorklistStore((s) => s.setPage);
  // One "now" per render of a filter: refetches keep the same due cut-off until the filter changes.
  const [now] = useState(clock);
  const page = useWorklistPage(filter, viewer, now);
  const [openId, setOpenId] = useState<string | undefined>();

  const tasks = page.data?.tasks ?? [];
  const patients = page.data?.patients ?? new Map();
  const open = tasks.find((t) => t.id === openId);
  const total = page.data?.total;
  const first = filter.page * filter.pageSize;
  const lastPage = total !== undefined ? Math.max(0, Math.ceil(total / filter.pageSize) - 1) : undefined;
  const actor = viewer.me
    ? { reference: viewer.me, ...(viewer.display ? { display: viewer.display } : {}) }
    : undefined;

  return (
    <Stack gap="sm" p="sm">
      <Title order={2}>Worklist</Title>
      <QueueCounts ready={!page.isPending} />
      <WorklistFilters />
      <BulkBar
        tasks={tasks.filter((t) => selected.includes(t.id ?? ''))}
        {...(actor ? { actor } : {})}
        queueOwners={viewer.queueOwners}
        now={clock}
        onDone={() => setSelected([])}
      />
      {page.isError ? (
        <Alert
          color="red"
          title={page.error instanceof WorklistFilterError ? 'Filter not possible' : 'Could not load tasks'}
        >
          {normalizeErrorString(page.error)}
        </Alert>
      ) : null}
      <Grid>
        <Grid.Col span={{ base: 12, md: open ? 7 : 12 }}>
          {page.isPending ? (
            <Text c="dimmed">Loading tasks…</Text>
          ) : tasks.length === 0 ? (
            <Text>No tasks match these filters.</Text>
          ) : (
            <TaskTable
              tasks={tasks}
              patients={patients}
              now={now}
              {...(viewer.me ? { me: viewer.me } : {})}
              selected={selected}
              onToggle={toggle}
              onToggleAll={setSelected}
              onOpen={(t) => setOpenId(t.id)}
              {...(openId ? { activeId: openId } : {})}
            />
          )}
          <Group justify="space-between" mt="xs">
            <Text size="sm" aria-live="polite">
              {total !== undefined && total > 0
                ? `${first + 1}–${first + tasks.length} of ${total}`
                : total === 0
                  ? '0 tasks'
                  : ''}
            </Text>
            <Group gap="xs">
              <Button
                size="compact-sm"
                variant="default"
                disabled={filter.page === 0}
                onClick={() => setPage(filter.page - 1)}
              >
                Previous page
              </Button>
              <Button
                size="compact-sm"
                variant="default"
                disabled={lastPage !== undefined ? filter.page >= lastPage : tasks.length < filter.pageSize}
                onClick={() => setPage(filter.page + 1)}
              >
                Next page
              </Button>
            </Group>
          </Group>
        </Grid.Col>
        {open ? (
          <Grid.Col span={{ base: 12, md: 5 }}>
            <TaskPanel
              key={open.id}
              task={open}
              {...(actor ? { actor } : {})}
              patientName={patientName(patients.get(taskPatient(open) ?? ''), taskPatient(open))}
              queueOwners={viewer.queueOwners}
              people={viewer.people}
              now={clock}
            />
          </Grid.Col>
        ) : null}
      </Grid>
    </Stack>
  );
}
