/**
 * The PaymentProvider contract: one suite, run unchanged against every adapter (the Conekta
 * adapter over the sandbox, and the fake used by unit tests).
 */
import { randomUUID } from 'node:crypto';
import type { CardChargeOrder, HostedCheckoutOrder, PaymentProvider } from '../../lib/payments/ports.js';
import { ProviderError } from '../../lib/payments/provider-errors.js';

export type ContractSubject = {
  provider: PaymentProvider;
  revokedSecret: string;
  /** Pays a hosted checkout order as a buyer would. */
  pay(orderId: string): Promise<void>;
};

export function hostedOrder(overrides: Partial<HostedCheckoutOrder> = {}): HostedCheckoutOrder {
  const referenceId = `ref-${randomUUID()}`;
  return {
    tag: { merchant: 'm_contract', referenceId },
    amountCents: 123_45,
    currency: 'MXN',
    customer: { name: 'andres jaro', email: 'andres@example.com', phone: '5555555555' },
    returnUrl: 'https://shop.example.com/back',
    expiresAt: Math.floor(Date.now() / 1000) + 3 * 86_400,
    allowedPaymentMethods: ['card', 'cash', 'bank_transfer'],
    monthlyInstallments: false,
    idempotencyKey: `idem-${referenceId}`,
    ...overrides,
  };
}

export function cardCharge(tokenId: string, overrides: Partial<CardChargeOrder> = {}): CardChargeOrder {
  const {
    returnUrl: _r,
    expiresAt: _e,
    allowedPaymentMethods: _a,
    monthlyInstallments: _m,
    ...base
  } = hostedOrder();
  return { ...base, tokenId, ...overrides };
}

export function describeProviderContract(name: string, subject: () => ContractSubject): void {
  describe(`PaymentProvider contract: ${name}`, () => {
    const secret = `key_contract_${randomUUID().replaceAll('-', '')}`;

    it('creates a hosted checkout order that carries its tag, amount and a link', async () => {
      const { provider } = subject();
      const order = hostedOrder();
      const created = await provider.createHostedCheckout({ secret }, order);
      expect(created.id).toEqual(expect.any(String));
      expect(created.status).toBe('created');
      expect(created.amountCents).toBe(order.amountCents);
      expect(created.currency).toBe('MXN');
      expect(created.tag).toEqual(order.tag);
      expect(created.checkoutUrl).toMatch(/^https?:\/\//);
      expect(created.body).toMatchObject({ id: created.id });
    });

    it('finds orders by their tag, and only those', async () => {
      const { provider } = subject();
      const order = hostedOrder();
      const created = await provider.createHostedCheckout({ secret }, order);
      await provider.createHostedCheckout({ secret }, hostedOrder());
      const found = await provider.findOrdersByTag({ secret }, order.tag);
      expect(found.map((o) => o.id)).toEqual([created.id]);
      const other = await provider.findOrdersByTag({ secret }, { ...order.tag, merchant: 'm_someone_else' });
      expect(other).toEqual([]);
    });

    it('keeps accounts apart', async () => {
      const { provider } = subject();
      const order = hostedOrder();
      await provider.createHostedCheckout({ secret }, order);
      const otherAccount = `key_other_${randomUUID().replaceAll('-', '')}`;
      expect(await provider.findOrdersByTag({ secret: otherAccount }, order.tag)).toEqual([]);
    });

    it('reports a rejected key as an authentication failure that created nothing', async () => {
      const { provider, revokedSecret } = subject();
      const error = await provider
        .createHostedCheckout({ secret: revokedSecret }, hostedOrder())
        .catch((e) => e);
      expect(error).toBeInstanceOf(ProviderError);
      expect(error).toMatchObject({ failure: 'authentication', info: { outcome: 'not_created' } });
    });

    it('charges a card token once: paid with brand and last4, never more of the card', async () => {
      const { provider } = subject();
      const charge = cardCharge('tok_test_visa_4242');
      const paid = await provider.chargeCard({ secret }, charge);
      expect(paid).toMatchObject({
        status: 'paid',
        paymentMethod: 'card',
        card: { brand: expect.any(String), last4: '4242' },
      });
      expect(paid.paidAt).toEqual(expect.any(Number));
      const again = await provider.chargeCard({ secret }, cardCharge('tok_test_visa_4242')).catch((e) => e);
      expect(again).toMatchObject({ failure: 'declined' });
    });

    it('reports a declined card as declined, and keeps the declined order findable by tag', async () => {
      const { provider } = subject();
      const charge = cardCharge('tok_test_insufficient_funds');
      const error = await provider.chargeCard({ secret }, charge).catch((e) => e);
      expect(error).toBeInstanceOf(ProviderError);
      expect(error).toMatchObject({ failure: 'declined', info: { status: 402 } });
      const [declined] = await provider.findOrdersByTag({ secret }, charge.tag);
      expect(declined?.status).toBe('declined');
    });

    it('reads an order by id, and reports an unknown id as not found', async () => {
      const { provider } = subject();
      const created = await provider.createHostedCheckout({ secret }, hostedOrder());
      expect(await provider.getOrder({ secret }, created.id)).toMatchObject({
        id: created.id,
        status: 'created',
      });
      await expect(provider.getOrder({ secret }, 'ord_does_not_exist')).rejects.toMatchObject({
        failure: 'not_found',
      });
    });

    it('refunds part, then the rest, and refuses more than the rest', async () => {
      const { provider, pay } = subject();
      const created = await provider.createHostedCheckout({ secret }, hostedOrder({ amountCents: 100_000 }));
      await pay(created.id);
      const part = await provider.refundOrder({ secret }, created.id, {
        amountCents: 30_000,
        reason: 'requested_by_client',
      });
      expect(part).toMatchObject({ status: 'partially_refunded', amountRefundedCents: 30_000 });
      const rest = await provider.refundOrder({ secret }, created.id, {
        amountCents: 70_000,
        reason: 'requested_by_client',
      });
      expect(rest).toMatchObject({ status: 'refunded', amountRefundedCents: 100_000 });
      expect(rest.updatedAt).toBeGreaterThanOrEqual(part.updatedAt);
      await expect(
        provider.refundOrder({ secret }, created.id, { amountCents: 1, reason: 'requested_by_client' }),
      ).rejects.toBeInstanceOf(ProviderError);
    });

    it('cancels an unpaid order and refuses to cancel a paid one', async () => {
      const { provider, pay } = subject();
      const unpaid = await provider.createHostedCheckout({ secret }, hostedOrder());
      expect(await provider.cancelOrder({ secret }, unpaid.id)).toMatchObject({
        id: unpaid.id,
        status: 'canceled',
      });
      const paid = await provider.createHostedCheckout({ secret }, hostedOrder());
      await pay(paid.id);
      await expect(provider.cancelOrder({ secret }, paid.id)).rejects.toMatchObject({
        failure: 'precondition',
      });
    });
  });
}
