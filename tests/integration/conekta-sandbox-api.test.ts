// The sandbox's Conekta API over HTTP: every endpoint, each success and error outcome, and every
// response body checked against the spec's schema for that operation and status.
import { getContract } from '../../local/conekta-sandbox/contract.js';
import { type OperationId, SERVED_OPERATIONS } from '../../local/conekta-sandbox/operations.js';
import { type RunningSandbox, startConektaSandbox } from '../../local/conekta-sandbox/server.js';
import { type ConektaResponse, conektaClient } from '../../local/conekta-sandbox/testing.js';

const { contract } = getContract();
const logs: string[] = [];
let sandbox: RunningSandbox;
let keySeq = 0;
const newClient = () => conektaClient(sandbox.url, `key_api_${++keySeq}_${Date.now()}`);

/** Status, spec validity (for this operation and status) and, for errors, Conekta's shape. */
function expectAnswer(operationId: OperationId, response: ConektaResponse, status: number) {
  expect({ status: response.status, body: response.body }).toMatchObject({ status });
  expect(contract.checkResponse(operationId, response.status, response.body)).toEqual([]);
  expect(response.headers.get('content-type')).toContain('application/vnd.conekta-v2.3.0+json');
  if (status >= 400) {
    expect(response.body).toMatchObject({ object: 'error', log_id: expect.any(String) });
    expect(response.body.details.length).toBeGreaterThan(0);
    for (const detail of response.body.details) {
      expect(detail).toEqual({
        code: expect.any(String),
        message: expect.any(String),
        debug_message: expect.any(String),
        ...(detail.param === undefined ? {} : { param: expect.any(String) }),
      });
    }
  }
  return response.body;
}

const customer = { name: 'Juan Rosas', email: 'juan@example.com', phone: '5531431590' };
const items = [{ name: 'Playera bordada', unit_price: 12_345, quantity: 2 }];
const hosted = (extra: Record<string, unknown> = {}) => ({
  currency: 'MXN',
  customer_info: customer,
  line_items: items,
  metadata: { internal_order_id: `A-${Math.random()}` },
  checkout: {
    type: 'HostedPayment',
    name: 'Pedido A-1',
    allowed_payment_methods: ['card', 'cash'],
    success_url: 'https://shop.example.com/ok',
    failure_url: 'https://shop.example.com/fail',
  },
  ...extra,
});
const cardOrder = (token: string, extra: Record<string, unknown> = {}) => ({
  currency: 'MXN',
  customer_info: customer,
  line_items: items,
  metadata: { internal_order_id: `C-${Math.random()}` },
  charges: [{ payment_method: { type: 'card', token_id: token } }],
  ...extra,
});

beforeAll(async () => {
  sandbox = await startConektaSandbox({ env: {}, log: (message) => logs.push(message) });
});

afterAll(async () => {
  await sandbox.stop();
  // every response and event was checked by the server itself too
  expect(logs.filter((line) => /CONTRACT VIOLATION|INTERNAL ERROR/.test(line))).toEqual([]);
});

