/** What the bench sends: README's seed request, and Conekta's order.paid for a seeded payment. */
import type { KeyObject } from 'node:crypto';
import type { PaymentRecord } from '../../lib/payments/model.js';
import type { DynamoPaymentStore } from '../../lib/store/payments.js';
import { orderEvent, signedBody } from '../../tests/support/conekta-events.js';
import { anAttempt, aPayment } from '../../tests/support/records.js';

export const MERCHANT_SECRET = 'key_test_bench0000000000000000000000';
/** The merchant of seeded payments (a Conekta test account). */
export const BENCH_MERCHANT = 'conekta:bench_company:test';

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

export type SeededPayment = { merchant: string; referenceId: string; orderId: string; attemptId: string };

/** A created payment link (one recorded attempt, status created), as a create leaves it. */
export function createdPayment(
  merchant: string,
  referenceId: string,
  notificationUrl: string | undefined,
): PaymentRecord {
  const orderId = `ord_${referenceId.replace(/\W/g, '').slice(-17).padStart(17, '0')}`;
  const attempt = anAttempt({ orderId, status: 'created', providerUpdatedAt: 1_700_000_000 });
  return aPayment([attempt], {
    merchant,
    referenceId,
    provider: 'conekta',
    notificationUrl,
    replayOrder: JSON.stringify({ id: orderId, object: 'order' }),
  });
}

/** Writes it through the real store (one conditional PutItem). */
export async function seedPayment(
  store: DynamoPaymentStore,
  merchant: string,
  referenceId: string,
  notificationUrl: string | undefined,
): Promise<SeededPayment> {
  const record = createdPayment(merchant, referenceId, notificationUrl);
  const written = await store.insert(record);
  if (!written.ok) throw new Error(`seed ${referenceId}: already there`);
  const attempt = Object.values(record.attempts)[0]!;
  return { merchant, referenceId, orderId: attempt.orderId!, attemptId: attempt.id };
}

/** Conekta's order.paid for the payment, signed like Conekta signs it (digest header). */
export function paidEvent(p: SeededPayment, privateKey: KeyObject): { body: Buffer; digest: string } {
  const event = orderEvent('order.paid', {
    id: p.orderId,
    payment_status: 'paid',
    updated_at: 1_700_000_100,
    metadata: { reference_id: p.referenceId, pagos_merchant: p.merchant, pagos_attempt: p.attemptId },
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
