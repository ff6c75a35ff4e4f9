/**
 * The Lambda event API Gateway HTTP API builds for payload format 2.0, from a raw HTTP request.
 * Each rule names its source in docs/gateway.md ("The event").
 */
import { randomBytes } from 'node:crypto';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

/** What arrived on the socket, before the gateway touched it. */
export type RawRequest = {
  method: string;
  /** Path and query as sent, e.g. `/pagos?x=1`. */
  url: string;
  httpVersion: string;
  /** Name/value pairs in arrival order (node's `rawHeaders`): duplicates are kept. */
  rawHeaders: readonly string[];
  body: Buffer;
  sourceIp: string;
};

/** The route that matched: its key (`POST /pagos/{provider}`) and the path parameters it captured. */
export type MatchedRoute = { routeKey: string; pathParameters?: Record<string, string> };

/**
 * Content types whose bodies reach the function as text; every other body, including one with no
 * content type at all and `application/x-www-form-urlencoded`, arrives base64-encoded. AWS does not
 * publish the list; this is the split observed against a real HTTP API (docs/gateway.md).
 */
export function bodyIsText(contentType: string | undefined): boolean {
  const mediaType = (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();
  return (
    mediaType.startsWith('text/') ||
    mediaType === 'application/json' ||
    mediaType === 'application/xml' ||
    mediaType === 'application/javascript'
  );
}

/**
 * Lower-cased names; a header sent more than once is one value joined with commas. Cookie headers
 * are not headers in 2.0: every cookie of every Cookie header becomes one entry of `cookies`.
 */
export function gatherHeaders(rawHeaders: readonly string[]): {
  headers: Record<string, string>;
  cookies: string[];
} {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!.toLowerCase();
    const value = rawHeaders[i + 1]!;
    if (name === 'cookie') {
      cookies.push(
        ...value
          .split(';')
          .map((c) => c.trim())
          .filter(Boolean),
      );
      continue;
    }
    headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  return { headers, cookies };
}

/** Decoded names and values; a key given more than once is one value joined with commas. */
export function queryParameters(rawQueryString: string): Record<string, string> | undefined {
  if (rawQueryString === '') return undefined;
  const parameters: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(rawQueryString)) {
    parameters[key] = key in parameters ? `${parameters[key]},${value}` : value;
  }
  return parameters;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const two = (n: number) => String(n).padStart(2, '0');

/** `requestContext.time` is in Common Log Format, UTC: `12/Mar/2020:19:03:58 +0000`. */
export function clfTime(date: Date): string {
  const day = `${two(date.getUTCDate())}/${MONTHS[date.getUTCMonth()]}/${date.getUTCFullYear()}`;
  const time = `${two(date.getUTCHours())}:${two(date.getUTCMinutes())}:${two(date.getUTCSeconds())}`;
  return `${day}:${time} +0000`;
}

/** HTTP API request ids look like `RL2XYiwjPHcEMEQ=`; the same id is the `apigw-requestid` answer header. */
export function gatewayRequestId(): string {
  return randomBytes(11).toString('base64');
}

/** Headers the gateway adds on the way in, as the function sees them behind the real (HTTPS) endpoint. */
function forwardingHeaders(sourceIp: string, given: Record<string, string>): Record<string, string> {
  const traceRoot = `1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
  return {
    'x-amzn-trace-id': `Root=${traceRoot}`,
    'x-forwarded-for': given['x-forwarded-for'] ? `${given['x-forwarded-for']}, ${sourceIp}` : sourceIp,
    'x-forwarded-port': '443',
    'x-forwarded-proto': 'https',
  };
}

export function buildEvent(
  request: RawRequest,
  route: MatchedRoute,
  requestId: string,
  now = new Date(),
): APIGatewayProxyEventV2 {
  const [rawPath = '/', rawQueryString = ''] = splitOnce(request.url, '?');
  const { headers: given, cookies } = gatherHeaders(request.rawHeaders);
  const headers = { ...given, ...forwardingHeaders(request.sourceIp, given) };
  const hasBody = request.body.length > 0;
  const isText = bodyIsText(headers['content-type']);
  const queryStringParameters = queryParameters(rawQueryString);
  return {
    version: '2.0',
    routeKey: route.routeKey,
    rawPath,
    rawQueryString,
    ...(cookies.length > 0 && { cookies }),
    headers,
    ...(queryStringParameters && { queryStringParameters }),
    ...(route.pathParameters && { pathParameters: route.pathParameters }),
    requestContext: {
      accountId: '123456789012',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: (headers.host ?? 'localhost').split('.')[0]!,
      http: {
        method: request.method,
        path: rawPath,
        protocol: `HTTP/${request.httpVersion}`,
        sourceIp: request.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey: route.routeKey,
      stage: '$default',
      time: clfTime(now),
      timeEpoch: now.getTime(),
    },
    ...(hasBody && { body: isText ? request.body.toString('utf8') : request.body.toString('base64') }),
    isBase64Encoded: hasBody && !isText,
  };
}

function splitOnce(text: string, separator: string): [string, string] {
  const at = text.indexOf(separator);
  return at === -1 ? [text, ''] : [text.slice(0, at), text.slice(at + 1)];
}