describe('auth and versions', () => {
  test('missing key: 401 authentication_error missing_key', async () => {
    const response = await newClient().get('/orders', { authorization: '' });
    const body = expectAnswer('getOrders', response, 401);
    expect(body).toMatchObject({
      type: 'authentication_error',
      details: [{ code: 'conekta.errors.authentication.missing_key' }],
    });
  });

  test.each([
    ['a malformed key', 'Bearer sk_test_123'],
    ['a non-bearer scheme', 'Token key_abc'],
    ['the default revoked key', 'Bearer key_revoked'],
  ])('%s: 401 authentication_error', async (_, authorization) => {
    const body = expectAnswer('getOrders', await newClient().get('/orders', { authorization }), 401);
    expect(body.type).toBe('authentication_error');
  });

  test('Basic auth with the key as user name works like Bearer, and is the same account', async () => {
    const key = `key_basic_${Date.now()}`;
    const bearer = conektaClient(sandbox.url, key);
    const created = expectAnswer('createOrder', await bearer.post('/orders', hosted()), 200);
    const basic = `Basic ${Buffer.from(`${key}:`).toString('base64')}`;
    const fetched = await bearer.get(`/orders/${created.id}`, { authorization: basic });
    expect(expectAnswer('getOrderById', fetched, 200).id).toBe(created.id);
  });

  test('revokedKeys option and CONEKTA_SANDBOX_REVOKED_KEYS env', async () => {
    const other = await startConektaSandbox({
      env: { CONEKTA_SANDBOX_REVOKED_KEYS: 'key_gone, key_old' },
      log: () => {},
    });
    try {
      const gone = await conektaClient(other.url, 'key_gone').get('/orders');
      expect(expectAnswer('getOrders', gone, 401).type).toBe('authentication_error');
      // the env list replaced the default one
      expect(
        expectAnswer('getOrders', await conektaClient(other.url, 'key_revoked').get('/orders'), 200).object,
      ).toBe('list');
    } finally {
      await other.stop();
    }
  });

  test.each([
    ['missing', ''],
    ['plain JSON', 'application/json'],
    ['malformed version', 'application/vnd.conekta-v2.3+json'],
    ['version 1', 'application/vnd.conekta-v1.0.0+json'],
  ])('Accept %s: 409 conflict_error', async (_, accept) => {
    const body = expectAnswer('getOrders', await newClient().get('/orders', { accept }), 409);
    expect(body).toMatchObject({
      type: 'conflict_error',
      details: [{ code: 'conekta.errors.conflict.api_version' }],
    });
  });

  test('older 2.x versions in Accept are accepted', async () => {
    const response = await newClient().get('/orders', { accept: 'application/vnd.conekta-v2.1.0+json' });
    expectAnswer('getOrders', response, 200);
  });

  test('Accept-Language en localizes message; debug_message stays English', async () => {
    const es = expectAnswer('getOrders', await newClient().get('/orders', { authorization: '' }), 401);
    const en = expectAnswer(
      'getOrders',
      await newClient().get('/orders', { authorization: '', 'accept-language': 'en' }),
      401,
    );
    expect(en.details[0].message).toBe('Please include your access key in your request.');
    expect(es.details[0].message).not.toBe(en.details[0].message);
    expect(es.details[0].debug_message).toBe(en.details[0].debug_message);
  });

  test('each key is its own account: orders of one key are 404 for another', async () => {
    const alice = newClient();
    const bob = newClient();
    const order = expectAnswer('createOrder', await alice.post('/orders', hosted()), 200);
    const body = expectAnswer('getOrderById', await bob.get(`/orders/${order.id}`), 404);
    expect(body).toMatchObject({
      type: 'resource_not_found_error',
      details: [{ code: 'conekta.errors.resource_not_found.entity' }],
    });
    expectAnswer('CancelOrder', await bob.post(`/orders/${order.id}/cancel`), 404);
    expect(expectAnswer('getOrders', await bob.get('/orders'), 200).data).toEqual([]);
    expect(
      expectAnswer('getOrders', await alice.get('/orders'), 200).data.map((o: { id: string }) => o.id),
    ).toEqual([order.id]);
  });

  test('an unknown route is Conekta-shaped 404', async () => {
    const response = await newClient().get('/customers');
    expect(response.status).toBe(404);
    expect(contract.checkSchema('error', response.body)).toEqual([]);
  });
});

