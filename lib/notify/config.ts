/** Notification settings from the environment, read once per Lambda instance. */
import type { BreakerConfig } from './breaker.js';
import { parseRetrySchedule } from './schedule.js';

export type NotifyConfig = {
  /** The queue the enqueuer fills and the delivery function drains (and re-sends to). */
  queueUrl: string;
  /** Where a notification goes after its last attempt (and SQS moves poison messages). */
  deadLetterQueueUrl: string;
  /** Seconds between attempts; see schedule.ts. */
  retrySchedule: readonly number[];
  /** One delivery, DNS to last response byte: short, so a silent storefront costs little. */
  timeoutMs: number;
  /** Deliveries in flight at once to any one host, in one invocation. */
  perHostConcurrency: number;
  /** How long a message waits for its busy host's slot before it is put off (one timeout). */
  slotWaitMs: number;
  breaker: BreakerConfig;
  /** How long a merchant's signing secrets are reused before they are read again. */
  secretCacheMs: number;
  /** `PAGOS_LOCAL_MODE=true`: loopback and private targets allowed (the storefront runs here). */
  localMode: boolean;
  /** `Stage` dimension of every metric (lib/http/metrics.ts). */
  stage: string;
};

export class NotifyConfigError extends Error {
  override readonly name = 'NotifyConfigError';
}

function positiveInt(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0)
    throw new NotifyConfigError(`${name} must be a positive whole number, got "${raw}"`);
  return value;
}

export function readNotifyConfig(env: NodeJS.ProcessEnv = process.env): NotifyConfig {
  const cooldownMs = positiveInt(env, 'NOTIFICATION_BREAKER_COOLDOWN_MS', 60_000);
  return {
    queueUrl: env.NOTIFICATION_QUEUE_URL ?? '',
    deadLetterQueueUrl: env.NOTIFICATION_DLQ_URL ?? '',
    retrySchedule: parseRetrySchedule(env.NOTIFICATION_RETRY_SCHEDULE),
    timeoutMs: positiveInt(env, 'NOTIFICATION_TIMEOUT_MS', 5000),
    perHostConcurrency: positiveInt(env, 'NOTIFICATION_PER_HOST_CONCURRENCY', 2),
    slotWaitMs: positiveInt(env, 'NOTIFICATION_SLOT_WAIT_MS', 1_000),
    breaker: {
      threshold: positiveInt(env, 'NOTIFICATION_BREAKER_THRESHOLD', 3),
      cooldownMs,
      // 15 min: also the longest SQS delay, so a deferred message needs no hop.
      maxCooldownMs: Math.max(cooldownMs, positiveInt(env, 'NOTIFICATION_BREAKER_MAX_COOLDOWN_MS', 900_000)),
    },
    secretCacheMs: positiveInt(env, 'NOTIFICATION_SECRET_CACHE_MS', 30_000),
    localMode: env.PAGOS_LOCAL_MODE === 'true',
    stage: env.PAGOS_STAGE || 'local',
  };
}

/** Both queue URLs are required where notifications are sent; a clear error instead of a silent drop. */
export function requireQueues(config: NotifyConfig): void {
  const missing = [
    ['NOTIFICATION_QUEUE_URL', config.queueUrl],
    ['NOTIFICATION_DLQ_URL', config.deadLetterQueueUrl],
  ].filter(([, v]) => !v);
  if (missing.length > 0)
    throw new NotifyConfigError(
      `${missing.map(([n]) => n).join(' and ')} must be set (serverless.yml sets them)`,
    );
}
