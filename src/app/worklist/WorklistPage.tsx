import type { JSX } from 'react';

/** Placeholder until issue 6 lands: the coordinators' worklist. */
export function WorklistPage(): JSX.Element {
  return <p>Not built yet: the coordinators' worklist.</p>;
}
