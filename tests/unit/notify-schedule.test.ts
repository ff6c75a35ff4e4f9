/** Retry schedule, the decision after an attempt, and the settings. */
import { readNotifyConfig } from '../../lib/notify/config.js';
import {
  DEFAULT_RETRY_SCHEDULE_SECONDS,
  maxAttempts,
  parseRetrySchedule,
  RetryScheduleError,
  retryDelayMs,
} from '../../lib/notify/schedule.js';
import { nextStep } from '../../lib/notify/sweeper.js';

describe('retry schedule', () => {
  it('defaults to 1 min, 5 min, 15 min, 1 h, 3 h, 6 h, 12 h: about a day, 8 attempts', () => {
    expect(parseRetrySchedule(undefined)).toEqual([60, 300, 900, 3600, 10_800, 21_600, 43_200]);
    expect(parseRetrySchedule('  ')).toBe(DEFAULT_RETRY_SCHEDULE_SECONDS);
    const hours = DEFAULT_RETRY_SCHEDULE_SECONDS.reduce((a, b) => a + b, 0) / 3600;
    expect(hours).toBeCloseTo(22.35, 2);
    expect(maxAttempts(DEFAULT_RETRY_SCHEDULE_SECONDS)).toBe(8);
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
});

describe('nextStep', () => {
  const schedule = [60, 300];
  const failed = {
    ok: false as const,
    failure: 'http_status' as const,
    detail: 'HTTP 500',
    status: 500,
    ms: 3,
  };

  it('delivered on 2xx', () => {
    expect(nextStep({ ok: true, status: 204, ms: 1 }, 1, schedule, 1000)).toEqual({ next: 'delivered' });
  });
  it('retries while the schedule lasts, then dead', () => {
    expect(nextStep(failed, 1, schedule, 1000)).toEqual({ next: 'retry', dueAt: 61_000 });
    expect(nextStep(failed, 2, schedule, 1000)).toEqual({ next: 'retry', dueAt: 301_000 });
    expect(nextStep(failed, 3, schedule, 1000)).toEqual({ next: 'dead' });
  });
  it('a URL that is not http(s) is dead at once: retrying cannot help', () => {
    expect(nextStep({ ok: false, failure: 'invalid_url', detail: 'x', ms: 0 }, 1, schedule, 0)).toEqual({
      next: 'dead',
    });
  });
  it('refused targets are retried: DNS may be fixed', () => {
    expect(nextStep({ ok: false, failure: 'refused', detail: 'x', ms: 0 }, 1, schedule, 0).next).toBe(
      'retry',
    );
  });
});

describe('readNotifyConfig', () => {
  it('has safe defaults', () => {
    expect(readNotifyConfig({})).toEqual({
      signingSecret: '',
      retrySchedule: DEFAULT_RETRY_SCHEDULE_SECONDS,
      timeoutMs: 5000,
      firstAttemptTimeoutMs: 3000,
      leaseMs: 60_000,
      concurrency: 16,
      perTargetConcurrency: 2,
      localMode: false,
      stage: 'local',
    });
  });
  it('local mode only when PAGOS_LOCAL_MODE is exactly "true"', () => {
    expect(readNotifyConfig({ PAGOS_LOCAL_MODE: 'true' }).localMode).toBe(true);
    expect(readNotifyConfig({ PAGOS_LOCAL_MODE: '1' }).localMode).toBe(false);
  });
  it('the first attempt never waits longer than any attempt', () => {
    expect(readNotifyConfig({ NOTIFICATION_TIMEOUT_MS: '300' }).firstAttemptTimeoutMs).toBe(300);
  });
  it('refuses a bad number', () => {
    expect(() => readNotifyConfig({ NOTIFICATION_TIMEOUT_MS: '5s' })).toThrow(/NOTIFICATION_TIMEOUT_MS/);
  });
});
