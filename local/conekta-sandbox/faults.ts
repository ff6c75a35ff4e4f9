// Knobs for tests: what goes wrong with API calls and webhook deliveries, and which of the
// behaviours Conekta's documentation allows the sandbox shows. Every knob defaults to today's
// (or the best-supported) behaviour; GET/POST/DELETE /_sandbox/faults reads, patches, resets.
import { SandboxControlError } from './errors.js';
import { type OperationId, operationLabel, SERVED_OPERATIONS } from './operations.js';

export const SignatureForm = {
  pkcs1Sha256: 'pkcs1-sha256',
  rsaEncryptedHexSha256: 'rsa-encrypted-hex-sha256',
  rsaEncryptedRawSha256: 'rsa-encrypted-raw-sha256',
} as const;
export type SignatureForm = (typeof SignatureForm)[keyof typeof SignatureForm];

export const SignatureEncoding = {
  base64: 'base64',
  base64url: 'base64url',
  urlEncodedBase64: 'url-encoded-base64',
} as const;
export type SignatureEncoding = (typeof SignatureEncoding)[keyof typeof SignatureEncoding];

export const SearchMode = { metadata: 'metadata', documented: 'documented', ignored: 'ignored' } as const;
export type SearchMode = (typeof SearchMode)[keyof typeof SearchMode];

export const Idempotency = { ignored: 'ignored', honoured: 'honoured' } as const;
export type Idempotency = (typeof Idempotency)[keyof typeof Idempotency];

export const DeclineBody = { plain: 'plain', withOrder: 'with_order' } as const;
export type DeclineBody = (typeof DeclineBody)[keyof typeof DeclineBody];

export const MisfitKind = {
  otherOrderId: 'other_order_id',
  otherAmount: 'other_amount',
  otherCurrency: 'other_currency',
  noCheckoutUrl: 'no_checkout_url',
  noMetadata: 'no_metadata',
} as const;
export type MisfitKind = (typeof MisfitKind)[keyof typeof MisfitKind];

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
  /** Fail/hang/drop after doing the work (order created, refunded, canceled; webhooks sent). */
  fault_after_processing: boolean;
  /** Only calls of this operation (operationId or `METHOD /path/template`) take the next-N knobs. */
  fault_match: string | null;
  /** Answers to alter after processing, one per matching order answer (the work is still done). */
  misfit_next: MisfitKind[];
  /** Each webhook delivery is made this many times (independently, with its own retries). */
  webhook_duplicates: number;
  /** Queue deliveries until POST /_sandbox/webhooks/release. */
  hold_webhooks: boolean;
  /** false: events are still created but never delivered ("lost webhooks"). */
  webhooks_enabled: boolean;
  /** How the `digest` header is made (README: evidence for the default). */
  webhook_signature_form: SignatureForm;
  webhook_signature_encoding: SignatureEncoding;
  /** What GET /orders?search= matches. */
  search_mode: SearchMode;
  /** Whether a POST's Idempotency-Key header replays the first answer. */
  idempotency: Idempotency;
  /** Whether a declined card charge's 402 carries the declined order as `data`. */
  decline_body: DeclineBody;
  /** Status of a reused token: 402 processing (spec) or 422 parameter_validation. */
  token_reuse_status: number;
}

export const DEFAULT_FAULTS: Faults = {
  latency_ms: 0,
  fail_next: 0,
  fail_next_status: 500,
  hang_next: 0,
  drop_next: 0,
  fault_after_processing: false,
  fault_match: null,
  misfit_next: [],
  webhook_duplicates: 1,
  hold_webhooks: false,
  webhooks_enabled: true,
  webhook_signature_form: SignatureForm.pkcs1Sha256,
  webhook_signature_encoding: SignatureEncoding.base64,
  search_mode: SearchMode.metadata,
  idempotency: Idempotency.ignored,
  decline_body: DeclineBody.plain,
  token_reuse_status: 402,
};

