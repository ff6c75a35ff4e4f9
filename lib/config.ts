/** Configuration from the environment, read once per Lambda instance. */
import type { PagosConfig } from './payments/pagos-request.js';

export type ServiceConfig = {
  stage: string;
  paymentsTable: string;
  logLevel: string;
  /** `PAGOS_LOCAL_MODE=true` (npm start only): the storefront may live on this machine (loopback URLs). */
  localMode: boolean;
  /** The function's own timeout: nothing a request starts can outlive it. */
  functionTimeoutMs: number;
  /** Kept back from the function's remaining time, to answer (and record) before Lambda stops us. */
  deadlineMarginMs: number;
  maxBodyBytes: number;
  pagos: PagosConfig;
};

/**
 * Every AWS SDK client of the functions: connection and request timeouts well under the
 * function's own, so a hung call fails (and is retried by the SDK, 3 attempts in all) instead of
 * burning the whole invocation and ending in the gateway's bare 500.
 */
export function awsClientSettings(functionTimeoutMs: number) {
  const requestTimeout = Math.max(500, Math.min(3_000, Math.floor(functionTimeoutMs / 5)));
  return {
    maxAttempts: 3,
    requestHandler: {
      connectionTimeout: Math.min(1_000, requestTimeout),
      requestTimeout,
      throwOnRequestTimeout: true,
    },
  };
}

/**
 * An AWS SDK client without the SDK's logger middleware. We give clients no logger, yet that
 * middleware still copies every input and output through the schema's sensitive-field filter for
 * the no-op one: 0.08 ms of CPU per write the size of a webhook's (median of 8 rounds against a
 * local endpoint that answers at once).
 */
export function withoutSdkLogging<T extends { middlewareStack: { remove(name: string): boolean } }>(
  client: T,
): T {
  client.middlewareStack.remove('loggerMiddleware');
  return client;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** A whole number from the environment (or the fallback). */
export function envInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0)
    throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  return value;
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const functionTimeoutMs = envInteger(env, 'FUNCTION_TIMEOUT_MS', 25_000);
  // A claimer owns an attempt's provider call for longer than any request can run (the function's
  // timeout), plus clock skew: the lease is derived from the timeout, not a second constant.
  const leaseMs = envInteger(env, 'CREATE_LEASE_MS', functionTimeoutMs + 5_000);
  return {
    stage: env.PAGOS_STAGE || 'local',
    paymentsTable: env.PAYMENTS_TABLE || 'pagos-local-payments',
    // Powertools' own setting first, like Powertools itself; any case.
    logLevel: env.POWERTOOLS_LOG_LEVEL || env.LOG_LEVEL || 'info',
    localMode: env.PAGOS_LOCAL_MODE === 'true',
    functionTimeoutMs,
    deadlineMarginMs: envInteger(env, 'DEADLINE_MARGIN_MS', 1_500),
    maxBodyBytes: 16 * 1024,
    pagos: {
      leaseMs,
      settleMs: envInteger(env, 'RECOVERY_SETTLE_MS', 20_000),
      searchSkewSeconds: envInteger(env, 'RECOVERY_SKEW_SECONDS', 300),
      waitForInFlightMs: envInteger(env, 'IN_FLIGHT_WAIT_MS', 3_000),
      pollIntervalMs: envInteger(env, 'IN_FLIGHT_POLL_MS', 100),
      maxAttempts: envInteger(env, 'MAX_ATTEMPTS', 20),
      refundLockMs: leaseMs,
      defaultPhone: env.DEFAULT_CUSTOMER_PHONE || '5555555555',
      admission: {
        perCredentialPerMinute: envInteger(env, 'RATE_LIMIT_PER_KEY_PER_MINUTE', 600),
        unknownPerSourcePerMinute: envInteger(env, 'RATE_LIMIT_NEW_KEYS_PER_SOURCE_PER_MINUTE', 20),
        refusalMs: envInteger(env, 'REFUSED_KEY_MS', 10 * 60_000),
        memoryMs: envInteger(env, 'KEY_MEMORY_MS', 15 * 60_000),
      },
    },
  };
}
