/**
 * An in-memory PaymentProvider for unit tests: it passes the same contract suite as the Conekta
 * adapter over the sandbox (tests/support/provider-contract.ts), and can fail each operation
 * before or after doing its work (the lost answer), so the domain's recovery is tested fast.
 */

import { createHmac, timingSafeEqual } from 'node:crypto';
import type {
  CardChargeOrder,
  Credentials,
  HostedCheckoutOrder,
  OrderSnapshot,
  PaymentProvider,
  ProviderOrder,
} from '../../lib/payments/ports.js';
import { ProviderError, type ProviderFailure } from '../../lib/payments/provider-errors.js';
import type { PaymentStatus } from '../../lib/payments/status.js';

export type FakeOperation = 'resolve' | 'create' | 'charge' | 'find' | 'get' | 'refund' | 'cancel';

export type FakeFault = {
  op: FakeOperation;
  failure: ProviderFailure;
  /**
   * `before` (default): refused, nothing done. `after`: done, then the answer lost. `lost`: nothing
   * done, but the answer lost all the same (the caller cannot tell it from `after`).
   */
  when?: 'before' | 'after' | 'lost';
  /** Answer with another order's id / another amount instead of failing. */
  misfit?: 'order_id' | 'amount' | 'no_link' | 'no_tag';
};

type StoredOrder = ProviderOrder & {
  account: string;
  metadata: Record<string, string>;
  refunds: NonNullable<ProviderOrder['refunds']>;
};

export type FakeProvider = PaymentProvider & {
  orders: StoredOrder[];
  calls: Record<FakeOperation, number>;
  faults: FakeFault[];
  /** `true`: searches return only part of the window (complete: false). */
  incompleteSearch: boolean;
  /** Moves an order as a buyer (or the provider) would. */
  setStatus(orderId: string, status: PaymentStatus): void;
  snapshot(orderId: string): OrderSnapshot;
};

const PAYING_TOKENS: Record<string, { brand: string; last4: string }> = {
  tok_test_visa_4242: { brand: 'visa', last4: '4242' },
  tok_test_mastercard_4444: { brand: 'mastercard', last4: '4444' },
};

export const FAKE_WEBHOOK_SECRET = 'fake-webhook-secret';

/** A signed event of the fake provider about one of its orders. */
export function fakeEvent(snapshot: OrderSnapshot): { body: Buffer; headers: Record<string, string> } {
  const body = Buffer.from(
    JSON.stringify({ id: `evt_${Math.random().toString(36).slice(2)}`, type: 'order', order: snapshot }),
  );
  return {
    body,
    headers: { 'x-fake-signature': createHmac('sha256', FAKE_WEBHOOK_SECRET).update(body).digest('hex') },
  };
}

const STATUS_OF_PROVIDER: Partial<Record<PaymentStatus, string | null>> = { created: null };

