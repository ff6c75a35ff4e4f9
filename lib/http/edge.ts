/**
 * The optional edge (serverless.yml, param `edge: cloudfront-waf`): CloudFront and its WAF in
 * front of the API's custom domain. That regional domain is public too, so a request sent to it
 * directly would skip the WAF: CloudFront adds the header `X-Pagos-Edge` with a secret to every
 * request it forwards (an origin custom header, which overwrites a viewer's own header of that
 * name), and the HTTP functions refuse any request without it, before anything reads the body.
 *
 * The secret is the UUID part of the stack id (`EDGE_ORIGIN_SECRET`, set only with the edge on):
 * nothing for the operator to create or rotate, no SSM parameter, and not known outside the AWS
 * account. Whoever may read the stack or the function's configuration can read it, as they can
 * every other setting in the function's environment. Empty: the edge is off, nothing is checked.
 *
 * Behind the edge the connection comes from a CloudFront node; the client's own address is in
 * `CloudFront-Viewer-Address`, believed only on a request whose secret matched (clientAddress).
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { ErrorCode, PagosError } from '../payments/errors.js';

/** The header CloudFront adds (lower-case, as API Gateway delivers headers). */
export const EDGE_HEADER = 'x-pagos-edge';
/** The viewer's `ip:port` as CloudFront saw it (IPv6 unbracketed: the port after the last colon). */
export const VIEWER_ADDRESS_HEADER = 'cloudfront-viewer-address';

export type EdgeSettings = {
  /** What `X-Pagos-Edge` must carry; empty when the edge is off. */
  secret: string;
  /** The API's domain behind the edge (`apiDomainName`), named in the refusal. */
  domainName: string;
};

/** The edge settings serverless.yml gives the HTTP functions. */
export function edgeSettings(env: NodeJS.ProcessEnv = process.env): EdgeSettings {
  return { secret: env.EDGE_ORIGIN_SECRET ?? '', domainName: env.API_DOMAIN_NAME ?? '' };
}

type Equal = (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => boolean;
const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

/**
 * Whether `given` is the secret, in constant time: both are hashed first, so timingSafeEqual
 * always compares two 32-byte buffers and neither the time nor an exception says how long or how
 * close a wrong value was.
 */
export function matchesSecret(given: string, secret: string, equal: Equal = timingSafeEqual): boolean {
  return equal(digest(given), digest(secret));
}

export function edgeRequired(domainName: string): PagosError {
  const where = domainName ? `https://${domainName}` : "the API's own domain";
  return new PagosError({
    status: 403,
    code: ErrorCode.edgeRequired,
    message: `This address does not serve the API: send requests to ${where}.`,
  });
}

/** Events whose `X-Pagos-Edge` matched: only their CloudFront headers are believed. */
const throughEdge = new WeakSet<object>();

/**
 * Refuses (403 `edge_required`) a request without the edge's secret, when the edge is on, and
 * marks the others as having come through it. Use it right after errorResponder, before anything
 * reads the body.
 */
export function edgeOrigin(settings: EdgeSettings): MiddlewareObj<APIGatewayProxyEventV2, unknown> {
  return {
    before: (request) => {
      if (settings.secret === '') return;
      const given = request.event.headers?.[EDGE_HEADER];
      if (typeof given !== 'string' || !matchesSecret(given, settings.secret))
        throw edgeRequired(settings.domainName);
      throughEdge.add(request.event);
    },
  };
}

/** The IP address of a `CloudFront-Viewer-Address` value (`198.51.100.10:46532`, `2001:db8::1:443`). */
export function viewerIp(value: string | undefined): string | undefined {
  const text = value?.trim() ?? '';
  const colon = text.lastIndexOf(':');
  if (colon <= 0 || !/^\d{1,5}$/.test(text.slice(colon + 1))) return undefined;
  let ip = text.slice(0, colon);
  if (ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
  return isIP(ip) === 0 ? undefined : ip;
}

/**
 * The client's address: behind the edge, the viewer CloudFront saw (`requestContext.http.sourceIp`
 * is then a CloudFront node); else, or when that header is unreadable, the connection's address.
 * The header is believed only on a request edgeOrigin verified: anyone may send it.
 */
export function clientAddress(event: Pick<APIGatewayProxyEventV2, 'headers' | 'requestContext'>): string {
  const viewer = throughEdge.has(event) ? viewerIp(event.headers?.[VIEWER_ADDRESS_HEADER]) : undefined;
  return viewer ?? event.requestContext?.http?.sourceIp ?? 'unknown';
}
