/** What the bench sends: README's seed request, and Conekta's order.paid for a seeded payment. */
import type { KeyObject } from 'node:crypto';
import type { PaymentTag } from '../../lib/payments/ports.js';
import type { DynamoPaymentStore } from '../../lib/store/payments.js';
import { orderEvent, signedBody } from '../../tests/support/conekta-events.js';

export const MERCHANT_SECRET = 'key_test_bench0000000000000000000000';

/** References of one width, so every substituted body and item keeps its size. */
export const reference = (kind: string, i: number): string => `bench-${kind}-${String(i).padStart(7, '0')}`;

/** The README's seed request (POST /pagos create). */
export function seedRequest(referenceId: string, notificationUrl: string, secret = MERCHANT_SECRET) {
  return {
    provider: 'conekta',
    action: 'create',
    secret,
    reference_id: referenceId,
    amount: 1000,
    return_url: 'http://template.pow.la',
    notification_url: notificationUrl,
    first_name: 'andres',
    last_name: 'jaro',
    email: 'andres@example.com',
  };
}

export type SeededPayment = PaymentTag & { orderId: string };

/** A created payment through the real store (claim + complete), as a create leaves it. */
export async function seedPayment(
  store: DynamoPaymentStore,
  merchant: string,
  referenceId: string,
  notificationUrl: string | undefined,
): Promise<SeededPayment> {
  const orderId = `ord_${referenceId.replace(/\W/g, '').slice(-17).padStart(17, '0')}`;
  const at = new Date().toISOString();
  await store.claim({
    merchant,
    referenceId,
    kind: 'link',
    provider: 'conekta',
    requestHash: 'bench',
    amountCents: 100_000,
    currency: 'MXN',
    notificationUrl,
    createdAt: at,
    claimToken: 'bench',
    leaseUntil: Date.now() + 60_000,
  });
  await store.complete(merchant, referenceId, 'bench', {
    orderId,
    checkoutId: 'chk_bench',
    checkoutUrl: 'https://pay.conekta.com/checkout/bench',
    livemode: false,
    providerStatus: null,
    providerUpdatedAt: 1_700_000_000,
    providerOrder: '{}',
    status: 'created',
    at,
  });
  return { merchant, referenceId, orderId };
}

/** Conekta's order.paid for the payment, signed like Conekta signs it (digest header). */
export function paidEvent(p: SeededPayment, privateKey: KeyObject): { body: Buffer; digest: string } {
  const event = orderEvent('order.paid', {
    id: p.orderId,
    payment_status: 'paid',
    updated_at: 1_700_000_100,
    metadata: { reference_id: p.referenceId, pagos_merchant: p.merchant },
    charges: {
      object: 'list',
      has_more: false,
      data: [
        {
          id: 'ch_bench',
          status: 'paid',
          paid_at: 1_700_000_050,
          payment_method: { object: 'card_payment', type: 'credit' },
        },
      ],
    },
  });
  return signedBody(event, { publicKeyPem: '', privateKey });
}
