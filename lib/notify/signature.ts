/**
 * `Pagos-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`. The timestamp is
 * signed with the body so a captured notification cannot be replayed later than the storefront's
 * tolerance. Storefronts verify it with docs/verify-pagos-signature.mjs.
 */
import { createHmac } from 'node:crypto';

export const SIGNATURE_HEADER = 'Pagos-Signature';

export function signatureFor(body: string, secret: string, unixSeconds: number): string {
  return createHmac('sha256', secret).update(`${unixSeconds}.`).update(body, 'utf8').digest('hex');
}

export function signatureHeader(body: string, secret: string, nowMs: number): string {
  const t = Math.floor(nowMs / 1000);
  return `t=${t},v1=${signatureFor(body, secret, t)}`;
}