// The statuses Conekta documents (docs/conekta-api.md §3.2) plus the gateway-style 5xx a proxy might add.
export const FAIL_STATUSES = [400, 401, 402, 403, 404, 409, 422, 428, 429, 500, 502, 503, 504] as const;
export const TOKEN_REUSE_STATUSES = [402, 422] as const;

/** The served operation a fault_match names, as an operationId, or undefined. */
export function matchedOperation(match: string): OperationId | undefined {
  const trimmed = match.trim();
  const [method = '', path = ''] = trimmed.split(/\s+/, 2);
  const found = SERVED_OPERATIONS.find(
    (op) =>
      op.id === trimmed || (op.method === method.toLowerCase() && op.path === path && path.startsWith('/')),
  );
  return found?.id;
}

type Parse<T> = (value: unknown, name: string) => T;

const fail = (message: string): never => {
  throw new SandboxControlError(400, message);
};

const integer =
  (min: number): Parse<number> =>
  (value, name) =>
    Number.isInteger(value) && (value as number) >= min
      ? (value as number)
      : fail(`Fault ${name} must be an integer >= ${min}`);

const flag: Parse<boolean> = (value, name) =>
  typeof value === 'boolean' ? value : fail(`Fault ${name} must be a boolean`);

const oneOf =
  <T>(values: readonly T[]) =>
  (value: unknown, name: string): T =>
    (values as readonly unknown[]).includes(value)
      ? (value as T)
      : fail(`Fault ${name} must be one of ${values.join(', ')}`);

const faultMatch: Parse<string | null> = (value) => {
  if (value === null) return null;
  if (typeof value === 'string' && matchedOperation(value)) return value.trim();
  const names = SERVED_OPERATIONS.map((op) => `${op.id} (${operationLabel(op)})`).join(', ');
  return fail(`Fault fault_match must be null, an operationId or "METHOD /path/template" of: ${names}`);
};

const misfits: Parse<MisfitKind[]> = (value, name) => {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list)) return fail(`Fault ${name} must be a misfit kind or a list of them`);
  return list.map((kind) => oneOf(Object.values(MisfitKind))(kind, name));
};

const PARSERS: { [K in keyof Faults]: Parse<Faults[K]> } = {
  latency_ms: integer(0),
  fail_next: integer(0),
  fail_next_status: oneOf(FAIL_STATUSES),
  hang_next: integer(0),
  drop_next: integer(0),
  fault_after_processing: flag,
  fault_match: faultMatch,
  misfit_next: misfits,
  webhook_duplicates: integer(1),
  hold_webhooks: flag,
  webhooks_enabled: flag,
  webhook_signature_form: oneOf(Object.values(SignatureForm)),
  webhook_signature_encoding: oneOf(Object.values(SignatureEncoding)),
  search_mode: oneOf(Object.values(SearchMode)),
  idempotency: oneOf(Object.values(Idempotency)),
  decline_body: oneOf(Object.values(DeclineBody)),
  token_reuse_status: oneOf(TOKEN_REUSE_STATUSES),
};

const isKnob = (key: string): key is keyof Faults => Object.hasOwn(PARSERS, key);

/** Validates a JSON patch (POST /_sandbox/faults) and merges it. */
export function applyFaultsPatch(current: Faults, patch: unknown): Faults {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
    throw new SandboxControlError(400, 'Faults must be a JSON object');
  }
  const next: Record<string, unknown> = { ...current };
  for (const [key, value] of Object.entries(patch)) {
    if (!isKnob(key)) {
      throw new SandboxControlError(400, `Unknown fault ${key}; known: ${Object.keys(PARSERS).join(', ')}`);
    }
    next[key] = PARSERS[key](value, key);
  }
  return next as unknown as Faults;
}

