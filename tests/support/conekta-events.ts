/** Conekta-shaped events (docs/conekta-api.md section 4.2), signed like Conekta signs them. */
import { generateKeyPairSync, type KeyObject, randomUUID } from 'node:crypto';
import type { Attempt, PaymentRecord } from '../../lib/payments/model.js';
import type { DigestEncoding, DigestForm } from '../../lib/providers/conekta/webhook-signature.js';
import { signConektaDigest } from '../../local/conekta-sandbox/webhooks.js';

export type WebhookSigner = { publicKeyPem: string; privateKey: KeyObject };

export function webhookSigner(): WebhookSigner {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(), privateKey };
}

export type EventOrder = {
  id: string;
  payment_status?: string | null;
  updated_at: number;
  metadata?: Record<string, string>;
  amount?: number;
  currency?: string;
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
        customer_info: { name: 'andres jaro', email: 'andres@example.com', phone: '5555555555' },
        ...order,
      },
      previous_attributes: {},
    },
  };
}

/** The metadata Pagos writes on an attempt's order. */
export const metadataOf = (
  record: Pick<PaymentRecord, 'merchant' | 'referenceId'>,
  attempt: Pick<Attempt, 'id'>,
) => ({
  reference_id: record.referenceId,
  pagos_merchant: record.merchant,
  pagos_attempt: attempt.id,
});

/** An event about an attempt's order, with a paid charge when the status says money moved. */
export function attemptEvent(
  record: Pick<PaymentRecord, 'merchant' | 'referenceId'>,
  attempt: Pick<Attempt, 'id' | 'orderId' | 'amountCents' | 'currency'>,
  status: string,
  updatedAt: number,
  overrides: Partial<EventOrder> & { type?: string } = {},
) {
  const { type = `order.${status}`, ...order } = overrides;
  const paid = status === 'paid' || status.includes('refunded') || status === 'charged_back';
  return orderEvent(type, {
    id: attempt.orderId!,
    payment_status: status,
    updated_at: updatedAt,
    amount: attempt.amountCents,
    currency: attempt.currency,
    metadata: metadataOf(record, attempt),
    ...(paid && {
      charges: {
        object: 'list',
        has_more: false,
        data: [
          {
            id: 'ch_1',
            status: 'paid',
            paid_at: 1_700_000_050,
            payment_method: {
              object: 'card_payment',
              type: 'credit',
              brand: 'visa',
              last4: '4242',
              name: 'andres jaro',
              exp_month: '12',
              exp_year: '30',
              auth_code: '867372',
            },
          },
        ],
      },
    }),
    ...order,
  });
}

export function signedBody(
  event: unknown,
  signer: WebhookSigner,
  how: { form?: DigestForm; encoding?: DigestEncoding } = {},
): { body: Buffer; digest: string } {
  const body = Buffer.from(JSON.stringify(event), 'utf8');
  return { body, digest: signConektaDigest(body, signer.privateKey, how) };
}
