/**
 * The weakest workflows: each workflow's rates against the practice-wide rate of the same measure, in the
 * direction that measure improves (opt-outs and failures should go down). A workflow is weak when it
 * trails the practice by at least `minGap` on some measure with enough cases to mean something.
 */

import { IMPROVEMENT, type KpiMeasure } from '../kpi/measures';
import type { Rate } from './rates';

/** Why a workflow is flagged: its worst measure and how far it trails. */
export interface WeakWorkflow {
  readonly workflow: string;
  readonly measure: KpiMeasure;
  readonly rate: number;
  readonly practiceRate: number;
  /** Percentage points (0..1) behind the practice, in the measure's good direction. */
  readonly gap: number;
}

/** Options for {@link weakestWorkflows}. */
export interface WeakestOptions {
  /** Ignore rates over fewer cases than this (default 5). */
  readonly minDenominator?: number;
  /** Flag gaps of at least this many points (default 0.05 = 5 points). */
  readonly minGap?: number;
}

/** Workflows that trail the practice, worst first. */
export function weakestWorkflows(
  byWorkflow: ReadonlyMap<string, ReadonlyMap<KpiMeasure, Rate>>,
  overall: ReadonlyMap<KpiMeasure, Rate>,
  options: WeakestOptions = {},
): WeakWorkflow[] {
  const minDenominator = options.minDenominator ?? 5;
  const minGap = options.minGap ?? 0.05;
  const out: WeakWorkflow[] = [];
  for (const [workflow, rates] of byWorkflow) {
    let worst: WeakWorkflow | undefined;
    for (const [measure, r] of rates) {
      const practice = overall.get(measure)?.rate;
      if (r.rate === undefined || practice === undefined || r.denominator < minDenominator) continue;
      const gap = IMPROVEMENT[measure] === 'increase' ? practice - r.rate : r.rate - practice;
      if (gap >= minGap && (!worst || gap > worst.gap)) {
        worst = { workflow, measure, rate: r.rate, practiceRate: practice, gap };
      }
    }
    if (worst) out.push(worst);
  }
  return out.sort((a, b) => b.gap - a.gap || a.workflow.localeCompare(b.workflow));
}
