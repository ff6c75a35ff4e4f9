/**
 * The Lambda deadline. Lambda stops a function at its timeout and API Gateway then answers
 * 500 {"message":"Internal Server Error"} (docs/gateway.md): a storefront cannot tell that from a
 * failure. Pagos answers its own retry-safe 504 before that:
 * - `deadlineFrom()` is the deadline (epoch ms: now + remaining time - margin) functions/pagos.ts
 *   hands the domain, which bounds what it waits for (a Conekta call) by it;
 * - `answerBeforeDeadline()` is middy's early timeout: if the handler has not answered by then,
 *   the caller gets `deadlineExceeded()`, whatever the handler is still waiting on.
 */
import type { Context } from 'aws-lambda';
import { ErrorCode, PagosError } from '../payments/errors.js';
import { errorResponse, type JsonResult } from './responses.js';

/** Time kept back from the Lambda timeout for the domain's own answer (and its writes) to get out. */
export const DEFAULT_DEADLINE_MARGIN_MS = 1500;
/** The backstop fires later than the domain's deadline: its 504 comes first when the domain honours it. */
export const DEFAULT_BACKSTOP_MARGIN_MS = 1000;

type RemainingTime = Partial<Pick<Context, 'getRemainingTimeInMillis'>>;

/** now + the Lambda's remaining time - margin; undefined without a Lambda context (direct calls, tests). */
export function deadlineFrom(
  context: RemainingTime | undefined,
  marginMs = DEFAULT_DEADLINE_MARGIN_MS,
  now = Date.now(),
): number | undefined {
  const remaining = context?.getRemainingTimeInMillis?.();
  if (typeof remaining !== 'number' || !Number.isFinite(remaining)) return undefined;
  return now + remaining - marginMs;
}

/**
 * What the caller gets when the deadline comes first: 504 `provider_timeout`, retry-safe like a
 * Conekta timeout. It is: the unfinished attempt holds the reference's claim, so a retry waits for
 * it (409 `request_in_progress` while it may still finish), then looks for the order before making one.
 */
export function deadlineExceeded(provider = 'conekta'): PagosError {
  return new PagosError({
    status: 504,
    code: ErrorCode.providerTimeout,
    message: 'The payment could not be finished in time. Sending the same request again is safe.',
    provider: { name: provider, retry_safe: true },
  });
}

/**
 * middy options (`middy(answerBeforeDeadline())`): answers deadlineExceeded() `marginMs` before the
 * Lambda timeout when the handler has not answered. The handler keeps running in the background
 * (its environment is frozen once the answer is out); its later writes are its claim's to make.
 */
export function answerBeforeDeadline(opts: { marginMs?: number; provider?: string } = {}): {
  timeoutEarlyInMillis: number;
  timeoutEarlyResponse: () => JsonResult;
} {
  return {
    timeoutEarlyInMillis: opts.marginMs ?? DEFAULT_BACKSTOP_MARGIN_MS,
    timeoutEarlyResponse: () => errorResponse(deadlineExceeded(opts.provider)),
  };
}
