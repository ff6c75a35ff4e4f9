/**
 * When to try a notification again. The first attempt is immediate; each failed attempt waits the
 * next delay of the schedule; after the last delay's attempt fails the entry is dead. The default
 * adds up to ~22.4 h, plus the queue's own lag per retry (lib/notify/deliver.ts: an SQS delay, in
 * hops of at most 900 s): about a day, like Conekta's own webhook retries.
 */

/** Seconds: 1 min, 5 min, 15 min, 1 h, 3 h, 6 h, 12 h. */
export const DEFAULT_RETRY_SCHEDULE_SECONDS: readonly number[] = [60, 300, 900, 3600, 10_800, 21_600, 43_200];

export class RetryScheduleError extends Error {
  override readonly name = 'RetryScheduleError';
}

const UNIT_SECONDS = { s: 1, m: 60, h: 3600 } as const;

/**
 * `NOTIFICATION_RETRY_SCHEDULE`: comma-separated delays in seconds (`60,300,0.05`), or with a
 * unit (`1m,5m,1h`). Empty means the default.
 */
export function parseRetrySchedule(raw: string | undefined): readonly number[] {
  if (raw === undefined || raw.trim() === '') return DEFAULT_RETRY_SCHEDULE_SECONDS;
  return raw.split(',').map((part) => {
    const match = /^\s*(\d+(?:\.\d+)?)\s*([smh]?)\s*$/.exec(part);
    if (!match)
      throw new RetryScheduleError(
        `NOTIFICATION_RETRY_SCHEDULE must be comma-separated delays in seconds (e.g. "60,300,900" or "1m,5m,15m"), got "${raw}"`,
      );
    return Number(match[1]) * UNIT_SECONDS[(match[2] || 's') as keyof typeof UNIT_SECONDS];
  });
}

/** Milliseconds to wait after `attemptsMade` failed attempts, or undefined when there is no retry left. */
export function retryDelayMs(attemptsMade: number, schedule: readonly number[]): number | undefined {
  const seconds = schedule[attemptsMade - 1];
  return seconds === undefined ? undefined : Math.round(seconds * 1000);
}