describe('POST /orders', () => {
  test('hosted checkout order: checkout link on the sandbox, no payment yet', async () => {
    const request = hosted();
    const order = expectAnswer('createOrder', await newClient().post('/orders', request), 200);
    expect(order).toMatchObject({
      id: expect.stringMatching(/^ord_/),
      object: 'order',
      livemode: false,
      amount: 24_690,
      amount_refunded: 0,
      currency: 'MXN',
      metadata: request.metadata,
      created_at: expect.any(Number),
      updated_at: order.created_at,
      channel: { segment: 'Checkout', checkout_request_type: 'HostedPayment' },
      checkout: {
        id: expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/),
        object: 'checkout',
        type: 'HostedPayment',
        name: 'Pedido A-1',
        status: 'Issued',
        success_url: 'https://shop.example.com/ok',
        failure_url: 'https://shop.example.com/fail',
        allowed_payment_methods: ['card', 'cash'],
        expires_at: expect.any(Number),
      },
    });
    expect(order.checkout.url).toBe(`${sandbox.url}/checkout/${order.checkout.slug}`);
    expect(order.checkout.slug).toBe(order.checkout.id.replace(/-/g, ''));
    expect(order.channel.checkout_request_id).toBe(order.checkout.id);
    // spec forbids null here, so "not paid yet" is an absent field
    expect(order).not.toHaveProperty('payment_status');
    expect(order).not.toHaveProperty('charges');
    expect(order.line_items.data).toEqual([
      expect.objectContaining({ ...items[0], object: 'line_item', parent_id: order.id }),
    ]);
  });

  test('expires_at must be 5 minutes to 365 days ahead (spec)', async () => {
    const soon = Math.floor(Date.now() / 1000) + 60;
    const request = hosted();
    const body = expectAnswer(
      'createOrder',
      await newClient().post('/orders', { ...request, checkout: { ...request.checkout, expires_at: soon } }),
      422,
    );
    expect(body).toMatchObject({
      type: 'parameter_validation_error',
      details: [{ param: 'checkout.expires_at' }],
    });
  });

  test('card charge with tok_test_visa_4242: paid, with a paid card charge', async () => {
    const order = expectAnswer(
      'createOrder',
      await newClient().post('/orders', cardOrder('tok_test_visa_4242')),
      200,
    );
    expect(order).toMatchObject({ payment_status: 'paid', is_refundable: true });
    expect(order.charges.data).toEqual([
      expect.objectContaining({
        object: 'charge',
        status: 'paid',
        amount: 24_690,
        order_id: order.id,
        paid_at: expect.any(Number),
        payment_method: expect.objectContaining({
          object: 'card_payment',
          type: 'credit',
          brand: 'visa',
          last4: '4242',
        }),
      }),
    ]);
  });

  test('card charge with tok_test_mastercard_4444 pays with a mastercard', async () => {
    const order = expectAnswer(
      'createOrder',
      await newClient().post('/orders', cardOrder('tok_test_mastercard_4444')),
      200,
    );
    expect(order.payment_status).toBe('paid');
    expect(order.charges.data[0].payment_method).toMatchObject({ brand: 'mastercard', last4: '4444' });
  });

  test.each([
    [
      'tok_test_insufficient_funds',
      'conekta.errors.processing.charge.card_payment.insufficient_funds',
      'insufficient_funds',
    ],
    ['tok_test_card_declined', 'conekta.errors.processing.charge.card_payment.declined', 'card_declined'],
  ])('%s: 402 processing_error, and the declined order is kept', async (token, code, failureCode) => {
    const client = newClient();
    const request = cardOrder(token);
    const body = expectAnswer('createOrder', await client.post('/orders', request), 402);
    expect(body).toMatchObject({ type: 'processing_error', details: [{ code }] });
    const found = expectAnswer(
      'getOrders',
      await client.get(`/orders?search=${request.metadata.internal_order_id}`),
      200,
    );
    expect(found.data).toHaveLength(1);
    expect(found.data[0]).toMatchObject({ payment_status: 'declined', is_refundable: false });
    expect(found.data[0].charges.data[0]).toMatchObject({ status: 'declined', failure_code: failureCode });
  });

  test('a token used twice: 402 tokenization.used, and no second order', async () => {
    const client = newClient();
    expectAnswer('createOrder', await client.post('/orders', cardOrder('tok_test_visa_4242')), 200);
    const again = cardOrder('tok_test_visa_4242');
    const body = expectAnswer('createOrder', await client.post('/orders', again), 402);
    expect(body).toMatchObject({
      type: 'processing_error',
      details: [{ code: 'conekta.errors.processing.tokenization.used' }],
    });
    expect(expectAnswer('getOrders', await client.get('/orders'), 200).data).toHaveLength(1);
  });

  test('suffixed test tokens are fresh tokens of the same card', async () => {
    const client = newClient();
    for (const token of ['tok_test_visa_4242_a', 'tok_test_visa_4242_b']) {
      const order = expectAnswer('createOrder', await client.post('/orders', cardOrder(token)), 200);
      expect(order.payment_status).toBe('paid');
    }
  });

  test('unknown token: 422 nonexistent_token on payment_method.token_id', async () => {
    const body = expectAnswer(
      'createOrder',
      await newClient().post('/orders', cardOrder('tok_2897348234')),
      422,
    );
    expect(body).toMatchObject({
      type: 'parameter_validation_error',
      details: [
        {
          code: 'conekta.errors.parameter_validation.payment_method.token_id.nonexistent_token',
          param: 'payment_method.token_id',
        },
      ],
    });
  });

  test('unknown field foo: 422 whitelist with param foo', async () => {
    const body = expectAnswer(
      'createOrder',
      await newClient().post('/orders', { ...hosted(), foo: 'bar' }),
      422,
    );
    expect(body).toMatchObject({
      type: 'parameter_validation_error',
      details: [{ code: 'conekta.errors.parameter_validation.whitelist', param: 'foo' }],
    });
  });

  test('unknown fields deep inside (checkout, line item, oneOf branch) are named by dotted path', async () => {
    const request = cardOrder('tok_test_visa_4242');
    const body = expectAnswer(
      'createOrder',
      await newClient().post('/orders', {
        ...request,
        line_items: [{ ...items[0], colour: 'red' }],
        charges: [{ payment_method: { type: 'card', token_id: 'tok_test_visa_4242', pin: '1234' } }],
        customer_info: { ...customer, age: 40 },
      }),
      422,
    );
    expect(body.details.map((d: { param: string }) => d.param).sort()).toEqual([
      'charges.0.payment_method.pin',
      'customer_info.age',
      'line_items.0.colour',
    ]);
    expect(new Set(body.details.map((d: { code: string }) => d.code))).toEqual(
      new Set(['conekta.errors.parameter_validation.whitelist']),
    );
  });

  test('schema violations: one detail per problem, dotted params', async () => {
    const request = hosted();
    const body = expectAnswer(
      'createOrder',
      await newClient().post('/orders', {
        customer_info: { name: 'Juan', email: 'not-an-email', phone: '55' },
        line_items: [{ name: 'Playera', unit_price: -5, quantity: 1 }],
        checkout: { ...request.checkout, expires_at: 0 },
      }),
      422,
    );
    const byParam = Object.fromEntries(
      body.details.map((d: { param: string; code: string }) => [d.param, d.code]),
    );
    expect(byParam).toEqual({
      currency: 'conekta.errors.parameter_validation.currency.missing',
      'customer_info.email': 'conekta.errors.parameter_validation.customer_info.email.invalid',
      'line_items.0.unit_price': 'conekta.errors.parameter_validation.line_items.unit_price.invalid',
      'checkout.expires_at': 'conekta.errors.parameter_validation.checkout.expires_at.invalid',
    });
  });

  test('invalid JSON: 400 malformed_request_error', async () => {
    const response = await newClient().post('/orders', '{"currency": "MXN",');
    expect(response.status).toBe(400);
    expect(contract.checkSchema('error', response.body)).toEqual([]);
    expect(response.body).toMatchObject({ type: 'malformed_request_error' });
  });

  test('what the sandbox does not model is refused loudly, not faked', async () => {
    const body = expectAnswer(
      'createOrder',
      await newClient().post('/orders', cardOrder('tok_test_visa_4242', { pre_authorize: true })),
      422,
    );
    expect(body.details[0]).toMatchObject({
      code: 'conekta.errors.parameter_validation.sandbox.unsupported',
      param: 'pre_authorize',
    });
  });
});

