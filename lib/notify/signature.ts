/**
 * `Pagos-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>[,v1=...]`, one `v1`
 * per live signing secret of the merchant, newest first, so a storefront holding either the old or
 * the new secret during a rotation accepts it. The timestamp is signed with the body so a captured
 * notification cannot be replayed later than the storefront's tolerance. Storefronts verify it
 * with docs/verify-pagos-signature.mjs.
 */
import { createHmac } from 'node:crypto';

export const SIGNATURE_HEADER = 'Pagos-Signature';

export function signatureFor(body: string, secret: string, unixSeconds: number): string {
  return createHmac('sha256', secret).update(`${unixSeconds}.`).update(body, 'utf8').digest('hex');
}

/** The header for one or several secrets (newest first); never called with none (nothing unsigned). */
export function signatureHeader(body: string, secrets: string | readonly string[], nowMs: number): string {
  const all = typeof secrets === 'string' ? [secrets] : secrets;
  if (all.length === 0) throw new Error('no signing secret: a notification is never sent unsigned');
  const t = Math.floor(nowMs / 1000);
  return [`t=${t}`, ...all.map((secret) => `v1=${signatureFor(body, secret, t)}`)].join(',');
}
