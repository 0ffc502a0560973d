/** Bulk claim or assign: each ticked task saved with If-Match; the result says which ones conflicted. */

import { useMedplum } from '@medplum/react-hooks';
import type { Task } from '@medplum/fhirtypes';
import { useMutation, useQueryClient, type UseMutationResult } from '@tanstack/react-query';
import { saveTasks, type BulkResult } from '../../fhir/worklist';
import { worklistKeys } from './worklistKeys';

/** The ticked tasks (as shown) and the change for each. */
export interface BulkActionInput {
  readonly tasks: readonly Task[];
  readonly change: (task: Task) => Task;
}

/** The mutation behind bulk actions; it resolves with one result per task, conflicts included. */
export function useBulkAction(): UseMutationResult<BulkResult[], Error, BulkActionInput> {
  const medplum = useMedplum();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ tasks, change }) => saveTasks(medplum, tasks, change),
    onSettled: () => queryClient.invalidateQueries({ queryKey: worklistKeys.all }),
  });
}
