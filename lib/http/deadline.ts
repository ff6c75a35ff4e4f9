/**
 * The Lambda deadline. Lambda stops a function at its timeout and API Gateway then answers
 * 500 {"message":"Internal Server Error"} (docs/gateway.md): a storefront cannot tell that from a
 * failure. Pagos answers its own retry-safe 504 before that:
 * - `deadline()` puts `deadline` (epoch ms: now + remaining time - margin) on the event, so the
 *   domain can bound what it waits for (a Conekta call, the in-flight wait) by it;
 * - `answerBeforeDeadline()` is middy's early timeout: if the handler has not answered by then,
 *   the caller gets `deadlineExceeded()`, whatever the handler is still waiting on.
 */
import type { MiddlewareObj } from '@middy/core';
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

/** Puts `deadline` (epoch ms) on the event for the handler; nothing outside Lambda. */
export function deadline(opts: { marginMs?: number } = {}): MiddlewareObj<unknown, unknown, Error, Context> {
  return {
    before: (request) => {
      const at = deadlineFrom(request.context, opts.marginMs);
      if (at !== undefined && typeof request.event === 'object' && request.event !== null)
        (request.event as { deadline?: number }).deadline = at;
    },
  };
}

/** The deadline `deadline()` put on this event (or middy request); undefined when there is none. */
export function deadlineOf(eventOrRequest: unknown): number | undefined {
  const holder = eventOrRequest as { deadline?: unknown; event?: { deadline?: unknown } } | null;
  const value = holder?.deadline ?? holder?.event?.deadline;
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** Milliseconds left before `deadline` (0 once passed); Infinity without one. */
export function timeLeft(deadlineMs: number | undefined, now = Date.now()): number {
  return deadlineMs === undefined ? Number.POSITIVE_INFINITY : Math.max(0, deadlineMs - now);
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
