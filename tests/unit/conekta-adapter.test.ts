/**
 * lib/providers/conekta/provider.ts, through an injected fetch answering like Conekta's API: the
 * key's account and mode, the orders it makes, the recovery search through documented list filters
 * (every page, matched on our tag locally), what error bodies add (a used token, a declined order),
 * and the webhook side's key handling. No network.
 */
import { constants, createHash, generateKeyPairSync, privateEncrypt, sign } from 'node:crypto';
import {
  type CardChargeOrder,
  type HostedCheckoutOrder,
  WebhookConfigError,
} from '../../lib/payments/ports.js';
import { ProviderError } from '../../lib/payments/provider-errors.js';
import { createConektaProvider, headerValue } from '../../lib/providers/conekta/provider.js';

type Seen = {
  method: string;
  path: string;
  query: Record<string, string>;
  body: unknown;
  headers: Record<string, string>;
};
type Route = (seen: Seen) => { status?: number; body: unknown } | undefined;

function conekta(route: Route, options: { searchMaxPages?: number; keys?: () => string | undefined } = {}) {
  const seen: Seen[] = [];
  const fetch = (async (url: URL | string, init?: RequestInit) => {
    const u = new URL(String(url));
    const call: Seen = {
      method: init?.method ?? 'GET',
      path: u.pathname,
      query: Object.fromEntries(u.searchParams),
      body: init?.body === undefined ? undefined : JSON.parse(String(init.body)),
      headers: (init?.headers ?? {}) as Record<string, string>,
    };
    seen.push(call);
    const answer = route(call);
    if (!answer) return new Response(JSON.stringify({ type: 'resource_not_found_error' }), { status: 404 });
    return new Response(JSON.stringify(answer.body), { status: answer.status ?? 200 });
  }) as typeof globalThis.fetch;
  const provider = createConektaProvider({
    baseUrl: 'https://api.conekta.test',
    apiVersion: '2.3.0',
    timeoutMs: 4_000,
    returnPath: '/conekta/conekta_order',
    webhookPublicKeys: options.keys ?? (() => undefined),
    ...(options.searchMaxPages !== undefined && { searchMaxPages: options.searchMaxPages }),
    fetch,
  });
  return { provider, seen };
}

const secret = { secret: 'key_live_abcdef123' };
const deadline = () => Date.now() + 10_000;
const tag = { merchant: 'conekta:co_1:test', referenceId: 'pedido-1', attemptId: 'att_1' };
const tagged = (t = tag) => ({
  reference_id: t.referenceId,
  pagos_merchant: t.merchant,
  pagos_attempt: t.attemptId,
});

const order = (id: string, overrides: Record<string, unknown> = {}) => ({
  id,
  object: 'order',
  amount: 10_000,
  currency: 'MXN',
  livemode: false,
  payment_status: 'pending_payment',
  created_at: 1_800_000_000,
  updated_at: 1_800_000_010,
  metadata: tagged(),
  ...overrides,
});

const rejection = async (promise: Promise<unknown>) => {
  const error = await promise.then(
    () => new Error('expected a failure'),
    (e: unknown) => e,
  );
  if (!(error instanceof ProviderError)) throw error;
  return error;
};

describe('the shapes Conekta accepts', () => {
  const { provider } = conekta(() => undefined);

  it.each([
    ['key_abc123', true],
    ['key_A-b_9', true],
    ['key_', false],
    ['tok_abc', false],
    ['key_abc 123', false],
    ['xkey_abc', false],
    ['key_abc\n', false],
  ])('secret %p is a Conekta private key: %p', (value, ok) => {
    expect(provider.credentialProblem(value)).toBe(
      ok ? undefined : "must be your Conekta private API key, which starts with 'key_'",
    );
  });

  it.each([
    ['tok_2abcDEF_9', true],
    ['tok_', false],
    ['tok_abc-def', false],
    ['key_abc', false],
    ['xtok_abc', false],
    ['tok_abc!', false],
  ])('token %p is a Conekta card token: %p', (value, ok) => {
    expect(provider.cardTokenProblem(value)).toBe(
      ok ? undefined : "must be a Conekta card token (tok_...), made in the browser by Conekta's tokenizer",
    );
  });

  it('reserves the metadata keys Pagos writes, and is named conekta', () => {
    expect(provider.name).toBe('conekta');
    expect(provider.isReservedMetadataKey('pagos_attempt')).toBe(true);
    expect(provider.isReservedMetadataKey('pedido')).toBe(false);
  });
});

