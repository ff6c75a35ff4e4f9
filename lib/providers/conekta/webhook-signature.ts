/**
 * Conekta signs each webhook body with the account's webhook key: header `digest`, base64 of
 * an RSA-SHA256 (PKCS#1 v1.5) signature over the raw body bytes. Small pure functions, checked
 * before the body is parsed.
 */
import { createPublicKey, type KeyObject, verify } from 'node:crypto';

export class WebhookKeyConfigError extends Error {
  override readonly name = 'WebhookKeyConfigError';
}

const PEM_BLOCK = /-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/g;

/**
 * Reads one or more PEM public keys from a setting, with real newlines or `\n` escapes (as they
 * arrive when copied from Conekta's JSON or stored as one line).
 */
export function parseWebhookPublicKeys(setting: string | undefined): KeyObject[] {
  const text = (setting ?? '').replace(/\\n/g, '\n');
  const blocks = text.match(PEM_BLOCK) ?? [];
  if (text.trim() !== '' && blocks.length === 0) {
    throw new WebhookKeyConfigError(
      'CONEKTA_WEBHOOK_PUBLIC_KEYS holds no "-----BEGIN PUBLIC KEY-----" block. Paste the public_key ' +
        'returned by Conekta (npm run webhook-key) as it is.',
    );
  }
  return blocks.map((pem, i) => {
    try {
      return createPublicKey(pem);
    } catch (cause) {
      throw new WebhookKeyConfigError(
        `CONEKTA_WEBHOOK_PUBLIC_KEYS key #${i + 1} is not a valid PEM public key.`,
        {
          cause,
        },
      );
    }
  });
}

export type DigestCheck = { ok: true } | { ok: false; reason: string };

/** True when any configured key verifies the signature of these exact bytes. */
export function verifyConektaDigest(
  rawBody: Buffer,
  digest: string | undefined,
  keys: readonly KeyObject[],
): DigestCheck {
  if (!digest || digest.trim() === '') {
    return {
      ok: false,
      reason: 'Missing digest header: Conekta signs every webhook; unsigned requests are refused.',
    };
  }
  if (rawBody.length === 0) return { ok: false, reason: 'Empty body: nothing to verify.' };
  const signature = Buffer.from(digest.trim(), 'base64');
  if (signature.length === 0) return { ok: false, reason: 'The digest header is not base64.' };
  const verified = keys.some((key) => {
    try {
      return verify('sha256', rawBody, key, signature);
    } catch {
      return false;
    }
  });
  return verified
    ? { ok: true }
    : {
        ok: false,
        reason:
          'The digest does not match the body for any configured webhook key. If Conekta sent it, add the ' +
          'account’s current key (GET /webhook_keys) to CONEKTA_WEBHOOK_PUBLIC_KEYS.',
      };
}
