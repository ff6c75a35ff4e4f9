/** middy middlewares: one concern each. */
import { randomUUID } from 'node:crypto';
import type { MiddlewareObj, Request } from '@middy/core';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { ErrorCode, PagosError } from '../payments/errors.js';
import { NUMBER_SOURCE } from '../payments/fields.js';
import type { Logger } from './logger.js';
import type { PagosMetrics } from './metrics.js';
import { type AnswerSummary, summarizeAnswer } from './outcome.js';
import { forgetSensitiveValues, rememberSensitiveValues, sensitiveValuesIn } from './redact.js';
import { errorResponse, httpErrorToPagosError, internalError } from './responses.js';

type Middleware = MiddlewareObj<APIGatewayProxyEventV2, unknown>;
/** Typed for any Lambda event, not only API Gateway's: requestIdOf falls back to the Lambda request id. */
type AnyMiddleware = MiddlewareObj<unknown, unknown, Error, Context>;
type AnyRequest = Request<unknown, unknown, Error, Context>;

export const REQUEST_ID_HEADER = 'X-Request-Id';

const ID_SHAPE = /^[A-Za-z0-9][A-Za-z0-9_.:=/+-]{0,127}$/;

/** API Gateway's request id; the Lambda request id for other events (or direct invocations). */
export function requestIdOf(event: unknown, context: Partial<Context> | undefined): string {
  const fromGateway = (event as { requestContext?: { requestId?: unknown } } | null)?.requestContext
    ?.requestId;
  if (typeof fromGateway === 'string' && ID_SHAPE.test(fromGateway)) return fromGateway;
  return context?.awsRequestId || randomUUID();
}

/**
 * Puts the request id on every log line of the request as `correlation_id`, and on every HTTP
 * answer, errors included, as `X-Request-Id`. Use it first, so its after/onError run last.
 */
export function correlationId(logger: Logger): AnyMiddleware {
  const ids = new WeakMap<AnyRequest, string>();
  const echo = (request: AnyRequest) => {
    const response = request.response as { statusCode?: unknown; headers?: Record<string, string> } | null;
    const id = ids.get(request);
    if (id && response && typeof response.statusCode === 'number')
      response.headers = { ...response.headers, [REQUEST_ID_HEADER]: id };
  };
  return {
    before: (request) => {
      const id = requestIdOf(request.event, request.context);
      ids.set(request, id);
      // Keys of the previous invocation must not leak into this one.
      logger.resetKeys();
      if (request.context?.awsRequestId) logger.addContext(request.context);
      logger.appendKeys({ correlation_id: id });
    },
    after: echo,
    onError: echo,
  };
}

/** Raw body text, for reading only; undefined when absent or too large to bother. */
function bodyText(event: unknown): string | undefined {
  const { body, isBase64Encoded } = (event ?? {}) as { body?: unknown; isBase64Encoded?: unknown };
  if (typeof body !== 'string' || body.length > 512 * 1024) return undefined;
  return isBase64Encoded === true ? Buffer.from(body, 'base64').toString('utf8') : body;
}

/**
 * Teaches the log redactor the sensitive values this request carries (a buyer's name has no
 * pattern to find it by), before anything parses or logs, and forgets them afterwards. A body
 * that must be verified first (a webhook) teaches nothing here: its handler does, once verified.
 */
