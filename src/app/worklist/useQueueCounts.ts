/** The headline counts above the worklist, each one `_summary=count` search. */

import { useMedplum } from '@medplum/react-hooks';
import { useQuery, type UseQueryResult } from '@tanstack/react-query';
import { QUEUE_COUNTS, queueCountParams, type QueueCount } from '../../fhir/worklist';
import { worklistKeys } from './worklistKeys';

/** A headline count and its number. */
export interface CountedQueue {
  readonly count: QueueCount;
  readonly n: number;
}

/**
 * Every headline count, in QUEUE_COUNTS order. `enabled` lets the page hold the counts back until its
 * first page of tasks has arrived, so a busy server answers the page first.
 */
export function useQueueCounts(enabled = true): UseQueryResult<CountedQueue[]> {
  const medplum = useMedplum();
  return useQuery({
    enabled,
    queryKey: worklistKeys.counts,
    queryFn: () =>
      Promise.all(
        QUEUE_COUNTS.map(async (count) => {
          const bundle = await medplum.search('Task', queueCountParams(count), { cache: 'no-cache' });
          return { count, n: bundle.total ?? 0 };
        }),
      ),
    refetchInterval: 60_000,
  });
}
