// Webhook events: their payload (Conekta's event shape), the DIGEST signature and the keys.
import {
  constants,
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPair,
  type KeyObject,
  privateEncrypt,
  sign,
} from 'node:crypto';
import { promisify } from 'node:util';
import { SignatureEncoding, SignatureForm } from './faults.js';
import { newId } from './ids.js';
import type { Order, OrderEvent } from './orders.js';
import type { KeyPair } from './store.js';

export { SignatureEncoding, SignatureForm } from './faults.js';

/** Conekta's test event (POST /webhooks/{id}/test). */
export const PING_EVENT = 'webhook_ping';
export type EventType = OrderEvent | typeof PING_EVENT;

export interface WebhookEvent {
  id: string;
  object: 'event';
  type: EventType;
  livemode: boolean;
  created_at: number;
  data: { object: Order; previous_attributes: Record<string, unknown> } | Record<string, never>;
  webhook_status: string;
  webhook_logs: unknown[];
}

export interface DigestOptions {
  form?: SignatureForm;
  encoding?: SignatureEncoding;
}

const sha256 = (body: Buffer) => createHash('sha256').update(body).digest();
const rsaEncrypt = (key: KeyObject, plain: Buffer) =>
  privateEncrypt({ key, padding: constants.RSA_PKCS1_PADDING }, plain);

const SIGNERS: Record<SignatureForm, (body: Buffer, key: KeyObject) => Buffer> = {
  'pkcs1-sha256': (body, key) => sign('sha256', body, key),
  'rsa-encrypted-hex-sha256': (body, key) => rsaEncrypt(key, Buffer.from(sha256(body).toString('hex'))),
  'rsa-encrypted-raw-sha256': (body, key) => rsaEncrypt(key, sha256(body)),
};

const ENCODERS: Record<SignatureEncoding, (signature: Buffer) => string> = {
  base64: (signature) => signature.toString('base64'),
  base64url: (signature) => signature.toString('base64url'),
  'url-encoded-base64': (signature) => encodeURIComponent(signature.toString('base64')),
};

/**
 * The `digest` header of a body in any form Conekta's wording allows (README "Webhooks"): by
 * default base64 RSA-SHA256 PKCS#1 v1.5 over the exact body bytes (docs/conekta-api.md §4.5). Exported so the
 * service's webhook tests can sign in every form.
 */
export function signConektaDigest(
  body: Buffer | string,
  privateKey: KeyObject | string,
  { form = SignatureForm.pkcs1Sha256, encoding = SignatureEncoding.base64 }: DigestOptions = {},
): string {
  const key = typeof privateKey === 'string' ? keyPairFromPem(privateKey).privateKey : privateKey;
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return ENCODERS[encoding](SIGNERS[form](bytes, key));
}

/** `digest` header in the default form (base64 RSA-SHA256 PKCS#1 v1.5). */
export const signBody = (body: Buffer, privateKey: KeyObject): string => signConektaDigest(body, privateKey);

const publicPemOf = (privateKey: KeyObject): string =>
  createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();

export class WebhookKeyError extends Error {
  override name = 'WebhookKeyError';
}

/** Accepts a PEM with real or escaped (`\n`) newlines, as env vars often carry it. */
export function keyPairFromPem(pem: string): KeyPair {
  try {
    const privateKey = createPrivateKey(pem.includes('\\n') ? pem.replace(/\\n/g, '\n') : pem);
    if (privateKey.asymmetricKeyType !== 'rsa')
      throw new Error(`expected an RSA key, got ${privateKey.asymmetricKeyType}`);
    return { privateKey, publicKeyPem: publicPemOf(privateKey) };
  } catch (cause) {
    throw new WebhookKeyError('The webhook private key is not a usable RSA PEM', { cause });
  }
}

const generateRsa = promisify(generateKeyPair);

export async function generateKeyPairRsa(): Promise<KeyPair> {
  const { privateKey } = await generateRsa('rsa', { modulusLength: 2048 });
  return { privateKey, publicKeyPem: publicPemOf(privateKey) };
}

/** The top-level order fields this change touched, with their old values (absent ones as null). */
export function previousAttributes(before: Order | undefined, after: Order): Record<string, unknown> {
  if (!before) return {};
  const previous: Record<string, unknown> = {};
  const old = before as Record<string, unknown>;
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  for (const key of keys) {
    const was = old[key];
    if (JSON.stringify(was) !== JSON.stringify((after as Record<string, unknown>)[key]))
      previous[key] = was ?? null;
  }
  return previous;
}

export function buildEvent(
  type: OrderEvent,
  order: Order,
  before: Order | undefined,
  now: number,
): WebhookEvent {
  return {
    id: newId.mongo(),
    object: 'event',
    type,
    livemode: order.livemode,
    created_at: now,
    data: { object: order, previous_attributes: previousAttributes(before, order) },
    // the delivery state at the time of sending; retries resend these exact bytes
    webhook_status: 'pending',
    webhook_logs: [],
  };
}

/** The `webhook_ping` event POST /webhooks/{id}/test sends (no object: nothing changed). */
export function buildPingEvent(livemode: boolean, now: number): WebhookEvent {
  return {
    id: newId.mongo(),
    object: 'event',
    type: PING_EVENT,
    livemode,
    created_at: now,
    data: {},
    webhook_status: 'pending',
    webhook_logs: [],
  };
}
