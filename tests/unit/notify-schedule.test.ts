/** Retry schedule. */
import {
  DEFAULT_RETRY_SCHEDULE_SECONDS,
  parseRetrySchedule,
  RetryScheduleError,
  retryDelayMs,
} from '../../lib/notify/schedule.js';

describe('retry schedule', () => {
  it('defaults to 1 min, 5 min, 15 min, 1 h, 3 h, 6 h, 12 h: about a day, 8 attempts', () => {
    expect(parseRetrySchedule(undefined)).toEqual([60, 300, 900, 3600, 10_800, 21_600, 43_200]);
    expect(parseRetrySchedule('  ')).toBe(DEFAULT_RETRY_SCHEDULE_SECONDS);
    const hours = DEFAULT_RETRY_SCHEDULE_SECONDS.reduce((a, b) => a + b, 0) / 3600;
    expect(hours).toBeCloseTo(22.35, 2);
    // 8 attempts: a delay after each of the first 7, none after the 8th.
    expect(retryDelayMs(7, DEFAULT_RETRY_SCHEDULE_SECONDS)).toBe(43_200_000);
    expect(retryDelayMs(8, DEFAULT_RETRY_SCHEDULE_SECONDS)).toBeUndefined();
  });

  it('reads seconds, fractions and units', () => {
    expect(parseRetrySchedule('0.05,0.05, 0.05')).toEqual([0.05, 0.05, 0.05]);
    expect(parseRetrySchedule('30s,1m,2h')).toEqual([30, 60, 7200]);
  });

  it.each(['1,,2', '-1', 'a', '5d', '1 m x'])('refuses %j, naming the setting', (raw) => {
    expect(() => parseRetrySchedule(raw)).toThrow(RetryScheduleError);
    expect(() => parseRetrySchedule(raw)).toThrow(/NOTIFICATION_RETRY_SCHEDULE/);
  });

  it('gives the delay after each failed attempt, then none', () => {
    const s = [0.05, 1, 60];
    expect([1, 2, 3, 4].map((n) => retryDelayMs(n, s))).toEqual([50, 1000, 60_000, undefined]);
  });

  it('names its error RetryScheduleError', () => {
    let thrown: unknown;
    try {
      parseRetrySchedule('5d');
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(RetryScheduleError);
    expect((thrown as Error).name).toBe('RetryScheduleError');
    expect(new RetryScheduleError('x').name).toBe('RetryScheduleError');
  });
});