describe('GET /orders and GET /orders/{id}', () => {
  test('list shape, search by metadata value, payment_status filter, limit and next page', async () => {
    const client = newClient();
    const first = expectAnswer(
      'createOrder',
      await client.post('/orders', hosted({ metadata: { ref: 'R-1' } })),
      200,
    );
    const paid = expectAnswer(
      'createOrder',
      await client.post('/orders', cardOrder('tok_test_visa_4242', { metadata: { ref: 'R-2' } })),
      200,
    );
    const third = expectAnswer(
      'createOrder',
      await client.post('/orders', hosted({ metadata: { ref: 'R-3' } })),
      200,
    );

    const all = expectAnswer('getOrders', await client.get('/orders'), 200);
    expect(all).toMatchObject({ object: 'list', has_more: false });
    expect(all.data.map((o: { id: string }) => o.id)).toEqual([third.id, paid.id, first.id]);

    const search = expectAnswer('getOrders', await client.get('/orders?search=R-1'), 200);
    expect(search.data.map((o: { id: string }) => o.id)).toEqual([first.id]);

    const byStatus = expectAnswer('getOrders', await client.get('/orders?payment_status=paid'), 200);
    expect(byStatus.data.map((o: { id: string }) => o.id)).toEqual([paid.id]);

    const page1 = expectAnswer('getOrders', await client.get('/orders?limit=2'), 200);
    expect(page1.has_more).toBe(true);
    expect(page1.data).toHaveLength(2);
    const next = new URL(page1.next_page_url);
    const page2 = expectAnswer('getOrders', await client.get(`${next.pathname}${next.search}`), 200);
    expect(page2.data.map((o: { id: string }) => o.id)).toEqual([first.id]);
    expect(page2.has_more).toBe(false);
  });

  test('limit outside 1..250: 422 on param limit', async () => {
    const body = expectAnswer('getOrders', await newClient().get('/orders?limit=0'), 422);
    expect(body.details[0]).toMatchObject({ param: 'limit' });
  });

  test('GET /orders/{id}: 200 and 404', async () => {
    const client = newClient();
    const order = expectAnswer('createOrder', await client.post('/orders', hosted()), 200);
    expect(expectAnswer('getOrderById', await client.get(`/orders/${order.id}`), 200)).toEqual(order);
    const missing = expectAnswer('getOrderById', await client.get('/orders/ord_doesnotexist'), 404);
    expect(missing.details[0].debug_message).toContain('ord_doesnotexist');
  });

  test('GET /orders with a bad key: 401', async () => {
    expectAnswer('getOrders', await newClient().get('/orders', { authorization: 'Bearer x' }), 401);
  });
});

