/**
 * The PaymentProvider contract: one suite, run unchanged against every adapter (the Conekta
 * adapter over the sandbox, and the fake the unit tests use), both directions' outgoing side.
 */
import { randomUUID } from 'node:crypto';
import type { CardChargeOrder, HostedCheckoutOrder, PaymentProvider } from '../../lib/payments/ports.js';
import { ProviderError } from '../../lib/payments/provider-errors.js';

export type ContractSubject = {
  provider: PaymentProvider;
  revokedSecret: string;
  /** Pays a hosted checkout order as a buyer would. */
  pay(orderId: string): Promise<void>;
  /** A paying and a declining card token (fresh ones where the provider needs them). */
  payingToken(): string;
  decliningToken(): string;
};

const deadline = () => Date.now() + 10_000;

export function hostedOrder(overrides: Partial<HostedCheckoutOrder> = {}): HostedCheckoutOrder {
  const referenceId = `ref-${randomUUID()}`;
  return {
    tag: {
      merchant: 'conekta:contract:test',
      referenceId,
      attemptId: `att_${randomUUID().replace(/-/g, '')}`,
    },
    amountCents: 123_45,
    currency: 'MXN',
    customer: { name: 'andres jaro', email: 'andres@example.com', phone: '5555555555' },
    lineItems: [{ name: referenceId, unitPriceCents: 123_45, quantity: 1 }],
    metadata: { pedido: 'A-1' },
    returnUrl: 'https://shop.example.com/back',
    expiresAt: Math.floor(Date.now() / 1000) + 3 * 86_400,
    allowedPaymentMethods: ['card', 'cash', 'bank_transfer'],
    monthlyInstallments: false,
    idempotencyKey: `idem-${referenceId}`,
    deadline: deadline(),
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

const windowOf = (order: HostedCheckoutOrder | CardChargeOrder) => ({
  tag: order.tag,
  createdFrom: Math.floor(Date.now() / 1000) - 300,
  createdTo: Math.floor(Date.now() / 1000) + 300,
  deadline: deadline(),
});

export function describeProviderContract(name: string, subject: () => ContractSubject): void {
  describe(`PaymentProvider contract: ${name}`, () => {
    const secret = `key_contract_${randomUUID().replaceAll('-', '')}`;

    it('resolves a key to its account and mode, and refuses a bad key as authentication', async () => {
      const { provider, revokedSecret } = subject();
      const account = await provider.resolveAccount({ secret }, deadline());
      expect(account).toEqual({ accountId: expect.any(String), livemode: false });
      expect(await provider.resolveAccount({ secret }, deadline())).toEqual(account);
      const other = await provider.resolveAccount({ secret: `${secret}x` }, deadline());
      expect(other.accountId).not.toBe(account.accountId);
      await expect(provider.resolveAccount({ secret: revokedSecret }, deadline())).rejects.toMatchObject({
        failure: 'authentication',
        outcome: 'not_processed',
      });
    });

    it('creates a hosted checkout order that carries its tag, amount, metadata and a link', async () => {
      const { provider } = subject();
      const order = hostedOrder();
      const created = await provider.createHostedCheckout({ secret }, order);
      expect(created).toMatchObject({
        orderId: expect.any(String),
        status: 'created',
        amountCents: order.amountCents,
        currency: 'MXN',
        tag: order.tag,
        checkoutUrl: expect.stringMatching(/^https?:\/\//),
      });
      expect(created.body).toMatchObject({ metadata: expect.objectContaining({ pedido: 'A-1' }) });
      // What Pagos may store has no buyer data.
      expect(JSON.stringify(created.publicBody)).not.toContain('andres@example.com');
    });

    it('finds an attempt’s orders in their time window by tag, and only those', async () => {
      const { provider } = subject();
      const order = hostedOrder();
      const created = await provider.createHostedCheckout({ secret }, order);
      await provider.createHostedCheckout({ secret }, hostedOrder());
      const found = await provider.findAttemptOrders(
        { secret },
        { ...windowOf(order), email: 'andres@example.com' },
      );
      expect(found.orders.map((o) => o.orderId)).toEqual([created.orderId]);
      expect(found.complete).toBe(true);
      const otherAttempt = await provider.findAttemptOrders(
        { secret },
        windowOf({ ...order, tag: { ...order.tag, attemptId: 'att_other' } }),
      );
      expect(otherAttempt).toEqual({ orders: [], complete: true });
      const otherAccount = await provider.findAttemptOrders({ secret: `${secret}y` }, windowOf(order));
      expect(otherAccount.orders).toEqual([]);
    });

    it('reports a rejected key as an authentication failure that made nothing', async () => {
      const { provider, revokedSecret } = subject();
      const error = await provider
        .createHostedCheckout({ secret: revokedSecret }, hostedOrder())
        .catch((e) => e);
      expect(error).toBeInstanceOf(ProviderError);
      expect(error).toMatchObject({ failure: 'authentication', outcome: 'not_processed' });
    });

    it('charges a card token once: paid with brand and last4; the token again is "used", never a decline', async () => {
      const { provider, payingToken } = subject();
      const token = payingToken();
      const paid = await provider.chargeCard({ secret }, cardCharge(token));
      expect(paid).toMatchObject({
        status: 'paid',
        paymentMethod: 'card',
        card: { brand: expect.any(String), last4: expect.stringMatching(/^\d{4}$/) },
      });
      expect(paid.paidAt).toEqual(expect.any(Number));
      const again = await provider.chargeCard({ secret }, cardCharge(token)).catch((e) => e);
      expect(again).toMatchObject({ failure: 'token_used', outcome: 'unknown' });
    });

    it('reports a declined card as declined, and keeps the declined order findable', async () => {
      const { provider, decliningToken } = subject();
      const charge = cardCharge(decliningToken());
      const error = await provider.chargeCard({ secret }, charge).catch((e) => e);
      expect(error).toBeInstanceOf(ProviderError);
      expect(error).toMatchObject({ failure: 'declined', info: { status: 402 } });
      const found = await provider.findAttemptOrders({ secret }, windowOf(charge));
      expect(found.orders.map((o) => o.status)).toEqual(['declined']);
    });

    it('reads an order by id, and reports an unknown id as not found', async () => {
      const { provider } = subject();
      const created = await provider.createHostedCheckout({ secret }, hostedOrder());
      expect(await provider.getOrder({ secret }, created.orderId, deadline())).toMatchObject({
        orderId: created.orderId,
        status: 'created',
      });
      await expect(provider.getOrder({ secret }, 'ord_does_not_exist', deadline())).rejects.toMatchObject({
        failure: 'not_found',
      });
    });

    it('refunds part, then the rest (listing each refund), and refuses more than the rest', async () => {
      const { provider, pay } = subject();
      const created = await provider.createHostedCheckout(
        { secret },
        hostedOrder({
          amountCents: 100_000,
          lineItems: [{ name: 'x-1', unitPriceCents: 100_000, quantity: 1 }],
        }),
      );
      await pay(created.orderId);
      const refund = (amountCents: number) =>
        provider.refundOrder({ secret }, created.orderId, {
          amountCents,
          reason: 'requested_by_client',
          idempotencyKey: `rf-${randomUUID()}`,
          deadline: deadline(),
        });
      const part = await refund(30_000);
      expect(part).toMatchObject({ status: 'partially_refunded', amountRefundedCents: 30_000 });
      expect(part.refunds?.map((r) => r.amountCents)).toEqual([30_000]);
      const rest = await refund(70_000);
      expect(rest).toMatchObject({ status: 'refunded', amountRefundedCents: 100_000 });
      expect(rest.refunds?.map((r) => r.amountCents).sort()).toEqual([30_000, 70_000]);
      expect(new Set(rest.refunds?.map((r) => r.id)).size).toBe(2);
      expect(rest.updatedAt).toBeGreaterThanOrEqual(part.updatedAt);
      await expect(refund(1)).rejects.toBeInstanceOf(ProviderError);
    });

    it('cancels an unpaid order and refuses to cancel a paid one', async () => {
      const { provider, pay } = subject();
      const unpaid = await provider.createHostedCheckout({ secret }, hostedOrder());
      expect(await provider.cancelOrder({ secret }, unpaid.orderId, deadline())).toMatchObject({
        orderId: unpaid.orderId,
        status: 'canceled',
      });
      const paid = await provider.createHostedCheckout({ secret }, hostedOrder());
      await pay(paid.orderId);
      await expect(provider.cancelOrder({ secret }, paid.orderId, deadline())).rejects.toMatchObject({
        failure: 'precondition',
      });
    });
  });
}
