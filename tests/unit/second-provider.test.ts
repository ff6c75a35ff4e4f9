/**
 * A second provider is a folder under lib/providers/<name>/ and one registry line, nothing else:
 * shown with a test-only provider ("toy": the fake's outgoing side, its own HMAC webhooks) that
 * passes the provider contract and goes through the real request and webhook handlers unchanged.
 */
import { createLogger } from '../../lib/http/logger.js';
import { handleWebhook } from '../../lib/http/webhook.js';
import { handlePagosRequest } from '../../lib/payments/pagos-request.js';
import { PROVIDERS, providersFrom } from '../../lib/providers/registry.js';
import { createBody, createDomain } from '../support/domain.js';
import { createFakeProvider, fakeEvent } from '../support/fake-provider.js';
import { describeProviderContract } from '../support/provider-contract.js';

const toy = createFakeProvider('toy');

describeProviderContract('a test-only second provider', () => ({
  provider: toy,
  revokedSecret: 'key_revoked',
  pay: async (orderId) => toy.setStatus(orderId, 'paid'),
  payingToken: () => `tok_test_visa_4242_${Math.random()}`,
  decliningToken: () => `tok_test_insufficient_funds_${Math.random()}`,
}));

describe('the toy provider, registered beside Conekta', () => {
  const registry = providersFrom(process.env, { ...PROVIDERS, toy: () => toy });

  it('registers by name and keeps Conekta', () => {
    expect(Object.keys(registry).sort()).toEqual(['conekta', 'toy']);
    expect(registry.toy).toBe(toy);
  });

  it('creates a payment through POST /pagos, and its signed event moves it through /webhooks/toy', async () => {
    const d = createDomain();
    const services = { ...d.services, providers: registry };
    const created = await handlePagosRequest(
      services,
      { ...createBody({ reference_id: 'toy-1' }), provider: 'toy' },
      { sourceIp: '203.0.113.1', deadline: Date.now() + 10_000 },
    );
    toy.setStatus(created.orderId!, 'paid');
    const { body, headers } = fakeEvent(toy.snapshot(created.orderId!));
    const deps = {
      providers: registry,
      store: d.store,
      logger: createLogger('test', 'error'),
      metrics: { count: () => {} },
    };
    const answer = await handleWebhook(deps, {
      rawPath: '/webhooks/toy',
      body: body.toString(),
      isBase64Encoded: false,
      headers,
    });
    expect(JSON.parse(answer.body)).toEqual({ received: true, outcome: 'applied' });
    const merchant = [...d.services.memory.values()][0]!.merchant;
    expect(merchant.id).toMatch(/^toy:/);
    expect((await d.store.get(merchant.id, 'toy-1'))?.status).toBe('paid');
    // Its events verify with its own scheme only.
    const forged = await handleWebhook(deps, {
      rawPath: '/webhooks/toy',
      body: body.toString(),
      isBase64Encoded: false,
      headers: {},
    });
    expect(forged.statusCode).toBe(401);
  });
});
