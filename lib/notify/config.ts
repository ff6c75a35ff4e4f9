/** Notification settings from the environment, read once per Lambda instance. */
import { parseRetrySchedule } from './schedule.js';

export type NotifyConfig = {
  /** HMAC key of Pagos-Signature; without it nothing is sent (never unsigned). */
  signingSecret: string;
  /** Seconds between attempts; see schedule.ts. */
  retrySchedule: readonly number[];
  /** One delivery, DNS to last response byte. */
  timeoutMs: number;
  /** The webhook's immediate first attempt: shorter, so Conekta gets its answer quickly. */
  firstAttemptTimeoutMs: number;
  /** A claimed attempt that never reported back (crashed sweeper) is due again after this. */
  leaseMs: number;
  /** Deliveries in flight at once in one sweep, and to any one host. */
  concurrency: number;
  perTargetConcurrency: number;
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
  const timeoutMs = positiveInt(env, 'NOTIFICATION_TIMEOUT_MS', 5000);
  return {
    signingSecret: env.NOTIFICATION_SIGNING_SECRET ?? '',
    retrySchedule: parseRetrySchedule(env.NOTIFICATION_RETRY_SCHEDULE),
    timeoutMs,
    firstAttemptTimeoutMs: Math.min(
      timeoutMs,
      positiveInt(env, 'NOTIFICATION_FIRST_ATTEMPT_TIMEOUT_MS', 3000),
    ),
    leaseMs: positiveInt(env, 'NOTIFICATION_LEASE_MS', Math.max(60_000, timeoutMs * 3)),
    concurrency: positiveInt(env, 'NOTIFICATION_CONCURRENCY', 16),
    perTargetConcurrency: positiveInt(env, 'NOTIFICATION_PER_TARGET_CONCURRENCY', 2),
    localMode: env.PAGOS_LOCAL_MODE === 'true',
    stage: env.PAGOS_STAGE || 'local',
  };
}
