/** Quiet hours: moving a send time into the allowed local window. */

import type { Patient } from '@medplum/fhirtypes';
import type { DateTime } from 'luxon';
import type { PracticeSettings, SendWindow } from './settings';

/** The window that applies to a patient: the stricter of the practice's and the patient's state's. */
export function sendWindowFor(
  patient: Patient,
  settings: PracticeSettings,
): { window: SendWindow; label: string } {
  const state = patient.address?.find((a) => a.state)?.state?.toUpperCase();
  const stateWindow = state ? settings.stateSendWindows[state] : undefined;
  if (!stateWindow) {
    return { window: settings.sendWindow, label: 'quiet hours' };
  }
  const window = {
    start: maxTime(settings.sendWindow.start, stateWindow.start),
    end: minTime(settings.sendWindow.end, stateWindow.end),
  };
  return { window, label: `quiet hours (${state} rules)` };
}

/** Minutes after local midnight for "HH:mm". */
export function minutesOf(hhmm: string): number {
  const [h, m] = hhmm.split(':').map(Number);
  return (h ?? 0) * 60 + (m ?? 0);
}

function maxTime(a: string, b: string): string {
  return minutesOf(a) >= minutesOf(b) ? a : b;
}

function minTime(a: string, b: string): string {
  return minutesOf(a) <= minutesOf(b) ? a : b;
}

/** Result of fitting an instant into the window. */
export interface WindowFit {
  readonly at: DateTime;
  readonly moved: boolean;
}

/**
 * The earliest instant ≥ `at` inside the window [start, end) in `zone`. Before the window opens the
 * message waits for the opening; at or after the close it waits for the next day's opening. Local
 * times are resolved by luxon, so DST days (23 or 25 hours) keep 08:00 meaning 08:00 on the wall.
 */
export function fitSendWindow(at: DateTime, zone: string, window: SendWindow): WindowFit {
  const local = at.setZone(zone);
  const open = atLocalTime(local, window.start);
  const close = atLocalTime(local, window.end);
  if (local < open) {
    return { at: open, moved: true };
  }
  if (local >= close) {
    return { at: atLocalTime(local.plus({ days: 1 }), window.start), moved: true };
  }
  return { at: local, moved: false };
}

/** True when the instant is inside the window. */
export function inSendWindow(at: DateTime, zone: string, window: SendWindow): boolean {
  return !fitSendWindow(at, zone, window).moved;
}

/** The same local calendar day as `day`, at wall-clock "HH:mm". */
export function atLocalTime(day: DateTime, hhmm: string): DateTime {
  const [hour, minute] = hhmm.split(':').map(Number);
  return day.set({ hour: hour ?? 0, minute: minute ?? 0, second: 0, millisecond: 0 });
}
