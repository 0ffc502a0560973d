/**
 * Runs a worklist action on a task: applies the pure change to the version the coordinator saw, saves it
 * with If-Match, shows it at once (optimistic) and puts the old row back if the save fails. A conflict
 * (someone else saved first) comes back as a TaskConflictError with their version; nothing the
 * coordinator typed lives here, so it stays in the form for a retry.
 */

import { useMedplum } from '@medplum/react-hooks';
import type { Task } from '@medplum/fhirtypes';
import { useMutation, useQueryClient, type UseMutationResult } from '@tanstack/react-query';
import { saveTask } from '../../fhir/worklist';
import type { WorklistPageData } from './useWorklistPage';
import { worklistKeys } from './worklistKeys';

/** What to do: the task as the coordinator saw it, and the change to make. */
export interface TaskActionInput {
  readonly task: Task;
  readonly change: (task: Task) => Task;
}

type Snapshot = [readonly unknown[], WorklistPageData | undefined][];

function replaceTask(data: WorklistPageData | undefined, task: Task): WorklistPageData | undefined {
  return data ? { ...data, tasks: data.tasks.map((t) => (t.id === task.id ? task : t)) } : data;
}

/** The mutation behind every single-task action. */
export function useTaskAction(): UseMutationResult<Task, Error, TaskActionInput, { snapshot: Snapshot }> {
  const medplum = useMedplum();
  const queryClient = useQueryClient();
  return useMutation({
    // The change runs here too (not only in onMutate) so a TaskActionError reaches the caller as an error.
    mutationFn: ({ task, change }) => saveTask(medplum, change(task)),
    onMutate: async ({ task, change }) => {
      await queryClient.cancelQueries({ queryKey: worklistKeys.pages });
      const snapshot = queryClient.getQueriesData<WorklistPageData>({ queryKey: worklistKeys.pages });
      let optimistic: Task | undefined;
      try {
        optimistic = change(task);
      } catch {
        optimistic = undefined;
      }
      if (optimistic) {
        const shown = optimistic;
        queryClient.setQueriesData<WorklistPageData>({ queryKey: worklistKeys.pages }, (d) =>
          replaceTask(d, shown),
        );
      }
      return { snapshot };
    },
    onError: (_err, _input, context) => {
      for (const [key, data] of context?.snapshot ?? []) {
        queryClient.setQueryData(key, data);
      }
    },
    onSuccess: (saved) => {
      queryClient.setQueriesData<WorklistPageData>({ queryKey: worklistKeys.pages }, (d) =>
        replaceTask(d, saved),
      );
    },
    onSettled: () => queryClient.invalidateQueries({ queryKey: worklistKeys.all }),
  });
}
