// Fault knobs for tests: what goes wrong with API calls and webhook deliveries.
import { SandboxControlError } from './errors.js';

export interface Faults {
  /** Added to every Conekta API call (not to /_sandbox or checkout pages). */
  latency_ms: number;
  /** The next N API calls answer `fail_next_status` (default 500 api_error) in Conekta's error shape. */
  fail_next: number;
  /** Status of the fail_next answers: one of FAIL_STATUSES. */
  fail_next_status: number;
  /** The next N API calls never answer (until the sandbox stops). */
  hang_next: number;
  /** The next N API calls get their connection destroyed, no response. */
  drop_next: number;
  /** Fail/hang/drop after doing the work (order created, webhooks sent): the ambiguous timeout. */
  fault_after_processing: boolean;
  /** Each webhook delivery is made this many times (independently, with its own retries). */
  webhook_duplicates: number;
  /** Queue deliveries until POST /_sandbox/webhooks/release. */
  hold_webhooks: boolean;
  /** false: events are still created but never delivered ("lost webhooks"). */
  webhooks_enabled: boolean;
}

export const DEFAULT_FAULTS: Faults = {
  latency_ms: 0,
  fail_next: 0,
  fail_next_status: 500,
  hang_next: 0,
  drop_next: 0,
  fault_after_processing: false,
  webhook_duplicates: 1,
  hold_webhooks: false,
  webhooks_enabled: true,
};

const COUNTERS = ['latency_ms', 'fail_next', 'hang_next', 'drop_next', 'webhook_duplicates'] as const;
// The statuses Conekta documents (notes §3.2) plus the gateway-style 5xx a proxy might add.
export const FAIL_STATUSES = [400, 401, 402, 403, 404, 409, 422, 428, 500, 502, 503, 504] as const;
const FLAGS = ['fault_after_processing', 'hold_webhooks', 'webhooks_enabled'] as const;

/** Validates a JSON patch (POST /_sandbox/faults) and merges it. */
export function applyFaultsPatch(current: Faults, patch: unknown): Faults {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
    throw new SandboxControlError(400, 'Faults must be a JSON object');
  }
  const next = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if ((COUNTERS as readonly string[]).includes(key)) {
      const min = key === 'webhook_duplicates' ? 1 : 0;
      if (!Number.isInteger(value) || (value as number) < min) {
        throw new SandboxControlError(400, `Fault ${key} must be an integer >= ${min}`);
      }
      next[key as (typeof COUNTERS)[number]] = value as number;
    } else if (key === 'fail_next_status') {
      if (!(FAIL_STATUSES as readonly unknown[]).includes(value)) {
        throw new SandboxControlError(
          400,
          `Fault fail_next_status must be one of ${FAIL_STATUSES.join(', ')}`,
        );
      }
      next.fail_next_status = value as number;
    } else if ((FLAGS as readonly string[]).includes(key)) {
      if (typeof value !== 'boolean') throw new SandboxControlError(400, `Fault ${key} must be a boolean`);
      next[key as (typeof FLAGS)[number]] = value;
    } else {
      throw new SandboxControlError(
        400,
        `Unknown fault ${key}; known: ${[...COUNTERS, ...FLAGS].join(', ')}`,
      );
    }
  }
  return next;
}

const ENV_NAMES: Record<keyof Faults, string> = {
  latency_ms: 'CONEKTA_SANDBOX_LATENCY_MS',
  fail_next: 'CONEKTA_SANDBOX_FAIL_NEXT',
  fail_next_status: 'CONEKTA_SANDBOX_FAIL_NEXT_STATUS',
  hang_next: 'CONEKTA_SANDBOX_HANG_NEXT',
  drop_next: 'CONEKTA_SANDBOX_DROP_NEXT',
  fault_after_processing: 'CONEKTA_SANDBOX_FAULT_AFTER_PROCESSING',
  webhook_duplicates: 'CONEKTA_SANDBOX_WEBHOOK_DUPLICATES',
  hold_webhooks: 'CONEKTA_SANDBOX_HOLD_WEBHOOKS',
  webhooks_enabled: 'CONEKTA_SANDBOX_WEBHOOKS_ENABLED',
};

export const FAULT_ENV_NAMES: readonly string[] = Object.values(ENV_NAMES);

/** Reads the CONEKTA_SANDBOX_* fault variables (numbers, and true/false/1/0 flags). */
export function faultsFromEnv(env: Record<string, string | undefined>): Partial<Faults> {
  const patch: Record<string, unknown> = {};
  for (const [key, name] of Object.entries(ENV_NAMES)) {
    const raw = env[name]?.trim();
    if (!raw) continue;
    if ((FLAGS as readonly string[]).includes(key)) {
      if (!/^(true|false|1|0)$/i.test(raw))
        throw new SandboxControlError(400, `${name} must be true or false`);
      patch[key] = /^(true|1)$/i.test(raw);
    } else patch[key] = Number(raw);
  }
  applyFaultsPatch(DEFAULT_FAULTS, patch); // throws on bad values
  return patch as Partial<Faults>;
}

export const RequestFault = { fail: 'fail', hang: 'hang', drop: 'drop' } as const;
export type RequestFault = (typeof RequestFault)[keyof typeof RequestFault];

/** Takes one pending request fault, if any (drop, then hang, then fail). */
export function takeRequestFault(faults: Faults): { fault?: RequestFault; next: Faults } {
  if (faults.drop_next > 0)
    return { fault: RequestFault.drop, next: { ...faults, drop_next: faults.drop_next - 1 } };
  if (faults.hang_next > 0)
    return { fault: RequestFault.hang, next: { ...faults, hang_next: faults.hang_next - 1 } };
  if (faults.fail_next > 0)
    return { fault: RequestFault.fail, next: { ...faults, fail_next: faults.fail_next - 1 } };
  return { next: faults };
}
