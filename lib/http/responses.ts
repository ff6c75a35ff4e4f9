/** Every answer of the API is JSON; every error has the shape `{ error: { code, message, details, provider } }`. */
import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { ErrorCode, PagosError } from '../payments/errors.js';

export type JsonResult = APIGatewayProxyResultV2 & {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
};

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };

export function jsonResponse(
  statusCode: number,
  body: unknown,
  headers: Record<string, string> = {},
): JsonResult {
  return { statusCode, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) };
}

export function errorResponse(error: PagosError): JsonResult {
  return jsonResponse(
    error.status,
    {
      error: {
        code: error.code,
        message: error.message,
        details: error.details,
        ...(error.provider && { provider: error.provider }),
      },
    },
    error.headers,
  );
}

/** Errors raised by middy's own middlewares carry a statusCode: they become our error shape. */
export function httpErrorToPagosError(error: { statusCode: number; message?: string }): PagosError {
  switch (error.statusCode) {
    case 413:
      return new PagosError({
        status: 413,
        code: ErrorCode.bodyTooLarge,
        message: error.message ?? 'The request body is too large.',
      });
    case 415:
      return new PagosError({
        status: 415,
        code: ErrorCode.unsupportedMediaType,
        message: 'Send the request body as JSON with the header Content-Type: application/json.',
      });
    default:
      // A middleware's 4xx about the body (middy's JSON parsers answer 422): for us a bad request.
      if (error.statusCode >= 400 && error.statusCode < 500) {
        return new PagosError({
          status: 400,
          code: ErrorCode.invalidJson,
          message: 'The request body is not valid JSON.',
        });
      }
      return internalError();
  }
}

export function internalError(): PagosError {
  return new PagosError({
    status: 500,
    code: ErrorCode.internal,
    message: 'Internal error. Nothing was charged twice; try again later.',
  });
}
