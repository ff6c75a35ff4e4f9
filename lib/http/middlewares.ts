/** middy middlewares: one concern each. */
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { ErrorCode, PagosError } from '../payments/errors.js';
import type { Logger } from './logger.js';
import { errorResponse, httpErrorToPagosError, internalError } from './responses.js';

type Middleware = MiddlewareObj<APIGatewayProxyEventV2, unknown>;

/** Refuses bodies over `maxBytes` before anything parses them. */
export function bodySizeLimit(maxBytes: number): Middleware {
  return {
    before: (request) => {
      const { body, isBase64Encoded } = request.event;
      if (body === undefined || body === null) return;
      const bytes = isBase64Encoded ? Math.floor((body.length * 3) / 4) : Buffer.byteLength(body, 'utf8');
      if (bytes > maxBytes) {
        throw new PagosError(
          413,
          ErrorCode.bodyTooLarge,
          `The request body is ${bytes} bytes; the limit is ${maxBytes} bytes.`,
        );
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
      } else if (typeof (error as { statusCode?: unknown })?.statusCode === 'number') {
        pagosError = httpErrorToPagosError(error as unknown as { statusCode: number; message?: string });
      } else {
        logger.error('unhandled error', {
          error: { name: error?.name, message: error?.message, stack: error?.stack },
        });
        pagosError = internalError();
      }
      if (pagosError.status >= 500)
        logger.error('request failed', { code: pagosError.code, status: pagosError.status });
      else logger.info('request refused', { code: pagosError.code, status: pagosError.status });
      request.response = errorResponse(pagosError);
    },
  };
}

/**
 * Numbers written with an exponent (`1e3`) are rewritten as their source text before the JSON
 * body parser runs, so validation refuses them instead of silently reading 1000. Needs
 * JSON.parse source access (Node 21+, the Lambda's Node 24); elsewhere the body is untouched.
 */
export function exponentNumbersAsText(): Middleware {
  return {
    before: (request) => {
      const { body, isBase64Encoded } = request.event;
      if (typeof body !== 'string' || isBase64Encoded || !/\d[eE]/.test(body)) return;
      let found = false;
      let rewritten: unknown;
      try {
        rewritten = JSON.parse(body, (_key: string, value: unknown, context?: { source?: string }) => {
          if (typeof value === 'number' && context?.source && /[eE]/.test(context.source)) {
            found = true;
            return context.source;
          }
          return value;
        });
      } catch {
        return; // not JSON: the body parser reports it
      }
      if (found) request.event.body = JSON.stringify(rewritten);
    },
  };
}
