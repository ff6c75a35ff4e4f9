import { type CreatePaymentLinkDeps, createPaymentLink } from '../../lib/payments/create-payment-link.js';
import type { CreatePaymentLinkRequest } from '../../lib/payments/create-request.js';
import { PagosError } from '../../lib/payments/errors.js';
import { ProviderError } from '../../lib/payments/provider-errors.js';
import { createFakeProvider } from '../support/fake-provider.js';
import { createMemoryStore } from '../support/memory-store.js';

const secret = 'key_unit_test';
const request = (overrides: Partial<CreatePaymentLinkRequest> = {}): CreatePaymentLinkRequest => ({
  referenceId: '6588',
  amountCents: 100_000,
  currency: 'MXN',
  returnUrl: 'http://template.pow.la',
  notificationUrl: 'https://shop.example.com/notify',
  firstName: 'andres',
  lastName: 'jaro',
  email: 'andres@example.com',
  phone: undefined,
  expiresInDays: 3,
  allowedPaymentMethods: ['card', 'cash', 'bank_transfer'],
  monthlyInstallments: false,
  ...overrides,
});

function setup() {
  const provider = createFakeProvider();
  const store = createMemoryStore();
  const deps: CreatePaymentLinkDeps = {
    provider,
    store,
    config: { leaseMs: 10_000, waitForInFlightMs: 2_000, pollIntervalMs: 5, defaultPhone: '5555555555' },
  };
  return { provider, store, deps };
}

const orderCount = (provider: ReturnType<typeof createFakeProvider>) =>
  provider.accounts.get(secret)?.length ?? 0;

describe('createPaymentLink', () => {
  it('creates one order with two store round trips, and replays it with one', async () => {
    const { provider, store, deps } = setup();
    const first = await createPaymentLink(deps, secret, request());
    expect(first.replayed).toBe(false);
    expect(store.roundTrips).toBe(2);

    store.roundTrips = 0;
    const again = await createPaymentLink(deps, secret, request());
    expect(again).toEqual({ ...first, replayed: true });
    expect(store.roundTrips).toBe(1);
    expect(provider.calls.create).toBe(1);
  });

  it.each<[string, Partial<CreatePaymentLinkRequest>]>([
    ['amount', { amountCents: 100_001 }],
    ['email', { email: 'other@example.com' }],
    ['currency', { currency: 'USD' }],
    ['return_url', { returnUrl: 'https://elsewhere.example.com' }],
    ['notification_url', { notificationUrl: 'https://elsewhere.example.com/n' }],
  ])('answers 409 reference_conflict when the %s differs', async (_field, change) => {
    const { provider, deps } = setup();
    await createPaymentLink(deps, secret, request());
    await expect(createPaymentLink(deps, secret, request(change))).rejects.toMatchObject({
      status: 409,
      code: 'reference_conflict',
    });
    expect(provider.calls.create).toBe(1);
  });

  it('keeps merchants apart: the same reference_id under another key is another payment', async () => {
    const { provider, deps } = setup();
    await createPaymentLink(deps, secret, request());
    await createPaymentLink(deps, 'key_other_merchant', request({ amountCents: 5 }));
    expect(provider.calls.create).toBe(2);
  });

  it('makes one order for concurrent duplicates; the others get it too', async () => {
    const { provider, deps } = setup();
    let open!: () => void;
    provider.gate = new Promise((resolve) => {
      open = resolve;
    });
    const all = Array.from({ length: 20 }, () => createPaymentLink(deps, secret, request()));
    setTimeout(() => open(), 30);
    const results = await Promise.all(all);
    expect(provider.calls.create).toBe(1);
    expect(new Set(results.map((r) => r.orderId)).size).toBe(1);
    expect(results.filter((r) => !r.replayed)).toHaveLength(1);
  });

  it('answers 409 request_in_progress with Retry-After when the first request takes too long', async () => {
    const { provider, deps } = setup();
    provider.gate = new Promise(() => {}); // never answers
    void createPaymentLink(deps, secret, request()).catch(() => {});
    await new Promise((r) => setTimeout(r, 10));
    const error = await createPaymentLink(
      { ...deps, config: { ...deps.config, waitForInFlightMs: 30 } },
      secret,
      request(),
    ).catch((e) => e);
    expect(error).toBeInstanceOf(PagosError);
    expect(error).toMatchObject({
      status: 409,
      code: 'request_in_progress',
      headers: { 'Retry-After': '1' },
    });
  });

  it('frees the reference when the provider refuses the request, so a corrected request goes through', async () => {
    const { provider, store, deps } = setup();
    provider.failNextCreate = new ProviderError('fake', 'validation', 'bad', {
      outcome: 'not_created',
      status: 422,
      details: [{ param: 'x' }],
    });
    await expect(createPaymentLink(deps, secret, request())).rejects.toMatchObject({
      status: 422,
      details: [{ param: 'x' }],
    });
    expect(store.records.size).toBe(0);
    const ok = await createPaymentLink(deps, secret, request({ amountCents: 5 }));
    expect(ok.replayed).toBe(false);
    expect(orderCount(provider)).toBe(1);
  });

  it('after an unknown outcome, the retry adopts the order the provider did create', async () => {
    const { provider, deps } = setup();
    provider.failNextCreate = new ProviderError('fake', 'timeout', 'slow', { outcome: 'unknown' });
    await expect(createPaymentLink(deps, secret, request())).rejects.toMatchObject({
      status: 504,
      provider: { retry_safe: true },
    });
    expect(orderCount(provider)).toBe(1);

    const retried = await createPaymentLink(deps, secret, request());
    expect(orderCount(provider)).toBe(1);
    expect(retried.orderId).toBe(provider.accounts.get(secret)?.[0]?.id);
    expect(provider.calls.find).toBe(1);
  });

  it('after an unknown outcome where nothing was created, the retry creates exactly one order', async () => {
    const { provider, deps } = setup();
    const original = provider.createHostedCheckout.bind(provider);
    let first = true;
    provider.createHostedCheckout = async (c, o) => {
      if (first) {
        first = false;
        provider.calls.create += 1;
        throw new ProviderError('fake', 'unavailable', 'reset before Conekta acted', {
          outcome: 'unknown',
          status: 500,
        });
      }
      return original(c, o);
    };
    await expect(createPaymentLink(deps, secret, request())).rejects.toMatchObject({ status: 502 });
    const retried = await createPaymentLink(deps, secret, request());
    expect(retried.replayed).toBe(false);
    expect(orderCount(provider)).toBe(1);
  });

  it('maps an authentication failure to 401 and keeps nothing', async () => {
    const { store, deps } = setup();
    await expect(createPaymentLink(deps, 'key_revoked', request())).rejects.toMatchObject({ status: 401 });
    expect(store.records.size).toBe(0);
  });
});
