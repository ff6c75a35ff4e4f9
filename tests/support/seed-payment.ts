/** A payment record with its link, written through the real store: the starting point of webhook tests. */
import { randomUUID } from 'node:crypto';
import type { PaymentStore, PaymentTag } from '../../lib/payments/ports.js';

export type SeededPayment = PaymentTag & { orderId: string };

export async function seedPayment(
  store: PaymentStore,
  opts: { merchant: string; notificationUrl?: string; amountCents?: number },
): Promise<SeededPayment> {
  const referenceId = `ref-${randomUUID()}`;
  const orderId = `ord_${randomUUID().replaceAll('-', '').slice(0, 17)}`;
  await store.claim({
    merchant: opts.merchant,
    referenceId,
    kind: 'link',
    provider: 'conekta',
    requestHash: 'h',
    amountCents: opts.amountCents ?? 100_000,
    currency: 'MXN',
    notificationUrl: opts.notificationUrl ?? 'https://shop.example.com/notify',
    createdAt: new Date().toISOString(),
    claimToken: 't',
    leaseUntil: Date.now() + 10_000,
  });
  await store.complete(opts.merchant, referenceId, 't', {
    orderId,
    checkoutId: 'chk',
    checkoutUrl: 'https://pay.example.test/x',
    livemode: false,
    providerStatus: null,
    providerUpdatedAt: 1_700_000_000,
    providerOrder: '{}',
    status: 'created',
    at: new Date().toISOString(),
  });
  return { merchant: opts.merchant, referenceId, orderId };
}