describe('POST /orders/{id}/cancel', () => {
  test('an unpaid order cancels; a second cancel and a paid order are 428', async () => {
    const client = newClient();
    const order = expectAnswer('createOrder', await client.post('/orders', hosted()), 200);
    const canceled = expectAnswer('CancelOrder', await client.post(`/orders/${order.id}/cancel`), 200);
    expect(canceled.payment_status).toBe('canceled');
    expect(canceled.updated_at).toBeGreaterThanOrEqual(order.updated_at);
    const again = expectAnswer('CancelOrder', await client.post(`/orders/${order.id}/cancel`), 428);
    expect(again.type).toBe('precondition_required_error');

    const paid = expectAnswer(
      'createOrder',
      await client.post('/orders', cardOrder('tok_test_visa_4242')),
      200,
    );
    const refused = expectAnswer('CancelOrder', await client.post(`/orders/${paid.id}/cancel`), 428);
    expect(refused).toMatchObject({
      type: 'precondition_required_error',
      details: [
        { code: 'conekta.errors.precondition_required.combo.order.cannot_be_updated_because_has_charge' },
      ],
    });
  });

  test('404 for an unknown order, 401 without a key', async () => {
    expectAnswer('CancelOrder', await newClient().post('/orders/ord_nope/cancel'), 404);
    expectAnswer(
      'CancelOrder',
      await newClient().post('/orders/ord_nope/cancel', {}, { authorization: '' }),
      401,
    );
  });
});

