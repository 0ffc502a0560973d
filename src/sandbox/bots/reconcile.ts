/**
 * The runtime's first job after start: make sure every upcoming booked appointment has its plans. The
 * store may have been seeded (or edited while the sandbox was down) without the appointment bot seeing
 * the writes, which is exactly what the watchdog's reconcile pass exists for in production (Medplum does
 * not retry a Subscription's bot). It runs the watchdog's own logic with no settle delay and a window
 * covering every stored appointment; the enrolment keys make a repeat change nothing.
 */

import { performance } from 'node:perf_hooks';
import type { BotEvent, MedplumClient } from '@medplum/core';
import { loadBotSetup } from '../../bots/botSetup';
import { botClock } from '../../bots/runtime';
import { handleWatchdog } from '../../bots/watchdog';
import { sandboxSecretsFor } from './secretsFor';

/** What the start-up reconcile did. */
export interface StartReconcile {
  readonly appointmentsChecked: number;
  readonly appointmentsReconciled: number;
  readonly errors: number;
  readonly ms: number;
}

const DAY_MS = 86_400_000;

/** Runs the watchdog's reconcile over every stored appointment until it completes. */
export async function reconcileOnStart(
  medplum: MedplumClient,
  organization: string,
  log: (line: string) => void,
): Promise<StartReconcile> {
  const started = performance.now();
  const event = { secrets: sandboxSecretsFor(organization) } as unknown as BotEvent;
  const { practice, workflows } = await loadBotSetup(medplum, event, 'sandbox-start');
  const clock = botClock();
  let checked = 0;
  let reconciled = 0;
  let errors = 0;
  for (let pass = 0; pass < 10; pass++) {
    const result = await handleWatchdog(medplum, {
      practice,
      workflows,
      clock: () => clock.now(),
      // From the epoch: every stored appointment, whenever it was written (seeded, or edited while down).
      updatedSince: new Date(0).toISOString(),
      lookbackMs: 2 * DAY_MS,
      settleMs: 0,
      budgetMs: 10 * 60_000,
    });
    checked += result.appointments.checked;
    reconciled += result.appointments.reconciled.length;
    errors += result.errors.length;
    for (const e of result.errors.slice(0, 5)) log(`start-up reconcile: ${e.slice(0, 200)}`);
    if (result.complete) break;
  }
  const ms = Math.round(performance.now() - started);
  log(
    `start-up reconcile: ${checked} appointments checked, ${reconciled} given their missing plans, ${errors} errors, in ${ms} ms`,
  );
  return { appointmentsChecked: checked, appointmentsReconciled: reconciled, errors, ms };
}
