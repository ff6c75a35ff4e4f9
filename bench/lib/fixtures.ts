/** What the bench sends: README's seed request, and Conekta's order.paid for a seeded payment. */
import type { KeyObject } from 'node:crypto';
import type { UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import type { PaymentRecord } from '../../lib/payments/model.js';
import { publicOrderBody } from '../../lib/providers/conekta/mapping.js';
import { paymentKey } from '../../lib/store/payment-item.js';
import type { DynamoPaymentStore } from '../../lib/store/payments.js';
import {
  buildOrder,
  cardCharge,
  type Order,
  PaymentStatus,
  TEST_CARDS,
  withCharge,
} from '../../local/conekta-sandbox/orders.js';
import { type EventOrder, orderEvent, signedBody } from '../../tests/support/conekta-events.js';
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
/** What names a seeded payment's item. */
export type PaymentRef = Pick<SeededPayment, 'merchant' | 'referenceId'>;

const CREATED_AT = 1_700_000_000;
const PAID_AT = 1_700_000_050;

/**
 * The order Conekta makes for the README's seed request, built by the sandbox from the request
 * create sends: buyer, one line item, the hosted checkout, our metadata. Full size, so the seeded
 * item and the signed event weigh what real ones do (a create's item is ~2.6 KB, its stored copy
 * of this order most of it).
 */
function linkOrder(p: SeededPayment): Order {
  const order = buildOrder(
    {
      currency: 'MXN',
      customer_info: { name: 'andres jaro', email: 'andres@example.com', phone: '5555555555' },
      line_items: [{ name: p.referenceId, unit_price: 100_000, quantity: 1 }],
      metadata: { reference_id: p.referenceId, pagos_merchant: p.merchant, pagos_attempt: p.attemptId },
      checkout: {
        type: 'HostedPayment',
        name: `Pago ${p.referenceId}`,
        allowed_payment_methods: ['card', 'cash', 'bank_transfer'],
        success_url: 'http://template.pow.la/conekta/conekta_order',
        failure_url: 'http://template.pow.la/conekta/conekta_order',
        expires_at: CREATED_AT + 3 * 86_400,
        monthly_installments_enabled: false,
      },
    },
    'https://pay.conekta.com',
    { now: CREATED_AT, livemode: false },
  );
  // The sandbox names its own order; the seeded attempt names this one.
  return JSON.parse(JSON.stringify(order).replaceAll(order.id, p.orderId)) as Order;
}

/** A created payment link (one recorded attempt, status created), as a create leaves it. */
export function createdPayment(
  merchant: string,
  referenceId: string,
  notificationUrl: string | undefined,
): PaymentRecord {
  const orderId = `ord_${referenceId.replace(/\W/g, '').slice(-17).padStart(17, '0')}`;
  const created = { orderId, status: 'created', providerUpdatedAt: CREATED_AT } as const;
  const { id } = anAttempt(created);
  const order = linkOrder({ merchant, referenceId, orderId, attemptId: id });
  const attempt = anAttempt({ ...created, id, checkoutUrl: order.checkout?.url });
  return aPayment([attempt], {
    merchant,
    referenceId,
    provider: 'conekta',
    notificationUrl,
    // What create stores: the order without the buyer's data, and the change it made.
    replayOrder: JSON.stringify(publicOrderBody(order)),
    history: [
      { status: 'created', at: new Date(CREATED_AT * 1000).toISOString(), source: 'create', orderId },
    ],
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

/**
 * Conekta's order.paid for the payment, signed like Conekta signs it (digest header): the whole
 * order, paid by card through the checkout, as the event's `data.object` carries it.
 */
export function paidEvent(p: SeededPayment, privateKey: KeyObject): { body: Buffer; digest: string } {
  const order = linkOrder(p);
  const clock = { now: PAID_AT };
  const paid = withCharge(
    order,
    cardCharge(order, TEST_CARDS.tok_test_visa_4242, clock),
    PaymentStatus.paid,
    clock,
  );
  const event = orderEvent('order.paid', { ...paid, updated_at: PAID_AT + 50 } as EventOrder);
  return signedBody(event, { publicKeyPem: '', privateKey });
}

/**
 * The webhook's floor for a seeded payment: one raw conditional UpdateItem (created -> paid), the
 * least any webhook that records a status change can do.
 */
export function floorUpdate(table: string, p: PaymentRef): UpdateItemCommandInput {
  return {
    TableName: table,
    Key: paymentKey(p.merchant, p.referenceId),
    UpdateExpression: 'SET #status = :paid, updated_at = :at',
    ConditionExpression: '#status = :created',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: {
      ':paid': { S: 'paid' },
      ':created': { S: 'created' },
      ':at': { S: new Date().toISOString() },
    },
  };
}
