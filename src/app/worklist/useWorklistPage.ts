/**
 * One page of the worklist from the server: the filter becomes a FHIR search with `_count`/`_offset`, the
 * server filters, sorts and pages, and the patients come in the same response (`_include`). A server that
 * ignores `_include` (Medplum's in-memory one) costs one more search: the page's patients by `_id`.
 */

import { useMedplum } from '@medplum/react-hooks';
import type { Bundle, Patient, Task } from '@medplum/fhirtypes';
import { keepPreviousData, useQuery, type UseQueryResult } from '@tanstack/react-query';
import { taskPatient, worklistSearchParams, type WorklistFilter } from '../../fhir/worklist';
import type { Viewer } from './useViewer';
import { worklistKeys } from './worklistKeys';

/** A page of tasks with their patients and the total matching the filter. */
export interface WorklistPageData {
  readonly tasks: Task[];
  readonly patients: ReadonlyMap<string, Patient>;
  /** Total matches, when the server says (Medplum does with `_total=accurate`). */
  readonly total?: number;
}

/** Splits a search Bundle into the page's tasks and the included patients. */
export function readWorklistBundle(bundle: Bundle): WorklistPageData {
  const tasks: Task[] = [];
  const patients = new Map<string, Patient>();
  for (const entry of bundle.entry ?? []) {
    const r = entry.resource;
    if (r?.resourceType === 'Task' && entry.search?.mode !== 'include') tasks.push(r);
    else if (r?.resourceType === 'Patient' && r.id) patients.set(`Patient/${r.id}`, r);
  }
  return { tasks, patients, ...(bundle.total !== undefined ? { total: bundle.total } : {}) };
}

/** The current page; the previous page stays on screen while the next one loads. */
export function useWorklistPage(
  filter: WorklistFilter,
  viewer: Viewer,
  now: Date,
): UseQueryResult<WorklistPageData> {
  const medplum = useMedplum();
  return useQuery({
    queryKey: worklistKeys.page(
      filter,
      filter.owner === 'my-queues' ? `${viewer.me ?? ''}|${viewer.queues.join(',')}` : (viewer.me ?? ''),
    ),
    queryFn: async () => {
      const page = readWorklistBundle(
        await medplum.search('Task', worklistSearchParams(filter, { ...viewer, now }), { cache: 'no-cache' }),
      );
      const missing = [
        ...new Set(page.tasks.map(taskPatient).filter((r): r is string => !!r && !page.patients.has(r))),
      ];
      if (missing.length === 0) {
        return page;
      }
      const found = await medplum.searchResources(
        'Patient',
        { _id: missing.map((r) => r.slice('Patient/'.length)).join(','), _count: String(missing.length) },
        { cache: 'no-cache' },
      );
      const patients = new Map(page.patients);
      for (const p of found) patients.set(`Patient/${p.id ?? ''}`, p);
      return { ...page, patients };
    },
    // Only "my queues" needs the coordinator's CareTeams; every other filter can go at once.
    enabled: !(filter.owner === 'my-queues' && viewer.loading),
    placeholderData: keepPreviousData,
  });
}
