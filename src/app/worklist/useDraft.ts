/**
 * What a coordinator is typing or choosing for one action (a note, a reason, a due date, an assignee),
 * wired to its input, and cleared only once that action saved, so a failed save keeps it.
 */

import { useState, type ChangeEvent } from 'react';

/** One input's draft value. */
export interface Draft<V extends string = string> {
  readonly value: V;
  readonly set: (value: V) => void;
  /** Back to the initial value, after the action using it saved. */
  readonly clear: () => void;
  /** Spread onto a Mantine TextInput, Textarea or NativeSelect. */
  readonly input: {
    readonly value: V;
    readonly onChange: (e: ChangeEvent<HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement>) => void;
  };
}

/** A draft value for one input, starting (and cleared back to) `initial`. */
export function useDraft<V extends string = string>(initial: NoInfer<V>): Draft<V> {
  const [value, set] = useState<V>(initial);
  return {
    value,
    set,
    clear: () => set(initial),
    // Select options are the V values, so the chosen one is a V.
    input: { value, onChange: (e) => set(e.currentTarget.value as V) },
  };
}