describe('POST /orders/{id}/refunds', () => {
  test('partial then full refund; more than the rest is 422', async () => {
    const client = newClient();
    const order = expectAnswer(
      'createOrder',
      await client.post('/orders', cardOrder('tok_test_visa_4242')),
      200,
    );
    const partial = expectAnswer(
      'orderRefund',
      await client.post(`/orders/${order.id}/refunds`, { amount: 4_690, reason: 'requested_by_client' }),
      200,
    );
    expect(partial).toMatchObject({
      payment_status: 'partially_refunded',
      amount_refunded: 4_690,
      is_refundable: true,
    });
    expect(partial.charges.data[0]).toMatchObject({
      status: 'partially_refunded',
      refunds: { data: [{ amount: 4_690 }] },
    });

    const tooMuch = expectAnswer(
      'orderRefund',
      await client.post(`/orders/${order.id}/refunds`, { amount: 20_001, reason: 'other' }),
      422,
    );
    expect(tooMuch.details[0]).toMatchObject({ param: 'amount' });

    const full = expectAnswer(
      'orderRefund',
      await client.post(`/orders/${order.id}/refunds`, { amount: 20_000, reason: 'other' }),
      200,
    );
    expect(full).toMatchObject({ payment_status: 'refunded', amount_refunded: 24_690, is_refundable: false });
    expect(full.charges.data[0].refunds.data).toHaveLength(2);
  });

  test('refund of an unpaid order: 422', async () => {
    const client = newClient();
    const order = expectAnswer('createOrder', await client.post('/orders', hosted()), 200);
    const body = expectAnswer(
      'orderRefund',
      await client.post(`/orders/${order.id}/refunds`, { amount: 100, reason: 'other' }),
      422,
    );
    expect(body.type).toBe('parameter_validation_error');
  });

  test('body per spec: amount and reason required; unknown fields rejected', async () => {
    const client = newClient();
    const order = expectAnswer(
      'createOrder',
      await client.post('/orders', cardOrder('tok_test_visa_4242')),
      200,
    );
    const body = expectAnswer(
      'orderRefund',
      await client.post(`/orders/${order.id}/refunds`, { amount: 100, why: 'x' }),
      422,
    );
    expect(body.details.map((d: { param: string }) => d.param).sort()).toEqual(['reason', 'why']);
  });

  test('404 and 401', async () => {
    expectAnswer(
      'orderRefund',
      await newClient().post('/orders/ord_nope/refunds', { amount: 1, reason: 'other' }),
      404,
    );
    const noKey = await newClient().post(
      '/orders/ord_nope/refunds',
      { amount: 1, reason: 'other' },
      { authorization: '' },
    );
    expectAnswer('orderRefund', noKey, 401);
  });
});

