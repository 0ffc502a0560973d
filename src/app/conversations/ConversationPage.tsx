import type { JSX } from 'react';

/** Placeholder until issue 6 lands: a patient's conversation with the next action. */
export function ConversationPage(): JSX.Element {
  return <p>Not built yet: a patient's conversation with the next action.</p>;
}
