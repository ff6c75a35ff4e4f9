/**
 * API Gateway HTTP API's own answers and limits: what a caller gets when the gateway, not the
 * function, answers. Sources for every value are in docs/gateway.md.
 */

/** An answer the gateway writes itself: `{"message":"<reason>"}`, compact, with no content type. */
export type GatewayAnswer = { status: number; body: string };

const gatewayMessage = (status: number, message: string): GatewayAnswer => ({
  status,
  body: JSON.stringify({ message }),
});

export const GatewayAnswers = {
  /** No route matches the method and path. */
  notFound: gatewayMessage(404, 'Not Found'),
  /** The request is over the HTTP API payload quota (10 MB). The body is not documented. */
  payloadTooLarge: gatewayMessage(413, 'Request Entity Too Large'),
  /** Stage or route throttling (token bucket). */
  tooManyRequests: gatewayMessage(429, 'Too Many Requests'),
  /** Lambda refused the invocation (throttled, event over 6 MB) or the function failed (error, timeout, crash). */
  internalServerError: gatewayMessage(500, 'Internal Server Error'),
  /** No answer from the integration within the integration timeout (30 s at most). */
  serviceUnavailable: gatewayMessage(503, 'Service Unavailable'),
} as const;

/** HTTP API quota "Payload size": 10 MB. */
export const HTTP_API_MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

/** Lambda's synchronous invocation payload quota, request and response: "Request must be smaller than 6291456 bytes". */
export const LAMBDA_MAX_SYNC_PAYLOAD_BYTES = 6 * 1024 * 1024;

/** HTTP API quota "Maximum integration timeout": 30 seconds, the default and the most. */
export const HTTP_API_MAX_INTEGRATION_TIMEOUT_MS = 30_000;
