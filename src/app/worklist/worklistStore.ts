/**
 * The worklist's UI state (zustand: filters, sort, page and the rows ticked for a bulk action). Server
 * state (the tasks themselves) lives in TanStack Query; this only says what to ask for.
 */

import { create } from 'zustand';
import { DEFAULT_FILTER, type WorklistFilter } from '../../fhir/worklist';

/** The worklist store's state and its setters. */
export interface WorklistState {
  readonly filter: WorklistFilter;
  /** Ids of the tasks ticked for a bulk action (on the current page). */
  readonly selected: readonly string[];
  /** Changes filters; any change but the page goes back to the first page and clears the ticks. */
  setFilter: (change: Partial<WorklistFilter>) => void;
  setPage: (page: number) => void;
  toggle: (id: string) => void;
  setSelected: (ids: readonly string[]) => void;
  reset: () => void;
}

/** The worklist's UI state; one per app (tests call `reset()`). */
export const useWorklistStore = create<WorklistState>((set) => ({
  filter: DEFAULT_FILTER,
  selected: [],
  setFilter: (change) => set((s) => ({ filter: { ...s.filter, ...change, page: 0 }, selected: [] })),
  setPage: (page) => set((s) => ({ filter: { ...s.filter, page }, selected: [] })),
  toggle: (id) =>
    set((s) => ({
      selected: s.selected.includes(id) ? s.selected.filter((x) => x !== id) : [...s.selected, id],
    })),
  setSelected: (ids) => set({ selected: ids }),
  reset: () => set({ filter: DEFAULT_FILTER, selected: [] }),
}));
