/**
 * lib/notify/config.ts: the notification functions' settings from the environment, their
 * defaults, what a bad one says, and the refusal when a queue URL is missing.
 */
import {
  type NotifyConfig,
  NotifyConfigError,
  readNotifyConfig,
  requireQueues,
} from '../../lib/notify/config.js';
import { DEFAULT_RETRY_SCHEDULE_SECONDS } from '../../lib/notify/schedule.js';

const DEFAULTS: NotifyConfig = {
  queueUrl: '',
  deadLetterQueueUrl: '',
  retrySchedule: [60, 300, 900, 3600, 10_800, 21_600, 43_200],
  timeoutMs: 5000,
  perHostConcurrency: 2,
  slotWaitMs: 1_000,
  breaker: { threshold: 3, cooldownMs: 60_000, maxCooldownMs: 900_000 },
  secretCacheMs: 30_000,
  localMode: false,
  stage: 'local',
};

/** Every numeric setting, with the field of the config it fills. */
const NUMBERS: [string, (c: NotifyConfig) => number][] = [
  ['NOTIFICATION_TIMEOUT_MS', (c) => c.timeoutMs],
  ['NOTIFICATION_PER_HOST_CONCURRENCY', (c) => c.perHostConcurrency],
  ['NOTIFICATION_SLOT_WAIT_MS', (c) => c.slotWaitMs],
  ['NOTIFICATION_BREAKER_THRESHOLD', (c) => c.breaker.threshold],
  ['NOTIFICATION_BREAKER_COOLDOWN_MS', (c) => c.breaker.cooldownMs],
  ['NOTIFICATION_BREAKER_MAX_COOLDOWN_MS', (c) => c.breaker.maxCooldownMs],
  ['NOTIFICATION_SECRET_CACHE_MS', (c) => c.secretCacheMs],
];