describe('resolveAccount: whose the key is, test or live', () => {
  const company = (id: unknown = 'co_2abc') => ({ body: { id, name: 'Tienda' } });

  it('takes the company and the mode of the key among the account’s keys (matched by prefix)', async () => {
    const { provider, seen } = conekta(({ path }) => {
      if (path === '/companies/current') return company();
      if (path === '/api_keys')
        return {
          body: {
            data: [
              { livemode: false, prefix: 'key_test', active: true },
              { livemode: true, prefix: 'key_live', active: true },
            ],
          },
        };
      return undefined;
    });
    expect(await provider.resolveAccount(secret, deadline())).toEqual({
      accountId: 'co_2abc',
      livemode: true,
    });
    expect(seen.find((s) => s.path === '/api_keys')?.query).toEqual({ limit: '250' });
  });

  it('ignores a key that is inactive, has no prefix, or too short a prefix to tell', async () => {
    const { provider } = conekta(({ path }) => {
      if (path === '/companies/current') return company();
      if (path === '/api_keys')
        return {
          body: {
            data: [
              { livemode: true, prefix: 'key_live', active: false },
              { livemode: true, prefix: 'key' },
              { livemode: true },
              { livemode: 'yes', prefix: 'key_live_abc' },
              { livemode: false, prefix: 'key_live_a', active: true },
            ],
          },
        };
      return undefined;
    });
    expect(await provider.resolveAccount(secret, deadline())).toEqual({
      accountId: 'co_2abc',
      livemode: false,
    });
  });

  it('takes the mode every listed key shares when none matches the prefix', async () => {
    const { provider } = conekta(({ path }) => {
      if (path === '/companies/current') return company();
      if (path === '/api_keys')
        return { body: { data: [{ livemode: true, prefix: 'key_other' }, { livemode: true }] } };
      return undefined;
    });
    expect(await provider.resolveAccount(secret, deadline())).toEqual({
      accountId: 'co_2abc',
      livemode: true,
    });
  });

  it('asks an order of the key when the keys do not tell (both modes, none listed, or no answer)', async () => {
    for (const keys of [
      { body: { data: [{ livemode: true }, { livemode: false }] } },
      { body: { data: null } },
      { status: 403, body: { type: 'authorization_error' } },
    ]) {
      const { provider, seen } = conekta(({ path }) => {
        if (path === '/companies/current') return company();
        if (path === '/api_keys') return keys;
        if (path === '/orders') return { body: { data: [{ id: 'ord_1', livemode: false }] } };
        return undefined;
      });
      expect(await provider.resolveAccount(secret, deadline())).toEqual({
        accountId: 'co_2abc',
        livemode: false,
      });
      expect(seen.find((s) => s.path === '/orders')?.query).toEqual({ limit: '1' });
    }
  });

  it('refuses to guess the mode when nothing tells it', async () => {
    for (const orders of [{ data: [] }, { data: [{ id: 'ord_1' }] }, {}]) {
      const { provider } = conekta(({ path }) => {
        if (path === '/companies/current') return company();
        if (path === '/api_keys') return { body: { data: [] } };
        if (path === '/orders') return { body: orders };
        return undefined;
      });
      expect(await rejection(provider.resolveAccount(secret, deadline()))).toMatchObject({
        failure: 'unavailable',
        outcome: 'not_processed',
        message: expect.stringContaining('did not say whether this key is a test or a live key'),
      });
    }
  });

  it.each([null, 42, '', 'co 1', 'c'.repeat(65), 'co/1'])(
    'refuses a company id %p as a misfit',
    async (id) => {
      const { provider } = conekta(({ path }) => {
        if (path === '/companies/current') return company(id);
        if (path === '/api_keys') return { body: { data: [{ livemode: false }] } };
        return undefined;
      });
      expect(await rejection(provider.resolveAccount(secret, deadline()))).toMatchObject({
        failure: 'misfit',
        outcome: 'not_processed',
      });
    },
  );

  it('accepts a company id of 64 letters, digits, "_" and "-"', async () => {
    const id = `co_-${'a'.repeat(60)}`;
    const { provider } = conekta(({ path }) => {
      if (path === '/companies/current') return company(id);
      if (path === '/api_keys') return { body: { data: [{ livemode: false }] } };
      return undefined;
    });
    expect((await provider.resolveAccount(secret, deadline())).accountId).toBe(id);
  });

  it('reports a refused key as an authentication failure', async () => {
    const { provider } = conekta(() => ({ status: 401, body: { type: 'authentication_error' } }));
    expect(await rejection(provider.resolveAccount(secret, deadline()))).toMatchObject({
      failure: 'authentication',
    });
  });
});

