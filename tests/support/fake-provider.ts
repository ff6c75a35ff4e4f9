/** An in-memory PaymentProvider for unit tests; it passes the same contract suite as Conekta's adapter. */
import type {
  HostedCheckoutOrder,
  MerchantCredentials,
  PaymentProvider,
  PaymentTag,
  ProviderOrder,
} from '../../lib/payments/ports.js';
import { ProviderError } from '../../lib/payments/provider-errors.js';

export type FakeProvider = PaymentProvider & {
  /** Orders per account (secret). */
  readonly accounts: Map<string, ProviderOrder[]>;
  calls: { create: number; find: number };
  /** The next create fails like this, after (`unknown`) or before (`not_created`) recording the order. */
  failNextCreate?: ProviderError;
  /** Resolves creates only when released, to interleave concurrent requests. */
  gate?: Promise<void>;
};

export function createFakeProvider(): FakeProvider {
  const accounts = new Map<string, ProviderOrder[]>();
  let seq = 0;
  const fake: FakeProvider = {
    name: 'fake',
    accounts,
    calls: { create: 0, find: 0 },
    async createHostedCheckout(credentials: MerchantCredentials, order: HostedCheckoutOrder) {
      fake.calls.create += 1;
      authenticate(credentials);
      await fake.gate;
      const failure = fake.failNextCreate;
      fake.failNextCreate = undefined;
      if (failure?.info.outcome === 'not_created') throw failure;
      seq += 1;
      const id = `ord_fake_${seq}`;
      const created: ProviderOrder = {
        id,
        status: 'created',
        providerStatus: null,
        amountCents: order.amountCents,
        currency: order.currency,
        livemode: false,
        checkoutId: `chk_${seq}`,
        checkoutUrl: `https://pay.example.test/checkout/${seq}`,
        updatedAt: 1_700_000_000 + seq,
        tag: order.tag,
        body: {
          id,
          object: 'order',
          amount: order.amountCents,
          currency: order.currency,
          metadata: { ...order.tag },
        },
      };
      accounts.set(credentials.secret, [...(accounts.get(credentials.secret) ?? []), created]);
      if (failure) throw failure;
      return created;
    },
    async findOrdersByTag(credentials: MerchantCredentials, tag: PaymentTag) {
      fake.calls.find += 1;
      authenticate(credentials);
      return (accounts.get(credentials.secret) ?? []).filter(
        (o) => o.tag?.merchant === tag.merchant && o.tag.referenceId === tag.referenceId,
      );
    },
  };
  return fake;
}

function authenticate(credentials: MerchantCredentials): void {
  if (credentials.secret === 'key_revoked') {
    throw new ProviderError('fake', 'authentication', 'revoked key', { outcome: 'not_created', status: 401 });
  }
}
