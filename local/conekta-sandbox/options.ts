// Start options, with CONEKTA_SANDBOX_* environment fallbacks (option > env > default).
import { resolve } from 'node:path';
import { applyFaultsPatch, DEFAULT_FAULTS, type Faults, faultsFromEnv } from './faults.js';
import { nowSeconds } from './ids.js';
import { CONEKTA_LIKE_RETRY_SCHEDULE_MS } from './webhook-delivery.js';

export interface SandboxOptions {
  /** 0 (default) picks a free port. */
  port?: number;
  /** Bind address, default 127.0.0.1. */
  host?: string;
  /** Base of links the sandbox hands out (checkout URLs, next_page_url); default its own URL. */
  publicUrl?: string;
  /** Well-formed keys answered with 401 anyway; default ['key_revoked']. */
  revokedKeys?: string[];
  /** Delays between webhook attempts; default Conekta-like (13 retries over ~23 h). */
  webhookRetryScheduleMs?: number[];
  /** How long a receiver may take to answer a delivery; default 5000. */
  webhookTimeoutMs?: number;
  /** Receive every account's events (besides each account's own POST /webhooks URLs). */
  defaultWebhookUrls?: string[];
  /** RSA private key (PEM) every account starts with; generated at start when absent. */
  webhookPrivateKeyPem?: string;
  /** Validate every response against the spec (500 + loud log when invalid); default true. */
  validateResponses?: boolean;
  log?: (message: string) => void;
  /** hostname -> IP for webhook delivery, so URLs that pass the spec's pattern can reach 127.0.0.1. */
  hostAliases?: Record<string, string>;
  /** Initial fault knobs (see GET /_sandbox/faults). */
  faults?: Partial<Faults>;
  /** Environment to read CONEKTA_SANDBOX_* from; default process.env (tests pass {}). */
  env?: Record<string, string | undefined>;
  /** The sandbox's clock in Unix seconds (created_at, updated_at, expiries); tests may set it. */
  now?: () => number;
  /**
   * A JSON file holding the sandbox's state across restarts: loaded at start if it exists, written
   * after every change. Unset (the default): in memory only.
   */
  statePath?: string;
}

export interface ResolvedOptions {
  port: number;
  host: string;
  publicUrl?: string | undefined;
  revokedKeys: string[];
  webhookRetryScheduleMs: number[];
  webhookTimeoutMs: number;
  defaultWebhookUrls: string[];
  webhookPrivateKeyPem?: string | undefined;
  validateResponses: boolean;
  log: (message: string) => void;
  hostAliases: Record<string, string>;
  faults: Faults;
  now: () => number;
  /** Absolute. */
  statePath?: string | undefined;
}

export class SandboxOptionsError extends Error {
  override name = 'SandboxOptionsError';
}

export const ENV = {
  host: 'CONEKTA_SANDBOX_HOST',
  publicUrl: 'CONEKTA_SANDBOX_PUBLIC_URL',
  revokedKeys: 'CONEKTA_SANDBOX_REVOKED_KEYS',
  webhookUrls: 'CONEKTA_SANDBOX_WEBHOOK_URLS',
  webhookPrivateKey: 'CONEKTA_SANDBOX_WEBHOOK_PRIVATE_KEY',
  webhookRetryMs: 'CONEKTA_SANDBOX_WEBHOOK_RETRY_MS',
  webhookTimeoutMs: 'CONEKTA_SANDBOX_WEBHOOK_TIMEOUT_MS',
  validateResponses: 'CONEKTA_SANDBOX_VALIDATE_RESPONSES',
  hostAliases: 'CONEKTA_SANDBOX_HOST_ALIASES',
  statePath: 'CONEKTA_SANDBOX_STATE',
} as const;

const commaList = (raw: string | undefined): string[] | undefined =>
  raw === undefined
    ? undefined
    : raw
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean);

function numbers(name: string, values: readonly (string | number)[]): number[] {
  return values.map((value) => {
    const n = Number(value);
    if (!Number.isFinite(n) || n < 0) throw new SandboxOptionsError(`${name}: ${value} is not a number >= 0`);
    return n;
  });
}

function aliases(raw: string | undefined): Record<string, string> | undefined {
  const pairs = commaList(raw);
  if (!pairs) return undefined;
  return Object.fromEntries(
    pairs.map((pair) => {
      const [host, ip] = pair.split('=').map((part) => part.trim());
      if (!host || !ip) throw new SandboxOptionsError(`${ENV.hostAliases}: "${pair}" is not host=ip`);
      return [host.toLowerCase(), ip];
    }),
  );
}

const defaultLog = (message: string) => console.error(`[conekta-sandbox] ${message}`);

export function resolveOptions(options: SandboxOptions = {}): ResolvedOptions {
  const env = options.env ?? process.env;
  const flag = env[ENV.validateResponses]?.trim().toLowerCase();
  const timeout = options.webhookTimeoutMs ?? Number(env[ENV.webhookTimeoutMs] ?? 5000);
  if (!Number.isFinite(timeout) || timeout <= 0)
    throw new SandboxOptionsError('webhookTimeoutMs must be > 0');
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new SandboxOptionsError(`Invalid port ${port}`);
  const statePath = (options.statePath ?? env[ENV.statePath])?.trim() || undefined;
  return {
    port,
    host: options.host ?? env[ENV.host] ?? '127.0.0.1',
    publicUrl: (options.publicUrl ?? env[ENV.publicUrl])?.replace(/\/+$/, '') || undefined,
    revokedKeys: options.revokedKeys ?? commaList(env[ENV.revokedKeys]) ?? ['key_revoked'],
    webhookRetryScheduleMs: numbers(
      'webhookRetryScheduleMs',
      options.webhookRetryScheduleMs ?? commaList(env[ENV.webhookRetryMs]) ?? CONEKTA_LIKE_RETRY_SCHEDULE_MS,
    ),
    webhookTimeoutMs: timeout,
    defaultWebhookUrls: options.defaultWebhookUrls ?? commaList(env[ENV.webhookUrls]) ?? [],
    webhookPrivateKeyPem: options.webhookPrivateKeyPem ?? (env[ENV.webhookPrivateKey] || undefined),
    validateResponses: options.validateResponses ?? !(flag === 'false' || flag === '0'),
    log: options.log ?? defaultLog,
    hostAliases: options.hostAliases ?? aliases(env[ENV.hostAliases]) ?? {},
    faults: applyFaultsPatch({ ...DEFAULT_FAULTS, ...faultsFromEnv(env) }, options.faults ?? {}),
    now: options.now ?? nowSeconds,
    // absolute, so messages name the file wherever the process was started
    statePath: statePath === undefined ? undefined : resolve(statePath),
  };
}
