/** Domain errors: each names what went wrong and, where it can, how to fix it. */

export type FieldIssue = { field: string; message: string };

export const ErrorCode = {
  invalidRequest: 'invalid_request',
  invalidJson: 'invalid_json',
  unsupportedMediaType: 'unsupported_media_type',
  bodyTooLarge: 'body_too_large',
  unsupportedProvider: 'unsupported_provider',
  unsupportedAction: 'unsupported_action',
  rawCardNotAllowed: 'raw_card_not_allowed',
  referenceConflict: 'reference_conflict',
  requestInProgress: 'request_in_progress',
  unknownReference: 'unknown_reference',
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
  details?: unknown[];
  /** Whether sending the same request again is safe and useful. */
  retry_safe?: boolean;
};

/** An error meant for the caller: it becomes the JSON error response with this status. */
export class PagosError extends Error {
  override readonly name: string = 'PagosError';
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly details: FieldIssue[] | unknown[] = [],
    readonly provider?: ProviderErrorInfo,
    readonly headers: Record<string, string> = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class ValidationError extends PagosError {
  override readonly name = 'ValidationError';
  constructor(readonly issues: FieldIssue[]) {
    super(
      400,
      ErrorCode.invalidRequest,
      `The request has ${issues.length} invalid field${issues.length === 1 ? '' : 's'}: ${issues.map((i) => i.field).join(', ')}.`,
      issues,
    );
  }
}
