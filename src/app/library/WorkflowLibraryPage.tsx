import type { JSX } from 'react';

/** Placeholder until issue 6 lands: the workflow library, readably. */
export function WorkflowLibraryPage(): JSX.Element {
  return <p>Not built yet: the workflow library, readably.</p>;
}