describe('webhook keys and webhooks', () => {
  test('every account starts with the default key; POST /webhook_keys adds a newer one', async () => {
    const client = newClient();
    const initial = expectAnswer('getWebhookKeys', await client.get('/webhook_keys'), 200);
    expect(initial).toMatchObject({ object: 'list', has_more: false });
    expect(initial.data).toEqual([
      expect.objectContaining({
        object: 'webhook_key',
        active: true,
        livemode: false,
        public_key: sandbox.defaultWebhookPublicKeyPem,
      }),
    ]);
    const created = expectAnswer(
      'createWebhookKey',
      await client.post('/webhook_keys', { active: true }),
      200,
    );
    expect(created).toMatchObject({
      object: 'webhook_key',
      active: true,
      public_key: expect.stringContaining('BEGIN PUBLIC KEY'),
    });
    expect(created.public_key).not.toBe(sandbox.defaultWebhookPublicKeyPem);
    const listed = expectAnswer('getWebhookKeys', await client.get('/webhook_keys'), 200);
    expect(listed.data.map((k: { id: string }) => k.id)).toEqual([created.id, initial.data[0].id]);
  });

  test('POST /webhook_keys: unknown field 422, no key 401', async () => {
    const body = expectAnswer(
      'createWebhookKey',
      await newClient().post('/webhook_keys', { colour: 'x' }),
      422,
    );
    expect(body.details[0]).toMatchObject({
      param: 'colour',
      code: 'conekta.errors.parameter_validation.whitelist',
    });
    expectAnswer('createWebhookKey', await newClient().post('/webhook_keys', {}, { authorization: '' }), 401);
    expectAnswer('getWebhookKeys', await newClient().get('/webhook_keys', { authorization: '' }), 401);
  });

  test('POST /webhooks and GET /webhooks; localhost URLs are refused like the spec says', async () => {
    const client = newClient();
    const hook = expectAnswer(
      'createWebhook',
      await client.post('/webhooks', { url: 'https://hooks.example.com/conekta' }),
      200,
    );
    expect(hook).toMatchObject({
      object: 'webhook',
      url: 'https://hooks.example.com/conekta',
      status: 'listening',
      active: true,
    });
    const listed = expectAnswer('getWebhooks', await client.get('/webhooks'), 200);
    expect(listed.data).toEqual([hook]);
    for (const url of ['http://localhost:3000/webhooks/conekta', 'http://127.0.0.1:3000/webhooks/conekta']) {
      const body = expectAnswer('createWebhook', await client.post('/webhooks', { url }), 422);
      expect(body.details[0]).toMatchObject({ param: 'url' });
    }
    expectAnswer('createWebhook', await client.post('/webhooks', {}), 422);
    expectAnswer(
      'createWebhook',
      await client.post('/webhooks', { url: 'https://x.example.com', extra: 1 }),
      422,
    );
    expectAnswer(
      'createWebhook',
      await newClient().post('/webhooks', { url: 'https://x.example.com' }, { authorization: '' }),
      401,
    );
    expectAnswer('getWebhooks', await newClient().get('/webhooks', { authorization: '' }), 401);
  });

  test('at most 10 webhooks per account', async () => {
    const client = newClient();
    for (let i = 0; i < 10; i++) {
      expectAnswer(
        'createWebhook',
        await client.post('/webhooks', { url: `https://hooks${i}.example.com/c` }),
        200,
      );
    }
    expectAnswer(
      'createWebhook',
      await client.post('/webhooks', { url: 'https://hooks10.example.com/c' }),
      422,
    );
  });
});

describe('every operation', () => {
  const calls: [OperationId, string, string, unknown][] = [
    ['createOrder', 'POST', '/orders', hosted()],
    ['getOrders', 'GET', '/orders', undefined],
    ['getOrderById', 'GET', '/orders/ord_x', undefined],
    ['CancelOrder', 'POST', '/orders/ord_x/cancel', {}],
    ['orderRefund', 'POST', '/orders/ord_x/refunds', { amount: 1, reason: 'other' }],
    ['createWebhookKey', 'POST', '/webhook_keys', {}],
    ['getWebhookKeys', 'GET', '/webhook_keys', undefined],
    ['createWebhook', 'POST', '/webhooks', { url: 'https://hooks.example.com/x' }],
    ['getWebhooks', 'GET', '/webhooks', undefined],
    ['getWebhook', 'GET', '/webhooks/000000000000000000000000', undefined],
    ['testWebhook', 'POST', '/webhooks/000000000000000000000000/test', undefined],
    ['getEvents', 'GET', '/events', undefined],
    ['getEvent', 'GET', '/events/000000000000000000000000', undefined],
    ['resendEvent', 'POST', '/events/000000000000000000000000/resend', { webhooks_ids: ['x'] }],
    ['getCurrentCompany', 'GET', '/companies/current', undefined],
    ['getApiKeys', 'GET', '/api_keys', undefined],
  ];

  test('the table covers every operation the sandbox serves', () => {
    expect(calls.map(([id]) => id).sort()).toEqual(SERVED_OPERATIONS.map(({ id }) => id).sort());
  });

  test.each(calls)(
    '%s: 401 without a key, 409 without the version, 500 on an injected failure, all spec-valid',
    async (id, method, path, body) => {
      const client = newClient();
      expectAnswer(id, await client.request(method, path, body, { authorization: '' }), 401);
      expectAnswer(id, await client.request(method, path, body, { accept: 'application/json' }), 409);
      const fault = await fetch(`${sandbox.url}/_sandbox/faults`, {
        method: 'POST',
        body: JSON.stringify({ fail_next: 1 }),
      });
      expect(fault.status).toBe(200);
      const failed = expectAnswer(id, await client.request(method, path, body), 500);
      expect(failed.type).toBe('api_error');
    },
  );
});
