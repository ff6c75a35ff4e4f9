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
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { ErrorCode, PagosError } from '../payments/errors.js';

/** The header CloudFront adds (lower-case, as API Gateway delivers headers). */
export const EDGE_HEADER = 'x-pagos-edge';

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

/**
 * Refuses (403 `edge_required`) a request without the edge's secret, when the edge is on. Use it
 * right after errorResponder, before anything reads the body.
 */
export function edgeOrigin(settings: EdgeSettings): MiddlewareObj<APIGatewayProxyEventV2, unknown> {
  return {
    before: (request) => {
      if (settings.secret === '') return;
      const given = request.event.headers?.[EDGE_HEADER];
      if (typeof given !== 'string' || !matchesSecret(given, settings.secret))
        throw edgeRequired(settings.domainName);
    },
  };
}