const hosted: HostedCheckoutOrder = {
  tag,
  amountCents: 10_000,
  currency: 'MXN',
  customer: { name: 'Ana López', email: 'ana@example.com', phone: '5512345678' },
  lineItems: [{ name: 'pedido-1', unitPriceCents: 10_000, quantity: 1 }],
  metadata: {},
  idempotencyKey: 'pagos-idem-1',
  deadline: Date.now() + 10_000,
  returnUrl: 'https://shop.example.com/back',
  expiresAt: 1_800_086_400,
  allowedPaymentMethods: ['card'],
  monthlyInstallments: false,
};

describe('the orders it makes, reads, refunds and cancels', () => {
  it('creates a hosted checkout with its idempotency key, and reads the order back', async () => {
    const { provider, seen } = conekta(({ method, path }) =>
      method === 'POST' && path === '/orders'
        ? {
            body: order('ord_new', {
              payment_status: null,
              checkout: { url: 'https://pay.conekta.com/c/1' },
            }),
          }
        : undefined,
    );
    const made = await provider.createHostedCheckout(secret, { ...hosted, deadline: deadline() });
    expect(made).toMatchObject({
      orderId: 'ord_new',
      status: 'created',
      tag,
      checkoutUrl: 'https://pay.conekta.com/c/1',
    });
    expect(seen[0]!.headers['idempotency-key']).toBe('pagos-idem-1');
    expect(seen[0]!.body).toMatchObject({
      checkout: { type: 'HostedPayment', success_url: 'https://shop.example.com/back/conekta/conekta_order' },
      metadata: tagged(),
    });
  });

  it('charges a card in one order carrying the token', async () => {
    const { provider, seen } = conekta(({ method, path }) =>
      method === 'POST' && path === '/orders'
        ? { body: order('ord_paid', { payment_status: 'paid' }) }
        : undefined,
    );
    const {
      returnUrl: _r,
      expiresAt: _e,
      allowedPaymentMethods: _a,
      monthlyInstallments: _m,
      ...base
    } = hosted;
    const charge: CardChargeOrder = {
      ...base,
      tokenId: 'tok_2abc',
      idempotencyKey: 'pagos-idem-2',
      deadline: deadline(),
    };
    expect(await provider.chargeCard(secret, charge)).toMatchObject({ orderId: 'ord_paid', status: 'paid' });
    expect(seen[0]!.headers['idempotency-key']).toBe('pagos-idem-2');
    expect(seen[0]!.body).toMatchObject({
      charges: [{ amount: 10_000, payment_method: { type: 'card', token_id: 'tok_2abc' } }],
    });
  });

  it('gets an order by its id, escaped in the path', async () => {
    const { provider, seen } = conekta(({ method, path }) =>
      method === 'GET' && path === '/orders/ord%2F1%3F' ? { body: order('ord/1?') } : undefined,
    );
    expect((await provider.getOrder(secret, 'ord/1?', deadline())).orderId).toBe('ord/1?');
    expect(seen[0]!.method).toBe('GET');
  });

  it('refunds an amount for a reason, with its idempotency key', async () => {
    const { provider, seen } = conekta(({ method, path }) =>
      method === 'POST' && path === '/orders/ord_1/refunds'
        ? { body: order('ord_1', { payment_status: 'partially_refunded', amount_refunded: 2_500 }) }
        : undefined,
    );
    const refunded = await provider.refundOrder(secret, 'ord_1', {
      amountCents: 2_500,
      reason: 'requested_by_client',
      idempotencyKey: 'pagos-rf',
      deadline: deadline(),
    });
    expect(refunded).toMatchObject({ status: 'partially_refunded', amountRefundedCents: 2_500 });
    expect(seen[0]!.body).toEqual({ amount: 2_500, reason: 'requested_by_client' });
    expect(seen[0]!.headers['idempotency-key']).toBe('pagos-rf');
  });

  it('cancels an order', async () => {
    const { provider, seen } = conekta(({ method, path }) =>
      method === 'POST' && path === '/orders/ord_1/cancel'
        ? { body: order('ord_1', { payment_status: 'canceled' }) }
        : undefined,
    );
    expect((await provider.cancelOrder(secret, 'ord_1', deadline())).status).toBe('canceled');
    expect(seen[0]!.body).toBeUndefined();
  });
});

