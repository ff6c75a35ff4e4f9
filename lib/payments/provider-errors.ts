/** How a provider call failed, in provider-neutral terms, and what the caller is told. */
import { ErrorCode, PagosError } from './errors.js';
import type { ProviderOrder } from './ports.js';

export const ProviderFailure = {
  authentication: 'authentication',
  declined: 'declined',
  /** The card token was used before: an earlier attempt may have charged it. */
  tokenUsed: 'token_used',
  validation: 'validation',
  precondition: 'precondition',
  notFound: 'not_found',
  rateLimited: 'rate_limited',
  unavailable: 'unavailable',
  timeout: 'timeout',
  /** The provider answered, but not about what was asked (another order, amount, no link). */
  misfit: 'misfit',
} as const;
export type ProviderFailure = (typeof ProviderFailure)[keyof typeof ProviderFailure];

/** `not_processed`: the provider surely did nothing. `unknown`: it may have acted before failing. */
export type ProviderOutcome = 'not_processed' | 'unknown';

export type ProviderErrorOptions = {
  provider: string;
  failure: ProviderFailure;
  message: string;
  outcome: ProviderOutcome;
  status?: number;
  type?: string;
  logId?: string | null;
  details?: unknown[];
  /** The order a refusal still made (a declined charge's order), when the provider says so. */
  order?: ProviderOrder;
  cause?: unknown;
};

export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  readonly provider: string;
  readonly failure: ProviderFailure;
  readonly outcome: ProviderOutcome;
  readonly info: Omit<ProviderErrorOptions, 'provider' | 'failure' | 'message' | 'outcome' | 'cause'>;

  constructor(options: ProviderErrorOptions) {
    super(options.message, options.cause === undefined ? undefined : { cause: options.cause });
    const { provider, failure, outcome, message: _m, cause: _c, ...info } = options;
    this.provider = provider;
    this.failure = failure;
    this.outcome = outcome;
    this.info = info;
  }
}

const HTTP: Record<ProviderFailure, { status: number; code: ErrorCode; message: string }> = {
  authentication: {
    status: 401,
    code: ErrorCode.providerAuthentication,
    message: 'The provider rejected the secret. Check that it is a valid private API key of your account.',
  },
  declined: { status: 402, code: ErrorCode.providerDeclined, message: 'The payment was declined.' },
  token_used: {
    status: 502,
    code: ErrorCode.providerUnavailable,
    message:
      'The card token was already used, so an earlier attempt of this payment may have charged the card. ' +
      'Pagos is confirming with the provider; send the same request again in a moment.',
  },
  validation: {
    status: 422,
    code: ErrorCode.providerValidation,
    message: 'The provider refused the request parameters; see details.',
  },
  precondition: {
    status: 409,
    code: ErrorCode.providerConflict,
    message: 'The provider cannot do this in the payment’s current state; see details.',
  },
  not_found: {
    status: 404,
    code: ErrorCode.unknownReference,
    message: 'The provider does not know this order.',
  },
  rate_limited: {
    status: 429,
    code: ErrorCode.rateLimited,
    message: 'The provider is limiting requests and did nothing. Send the same request again in a moment.',
  },
  unavailable: {
    status: 502,
    code: ErrorCode.providerUnavailable,
    message: 'The provider failed to answer. Sending the same request again is safe.',
  },
  timeout: {
    status: 504,
    code: ErrorCode.providerTimeout,
    message: 'The provider did not answer in time. Sending the same request again is safe.',
  },
  misfit: {
    status: 502,
    code: ErrorCode.providerUnavailable,
    message:
      'The provider answered about something else than was asked. Nothing was recorded as done; sending the ' +
      'same request again is safe.',
  },
};

const RETRY_SAFE: readonly ProviderFailure[] = [
  'token_used',
  'rate_limited',
  'unavailable',
  'timeout',
  'misfit',
];

/** The caller-facing error for a provider failure; the provider's details pass through untouched. */
export function providerErrorToPagosError(error: ProviderError): PagosError {
  const { status, code, message } = HTTP[error.failure];
  return new PagosError({
    status,
    code,
    message,
    details: error.info.details ?? [],
    provider: {
      name: error.provider,
      ...(error.info.status !== undefined && { status: error.info.status }),
      ...(error.info.type !== undefined && { type: error.info.type }),
      ...(error.info.logId !== undefined && { log_id: error.info.logId }),
      retry_safe: RETRY_SAFE.includes(error.failure),
    },
    ...(error.failure === 'rate_limited' && { headers: { 'Retry-After': '2' } }),
    cause: error,
  });
}

/** Runs a provider call, turning its failure into the caller's error. */
export async function callProvider<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw error instanceof ProviderError ? providerErrorToPagosError(error) : error;
  }
}

/** A failure that proves nothing about whether the provider acted. */
export const mayHaveActed = (error: unknown): boolean =>
  !(error instanceof ProviderError) || error.outcome === 'unknown';
