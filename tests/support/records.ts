/** Builders of payment records, attempts and provider snapshots for tests. */
import { randomUUID } from 'node:crypto';
import type { Attempt, Merchant, PaymentRecord } from '../../lib/payments/model.js';
import type { StorefrontNotification } from '../../lib/payments/notifications.js';
import type { OrderSnapshot } from '../../lib/payments/ports.js';
import { derive } from '../../lib/payments/record.js';
import type { PaymentStatus } from '../../lib/payments/status.js';
import { defined, type Loose } from '../../lib/store/item.js';

export const MERCHANT: Merchant = {
  id: 'fake:acct_1:test',
  provider: 'fake',
  accountId: 'acct_1',
  livemode: false,
};

/** An attempt; an override of `undefined` removes that field. */
export function anAttempt(overrides: Partial<Loose<Attempt>> = {}): Attempt {
  return defined<Attempt>({
    id: `att_${randomUUID().replace(/-/g, '').slice(0, 12)}`,
    n: 1,
    kind: 'link',
    requestHash: 'hash-1',
    amountCents: 100_000,
    currency: 'MXN',
    claimedAt: 1_700_000_000_000,
    lastCallAt: 1_700_000_000_000,
    phase: 'recorded',
    orderId: `ord_${randomUUID().slice(0, 8)}`,
    checkoutUrl: 'https://pay.example.test/checkout/1',
    status: 'created',
    providerStatus: null,
    providerUpdatedAt: 1_700_000_000,
    ...overrides,
  } as Loose<Attempt>);
}

/** A record whose payment-level fields are derived from its attempts, as every write leaves them. */
export function aPayment(
  attempts: Attempt[] = [anAttempt()],
  overrides: Partial<Loose<PaymentRecord>> = {},
): PaymentRecord {
  const current = overrides.currentAttempt ?? attempts.at(-1)!.id;
  return derive(
    defined<PaymentRecord>({
      merchant: MERCHANT.id,
      referenceId: `ref-t${randomUUID().slice(0, 8)}`,
      provider: MERCHANT.provider,
      livemode: false,
      status: 'creating',
      currentAttempt: current,
      attempts: Object.fromEntries(attempts.map((a) => [a.id, a])),
      notificationUrl: 'https://shop.example.com/notify',
      replayOrder: JSON.stringify({ id: attempts.at(-1)!.orderId }),
      refunds: {},
      history: [],
      version: 1,
      createdAt: '2026-12-01T00:00:00.000Z',
      updatedAt: '2026-12-01T00:00:00.000Z',
      ...overrides,
    } as Loose<PaymentRecord>),
  );
}

export function aSnapshot(
  attempt: Attempt,
  status: PaymentStatus,
  overrides: Partial<OrderSnapshot> = {},
): OrderSnapshot {
  return {
    orderId: attempt.orderId!,
    status,
    providerStatus: status === 'created' ? null : status,
    updatedAt: (attempt.providerUpdatedAt ?? 1_700_000_000) + 10,
    livemode: false,
    amountCents: attempt.amountCents,
    currency: attempt.currency,
    publicBody: { id: attempt.orderId, payment_status: status },
    ...overrides,
  };
}

/** A storefront notification of a paid payment, numbered so a batch's entries differ. */
export const aNotification = (i = 1): StorefrontNotification => ({
  id: `ntf_${i}`,
  type: 'payment.paid',
  merchant: 'conekta:company_1:test' as StorefrontNotification['merchant'],
  livemode: false,
  provider: 'conekta',
  reference_id: `pedido-${i}`,
  order_id: `ord_${i}`,
  status: 'paid',
  amount: '10.00',
  amount_cents: 1000,
  amount_refunded_cents: 0,
  currency: 'MXN',
  occurred_at: '2026-12-01T08:59:59.000Z',
});