/** The thrown error, so its class, name and exact message can all be checked. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

function expectRefusal(fn: () => unknown, message: string): void {
  const error = thrown(fn);
  expect(error).toBeInstanceOf(NotifyConfigError);
  expect(error).toEqual(new NotifyConfigError(message));
  expect((error as Error).message).toBe(message);
  expect((error as Error).name).toBe('NotifyConfigError');
}

describe('NotifyConfigError', () => {
  it('is named for logs and for callers that tell errors apart by name', () => {
    expect(new NotifyConfigError('x').name).toBe('NotifyConfigError');
    expect(new NotifyConfigError('x')).toBeInstanceOf(Error);
  });
});

describe('readNotifyConfig', () => {
  it('has the documented defaults', () => {
    const config = readNotifyConfig({});
    expect(config).toEqual(DEFAULTS);
    expect(config.retrySchedule).toBe(DEFAULT_RETRY_SCHEDULE_SECONDS);
  });

  it('takes the defaults from process.env when given no environment', () => {
    const saved = { ...process.env };
    try {
      for (const key of Object.keys(process.env)) {
        if (key.startsWith('NOTIFICATION_') || key.startsWith('PAGOS_')) delete process.env[key];
      }
      expect(readNotifyConfig()).toEqual(DEFAULTS);
      process.env.NOTIFICATION_TIMEOUT_MS = '1234';
      process.env.PAGOS_STAGE = 'dev';
      expect(readNotifyConfig()).toEqual({ ...DEFAULTS, timeoutMs: 1234, stage: 'dev' });
    } finally {
      process.env = saved;
    }
  });

  it('treats empty settings as unset', () => {
    const env: NodeJS.ProcessEnv = { NOTIFICATION_RETRY_SCHEDULE: '', PAGOS_STAGE: '', PAGOS_LOCAL_MODE: '' };
    for (const [name] of NUMBERS) env[name] = '';
    expect(readNotifyConfig(env)).toEqual(DEFAULTS);
  });

  it('reads every setting from the environment', () => {
    expect(
      readNotifyConfig({
        NOTIFICATION_QUEUE_URL: 'https://sqs.example/q',
        NOTIFICATION_DLQ_URL: 'https://sqs.example/dlq',
        NOTIFICATION_RETRY_SCHEDULE: '1m,30s,2h',
        NOTIFICATION_TIMEOUT_MS: '2500',
        NOTIFICATION_PER_HOST_CONCURRENCY: '4',
        NOTIFICATION_SLOT_WAIT_MS: '700',
        NOTIFICATION_BREAKER_THRESHOLD: '5',
        NOTIFICATION_BREAKER_COOLDOWN_MS: '10000',
        NOTIFICATION_BREAKER_MAX_COOLDOWN_MS: '120000',
        NOTIFICATION_SECRET_CACHE_MS: '9000',
        PAGOS_LOCAL_MODE: 'true',
        PAGOS_STAGE: 'prod',
      }),
    ).toEqual({
      queueUrl: 'https://sqs.example/q',
      deadLetterQueueUrl: 'https://sqs.example/dlq',
      retrySchedule: [60, 30, 7200],
      timeoutMs: 2500,
      perHostConcurrency: 4,
      slotWaitMs: 700,
      breaker: { threshold: 5, cooldownMs: 10_000, maxCooldownMs: 120_000 },
      secretCacheMs: 9000,
      localMode: true,
      stage: 'prod',
    });
  });

  it.each(NUMBERS)('reads %s, as small as 1', (name, field) => {
    // The first cooldown at 1 ms, so the longest one is not raised to it.
    const low = { NOTIFICATION_BREAKER_COOLDOWN_MS: '1' };
    expect(field(readNotifyConfig({ ...low, [name]: '1' }))).toBe(1);
    expect(field(readNotifyConfig({ ...low, [name]: '1000000' }))).toBe(1_000_000);
  });

  it('never lets the longest cooldown be shorter than the first', () => {
    expect(readNotifyConfig({ NOTIFICATION_BREAKER_COOLDOWN_MS: '2000000' }).breaker).toEqual({
      threshold: 3,
      cooldownMs: 2_000_000,
      maxCooldownMs: 2_000_000,
    });
    expect(
      readNotifyConfig({
        NOTIFICATION_BREAKER_COOLDOWN_MS: '5000',
        NOTIFICATION_BREAKER_MAX_COOLDOWN_MS: '1000',
      }).breaker,
    ).toEqual({ threshold: 3, cooldownMs: 5000, maxCooldownMs: 5000 });
  });

  it('is in local mode only for exactly "true"', () => {
    for (const raw of ['TRUE', '1', 'yes', 'false', ' true', '']) {
      expect(readNotifyConfig({ PAGOS_LOCAL_MODE: raw }).localMode).toBe(false);
    }
    expect(readNotifyConfig({ PAGOS_LOCAL_MODE: 'true' }).localMode).toBe(true);
  });

  it('keeps an empty queue URL as set, for requireQueues to refuse', () => {
    expect(readNotifyConfig({ NOTIFICATION_QUEUE_URL: '', NOTIFICATION_DLQ_URL: '' })).toEqual(DEFAULTS);
  });

  describe.each(NUMBERS)('refuses a bad %s at start, naming it', (name) => {
    it.each(['0', '-1', '1.5', 'ten', '1e400', ' x', 'NaN'])('%j', (raw) => {
      expectRefusal(
        () => readNotifyConfig({ [name]: raw }),
        `${name} must be a positive whole number, got "${raw}"`,
      );
    });
  });
});

describe('requireQueues', () => {
  const both: NotifyConfig = {
    ...DEFAULTS,
    queueUrl: 'https://sqs.example/q',
    deadLetterQueueUrl: 'https://sqs.example/dlq',
  };

  it('accepts a config with both queue URLs', () => {
    expect(requireQueues(both)).toBeUndefined();
  });

  it('names the missing queue URL', () => {
    expectRefusal(
      () => requireQueues({ ...both, queueUrl: '' }),
      'NOTIFICATION_QUEUE_URL must be set (serverless.yml sets them)',
    );
    expectRefusal(
      () => requireQueues({ ...both, deadLetterQueueUrl: '' }),
      'NOTIFICATION_DLQ_URL must be set (serverless.yml sets them)',
    );
  });

  it('names both when both are missing', () => {
    expectRefusal(
      () => requireQueues(readNotifyConfig({})),
      'NOTIFICATION_QUEUE_URL and NOTIFICATION_DLQ_URL must be set (serverless.yml sets them)',
    );
  });
});