const ENV_NAMES: Record<keyof Faults, string> = {
  latency_ms: 'CONEKTA_SANDBOX_LATENCY_MS',
  fail_next: 'CONEKTA_SANDBOX_FAIL_NEXT',
  fail_next_status: 'CONEKTA_SANDBOX_FAIL_NEXT_STATUS',
  hang_next: 'CONEKTA_SANDBOX_HANG_NEXT',
  drop_next: 'CONEKTA_SANDBOX_DROP_NEXT',
  fault_after_processing: 'CONEKTA_SANDBOX_FAULT_AFTER_PROCESSING',
  fault_match: 'CONEKTA_SANDBOX_FAULT_MATCH',
  misfit_next: 'CONEKTA_SANDBOX_MISFIT_NEXT',
  webhook_duplicates: 'CONEKTA_SANDBOX_WEBHOOK_DUPLICATES',
  hold_webhooks: 'CONEKTA_SANDBOX_HOLD_WEBHOOKS',
  webhooks_enabled: 'CONEKTA_SANDBOX_WEBHOOKS_ENABLED',
  webhook_signature_form: 'CONEKTA_SANDBOX_WEBHOOK_SIGNATURE_FORM',
  webhook_signature_encoding: 'CONEKTA_SANDBOX_WEBHOOK_SIGNATURE_ENCODING',
  search_mode: 'CONEKTA_SANDBOX_SEARCH_MODE',
  idempotency: 'CONEKTA_SANDBOX_IDEMPOTENCY',
  decline_body: 'CONEKTA_SANDBOX_DECLINE_BODY',
  token_reuse_status: 'CONEKTA_SANDBOX_TOKEN_REUSE_STATUS',
};

export const FAULT_ENV_NAMES: readonly string[] = Object.values(ENV_NAMES);

/** An env string as the JSON value the knob's parser expects. */
function fromEnvText(key: keyof Faults, raw: string, name: string): unknown {
  const sample = DEFAULT_FAULTS[key];
  if (typeof sample === 'boolean') {
    if (!/^(true|false|1|0)$/i.test(raw)) throw new SandboxControlError(400, `${name} must be true or false`);
    return /^(true|1)$/i.test(raw);
  }
  if (typeof sample === 'number') return Number(raw);
  if (Array.isArray(sample)) {
    return raw
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean);
  }
  return raw;
}

/** Reads the CONEKTA_SANDBOX_* knob variables (numbers, true/false flags, names, comma lists). */
export function faultsFromEnv(env: Record<string, string | undefined>): Partial<Faults> {
  const patch: Record<string, unknown> = {};
  for (const [key, name] of Object.entries(ENV_NAMES) as [keyof Faults, string][]) {
    const raw = env[name]?.trim();
    if (raw) patch[key] = fromEnvText(key, raw, name);
  }
  applyFaultsPatch(DEFAULT_FAULTS, patch); // throws on bad values
  return patch as Partial<Faults>;
}

export const RequestFault = { fail: 'fail', hang: 'hang', drop: 'drop' } as const;
export type RequestFault = (typeof RequestFault)[keyof typeof RequestFault];

/** Whether the next-N knobs apply to a call of this operation (undefined: no such route). */
export function faultApplies(faults: Faults, operation: OperationId | undefined): boolean {
  return faults.fault_match === null || matchedOperation(faults.fault_match) === operation;
}

/** Takes one pending request fault for this call, if any (drop, then hang, then fail). */
export function takeRequestFault(
  faults: Faults,
  operation?: OperationId,
): { fault?: RequestFault; next: Faults } {
  if (!faultApplies(faults, operation)) return { next: faults };
  if (faults.drop_next > 0)
    return { fault: RequestFault.drop, next: { ...faults, drop_next: faults.drop_next - 1 } };
  if (faults.hang_next > 0)
    return { fault: RequestFault.hang, next: { ...faults, hang_next: faults.hang_next - 1 } };
  if (faults.fail_next > 0)
    return { fault: RequestFault.fail, next: { ...faults, fail_next: faults.fail_next - 1 } };
  return { next: faults };
}
