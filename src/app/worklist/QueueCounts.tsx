/** The headline counts ("6 no-shows need a call"); each opens the worklist filtered to that work. */

import { Alert, Button, Group, Skeleton, Text } from '@mantine/core';
import { normalizeErrorString } from '@medplum/core';
import type { JSX } from 'react';
import { countPhrase, filterForCount } from '../../fhir/worklist';
import { useQueueCounts } from './useQueueCounts';
import { useWorklistStore } from './worklistStore';

/** The counts of open work that has something waiting, most time-critical first (once `ready`). */
export function QueueCounts(props: { ready?: boolean }): JSX.Element {
  const counts = useQueueCounts(props.ready ?? true);
  const filter = useWorklistStore((s) => s.filter);
  const setFilter = useWorklistStore((s) => s.setFilter);
  if (counts.isPending) {
    return <Skeleton height={28} aria-label="Loading counts" />;
  }
  if (counts.isError) {
    return (
      <Alert color="red" title="Could not count the queues">
        {normalizeErrorString(counts.error)}
      </Alert>
    );
  }
  const waiting = counts.data.filter((c) => c.n > 0);
  if (waiting.length === 0) {
    return <Text c="dimmed">Nothing is waiting: every queue is clear.</Text>;
  }
  return (
    <Group
      gap="xs"
      component="ul"
      aria-label="Work waiting"
      style={{ listStyle: 'none', padding: 0, margin: 0 }}
    >
      {waiting.map(({ count, n }) => (
        <li key={count.id}>
          <Button
            size="compact-sm"
            variant="light"
            color={count.id === 'urgent' ? 'red' : 'blue'}
            onClick={() => setFilter(filterForCount(count, filter))}
          >
            {countPhrase(count, n)}
          </Button>
        </li>
      ))}
    </Group>
  );
}