export function sensitiveValues(opts: { learnFromBody: boolean }): AnyMiddleware {
  const forget = () => forgetSensitiveValues();
  return {
    before: (request) => {
      forgetSensitiveValues();
      if (!opts.learnFromBody) return;
      const text = bodyText(request.event);
      if (text === undefined || !/^\s*[[{]/.test(text)) return;
      try {
        rememberSensitiveValues(sensitiveValuesIn(JSON.parse(text)));
      } catch {
        // not JSON: patterns still apply, and nothing of it is logged
      }
    },
    after: forget,
    onError: forget,
  };
}

/** At debug, a `request received` line; always, one `request done` line: status, outcome and latency (ms). */
export function requestLog(logger: Logger): AnyMiddleware {
  const started = new WeakMap<AnyRequest, number>();
  const done = (request: AnyRequest) => {
    const { status, outcome } = summarizeAnswer(request.response);
    const ms = Math.round(performance.now() - (started.get(request) ?? performance.now()));
    const fields = { status, outcome, ms };
    if (status >= 500) logger.error('request done', fields);
    else logger.info('request done', fields);
  };
  return {
    before: (request) => {
      started.set(request, performance.now());
      const { body, headers } = (request.event ?? {}) as {
        body?: unknown;
        headers?: Record<string, unknown>;
      };
      logger.debug('request received', {
        bytes: typeof body === 'string' ? body.length : 0,
        content_type: String(headers?.['content-type'] ?? '').slice(0, 100),
      });
    },
    after: done,
    onError: done,
  };
}

type Counts = (
  answer: AnswerSummary,
  error?: unknown,
) => readonly { name: string; dimensions?: Record<string, string> }[];

/**
 * Counts what the answer says, and the error it was made from if any (lib/http/metrics.ts says
 * what each endpoint counts), then writes every metric counted during the request, once, at its end.
 */
export function requestMetrics(metrics: PagosMetrics, counts: Counts = () => []): AnyMiddleware {
  const publish = (request: AnyRequest) => {
    for (const { name, dimensions } of counts(summarizeAnswer(request.response), request.error))
      metrics.count(name, dimensions);
    metrics.publishStoredMetrics();
  };
  return { after: publish, onError: publish };
}

/**
 * The observability stack of an HTTP function, in the order it must run: correlation id and
 * header, redactor values, metrics, and the request log line. Use it before errorResponder, so
 * every one of them sees the final answer.
 */
export function observability(
  logger: Logger,
  metrics: PagosMetrics,
  counts: Counts,
  opts: { learnFromBody: boolean } = { learnFromBody: true },
): AnyMiddleware[] {
  return [correlationId(logger), sensitiveValues(opts), requestMetrics(metrics, counts), requestLog(logger)];
}

/** Refuses bodies over `maxBytes` before anything parses them. */
export function bodySizeLimit(maxBytes: number): Middleware {
  return {
    before: (request) => {
      const { body, isBase64Encoded } = request.event;
      if (body === undefined || body === null) return;
      const bytes = Buffer.byteLength(body, isBase64Encoded ? 'base64' : 'utf8');
      if (bytes > maxBytes) {
        throw new PagosError({
          status: 413,
          code: ErrorCode.bodyTooLarge,
          message: `The request body is ${bytes} bytes; the limit is ${maxBytes} bytes.`,
        });
      }
    },
  };
}

/**
 * Turns errors into JSON answers. Errors meant for the caller keep their status and message;
 * anything else is logged and becomes a plain 500 that reveals nothing.
 */
export function errorResponder(logger: Logger): Middleware {
  return {
    onError: (request) => {
      const error = request.error;
      let pagosError: PagosError;
      if (error instanceof PagosError) {
        pagosError = error;
        // 502/504: what Conekta did (or did not) answer is in the cause.
        if (error.status >= 500) logger.warn('request failed', { code: error.code, cause: error.cause });
      } else if (typeof (error as { statusCode?: unknown })?.statusCode === 'number') {
        // middy's own (415, malformed JSON): their cause holds the raw body, never logged.
        pagosError = httpErrorToPagosError(error as unknown as { statusCode: number; message?: string });
      } else {
        logger.error('unhandled error', { error });
        pagosError = internalError();
      }
      request.response = errorResponse(pagosError);
    },
  };
}

/** What @middy/http-json-body-parser accepts as JSON; it answers 415 for anything else. */
const PARSER_JSON_TYPE = /^application\/([a-z0-9.+-]+\+)?json(;|$)/i;
/** A JSON media type, parameters removed: `application/json` or a `+json` type (RFC 6839). */
const JSON_MEDIA_TYPE = /^application\/([a-z0-9.+-]+\+)?json$/i;
// ignoreBOM keeps a leading BOM, which JSON.parse refuses: base64 bodies read like text ones.
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Splits a header value on the commas that join repeated headers, not on commas inside quotes. */
function joinedValues(value: string): string[] {
  return value.match(/(?:[^,"]|"(?:[^"\\]|\\.)*")+/g) ?? [];
}

/**
 * Whether Pagos reads the body as JSON, given the Content-Type as API Gateway delivers it:
 * - none (or empty): yes. Pagos takes nothing but JSON, and the HTTP API hands a body sent without
 *   a content type over base64-encoded with no content type at all; a body that is not JSON is then
 *   refused as `invalid_json` (400), not as an unsupported type.
 * - the header sent more than once arrives joined with commas (`application/json,application/json`):
 *   yes when every value is JSON.
 * - parameters (`; charset=utf-8`) do not matter; any other media type is not JSON (415).
 */
export function isJsonContentType(contentType: string | undefined): boolean {
  if (contentType === undefined || contentType.trim() === '') return true;
  const values = joinedValues(contentType).map((v) => v.split(';', 1)[0]!.trim());
  return values.length > 0 && values.every((mediaType) => JSON_MEDIA_TYPE.test(mediaType));
}

/**
 * Prepares the body for @middy/http-json-body-parser, which then answers 415 for a non-JSON
 * Content-Type and 400 (via the error responder) for JSON that does not parse or carries a
 * `__proto__` key. Here: a JSON content type the parser does not know (none at all, repeated
 * headers joined by the gateway) becomes `application/json` for it (see isJsonContentType); base64
 * bodies become text only if they are valid UTF-8 (else 400), and numbers whose text is not the
 * number JavaScript reads back (`1e3`, `10.0000000000000001`) become a value carrying their source
 * text: money is read from those digits, every other field refuses it, so `1e3` is not read as 1000
 * nor 16 decimals as two (needs JSON.parse source access: Node 21+, the Lambda's Node 24).
 */
export function jsonBodyText(): Middleware {
  const invalid = () =>
    new PagosError({
      status: 400,
      code: ErrorCode.invalidJson,
      message: 'The request body is not valid JSON.',
    });
  return {
    before: (request) => {
      const event = request.event;
      const contentType = event.headers?.['content-type'] ?? event.headers?.['Content-Type'];
      if (!isJsonContentType(contentType)) return;
      if (!PARSER_JSON_TYPE.test(contentType ?? ''))
        event.headers = { ...event.headers, 'content-type': 'application/json' };
      if (typeof event.body !== 'string') return;
      if (event.isBase64Encoded) {
        try {
          event.body = UTF8.decode(Buffer.from(event.body, 'base64'));
        } catch {
          throw invalid();
        }
        event.isBase64Encoded = false;
      }
      if (!/\d[.eE]/.test(event.body)) return;
      let marked = false;
      let rewritten: unknown;
      try {
        rewritten = JSON.parse(event.body, (_key: string, value: unknown, context?: { source?: string }) => {
          if (typeof value !== 'number' || !context?.source || context.source === String(value)) return value;
          marked = true;
          // Neither a number nor a string: money reads its digits, every other field refuses it.
          return { [NUMBER_SOURCE]: context.source };
        });
      } catch {
        return; // not JSON (or too deep): the parser refuses it
      }
      if (marked) event.body = JSON.stringify(rewritten);
    },
  };
}
