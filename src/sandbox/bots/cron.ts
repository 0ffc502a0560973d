/** When a cron bot is due, by sandbox time: 5-field cron strings in UTC, read with cron-parser. */

import { CronExpressionParser } from 'cron-parser';

/**
 * True when `cronString` has a firing time in (`since`, `now`]. However many firings an advance jumps
 * over, the answer is one "due": the runtime runs the bot once, as a bot that fell behind catches up in
 * one run.
 */
export function cronDue(cronString: string, since: Date, now: Date): boolean {
  const next = CronExpressionParser.parse(cronString, { currentDate: since, tz: 'UTC' }).next();
  return next.getTime() <= now.getTime();
}

/** Throws a clear error for a cron string cron-parser cannot read or that is not 5 fields. */
export function checkCronString(cronString: string): void {
  if (cronString.trim().split(/\s+/).length !== 5) {
    throw new Error(`cron string "${cronString}" must have 5 fields (minute hour day month weekday, UTC)`);
  }
  CronExpressionParser.parse(cronString, { tz: 'UTC' });
}
