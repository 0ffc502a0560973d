/**
 * UI state that must outlive a component: what the user typed but has not sent or saved (reply drafts,
 * reasons). Kept per patient so switching pages or a failed save never loses text. zustand holds UI state
 * only; server state lives in TanStack Query.
 */
import { create } from 'zustand';

interface DraftState {
  readonly drafts: Readonly<Record<string, string>>;
  setDraft(key: string, text: string): void;
  clearDraft(key: string): void;
}

/** Drafts by key (e.g. `reply:<patientId>`). */
export const useDraftStore = create<DraftState>((set) => ({
  drafts: {},
  setDraft: (key, text) => set((s) => ({ drafts: { ...s.drafts, [key]: text } })),
  clearDraft: (key) =>
    set((s) => ({ drafts: Object.fromEntries(Object.entries(s.drafts).filter(([k]) => k !== key)) })),
}));

/** The draft under `key` and its setter, like useState but surviving unmounts. */
export function useDraft(key: string): [string, (text: string) => void, () => void] {
  const text = useDraftStore((s) => s.drafts[key] ?? '');
  const setDraft = useDraftStore((s) => s.setDraft);
  const clearDraft = useDraftStore((s) => s.clearDraft);
  return [text, (t: string) => setDraft(key, t), () => clearDraft(key)];
}
