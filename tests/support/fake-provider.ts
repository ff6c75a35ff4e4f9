/** An in-memory PaymentProvider for unit tests; it passes the same contract suite as Conekta's adapter. */
import type {
  CardChargeOrder,
  HostedCheckoutOrder,
  MerchantCredentials,
  PaymentProvider,
  PaymentTag,
  ProviderOrder,
} from '../../lib/payments/ports.js';
import { ProviderError } from '../../lib/payments/provider-errors.js';
import type { PaymentStatus } from '../../lib/payments/status.js';

export type FakeProvider = PaymentProvider & {
  /** Orders per account (secret). */
  readonly accounts: Map<string, ProviderOrder[]>;
  calls: { create: number; find: number };
  /** The next create fails like this, after (`unknown`) or before (`not_created`) recording the order. */
  failNextCreate?: ProviderError;
  /** Resolves creates only when released, to interleave concurrent requests. */
  gate?: Promise<void>;
  /** Moves an order as a buyer would on the hosted page. */
  setStatus(orderId: string, status: PaymentStatus): void;
};

const PAYING_TOKENS: Record<string, { brand: string; last4: string }> = {
  tok_test_visa_4242: { brand: 'visa', last4: '4242' },
  tok_test_mastercard_4444: { brand: 'mastercard', last4: '4444' },
};
const DECLINING_TOKENS = new Set(['tok_test_insufficient_funds', 'tok_test_card_declined']);

const fail = (failure: ProviderError['failure'], message: string, status: number) =>
  new ProviderError('fake', failure, message, { outcome: 'not_created', status });

export function createFakeProvider(): FakeProvider {
  const accounts = new Map<string, ProviderOrder[]>();
  const usedTokens = new Set<string>();
  let seq = 0;
  let clock = 1_700_000_000;

  const newOrder = (
    credentials: MerchantCredentials,
    order: HostedCheckoutOrder | CardChargeOrder,
    status: PaymentStatus,
  ) => {
    seq += 1;
    clock += 1;
    const id = `ord_fake_${seq}`;
    const created: ProviderOrder = {
      id,
      status,
      providerStatus: status === 'created' ? null : status,
      amountCents: order.amountCents,
      currency: order.currency,
      livemode: false,
      updatedAt: clock,
      tag: order.tag,
      amountRefundedCents: 0,
      body: {
        id,
        object: 'order',
        amount: order.amountCents,
        currency: order.currency,
        metadata: { ...order.tag },
      },
    };
    accounts.set(credentials.secret, [...(accounts.get(credentials.secret) ?? []), created]);
    return created;
  };

  const find = (credentials: MerchantCredentials, orderId: string): ProviderOrder => {
    const order = accounts.get(credentials.secret)?.find((o) => o.id === orderId);
    if (!order) throw fail('not_found', `no order ${orderId}`, 404);
    return order;
  };

  const move = (order: ProviderOrder, status: PaymentStatus, extra: Partial<ProviderOrder> = {}) => {
    clock += 1;
    Object.assign(order, { status, providerStatus: status, updatedAt: clock, ...extra });
    order.body = {
      ...(order.body as object),
      payment_status: status,
      amount_refunded: order.amountRefundedCents,
    };
    return { ...order };
  };

  const fake: FakeProvider = {
    name: 'fake',
    accounts,
    calls: { create: 0, find: 0 },

    async createHostedCheckout(credentials, order) {
      fake.calls.create += 1;
      authenticate(credentials);
      await fake.gate;
      const failure = fake.failNextCreate;
      fake.failNextCreate = undefined;
      if (failure?.info.outcome === 'not_created') throw failure;
      const created = newOrder(credentials, order, 'created');
      Object.assign(created, {
        checkoutId: `chk_${seq}`,
        checkoutUrl: `https://pay.example.test/checkout/${seq}`,
      });
      if (failure) throw failure;
      return { ...created };
    },

    async chargeCard(credentials, order) {
      fake.calls.create += 1;
      authenticate(credentials);
      if (usedTokens.has(order.tokenId)) throw fail('declined', 'The token has already been used.', 402);
      usedTokens.add(order.tokenId);
      if (DECLINING_TOKENS.has(order.tokenId)) {
        newOrder(credentials, order, 'declined');
        throw fail('declined', 'The card was declined.', 402);
      }
      const card = PAYING_TOKENS[order.tokenId];
      if (!card) throw fail('validation', 'The token does not exist.', 422);
      const created = newOrder(credentials, order, 'paid');
      Object.assign(created, { paidAt: created.updatedAt, paymentMethod: 'card', card });
      return { ...created };
    },

    async findOrdersByTag(credentials: MerchantCredentials, tag: PaymentTag) {
      fake.calls.find += 1;
      authenticate(credentials);
      return (accounts.get(credentials.secret) ?? [])
        .filter((o) => o.tag?.merchant === tag.merchant && o.tag.referenceId === tag.referenceId)
        .map((o) => ({ ...o }));
    },

    async getOrder(credentials, orderId) {
      authenticate(credentials);
      return { ...find(credentials, orderId) };
    },

    async refundOrder(credentials, orderId, refund) {
      authenticate(credentials);
      const order = find(credentials, orderId);
      if (order.status !== 'paid' && order.status !== 'partially_refunded') {
        throw fail('precondition', 'The order is not paid.', 428);
      }
      const refunded = (order.amountRefundedCents ?? 0) + refund.amountCents;
      if (refunded > order.amountCents)
        throw fail('validation', 'The amount exceeds the refundable rest.', 422);
      const status = refunded === order.amountCents ? 'refunded' : 'partially_refunded';
      return move(order, status, { amountRefundedCents: refunded });
    },

    async cancelOrder(credentials, orderId) {
      authenticate(credentials);
      const order = find(credentials, orderId);
      if (order.status === 'paid' || order.status === 'partially_refunded' || order.status === 'refunded') {
        throw fail('precondition', 'The order has a paid charge and cannot be canceled.', 428);
      }
      return move(order, 'canceled');
    },

    setStatus(orderId, status) {
      for (const orders of accounts.values()) {
        const order = orders.find((o) => o.id === orderId);
        if (order) move(order, status, status === 'paid' ? { paidAt: clock, paymentMethod: 'card' } : {});
      }
    },
  };
  return fake;
}

function authenticate(credentials: MerchantCredentials): void {
  if (credentials.secret === 'key_revoked') {
    throw new ProviderError('fake', 'authentication', 'revoked key', { outcome: 'not_created', status: 401 });
  }
}