describe('what a Conekta error body adds', () => {
  const charge = async (status: number, body: unknown) => {
    const { provider } = conekta(() => ({ status, body }));
    const {
      returnUrl: _r,
      expiresAt: _e,
      allowedPaymentMethods: _a,
      monthlyInstallments: _m,
      ...base
    } = hosted;
    return rejection(provider.chargeCard(secret, { ...base, tokenId: 'tok_1', deadline: deadline() }));
  };

  it.each([
    ['a code', { code: 'conekta.errors.processing.tokenization.used' }],
    ['an English message', { message: 'The token has already been used.' }],
    ['a short English message', { debug_message: 'token already used' }],
    ['a Spanish message', { message: 'El token ya fue usado.' }],
    ['another Spanish message', { message: 'Este token ya ha sido usado' }],
  ])('a used card token, said by %s: maybe charged, never a decline', async (_how, detail) => {
    for (const status of [402, 422]) {
      expect(
        await charge(status, { type: 'processing_error', details: [{ code: 'x' }, detail] }),
      ).toMatchObject({
        failure: 'token_used',
        outcome: 'unknown',
      });
    }
  });

  it('a used token only when a 402 or 422 says so', async () => {
    const used = { details: [{ code: 'conekta.errors.processing.tokenization.used' }] };
    expect(await charge(400, used)).toMatchObject({ failure: 'validation', outcome: 'not_processed' });
    expect(await charge(402, { details: [{ message: 'Card declined', code: 7 }] })).toMatchObject({
      failure: 'declined',
    });
    expect(await charge(402, { details: 'token already used' })).toMatchObject({ failure: 'declined' });
    expect(await charge(402, { details: [null] })).toMatchObject({ failure: 'declined' });
  });

  it('the declined order a 402 carries', async () => {
    const error = await charge(402, {
      type: 'processing_error',
      data: order('ord_declined', { payment_status: 'declined' }),
    });
    expect(error).toMatchObject({
      failure: 'declined',
      info: { order: { orderId: 'ord_declined', status: 'declined', tag } },
    });
  });

  it('no order from a body whose data is not one, nor from another status', async () => {
    expect((await charge(402, { data: { object: 'order' } })).info.order).toBeUndefined();
    expect((await charge(402, { data: 'ord_1' })).info.order).toBeUndefined();
    expect((await charge(402, { data: null })).info.order).toBeUndefined();
    expect((await charge(402, { data: 42 })).info.order).toBeUndefined();
    expect((await charge(422, { data: order('ord_x') })).info.order).toBeUndefined();
  });
});

