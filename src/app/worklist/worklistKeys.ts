/** TanStack Query keys of the worklist's server state, so an action invalidates exactly what it changed. */

import type { WorklistFilter } from '../../fhir/worklist';

/** Keys under `['worklist']`. */
export const worklistKeys = {
  all: ['worklist'] as const,
  pages: ['worklist', 'page'] as const,
  page: (filter: WorklistFilter, viewer: string) => ['worklist', 'page', viewer, filter] as const,
  counts: ['worklist', 'counts'] as const,
};
