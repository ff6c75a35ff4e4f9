/** How a provider call failed, in provider-neutral terms, and what the caller is told. */
import { ErrorCode, PagosError } from './errors.js';

export const ProviderFailure = {
  authentication: 'authentication',
  declined: 'declined',
  validation: 'validation',
  precondition: 'precondition',
  notFound: 'not_found',
  unavailable: 'unavailable',
  timeout: 'timeout',
} as const;
export type ProviderFailure = (typeof ProviderFailure)[keyof typeof ProviderFailure];

/** `not_created`: the provider surely did nothing. `unknown`: it may have acted before failing. */
export type ProviderOutcome = 'not_created' | 'unknown';

export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  constructor(
    readonly provider: string,
    readonly failure: ProviderFailure,
    message: string,
    readonly info: {
      outcome: ProviderOutcome;
      status?: number;
      type?: string;
      logId?: string | null;
      details?: unknown[];
      cause?: unknown;
    },
  ) {
    super(message, { cause: info.cause });
  }
}

const HTTP: Record<ProviderFailure, { status: number; code: ErrorCode }> = {
  authentication: { status: 401, code: ErrorCode.providerAuthentication },
  declined: { status: 402, code: ErrorCode.providerDeclined },
  validation: { status: 422, code: ErrorCode.providerValidation },
  precondition: { status: 409, code: ErrorCode.providerConflict },
  not_found: { status: 404, code: ErrorCode.unknownReference },
  unavailable: { status: 502, code: ErrorCode.providerUnavailable },
  timeout: { status: 504, code: ErrorCode.providerTimeout },
};

const MESSAGES: Record<ProviderFailure, string> = {
  authentication:
    'The provider rejected the secret. Check that it is a valid private API key of your account.',
  declined: 'The payment was declined.',
  validation: 'The provider refused the request parameters; see details.',
  precondition: 'The provider cannot do this in the payment’s current state; see details.',
  not_found: 'The provider does not know this order.',
  unavailable: 'The provider failed to answer. Sending the same request again is safe.',
  timeout: 'The provider did not answer in time. Sending the same request again is safe.',
};

/** The caller-facing error for a provider failure; Conekta's details pass through untouched. */
export function providerErrorToPagosError(error: ProviderError): PagosError {
  const { status, code } = HTTP[error.failure];
  const retrySafe = error.failure === 'unavailable' || error.failure === 'timeout';
  return new PagosError(
    status,
    code,
    MESSAGES[error.failure],
    error.info.details ?? [],
    {
      name: error.provider,
      ...(error.info.status !== undefined && { status: error.info.status }),
      ...(error.info.type !== undefined && { type: error.info.type }),
      ...(error.info.logId !== undefined && { log_id: error.info.logId }),
      retry_safe: retrySafe,
    },
    {},
    { cause: error },
  );
}