describe('findAttemptOrders: the recovery search', () => {
  const search = (overrides = {}) => ({
    tag,
    createdFrom: 1_799_999_700,
    createdTo: 1_800_000_300,
    deadline: deadline(),
    ...overrides,
  });

  it('lists the window’s orders and keeps those carrying the whole tag', async () => {
    const { provider, seen } = conekta(({ path }) =>
      path === '/orders'
        ? {
            body: {
              has_more: false,
              data: [
                order('ord_mine'),
                order('ord_other_attempt', { metadata: tagged({ ...tag, attemptId: 'att_2' }) }),
                order('ord_other_reference', { metadata: tagged({ ...tag, referenceId: 'pedido-2' }) }),
                order('ord_other_merchant', { metadata: tagged({ ...tag, merchant: 'conekta:co_9:test' }) }),
                order('ord_untagged', { metadata: {} }),
              ],
            },
          }
        : undefined,
    );
    const found = await provider.findAttemptOrders(secret, search());
    expect(found.orders.map((o) => o.orderId)).toEqual(['ord_mine']);
    expect(found.complete).toBe(true);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.query).toEqual({
      'created_at.gte': '1799999700',
      'created_at.lte': '1800000300',
      limit: '250',
    });
  });

  it('reads every page, following next_page_url’s cursor, else the last order’s id', async () => {
    const pages: Record<string, unknown> = {
      first: {
        has_more: true,
        next_page_url: 'https://api.conekta.io/orders?limit=250&next=cursor_2',
        data: [order('ord_a', { metadata: {} }), order('ord_b', { metadata: {} })],
      },
      cursor_2: { has_more: true, next_page_url: null, data: [order('ord_c')] },
      ord_c: { has_more: true, next_page_url: 'not a url', data: [order('ord_d', { metadata: {} })] },
      ord_d: {
        has_more: true,
        next_page_url: 'https://api.conekta.io/orders?limit=250',
        data: [order('ord_e')],
      },
      ord_e: { has_more: false, data: [order('ord_f', { metadata: {} })] },
    };
    const { provider, seen } = conekta(({ path, query }) =>
      path === '/orders' ? { body: pages[query.next ?? 'first'] } : undefined,
    );
    const found = await provider.findAttemptOrders(secret, search());
    expect(found).toMatchObject({ complete: true });
    expect(found.orders.map((o) => o.orderId)).toEqual(['ord_c', 'ord_e']);
    expect(seen.map((s) => s.query.next)).toEqual([undefined, 'cursor_2', 'ord_c', 'ord_d', 'ord_e']);
  });

  it('stops at the page bound and says the search was not complete', async () => {
    const { provider, seen } = conekta(
      ({ path, query }) =>
        path === '/orders'
          ? { body: { has_more: true, data: [order(`ord_${Number(query.next?.slice(4) ?? 0) + 1}`)] } }
          : undefined,
      { searchMaxPages: 3 },
    );
    const found = await provider.findAttemptOrders(secret, search());
    expect(found.complete).toBe(false);
    expect(found.orders.map((o) => o.orderId)).toEqual(['ord_1', 'ord_2', 'ord_3']);
    expect(seen).toHaveLength(3);
  });

  it('reads at most 8 pages unless configured', async () => {
    const { provider, seen } = conekta(({ path, query }) =>
      path === '/orders'
        ? { body: { has_more: true, data: [order(`ord_${Number(query.next?.slice(4) ?? 0) + 1}`)] } }
        : undefined,
    );
    expect((await provider.findAttemptOrders(secret, search())).complete).toBe(false);
    expect(seen).toHaveLength(8);
  });

  it('treats a page with more but no way to the next one as the last', async () => {
    const { provider } = conekta(({ path }) =>
      path === '/orders' ? { body: { has_more: true, data: [] } } : undefined,
    );
    expect(await provider.findAttemptOrders(secret, search())).toEqual({ orders: [], complete: true });
  });

  it('narrows by the buyer’s email first, and answers what that finds', async () => {
    const { provider, seen } = conekta(({ path, query }) =>
      path === '/orders'
        ? { body: { has_more: false, data: query.search === 'ana@example.com' ? [order('ord_mine')] : [] } }
        : undefined,
    );
    const found = await provider.findAttemptOrders(secret, search({ email: 'ana@example.com' }));
    expect(found).toMatchObject({ complete: true, orders: [{ orderId: 'ord_mine' }] });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.query.search).toBe('ana@example.com');
  });

  it('never relies on the narrowed search: finding nothing there, it lists the whole window', async () => {
    const { provider, seen } = conekta(({ path, query }) =>
      path === '/orders'
        ? {
            body: {
              has_more: false,
              data: query.search ? [order('ord_other', { metadata: {} })] : [order('ord_mine')],
            },
          }
        : undefined,
    );
    const found = await provider.findAttemptOrders(secret, search({ email: 'ana@example.com' }));
    expect(found.orders.map((o) => o.orderId)).toEqual(['ord_mine']);
    expect(seen.map((s) => s.query.search)).toEqual(['ana@example.com', undefined]);
  });

  it('answers the narrowed search’s completeness when it found the order there', async () => {
    const { provider } = conekta(
      ({ path, query }) =>
        path === '/orders'
          ? {
              body: query.search
                ? { has_more: true, data: [order('ord_mine')] }
                : { has_more: false, data: [] },
            }
          : undefined,
      { searchMaxPages: 1 },
    );
    expect(await provider.findAttemptOrders(secret, search({ email: 'ana@example.com' }))).toMatchObject({
      complete: false,
      orders: [{ orderId: 'ord_mine' }],
    });
  });

  it('reads a page without data as empty', async () => {
    const { provider } = conekta(({ path }) =>
      path === '/orders' ? { body: { has_more: false, data: null } } : undefined,
    );
    expect(await provider.findAttemptOrders(secret, search())).toEqual({ orders: [], complete: true });
  });
});

