/** Conekta-shaped events (notes/conekta-api.md section 4.2), signed like Conekta signs them. */
import { generateKeyPairSync, type KeyObject, randomUUID, sign } from 'node:crypto';

export type WebhookSigner = { publicKeyPem: string; privateKey: KeyObject };

export function webhookSigner(): WebhookSigner {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), privateKey };
}

export type EventOrder = {
  id: string;
  payment_status?: string;
  updated_at: number;
  metadata?: Record<string, string>;
  amount?: number;
  amount_refunded?: number;
  charges?: unknown;
};

export function orderEvent(
  type: string,
  order: EventOrder,
  eventId = randomUUID().replaceAll('-', '').slice(0, 24),
) {
  return {
    id: eventId,
    object: 'event',
    type,
    livemode: false,
    created_at: order.updated_at,
    webhook_status: 'pending',
    webhook_logs: [],
    data: {
      object: {
        object: 'order',
        livemode: false,
        amount: 100_000,
        currency: 'MXN',
        amount_refunded: 0,
        created_at: 1_700_000_000,
        ...order,
      },
      previous_attributes: {},
    },
  };
}

export function signedBody(event: unknown, signer: WebhookSigner): { body: Buffer; digest: string } {
  const body = Buffer.from(JSON.stringify(event), 'utf8');
  return { body, digest: sign('sha256', body, signer.privateKey).toString('base64') };
}