export function createFakeProvider(name = 'fake'): FakeProvider {
  let seq = 0;
  let clock = 1_700_000_000;
  const usedTokens = new Set<string>();
  const error = (
    failure: ProviderFailure,
    outcome: 'not_processed' | 'unknown',
    extra: Partial<ProviderError['info']> = {},
  ) => new ProviderError({ provider: name, failure, outcome, message: `fake ${failure}`, ...extra });

  const account = (credentials: Credentials) => {
    if (credentials.secret.includes('revoked'))
      throw error('authentication', 'not_processed', { status: 401 });
    return credentials.secret.replace(/_rotated\d*$/, '');
  };

  /** Runs an operation, honouring the first fault aimed at it. */
  async function run<T>(
    op: FakeOperation,
    work: () => T,
    misfit?: (value: T, fault: FakeFault) => T,
  ): Promise<T> {
    fake.calls[op] += 1;
    const i = fake.faults.findIndex((f) => f.op === op);
    const fault = i >= 0 ? fake.faults.splice(i, 1)[0] : undefined;
    if (fault && !fault.misfit && (fault.when ?? 'before') === 'before')
      throw error(fault.failure, 'not_processed');
    if (fault?.when === 'lost') throw error(fault.failure, 'unknown');
    const value = work();
    if (fault?.misfit && misfit) return misfit(value, fault);
    if (fault) throw error(fault.failure, 'unknown');
    return value;
  }

  const publicCopy = (o: StoredOrder): ProviderOrder => {
    const { account: _a, metadata, ...order } = structuredClone(o);
    const body = {
      id: o.orderId,
      object: 'order',
      amount: o.amountCents,
      currency: o.currency,
      payment_status: o.providerStatus,
      amount_refunded: o.amountRefundedCents ?? 0,
      metadata: {
        ...metadata,
        ...(o.tag && {
          reference_id: o.tag.referenceId,
          pagos_merchant: o.tag.merchant,
          pagos_attempt: o.tag.attemptId,
        }),
      },
      ...(o.checkoutUrl && { checkout: { url: o.checkoutUrl } }),
    };
    return { ...order, publicBody: body, body: { ...body, customer_info: { email: 'buyer@example.com' } } };
  };

  const find = (credentials: Credentials, orderId: string): StoredOrder => {
    const owner = account(credentials);
    const order = fake.orders.find((o) => o.orderId === orderId && o.account === owner);
    if (!order) throw error('not_found', 'not_processed', { status: 404 });
    return order;
  };

  const move = (order: StoredOrder, status: PaymentStatus, extra: Partial<StoredOrder> = {}) => {
    clock += 1;
    Object.assign(order, {
      status,
      providerStatus: STATUS_OF_PROVIDER[status] ?? status,
      updatedAt: clock,
      ...extra,
    });
  };

  const newOrder = (
    credentials: Credentials,
    order: HostedCheckoutOrder | CardChargeOrder,
    status: PaymentStatus,
  ) => {
    seq += 1;
    clock += 1;
    const stored: StoredOrder = {
      account: account(credentials),
      orderId: `ord_fake_${seq}`,
      status,
      providerStatus: STATUS_OF_PROVIDER[status] ?? status,
      amountCents: order.amountCents,
      currency: order.currency,
      livemode: false,
      updatedAt: clock,
      createdAt: Math.floor(Date.now() / 1000),
      tag: order.tag,
      metadata: order.metadata,
      amountRefundedCents: 0,
      refunds: [],
      publicBody: {},
      body: {},
    };
    fake.orders.push(stored);
    return stored;
  };

  const misfitOrder = (value: ProviderOrder, fault: FakeFault): ProviderOrder => {
    if (fault.misfit === 'order_id') return { ...value, orderId: `${value.orderId}_other` };
    if (fault.misfit === 'amount') return { ...value, amountCents: value.amountCents + 100 };
    if (fault.misfit === 'no_tag') {
      const { tag: _t, ...untagged } = value;
      return untagged as ProviderOrder;
    }
    const { checkoutUrl: _c, ...rest } = value;
    return rest as ProviderOrder;
  };

  const fake: FakeProvider = {
    name,
    orders: [],
    calls: { resolve: 0, create: 0, charge: 0, find: 0, get: 0, refund: 0, cancel: 0 },
    faults: [],
    incompleteSearch: false,

    credentialProblem: (secret) => (secret.startsWith('key_') ? undefined : "must start with 'key_'"),
    cardTokenProblem: (token) => (token.startsWith('tok_') ? undefined : "must start with 'tok_'"),
    isReservedMetadataKey: (key) => key === 'reference_id' || key.startsWith('pagos_'),

    resolveAccount: (credentials) =>
      run('resolve', () => ({
        accountId: `acct_${account(credentials)}`,
        livemode: credentials.secret.includes('live'),
      })),

    createHostedCheckout: (credentials, order) =>
      run(
        'create',
        () => {
          const created = newOrder(credentials, order, 'created');
          created.checkoutUrl = `https://pay.example.test/checkout/${seq}`;
          return publicCopy(created);
        },
        misfitOrder,
      ),

    chargeCard: (credentials, order) =>
      run(
        'charge',
        () => {
          if (usedTokens.has(order.tokenId)) throw error('token_used', 'unknown', { status: 402 });
          usedTokens.add(order.tokenId);
          // `<token>_<suffix>` is a fresh copy of a test token.
          const card = PAYING_TOKENS[order.tokenId.replace(/^(tok_test_[a-z]+_\d{4})_.*$/, '$1')];
          if (!card) {
            const declined = newOrder(credentials, order, 'declined');
            throw error('declined', 'not_processed', { status: 402, order: publicCopy(declined) });
          }
          const created = newOrder(credentials, order, 'paid');
          Object.assign(created, { paidAt: created.updatedAt, paymentMethod: 'card', card });
          return publicCopy(created);
        },
        misfitOrder,
      ),

    findAttemptOrders: (credentials, search) =>
      run('find', () => {
        const owner = account(credentials);
        const orders = fake.orders
          .filter(
            (o) =>
              o.account === owner && o.createdAt >= search.createdFrom && o.createdAt <= search.createdTo,
          )
          .filter(
            (o) =>
              o.tag?.attemptId === search.tag.attemptId &&
              o.tag.merchant === search.tag.merchant &&
              o.tag.referenceId === search.tag.referenceId,
          )
          .map(publicCopy);
        return { orders: fake.incompleteSearch ? [] : orders, complete: !fake.incompleteSearch };
      }),

    getOrder: (credentials, orderId) => run('get', () => publicCopy(find(credentials, orderId)), misfitOrder),

    refundOrder: (credentials, orderId, refund) =>
      run(
        'refund',
        () => {
          const order = find(credentials, orderId);
          if (order.status !== 'paid' && order.status !== 'partially_refunded') {
            throw error('precondition', 'not_processed', { status: 428 });
          }
          const refunded = (order.amountRefundedCents ?? 0) + refund.amountCents;
          if (refunded > order.amountCents) throw error('validation', 'not_processed', { status: 422 });
          order.refunds.push({
            id: `rfd_${order.refunds.length + 1}_${orderId}`,
            amountCents: refund.amountCents,
            createdAt: Math.floor(Date.now() / 1000),
          });
          move(order, refunded === order.amountCents ? 'refunded' : 'partially_refunded', {
            amountRefundedCents: refunded,
          });
          return publicCopy(order);
        },
        misfitOrder,
      ),

    cancelOrder: (credentials, orderId) =>
      run('cancel', () => {
        const order = find(credentials, orderId);
        if (['paid', 'partially_refunded', 'refunded', 'charged_back', 'canceled'].includes(order.status!)) {
          throw error('precondition', 'not_processed', { status: 428 });
        }
        move(order, 'canceled');
        return publicCopy(order);
      }),

    webhooks: {
      // HMAC-SHA256 of the raw body in `x-fake-signature`, hex: its own scheme, as every provider has.
      verify(rawBody, headers) {
        const given = headers['x-fake-signature'];
        const expected = createHmac('sha256', FAKE_WEBHOOK_SECRET).update(rawBody).digest('hex');
        return given !== undefined &&
          given.length === expected.length &&
          timingSafeEqual(Buffer.from(given), Buffer.from(expected))
          ? { ok: true, form: 'hmac-sha256-hex' }
          : { ok: false, reason: 'x-fake-signature does not match the body' };
      },
      read(event) {
        const e = event as { id?: unknown; type?: unknown; order?: OrderSnapshot };
        if (typeof e?.id !== 'string') return { kind: 'malformed', reason: 'no id' };
        if (e.type === 'ping') return { kind: 'ping', eventId: e.id };
        if (e.type !== 'order' || !e.order) return { kind: 'ignored', eventId: e.id, type: String(e.type) };
        return { kind: 'order', eventId: e.id, type: 'order', tag: e.order.tag, order: e.order };
      },
    },

    setStatus(orderId, status) {
      const order = fake.orders.find((o) => o.orderId === orderId);
      if (!order) throw new Error(`no fake order ${orderId}`);
      move(order, status, status === 'paid' ? { paidAt: clock, paymentMethod: 'cash' } : {});
    },

    snapshot(orderId) {
      const order = fake.orders.find((o) => o.orderId === orderId);
      if (!order) throw new Error(`no fake order ${orderId}`);
      const { createdAt: _c, refunds: _r, body: _b, ...snapshot } = publicCopy(order);
      return snapshot;
    },
  };
  return fake;
}
