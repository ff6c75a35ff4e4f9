/** Domain errors: each names what went wrong and, where it can, how to fix it. */

export type FieldIssue = { field: string; message: string };

export const ErrorCode = {
  invalidRequest: 'invalid_request',
  invalidJson: 'invalid_json',
  unsupportedMediaType: 'unsupported_media_type',
  bodyTooLarge: 'body_too_large',
  /** 403: the edge is on and the request did not come through it (lib/http/edge.ts). */
  edgeRequired: 'edge_required',
  unsupportedProvider: 'unsupported_provider',
  unsupportedAction: 'unsupported_action',
  rawCardNotAllowed: 'raw_card_not_allowed',
  referenceConflict: 'reference_conflict',
  alreadyPaid: 'already_paid',
  requestInProgress: 'request_in_progress',
  unknownReference: 'unknown_reference',
  tooManyAttempts: 'too_many_attempts',
  rateLimited: 'rate_limited',
  providerAuthentication: 'provider_authentication_error',
  providerDeclined: 'payment_declined',
  providerValidation: 'provider_validation_error',
  providerConflict: 'provider_conflict',
  providerUnavailable: 'provider_unavailable',
  providerTimeout: 'provider_timeout',
  internal: 'internal_error',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Details a provider error carries back to the caller (never the secret). */
export type ProviderErrorInfo = {
  name: string;
  status?: number;
  type?: string;
  log_id?: string | null;
  /** Whether sending the same request again is safe and useful. */
  retry_safe?: boolean;
};

export type PagosErrorOptions = {
  status: number;
  code: ErrorCode;
  message: string;
  details?: FieldIssue[] | unknown[];
  provider?: ProviderErrorInfo;
  headers?: Record<string, string>;
  cause?: unknown;
};

/** An error meant for the caller: it becomes the JSON error response with this status. */
export class PagosError extends Error {
  override readonly name: string = 'PagosError';
  readonly status: number;
  readonly code: ErrorCode;
  readonly details: FieldIssue[] | unknown[];
  readonly provider: ProviderErrorInfo | undefined;
  readonly headers: Record<string, string>;

  constructor(options: PagosErrorOptions) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    this.status = options.status;
    this.code = options.code;
    this.details = options.details ?? [];
    this.provider = options.provider;
    this.headers = options.headers ?? {};
  }
}

export class ValidationError extends PagosError {
  override readonly name = 'ValidationError';
  constructor(readonly issues: FieldIssue[]) {
    super({
      status: 400,
      code: ErrorCode.invalidRequest,
      message: `The request has ${issues.length} invalid field${issues.length === 1 ? '' : 's'}: ${issues.map((i) => i.field).join(', ')}.`,
      details: issues,
    });
  }
}

/** Which of Pagos's own limits refused a request: per key, or never-seen keys per source address. */
export type RateLimit = 'key' | 'new_keys_per_source';

/** Pagos's own 429 `rate_limited`; `limit` is for the `RateLimited` metric, not the answer. */
export class RateLimitedError extends PagosError {
  override readonly name = 'RateLimitedError';
  constructor(
    readonly limit: RateLimit,
    options: Omit<PagosErrorOptions, 'status' | 'code'>,
  ) {
    super({ ...options, status: 429, code: ErrorCode.rateLimited });
  }
}

/** A 409 that asks the caller to send the same request again shortly. */
export function inProgress(message: string, retryAfterSeconds = 1): PagosError {
  return new PagosError({
    status: 409,
    code: ErrorCode.requestInProgress,
    message,
    headers: { 'Retry-After': String(retryAfterSeconds) },
  });
}

/** 502, retry-safe: Pagos does not know yet whether the provider acted, and will find out. */
export function outcomeUnknown(opts: {
  provider: string;
  message: string;
  cause?: unknown;
  retryAfterSeconds?: number;
}): PagosError {
  const { provider, message, cause, retryAfterSeconds } = opts;
  return new PagosError({
    status: 502,
    code: ErrorCode.providerUnavailable,
    message,
    provider: { name: provider, retry_safe: true },
    ...(retryAfterSeconds !== undefined && { headers: { 'Retry-After': String(retryAfterSeconds) } }),
    cause,
  });
}

export function unknownReference(referenceId: string): PagosError {
  return new PagosError({
    status: 404,
    code: ErrorCode.unknownReference,
    message: `No payment with reference_id ${referenceId} for this merchant. Create it first with action "create" or "charge".`,
  });
}
