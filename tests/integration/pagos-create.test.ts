/**
 * POST /pagos action "create" over HTTP: the real handler, DynamoDB Local and the Conekta
 * sandbox. Issue 3's acceptance points, one by one.
 */
import { randomUUID } from 'node:crypto';
import { type PagosStack, startPagosStack } from '../support/pagos-stack.js';

let stack: PagosStack;
beforeAll(async () => {
  stack = await startPagosStack('create', {
    env: { CONEKTA_TIMEOUT_MS: '800', IN_FLIGHT_WAIT_MS: '5000', RECOVERY_SETTLE_MS: '1000' },
  });
});
afterAll(() => stack.stop());
afterEach(() => stack.sandboxControl('DELETE', '/_sandbox/faults'));

const newSecret = () => `key_test_${randomUUID().replaceAll('-', '')}`;
/** Faults aimed at order creation only (the key's first request also asks Conekta who it is). */
const createFault = (fault: Record<string, unknown>) =>
  stack.sandboxControl('POST', '/_sandbox/faults', { fault_match: 'createOrder', ...fault });
const settle = () => new Promise((r) => setTimeout(r, 1100));
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
    const attempt = Object.values(record!.attempts)[0]!;
    expect(record).toMatchObject({
      status: 'created',
      notificationUrl: 'https://shop.example.com/pagos/notify',
    });
    expect(attempt).toMatchObject({
      n: 1,
      kind: 'link',
      phase: 'recorded',
      orderId: res.json.id,
      checkoutUrl: res.json.checkout.url,
      amountCents: 100000,
      currency: 'MXN',
    });
    expect(res.json.metadata).toMatchObject({ pagos_attempt: attempt.id, pagos_merchant: record!.merchant });
  });

  it('sent again returns the same order; the sandbox holds one', async () => {
    const secret = newSecret();
    const first = await stack.pagos(seed(secret));
    const again = await stack.pagos(seed(secret));
    expect(again.status).toBe(200);
    // The stored copy: Conekta's order without the buyer's personal data.
    const { customer_info: _buyer, ...rest } = first.json;
    expect(again.json).toEqual(rest);
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
    ['reference_id', ''],
    ['reference_id', ' 6588'],
    ['reference_id', '6588\u200b'],
    ['reference_id', '６５８８'],
    ['metadata', { pagos_attempt: 'x' }],
    ['metadata', { ok: 5 }],
    ['secret', 'sk_test_123'],
  ])('%s = %p answers 400 naming the field', async (field, value) => {
    const res = await stack.pagos(seed(newSecret(), { [field]: value }));
    expect(res.status).toBe(400);
    expect(res.json.error.details.map((d: { field: string }) => d.field.split('.')[0])).toEqual([field]);
  });

  it('refuses numbers written with an exponent, in every field (the number’s source text is read)', async () => {
    const amount = await stack.pagos(undefined, {
      raw: JSON.stringify(seed(newSecret())).replace('"amount":1000', '"amount":1e3'),
    });
    expect(amount.status).toBe(400);
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

  it('refuses an amount with more than two decimals however it is written: 16 decimals are not two', async () => {
    const secret = newSecret();
    const res = await stack.pagos(undefined, {
      raw: JSON.stringify(seed(secret)).replace('"amount":1000', '"amount":10.0000000000000001'),
    });
    expect(res.status).toBe(400);
    expect(res.json.error.details.map((d: { field: string }) => d.field)).toEqual(['amount']);
    expect(await stack.sandboxOrders(secret, '6588')).toHaveLength(0);
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
      field === 'provider' ? /conekta/ : /create, charge, status, refund, cancel, list, signing_secret/,
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
    const record = await stack.record(secret, reference);
    expect(Object.values(record!.attempts).map((a) => a.orderId)).toEqual([later.json.id]);
  };

  it.each([
    [401, 'provider_authentication_error'],
    [422, 'provider_validation_error'],
  ])(
    'Conekta %s gives the mapped error, leaves nothing, and the same request later succeeds once',
    async (status, code) => {
      const secret = newSecret();
      const reference = `fail-${status}`;
      await createFault({ fail_next: 1, fail_next_status: status });
      const res = await stack.pagos(seed(secret, { reference_id: reference }));
      expect(res.status).toBe(status);
      expect(res.json.error.code).toBe(code);
      expect(res.json.error.provider).toMatchObject({ name: 'conekta', status, retry_safe: false });
      if (status === 422) expect(res.json.error.details.length).toBeGreaterThan(0);
      expect(await stack.record(secret, reference)).toBeUndefined();
      await paysOnce(secret, reference);
    },
  );

  it('Conekta 500 before creating anything: 502 retry-safe; once the call settled the retry creates one order', async () => {
    const secret = newSecret();
    await createFault({ fail_next: 1, fail_next_status: 500 });
    const res = await stack.pagos(seed(secret, { reference_id: 'fail-500' }));
    expect(res).toMatchObject({
      status: 502,
      json: { error: { code: 'provider_unavailable', provider: { retry_safe: true } } },
    });
    await settle();
    await paysOnce(secret, 'fail-500');
  });

  it('a 429 from Conekta is "not processed": the next request creates at once, without a search', async () => {
    const secret = newSecret();
    await createFault({ fail_next: 1, fail_next_status: 429 });
    const res = await stack.pagos(seed(secret, { reference_id: 'limited-1' }));
    expect(res).toMatchObject({
      status: 429,
      json: { error: { code: 'rate_limited', provider: { retry_safe: true } } },
    });
    await stack.sandboxControl('DELETE', '/_sandbox/requests');
    await paysOnce(secret, 'limited-1');
    const listed = await stack.sandboxControl('GET', '/_sandbox/requests?operation=getOrders');
    const recoveries = listed.json.data.filter(
      (r: { query: Record<string, string> }) => 'created_at.gte' in r.query,
    );
    expect(recoveries).toEqual([]);
  });

  it('a hang past the timeout gives 504; the retry finds nothing and, once settled, makes one order', async () => {
    const secret = newSecret();
    await createFault({ hang_next: 1 });
    const res = await stack.pagos(seed(secret, { reference_id: 'hang-1' }));
    expect(res).toMatchObject({
      status: 504,
      json: { error: { code: 'provider_timeout', provider: { retry_safe: true } } },
    });
    expect(Object.values((await stack.record(secret, 'hang-1'))!.attempts)[0]).toMatchObject({
      outcomeUnknown: true,
    });
    await settle();
    await paysOnce(secret, 'hang-1');
  });

  it('an answer lost after Conekta created the order: the retry adopts that order', async () => {
    const secret = newSecret();
    await createFault({ drop_next: 1, fault_after_processing: true });
    const res = await stack.pagos(seed(secret, { reference_id: 'drop-1' }));
    expect(res.status).toBe(502);
    expect(await stack.sandboxOrders(secret, 'drop-1')).toHaveLength(1);
    await paysOnce(secret, 'drop-1');
  });

  it('a timeout after Conekta created the order: the retry adopts that order', async () => {
    const secret = newSecret();
    await createFault({ hang_next: 1, fault_after_processing: true });
    expect((await stack.pagos(seed(secret, { reference_id: 'late-1' }))).status).toBe(504);
    await paysOnce(secret, 'late-1');
  });
});
