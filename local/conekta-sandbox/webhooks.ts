// Webhook events: their payload (Conekta's event shape), the DIGEST signature and the keys.
import { createPrivateKey, createPublicKey, generateKeyPair, type KeyObject, sign } from 'node:crypto';
import { promisify } from 'node:util';
import { newId } from './ids.js';
import type { Order, OrderEvent } from './orders.js';
import type { KeyPair } from './store.js';

export interface WebhookEvent {
  id: string;
  object: 'event';
  type: OrderEvent;
  livemode: false;
  created_at: number;
  data: { object: Order; previous_attributes: Record<string, unknown> };
  webhook_status: string;
  webhook_logs: unknown[];
}

/** `digest` header: base64 RSA-SHA256 (PKCS#1 v1.5) over the exact body bytes (notes §4.5). */
export const signBody = (body: Buffer, privateKey: KeyObject): string =>
  sign('sha256', body, privateKey).toString('base64');

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
    livemode: false,
    created_at: now,
    data: { object: order, previous_attributes: previousAttributes(before, order) },
    // the delivery state at the time of sending; retries resend these exact bytes
    webhook_status: 'pending',
    webhook_logs: [],
  };
}
