/**
 * The PaymentProvider contract: one suite, run unchanged against every adapter (the Conekta
 * adapter over the sandbox, and the fake used by unit tests).
 */
import { randomUUID } from 'node:crypto';
import type { HostedCheckoutOrder, PaymentProvider } from '../../lib/payments/ports.js';
import { ProviderError } from '../../lib/payments/provider-errors.js';

export type ContractSubject = { provider: PaymentProvider; revokedSecret: string };

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
  });
}
