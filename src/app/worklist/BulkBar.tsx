/** Bulk claim and assign for the ticked tasks; conflicts are listed, the rest are saved. */

import { Alert, Button, Group, NativeSelect, Text } from '@mantine/core';
import type { Task } from '@medplum/fhirtypes';
import { useState, type JSX } from 'react';
import {
  QUEUE_LABELS,
  TaskConflictError,
  assignTask,
  claimTask,
  type Actor,
  type BulkResult,
} from '../../fhir/worklist';
import { useBulkAction } from './useBulkAction';
import { useDraft } from './useDraft';

/** The ticked tasks and who acts. */
export interface BulkBarProps {
  readonly tasks: readonly Task[];
  readonly actor?: Actor;
  readonly queueOwners: Readonly<Record<string, string>>;
  readonly now: () => Date;
  readonly onDone: () => void;
}

function summary(results: readonly BulkResult[]): { saved: number; conflicts: number; failed: string[] } {
  const saved = results.filter((r) => r.ok).length;
  const errors = results.flatMap((r) => (r.ok ? [] : [r.error]));
  return {
    saved,
    conflicts: errors.filter((e) => e instanceof TaskConflictError).length,
    failed: errors.filter((e) => !(e instanceof TaskConflictError)).map((e) => e.message),
  };
}

/** The bar above the table when tasks are ticked. */
export function BulkBar(props: BulkBarProps): JSX.Element | null {
  const bulk = useBulkAction();
  const queue = useDraft('');
  const [result, setResult] = useState<ReturnType<typeof summary> | undefined>();
  const actor = props.actor;
  const run = (change: (t: Task) => Task): void => {
    setResult(undefined);
    bulk.mutate(
      { tasks: props.tasks, change },
      {
        onSuccess: (results) => {
          setResult(summary(results));
          props.onDone();
        },
      },
    );
  };
  if (props.tasks.length === 0 && !result) {
    return null;
  }
  const now = (): string => props.now().toISOString();
  return (
    <Group gap="xs" aria-label="Bulk actions" role="group">
      {props.tasks.length > 0 ? (
        <>
          <Text size="sm">{props.tasks.length} selected</Text>
          {actor ? (
            <Button
              size="compact-sm"
              loading={bulk.isPending}
              onClick={() => run((t) => claimTask(t, actor, now()))}
            >
              Claim selected
            </Button>
          ) : null}
          <NativeSelect
            aria-label="Assign selected to queue"
            data={[
              { value: '', label: 'Assign selected to…' },
              ...Object.entries(QUEUE_LABELS).map(([value, label]) => ({ value, label: `Queue: ${label}` })),
            ]}
            {...queue.input}
          />
          <Button
            size="compact-sm"
            variant="light"
            disabled={!queue.value}
            onClick={() => {
              const owner = props.queueOwners[queue.value];
              run((t) => assignTask(t, { queue: queue.value, ...(owner ? { owner } : {}) }, now()));
            }}
          >
            Assign selected
          </Button>
        </>
      ) : null}
      {result ? (
        <Alert color={result.conflicts || result.failed.length ? 'orange' : 'green'} role="status" p="xs">
          {result.saved} saved
          {result.conflicts
            ? `; ${result.conflicts} changed by someone else meanwhile, left as they are`
            : ''}
          {result.failed.length ? `; ${result.failed.length} failed: ${result.failed.join('; ')}` : ''}
        </Alert>
      ) : null}
      {bulk.isError ? <Alert color="red">{bulk.error.message}</Alert> : null}
    </Group>
  );
}