describe('webhooks: the digest checked with the configured keys', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const body = Buffer.from('{"id":"evt_1","type":"order.paid"}');
  const digest = sign('sha256', body, privateKey).toString('base64');

  it('accepts what the account’s key signed, naming the form and encoding that matched', () => {
    const { provider } = conekta(() => undefined, { keys: () => pem });
    expect(provider.webhooks.verify(body, { Digest: digest })).toEqual({
      ok: true,
      form: 'pkcs1-sha256/base64',
    });
    expect(
      provider.webhooks.verify(body, {
        digest: digest.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''),
      }),
    ).toEqual({
      ok: true,
      form: 'pkcs1-sha256/base64url',
    });
  });

  it('names the form and encoding that matched when it is not the usual signature', () => {
    // The old PrestaShop reading: the body's SHA-256 as hex, encrypted with the private key, percent-encoded.
    const hex = Buffer.from(createHash('sha256').update(body).digest('hex'), 'ascii');
    const encrypted = privateEncrypt({ key: privateKey, padding: constants.RSA_PKCS1_PADDING }, hex);
    const { provider } = conekta(() => undefined, { keys: () => pem });
    expect(
      provider.webhooks.verify(body, { digest: encodeURIComponent(encrypted.toString('base64')) }),
    ).toEqual({
      ok: true,
      form: 'rsa-encrypted-hex-sha256/url-encoded-base64',
    });
  });

  it('refuses a body the digest does not sign, with the reason', () => {
    const { provider } = conekta(() => undefined, { keys: () => pem });
    const check = provider.webhooks.verify(Buffer.from('{"id":"evt_2"}'), { digest });
    expect(check).toEqual({ ok: false, reason: expect.stringContaining('does not match') });
    expect(provider.webhooks.verify(body, {})).toEqual({
      ok: false,
      reason: expect.stringContaining('Missing digest'),
    });
  });

  it('cannot verify anything before a key is configured: a configuration error, not a refusal', () => {
    for (const setting of [undefined, '', '   ']) {
      const { provider } = conekta(() => undefined, { keys: () => setting });
      expect(() => provider.webhooks.verify(body, { digest })).toThrow(WebhookConfigError);
    }
    const { provider } = conekta(() => undefined, { keys: () => 'not a pem' });
    const error = (() => {
      try {
        provider.webhooks.verify(body, { digest });
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(WebhookConfigError);
    expect(error?.message).toContain('CONEKTA_WEBHOOK_PUBLIC_KEYS');
    expect(error?.cause).toMatchObject({ name: 'WebhookKeyConfigError' });
  });

  it('reads the setting again when it changes (a new key needs no restart)', () => {
    let setting: string | undefined;
    const { provider } = conekta(() => undefined, { keys: () => setting });
    expect(() => provider.webhooks.verify(body, { digest })).toThrow(WebhookConfigError);
    setting = pem;
    expect(provider.webhooks.verify(body, { digest })).toMatchObject({ ok: true });
    const other = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .publicKey.export({ type: 'spki', format: 'pem' })
      .toString();
    setting = other;
    expect(provider.webhooks.verify(body, { digest })).toMatchObject({ ok: false });
  });

  it('reads events with the Conekta mapping', () => {
    const { provider } = conekta(() => undefined);
    expect(provider.webhooks.read({ id: 'evt_1', type: 'webhook_ping' })).toEqual({
      kind: 'ping',
      eventId: 'evt_1',
    });
  });
});

describe('headerValue', () => {
  it('finds a header in any case, and nothing when it is absent', () => {
    expect(headerValue({ DIGEST: 'a' }, 'digest')).toBe('a');
    expect(headerValue({ 'x-other': 'b', Digest: 'c' }, 'Digest')).toBe('c');
    expect(headerValue({ 'x-other': 'b' }, 'digest')).toBeUndefined();
  });
});

describe('the Conekta adapter: more edges', () => {
  const {
    returnUrl: _r,
    expiresAt: _e,
    allowedPaymentMethods: _a,
    monthlyInstallments: _m,
    ...base
  } = hosted;
  const chargeFailing = async (status: number, body: unknown) => {
    const { provider } = conekta(() => ({ status, body }));
    return rejection(provider.chargeCard(secret, { ...base, tokenId: 'tok_1', deadline: deadline() }));
  };

  it('reads a decline whose details carry another code as a decline, not a used token', async () => {
    expect(
      await chargeFailing(402, {
        details: [{ code: 'conekta.errors.processing.charge.card_declined', message: 'Tarjeta declinada' }],
      }),
    ).toMatchObject({
      failure: 'declined',
    });
  });

  it('skips listed keys that are no objects when telling the mode', async () => {
    const { provider } = conekta(({ path }) => {
      if (path === '/companies/current') return { body: { id: 'co_1' } };
      if (path === '/api_keys') return { body: { data: [null, { livemode: true, prefix: 'key_live' }] } };
      return undefined;
    });
    expect(await provider.resolveAccount(secret, deadline())).toEqual({ accountId: 'co_1', livemode: true });
  });

  it('counts a key whose four-character prefix the secret starts with as the key', async () => {
    const { provider } = conekta(({ path }) => {
      if (path === '/companies/current') return { body: { id: 'co_1' } };
      if (path === '/api_keys')
        return {
          body: {
            data: [
              { livemode: true, prefix: 'key_' },
              { livemode: false, prefix: 'key_other' },
            ],
          },
        };
      if (path === '/orders') return { body: { data: [{ id: 'o', livemode: false }] } };
      return undefined;
    });
    expect(await provider.resolveAccount(secret, deadline())).toEqual({ accountId: 'co_1', livemode: true });
  });

  it('says what is wrong with the company and the mode', async () => {
    const noCompany = conekta(({ path }) =>
      path === '/companies/current' ? { body: {} } : { body: { data: [{ livemode: false }] } },
    );
    expect((await rejection(noCompany.provider.resolveAccount(secret, deadline()))).message).toBe(
      'Conekta’s /companies/current answer has no usable company id.',
    );
    const noMode = conekta(({ path }) =>
      path === '/companies/current' ? { body: { id: 'co_1' } } : { body: { data: [] } },
    );
    expect((await rejection(noMode.provider.resolveAccount(secret, deadline()))).message).toBe(
      'Conekta did not say whether this key is a test or a live key (no api_keys match, no orders). ' +
        'Make one order with it in Conekta’s dashboard, or ask the operator.',
    );
  });

  it('lists the window once when no email narrows it, even finding nothing', async () => {
    const { provider, seen } = conekta(({ path }) =>
      path === '/orders' ? { body: { has_more: false, data: [] } } : undefined,
    );
    const found = await provider.findAttemptOrders(secret, {
      tag,
      createdFrom: 1,
      createdTo: 2,
      deadline: deadline(),
    });
    expect(found).toEqual({ orders: [], complete: true });
    expect(seen).toHaveLength(1);
    expect(seen[0]!.query).not.toHaveProperty('search');
  });

  it('says how to configure the webhook key', () => {
    const { provider } = conekta(() => undefined, { keys: () => '' });
    expect(() => provider.webhooks.verify(Buffer.from('{}'), { digest: 'x' })).toThrow(
      'No Conekta webhook public key is configured: set CONEKTA_WEBHOOK_PUBLIC_KEYS (npm run webhook-key).',
    );
  });
});
