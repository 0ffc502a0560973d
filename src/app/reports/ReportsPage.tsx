import type { JSX } from 'react';

/** Placeholder until issue 6 lands: outcome reports from the KPI roll-up. */
export function ReportsPage(): JSX.Element {
  return <p>Not built yet: outcome reports from the KPI roll-up.</p>;
}
