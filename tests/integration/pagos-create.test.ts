/**
 * POST /pagos action "create" over HTTP: the real handler, DynamoDB Local and the Conekta
 * sandbox. Issue 3's acceptance points, one by one.
 */
import { randomUUID } from 'node:crypto';
import { type PagosStack, startPagosStack } from '../support/pagos-stack.js';

let stack: PagosStack;
beforeAll(async () => {
  stack = await startPagosStack('create', { env: { CONEKTA_TIMEOUT_MS: '800', IN_FLIGHT_WAIT_MS: '5000' } });
});
afterAll(() => stack.stop());
afterEach(() => stack.sandboxControl('DELETE', '/_sandbox/faults'));

const newSecret = () => `key_test_${randomUUID().replaceAll('-', '')}`;
const seed = (secret: string, overrides: Record<string, unknown> = {}) => ({
  provider: 'conekta',
  action: 'create',
  secret,
  reference_id: '6588',
  amount: 1000,
  return_url: 'http://template.pow.la',
  notification_url: 'https://shop.example.com/pagos/notify',
  first_name: 'andres',
  last_name: 'jaro',
  email: 'andres@example.com',
  ...overrides,
});

describe('the seed request', () => {
  it('answers Conekta’s order with the payment link, and records reference -> order', async () => {
    const secret = newSecret();
    const res = await stack.pagos(seed(secret));
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      object: 'order',
      amount: 100000,
      currency: 'MXN',
      customer_info: { name: 'andres jaro', email: 'andres@example.com' },
      line_items: { data: [{ name: '6588', unit_price: 100000, quantity: 1 }] },
      metadata: { reference_id: '6588' },
      checkout: {
        type: 'HostedPayment',
        success_url: 'http://template.pow.la/conekta/conekta_order',
        failure_url: 'http://template.pow.la/conekta/conekta_order',
        allowed_payment_methods: ['card', 'cash', 'bank_transfer'],
      },
    });
    const page = await fetch(res.json.checkout.url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('1,000.00');

    const record = await stack.record(secret, '6588');
    expect(record).toMatchObject({
      status: 'created',
      orderId: res.json.id,
      checkoutUrl: res.json.checkout.url,
      amountCents: 100000,
      currency: 'MXN',
      notificationUrl: 'https://shop.example.com/pagos/notify',
      kind: 'link',
    });
  });

  it('sent again returns the same order; the sandbox holds one', async () => {
    const secret = newSecret();
    const first = await stack.pagos(seed(secret));
    const again = await stack.pagos(seed(secret));
    expect(again.status).toBe(200);
    expect(again.json).toEqual(first.json);
    expect(await stack.sandboxOrders(secret, '6588')).toHaveLength(1);
  });

  it('20 concurrent identical requests make exactly one order and no 5xx', async () => {
    const secret = newSecret();
    await stack.sandboxControl('POST', '/_sandbox/faults', { latency_ms: 300 });
    const answers = await Promise.all(Array.from({ length: 20 }, () => stack.pagos(seed(secret))));
    expect(answers.filter((a) => a.status >= 500)).toEqual([]);
    const ok = answers.filter((a) => a.status === 200);
    expect(ok.length).toBeGreaterThan(0);
    expect(new Set(ok.map((a) => a.json.id)).size).toBe(1);
    for (const a of answers.filter((x) => x.status !== 200)) {
      expect(a).toMatchObject({ status: 409, json: { error: { code: 'request_in_progress' } } });
      expect(a.headers.get('retry-after')).toBe('1');
    }
    expect(await stack.sandboxOrders(secret, '6588')).toHaveLength(1);
  });

  it.each([
    ['amount', { amount: 1001 }],
    ['email', { email: 'otro@example.com' }],
    ['currency', { currency: 'USD' }],
    ['return_url', { return_url: 'https://elsewhere.example.com' }],
  ])('a changed %s gives 409 reference_conflict', async (_field, change) => {
    const secret = newSecret();
    await stack.pagos(seed(secret));
    const res = await stack.pagos(seed(secret, change));
    expect(res).toMatchObject({ status: 409, json: { error: { code: 'reference_conflict' } } });
    expect(await stack.sandboxOrders(secret, '6588')).toHaveLength(1);
  });
});

