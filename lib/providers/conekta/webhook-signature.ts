/**
 * Conekta's `digest` webhook header. Conekta's page says only that it "represents the sha256 of
 * the message, encrypted with the private key" (docs/conekta-api.md §4.5), so every plausible reading of that
 * is accepted, under any configured public key:
 * - `pkcs1-sha256`: an RSA-SHA256 PKCS#1 v1.5 signature over the raw body bytes (what third-party
 *   verifiers use and what the sandbox sends by default);
 * - `rsa-encrypted-hex-sha256`: RSA PKCS#1 v1.5 type-1 private-key encryption of the body's
 *   SHA-256 as 64 lowercase hex characters (Conekta's old PrestaShop plugin compared
 *   `openssl_private_decrypt(urldecode($digest))` with `hash('sha256', $body)`);
 * - `rsa-encrypted-raw-sha256`: the same encryption of the 32 raw digest bytes.
 * Each in base64, URL-safe base64 (padded or not) or percent-encoded base64, with an optional
 * `sha256=` / `sha-256=` prefix. Small pure functions, checked before the body is parsed.
 */
import {
  constants,
  createHash,
  createPublicKey,
  type KeyObject,
  publicDecrypt,
  timingSafeEqual,
  verify,
} from 'node:crypto';

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

export const DigestForm = {
  pkcs1Sha256: 'pkcs1-sha256',
  rsaEncryptedHexSha256: 'rsa-encrypted-hex-sha256',
  rsaEncryptedRawSha256: 'rsa-encrypted-raw-sha256',
} as const;
export type DigestForm = (typeof DigestForm)[keyof typeof DigestForm];
export const DIGEST_FORMS: readonly DigestForm[] = Object.values(DigestForm);

export const DigestEncoding = {
  base64: 'base64',
  base64url: 'base64url',
  urlEncodedBase64: 'url-encoded-base64',
} as const;
export type DigestEncoding = (typeof DigestEncoding)[keyof typeof DigestEncoding];
export const DIGEST_ENCODINGS: readonly DigestEncoding[] = Object.values(DigestEncoding);

export type DigestCheck =
  | { ok: true; form: DigestForm; encoding: DigestEncoding }
  | { ok: false; reason: string };

const refuse = (reason: string): DigestCheck => ({ ok: false, reason });

const PREFIX = /^sha-?256=/i;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
const BASE64URL = /^[A-Za-z0-9_-]+={0,2}$/;

/** Base64 text of a whole number of bytes: padded to a multiple of 4, or unpadded (length % 4 ≠ 1). */
function wellFormedBase64(text: string, alphabet: RegExp): boolean {
  if (!alphabet.test(text)) return false;
  return text.includes('=') ? text.length % 4 === 0 : text.length % 4 !== 1;
}

export interface DecodedDigest {
  signature: Buffer;
  encoding: DigestEncoding;
}

/** The signature bytes of a header value, or why it is not one of the accepted encodings. */
export function decodeDigestHeader(header: string): DecodedDigest | { problem: string } {
  let text = header.trim().replace(PREFIX, '').trim();
  let encoding: DigestEncoding | undefined;
  if (text.includes('%')) {
    try {
      text = decodeURIComponent(text);
    } catch {
      return { problem: 'it has a "%" that is not valid percent-encoding' };
    }
    encoding = DigestEncoding.urlEncodedBase64;
  }
  if (wellFormedBase64(text, BASE64)) {
    return { signature: Buffer.from(text, 'base64'), encoding: encoding ?? DigestEncoding.base64 };
  }
  if (wellFormedBase64(text, BASE64URL)) {
    return { signature: Buffer.from(text, 'base64url'), encoding: encoding ?? DigestEncoding.base64url };
  }
  return {
    problem:
      'it is not base64, URL-safe base64 or percent-encoded base64 (after an optional "sha256=" prefix)',
  };
}

const modulusBytes = (key: KeyObject): number | undefined => {
  const bits = key.asymmetricKeyDetails?.modulusLength;
  return key.asymmetricKeyType === 'rsa' && bits ? Math.ceil(bits / 8) : undefined;
};

const sameBytes = (a: Buffer, b: Buffer): boolean => a.length === b.length && timingSafeEqual(a, b);

/** Which form the signature has under this key, if any. */
function formUnderKey(rawBody: Buffer, signature: Buffer, key: KeyObject): DigestForm | undefined {
  try {
    if (verify('sha256', rawBody, key, signature)) return DigestForm.pkcs1Sha256;
  } catch {
    // not verifiable with this key: try the encrypted forms
  }
  let recovered: Buffer;
  try {
    recovered = publicDecrypt({ key, padding: constants.RSA_PKCS1_PADDING }, signature);
  } catch {
    return undefined; // not type-1 padding under this key
  }
  const digest = createHash('sha256').update(rawBody).digest();
  if (sameBytes(recovered, Buffer.from(digest.toString('hex'), 'ascii')))
    return DigestForm.rsaEncryptedHexSha256;
  if (sameBytes(recovered, digest)) return DigestForm.rsaEncryptedRawSha256;
  return undefined;
}

/** Whether any configured key verifies the digest of these exact bytes, and in which form. */
export function verifyConektaDigest(
  rawBody: Buffer,
  digest: string | undefined,
  keys: readonly KeyObject[],
): DigestCheck {
  if (!digest || digest.trim() === '') {
    return refuse('Missing digest header: Conekta signs every webhook; unsigned requests are refused.');
  }
  if (rawBody.length === 0) return refuse('Empty body: nothing to verify.');
  if (keys.length === 0) {
    return refuse('No webhook public key is configured: set CONEKTA_WEBHOOK_PUBLIC_KEYS.');
  }
  const decoded = decodeDigestHeader(digest);
  if ('problem' in decoded) return refuse(`The digest header is refused: ${decoded.problem}.`);
  const { signature, encoding } = decoded;
  // An RSA signature is exactly as long as the key's modulus: anything else is not worth trying.
  const sized = keys.filter((key) => modulusBytes(key) === signature.length);
  if (sized.length === 0) {
    const expected = [...new Set(keys.map(modulusBytes))].map((n) => n ?? '?').join(' or ');
    return refuse(
      `The digest decodes to ${signature.length} bytes, but the configured webhook keys make ` +
        `${expected}-byte signatures: the header is truncated, in another encoding, or not signed by ` +
        'a key in CONEKTA_WEBHOOK_PUBLIC_KEYS.',
    );
  }
  for (const key of sized) {
    const form = formUnderKey(rawBody, signature, key);
    if (form) return { ok: true, form, encoding };
  }
  return refuse(
    'The digest does not match the body for any configured webhook key (tried as an RSA-SHA256 ' +
      'signature and as an RSA-encrypted SHA-256, hex or raw). If Conekta sent it, add the ' +
      'account’s current key (GET /webhook_keys) to CONEKTA_WEBHOOK_PUBLIC_KEYS.',
  );
}