describe('bad input', () => {
  it('a request missing three fields lists all three', async () => {
    const { amount: _a, email: _e, first_name: _f, ...body } = seed(newSecret());
    const res = await stack.pagos(body);
    expect(res.status).toBe(400);
    expect(res.json.error.code).toBe('invalid_request');
    expect(res.json.error.details.map((d: { field: string }) => d.field).sort()).toEqual([
      'amount',
      'email',
      'first_name',
    ]);
  });

  it.each([
    ['amount', '10.075'],
    ['amount', 0],
    ['amount', -5],
    ['amount', '1e3'],
    ['amount', 'NaN'],
    ['email', 'andres'],
    ['return_url', 'template.pow.la'],
    ['notification_url', 'ftp://shop.example.com'],
    ['currency', 'EUR'],
    ['expires_in_days', 31],
    ['reference_id', 'x'.repeat(250)],
    ['secret', 'sk_test_123'],
  ])('%s = %p answers 400 naming the field', async (field, value) => {
    const res = await stack.pagos(seed(newSecret(), { [field]: value }));
    expect(res.status).toBe(400);
    expect(res.json.error.details.map((d: { field: string }) => d.field)).toEqual([field]);
  });

  it('refuses numbers written with an exponent, in every field, where the runtime can see them', async () => {
    // Node 21+ (the Lambda's Node 24) exposes a number's source text; Node 20 reads 1e3 as 1000.
    const sourceVisible = Number(process.versions.node.split('.')[0]) >= 21;
    const amount = await stack.pagos(undefined, {
      raw: JSON.stringify(seed(newSecret())).replace('"amount":1000', '"amount":1e3'),
    });
    expect(amount.status).toBe(sourceVisible ? 400 : 200);
    if (sourceVisible)
      expect(amount.json.error.details).toEqual([
        { field: 'amount', message: expect.stringMatching(/exponent/) },
      ]);
    // A number where a string belongs stays wrong, exponent or not.
    const reference = await stack.pagos(undefined, {
      raw: JSON.stringify(seed(newSecret())).replace('"reference_id":"6588"', '"reference_id":1e+21'),
    });
    expect(reference.status).toBe(400);
    expect(reference.json.error.details.map((d: { field: string }) => d.field)).toEqual(['reference_id']);
  });

  it('never echoes the secret in an error', async () => {
    const secret = newSecret();
    const res = await stack.pagos(seed(secret, { email: 'nope' }));
    expect(JSON.stringify(res.json)).not.toContain(secret);
  });

  it.each([
    ['unsupported_provider', { provider: 'stripe' }, 'provider'],
    ['unsupported_action', { action: 'explode' }, 'action'],
  ])('answers 400 %s naming the supported ones', async (code, change, field) => {
    const res = await stack.pagos(seed(newSecret(), change));
    expect(res).toMatchObject({ status: 400, json: { error: { code, details: [{ field }] } } });
    expect(res.json.error.message).toMatch(
      field === 'provider' ? /conekta/ : /create, charge, status, refund, cancel/,
    );
  });

  it('answers 413 over 16 KiB, 415 for non-JSON, 400 for broken JSON or a non-object', async () => {
    const big = await stack.pagos(seed(newSecret(), { first_name: 'x'.repeat(17 * 1024) }));
    expect(big).toMatchObject({ status: 413, json: { error: { code: 'body_too_large' } } });
    const text = await stack.pagos(undefined, {
      raw: 'amount=1000',
      headers: { 'content-type': 'text/plain' },
    });
    expect(text).toMatchObject({ status: 415, json: { error: { code: 'unsupported_media_type' } } });
    const broken = await stack.pagos(undefined, { raw: '{"provider": "conekta",' });
    expect(broken).toMatchObject({ status: 400, json: { error: { code: 'invalid_json' } } });
    const list = await stack.pagos([seed(newSecret())]);
    expect(list).toMatchObject({ status: 400, json: { error: { code: 'invalid_request' } } });
  });
});

describe('Conekta failures', () => {
  const paysOnce = async (secret: string, reference: string) => {
    const later = await stack.pagos(seed(secret, { reference_id: reference }));
    expect(later.status).toBe(200);
    const orders = await stack.sandboxOrders(secret, reference);
    expect(orders).toHaveLength(1);
    expect(orders[0]?.id).toBe(later.json.id);
    expect((await stack.record(secret, reference))?.orderId).toBe(later.json.id);
  };

  it.each([
    [401, 'provider_authentication_error'],
    [422, 'provider_validation_error'],
    [500, 'provider_unavailable'],
  ])('Conekta %s gives the mapped error, and the same request later succeeds once', async (status, code) => {
    const secret = newSecret();
    const reference = `fail-${status}`;
    await stack.sandboxControl('POST', '/_sandbox/faults', { fail_next: 1, fail_next_status: status });
    const res = await stack.pagos(seed(secret, { reference_id: reference }));
    expect(res.status).toBe(status === 500 ? 502 : status);
    expect(res.json.error.code).toBe(code);
    expect(res.json.error.provider).toMatchObject({ name: 'conekta', status });
    if (status === 422) expect(res.json.error.details.length).toBeGreaterThan(0);
    await paysOnce(secret, reference);
  });

  it('a hang past the timeout gives 504, and the retry finds no second order', async () => {
    const secret = newSecret();
    await stack.sandboxControl('POST', '/_sandbox/faults', { hang_next: 1 });
    const res = await stack.pagos(seed(secret, { reference_id: 'hang-1' }));
    expect(res).toMatchObject({
      status: 504,
      json: { error: { code: 'provider_timeout', provider: { retry_safe: true } } },
    });
    expect((await stack.record(secret, 'hang-1'))?.outcomeUnknown).toBe(true);
    await paysOnce(secret, 'hang-1');
  });

  it('an answer lost after Conekta created the order: the retry adopts that order', async () => {
    const secret = newSecret();
    await stack.sandboxControl('POST', '/_sandbox/faults', { drop_next: 1, fault_after_processing: true });
    const res = await stack.pagos(seed(secret, { reference_id: 'drop-1' }));
    expect(res.status).toBe(502);
    expect(await stack.sandboxOrders(secret, 'drop-1')).toHaveLength(1);
    await paysOnce(secret, 'drop-1');
  });

  it('a timeout after Conekta created the order: the retry adopts that order', async () => {
    const secret = newSecret();
    await stack.sandboxControl('POST', '/_sandbox/faults', { hang_next: 1, fault_after_processing: true });
    expect((await stack.pagos(seed(secret, { reference_id: 'late-1' }))).status).toBe(504);
    await paysOnce(secret, 'late-1');
  });
});
