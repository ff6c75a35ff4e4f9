// The knobs for behaviours Conekta's documentation allows: faults aimed at one operation, late
// payments, search semantics and paging, Idempotency-Key, answers that do not fit the request,
// 402 bodies that carry the order, token reuse, and the request log.
import { getContract } from '../../local/conekta-sandbox/contract.js';
import { type RunningSandbox, startConektaSandbox } from '../../local/conekta-sandbox/server.js';
import { type ConektaClient, conektaClient, type JsonBody } from '../../local/conekta-sandbox/testing.js';

const { contract } = getContract();
const logs: string[] = [];
let sandbox: RunningSandbox;
let keySeq = 0;
const T0 = 1_800_000_000;
let clock = T0;
const newKey = () => `key_knobs_${++keySeq}_${Date.now()}`;
const newClient = () => conektaClient(sandbox.url, newKey());

beforeAll(async () => {
  sandbox = await startConektaSandbox({ env: {}, log: (message) => logs.push(message), now: () => clock });
});

afterEach(async () => {
  clock += 1_000;
  await fetch(`${sandbox.url}/_sandbox/faults`, { method: 'DELETE' });
});

afterAll(async () => {
  await sandbox.stop();
  expect(logs.filter((line) => /CONTRACT VIOLATION|INTERNAL ERROR/.test(line))).toEqual([]);
});

const control = async (method: string, path: string, body?: unknown) => {
  const response = await fetch(`${sandbox.url}/_sandbox${path}`, {
    method,
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: await response.json() };
};
const setFaults = async (patch: Record<string, unknown>) => {
  const response = await control('POST', '/faults', patch);
  expect(response.status).toBe(200);
  return response.body;
};

const hosted = (extra: Record<string, unknown> = {}) => ({
  currency: 'MXN',
  customer_info: { name: 'Ana López', email: 'ana@example.com', phone: '5512345678' },
  line_items: [{ name: 'Taza', unit_price: 34_990, quantity: 1, sku: 'SKU-TAZA' }],
  metadata: { ref: `R-${Math.random()}` },
  checkout: { type: 'HostedPayment', name: 'Taza', allowed_payment_methods: ['card', 'cash'] },
  ...extra,
});
const withCharge = (payment_method: Record<string, unknown>, extra: Record<string, unknown> = {}) => {
  const { checkout: _checkout, ...order } = hosted(extra);
  return { ...order, charges: [{ payment_method, reference_id: `CHG-${Math.random()}` }] };
};
const card = (token = `tok_test_visa_4242_${Math.random().toString(36).slice(2)}`) => ({
  type: 'card',
  token_id: token,
});

async function create(client: ConektaClient, request: unknown = hosted()) {
  const response = await client.post('/orders', request);
  expect(response.status).toBe(200);
  return response.body;
}

const ids = (list: { data: { id: string }[] }) => list.data.map((o) => o.id);

describe('fault_match: faults aimed at one operation', () => {
  test('drop only the refund answer after the refund happened; the GET before it succeeds', async () => {
    const client = newClient();
    const paid = await create(client, withCharge(card()));
    await setFaults({ fault_match: 'orderRefund', drop_next: 1, fault_after_processing: true });
    expect((await client.get(`/orders/${paid.id}`)).status).toBe(200);
    await expect(
      client.post(`/orders/${paid.id}/refunds`, { amount: paid.amount, reason: 'requested_by_client' }),
    ).rejects.toThrow(/fetch failed/);
    const after = await client.get(`/orders/${paid.id}`);
    expect(after.body).toMatchObject({ payment_status: 'refunded', amount_refunded: paid.amount });
    expect((await control('GET', '/faults')).body).toMatchObject({
      drop_next: 0,
      fault_match: 'orderRefund',
    });
  });

  test('a 500 on the cancel after it canceled (METHOD /path/template form)', async () => {
    const client = newClient();
    const order = await create(client);
    await setFaults({
      fault_match: 'POST /orders/{id}/cancel',
      fail_next: 1,
      fault_after_processing: true,
    });
    const canceled = await client.post(`/orders/${order.id}/cancel`);
    expect(canceled.status).toBe(500);
    expect(contract.checkResponse('CancelOrder', 500, canceled.body)).toEqual([]);
    expect((await client.get(`/orders/${order.id}`)).body.payment_status).toBe('canceled');
  });

  test('without fault_after_processing the aimed fault happens before the work', async () => {
    const client = newClient();
    const paid = await create(client, withCharge(card()));
    await setFaults({ fault_match: 'orderRefund', fail_next: 1 });
    const refund = await client.post(`/orders/${paid.id}/refunds`, { amount: 100, reason: 'other' });
    expect(refund.status).toBe(500);
    expect((await client.get(`/orders/${paid.id}`)).body.payment_status).toBe('paid');
  });

  test('calls of other operations neither take the fault nor use it up', async () => {
    const client = newClient();
    await setFaults({ fault_match: 'getOrderById', hang_next: 1, fail_next: 2 });
    const order = await create(client);
    expect((await client.get('/orders')).status).toBe(200);
    expect((await control('GET', '/faults')).body).toMatchObject({ hang_next: 1, fail_next: 2 });
    const abort = new AbortController();
    const hung = fetch(`${sandbox.url}/orders/${order.id}`, {
      headers: { authorization: `Bearer ${newKey()}`, accept: 'application/vnd.conekta-v2.3.0+json' },
      signal: abort.signal,
    }).catch((error: Error) => error);
    // the knob is used up once the aimed call has arrived
    while ((await control('GET', '/faults')).body.hang_next > 0) await new Promise((r) => setTimeout(r, 10));
    abort.abort();
    expect(((await hung) as Error).name).toBe('AbortError');
    expect((await client.get(`/orders/${order.id}`)).status).toBe(500);
  });
});

describe('late payment: POST /_sandbox/orders/{id}/pay_late', () => {
  test('cash paid at the store after the order expired: its voucher becomes paid, order.paid is sent', async () => {
    const client = newClient();
    const order = await create(client);
    await control('POST', `/orders/${order.id}/pay_cash_pending`);
    const expired = await control('POST', `/orders/${order.id}/expire`);
    expect(expired.body.charges.data[0].status).toBe('expired');
    clock += 3 * 3_600;
    const late = await control('POST', `/orders/${order.id}/pay_late`, { method: 'cash' });
    expect(late.status).toBe(200);
    expect(contract.checkSchema('order_response', late.body)).toEqual([]);
    expect(late.body).toMatchObject({ payment_status: 'paid', is_refundable: true, updated_at: clock });
    expect(late.body.charges.data).toHaveLength(1);
    expect(late.body.charges.data[0]).toMatchObject({
      id: expired.body.charges.data[0].id,
      status: 'paid',
      paid_at: clock,
      payment_method: { object: 'cash_payment' },
    });
    const events = await client.get(`/events?search=${order.id}`);
    expect(events.body.data.map((e: { type: string }) => e.type)[0]).toBe('order.paid');
  });

  test('a canceled order paid by card afterwards gets a new paid card charge', async () => {
    const client = newClient();
    const order = await create(client);
    expect((await client.post(`/orders/${order.id}/cancel`)).status).toBe(200);
    const late = await control('POST', `/orders/${order.id}/pay_late`, { method: 'card' });
    expect(late.body.payment_status).toBe('paid');
    expect(late.body.charges.data).toEqual([
      expect.objectContaining({
        status: 'paid',
        payment_method: expect.objectContaining({ object: 'card_payment' }),
      }),
    ]);
  });

  test('an expired order without a voucher, paid late in cash (default method)', async () => {
    const client = newClient();
    const order = await create(client);
    await control('POST', `/orders/${order.id}/expire`);
    const late = await control('POST', `/orders/${order.id}/pay_late`);
    expect(late.body.charges.data[0]).toMatchObject({
      status: 'paid',
      payment_method: { object: 'cash_payment' },
    });
  });

  test('only expired or canceled orders can be paid late; the method is checked', async () => {
    const client = newClient();
    const order = await create(client);
    const refused = await control('POST', `/orders/${order.id}/pay_late`, { method: 'cash' });
    expect(refused).toMatchObject({ status: 409, body: { message: /needs expired or canceled/ } });
    await control('POST', `/orders/${order.id}/expire`);
    expect((await control('POST', `/orders/${order.id}/pay_late`, { method: 'spei' })).status).toBe(400);
    expect((await control('POST', '/orders/ord_nope/pay_late', {})).status).toBe(404);
  });
});

describe('search_mode and the GET /orders filters', () => {
  /** Four orders one minute apart: hosted, paid card, pending cash, declined card. */
  async function seed(client: ConektaClient, email: string) {
    const start = clock;
    const customer = { name: 'Ana López', email, phone: '5512345678' };
    const made = [];
    for (const request of [
      hosted({ customer_info: customer, metadata: { ref: 'R-hosted' } }),
      withCharge(card(), { customer_info: customer, metadata: { ref: 'R-card' } }),
      withCharge({ type: 'cash' }, { customer_info: customer, metadata: { ref: 'R-cash' } }),
      withCharge(card('tok_test_card_declined'), {
        customer_info: customer,
        metadata: { ref: 'R-declined' },
      }),
    ]) {
      clock += 60;
      const response = await client.post('/orders', request);
      const body = response.status === 402 ? undefined : response.body;
      made.push({ request, body });
    }
    const all = (await client.get('/orders')).body.data;
    return { start, all, made };
  }

  test('metadata (default): search matches metadata values, the email and the id', async () => {
    const client = newClient();
    const { all } = await seed(client, 'meta@example.com');
    expect(ids((await client.get('/orders?search=R-cash')).body)).toEqual([all[1].id]);
    expect((await client.get('/orders?search=META@example.com')).body.data).toHaveLength(4);
    expect(ids((await client.get(`/orders?search=${all[0].id}`)).body)).toEqual([all[0].id]);
  });

  test('documented: the email, the id, a charge reference and a line item sku; not metadata', async () => {
    const client = newClient();
    const { all, made } = await seed(client, 'doc@example.com');
    await setFaults({ search_mode: 'documented' });
    expect((await client.get('/orders?search=R-cash')).body.data).toEqual([]);
    expect((await client.get('/orders?search=doc@example.com')).body.data).toHaveLength(4);
    expect(ids((await client.get(`/orders?search=${all[3].id}`)).body)).toEqual([all[3].id]);
    const cash = made[2]?.request as { charges: { reference_id: string }[] };
    expect(ids((await client.get(`/orders?search=${cash.charges[0]?.reference_id}`)).body)).toEqual([
      all[1].id,
    ]);
    const voucher = all[1].charges.data[0].payment_method.reference;
    expect(ids((await client.get(`/orders?search=${voucher}`)).body)).toEqual([all[1].id]);
    expect((await client.get('/orders?search=sku-taza')).body.data).toHaveLength(4);
  });

  test('ignored: search has no effect, the other filters still apply', async () => {
    const client = newClient();
    await seed(client, 'ign@example.com');
    await setFaults({ search_mode: 'ignored' });
    expect((await client.get('/orders?search=nobody@example.com')).body.data).toHaveLength(4);
    const paid = await client.get('/orders?search=nobody@example.com&payment_status=paid');
    expect(paid.body.data).toHaveLength(1);
  });

  test.each(['metadata', 'documented', 'ignored'])(
    '%s: the recovery query (created_at window, search by email, limit, next) pages exactly',
    async (mode) => {
      const client = newClient();
      const { start, all } = await seed(client, `page-${mode}@example.com`);
      await setFaults({ search_mode: mode });
      // the window holds the 2nd and 3rd orders only (created at start+120 and start+180)
      const gte = start + 120;
      const lte = start + 180;
      let path = `/orders?created_at.gte=${gte}&created_at.lte=${lte}&search=page-${mode}@example.com&limit=1`;
      const seen: string[] = [];
      for (let page = 0; page < 5; page++) {
        const response = await client.get(path);
        expect(response.status).toBe(200);
        expect(contract.checkResponse('getOrders', 200, response.body)).toEqual([]);
        seen.push(...ids(response.body));
        if (!response.body.has_more) break;
        const next = new URL(response.body.next_page_url);
        expect(next.searchParams.get('created_at.gte')).toBe(String(gte));
        expect(next.searchParams.get('search')).toBe(`page-${mode}@example.com`);
        path = `${next.pathname}${next.search}`;
      }
      expect(seen).toEqual([all[1].id, all[2].id]);
      const exact = await client.get(`/orders?created_at=${start + 60}`);
      expect(ids(exact.body)).toEqual([all[3].id]);
    },
  );

  test('limit 250 is the maximum; next and previous walk both ways with limit 250', async () => {
    const client = newClient();
    const { all } = await seed(client, 'lim@example.com');
    expect((await client.get('/orders?limit=251')).status).toBe(422);
    const page = await client.get('/orders?limit=250');
    expect(page.body).toMatchObject({ has_more: false });
    expect(page.body.data).toHaveLength(4);
    const second = await client.get(`/orders?limit=2&next=${all[1].id}`);
    expect(ids(second.body)).toEqual([all[2].id, all[3].id]);
    const back = await client.get(`/orders?limit=2&previous=${all[2].id}`);
    expect(ids(back.body)).toEqual([all[0].id, all[1].id]);
    expect((await client.get('/orders?limit=2&next=ord_unknown')).body.data).toEqual([]);
  });

  test('a next cursor still works when its order no longer matches the filter', async () => {
    const client = newClient();
    const older = await create(client, withCharge(card()));
    clock += 1;
    const newer = await create(client, withCharge(card()));
    const first = await client.get('/orders?payment_status=paid&limit=1');
    expect(ids(first.body)).toEqual([newer.id]);
    // between two pages, the cursor's own order is refunded and leaves the filter
    await client.post(`/orders/${newer.id}/refunds`, { amount: newer.amount, reason: 'other' });
    const next = new URL(first.body.next_page_url);
    const rest = await client.get(`${next.pathname}${next.search}`);
    expect(ids(rest.body)).toEqual([older.id]);
  });

  test('last_payment_info.status filters on the newest charge status', async () => {
    const client = newClient();
    const { all } = await seed(client, 'last@example.com');
    const by = async (status: string) =>
      ids((await client.get(`/orders?last_payment_info.status=${status}`)).body);
    expect(await by('pending_payment')).toEqual([all[1].id]);
    expect(await by('paid')).toEqual([all[2].id]);
    expect(await by('declined')).toEqual([all[0].id]);
    await client.post(`/orders/${all[2].id}/refunds`, { amount: 100, reason: 'other' });
    expect(await by('partially_refunded')).toEqual([all[2].id]);
  });
});

describe('idempotency', () => {
  const post = (client: ConektaClient, request: unknown, key: string) =>
    client.post('/orders', request, { 'idempotency-key': key });

  test('ignored (default): the same Idempotency-Key creates two orders', async () => {
    const client = newClient();
    const request = hosted();
    const first = await post(client, request, 'idem-1');
    const second = await post(client, request, 'idem-1');
    expect(first.body.id).not.toBe(second.body.id);
    expect((await client.get('/orders')).body.data).toHaveLength(2);
  });

  test('honoured: a retry returns the original answer and does nothing', async () => {
    const client = newClient();
    await setFaults({ idempotency: 'honoured' });
    const request = hosted();
    const first = await post(client, request, 'idem-2');
    const again = await post(client, { ...request, metadata: { ref: 'changed' } }, 'idem-2');
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect((await client.get('/orders')).body.data).toHaveLength(1);
    const other = await post(client, request, 'idem-3');
    expect(other.body.id).not.toBe(first.body.id);
    const log = await control('GET', '/requests?operation=createOrder');
    expect(log.body.data.filter((e: { idempotent_replay?: boolean }) => e.idempotent_replay)).toHaveLength(1);
  });

  test('honoured: errors are replayed too, with their status', async () => {
    const client = newClient();
    await setFaults({ idempotency: 'honoured' });
    const invalid = await post(client, { ...hosted(), currency: undefined }, 'idem-4');
    expect(invalid.status).toBe(422);
    const retried = await post(client, hosted(), 'idem-4');
    expect(retried).toMatchObject({ status: 422, body: invalid.body });
    expect((await client.get('/orders')).body.data).toEqual([]);
  });

  test('honoured: the answer lost after processing is what the retry gets', async () => {
    const client = newClient();
    await setFaults({ idempotency: 'honoured', drop_next: 1, fault_after_processing: true });
    const request = withCharge(card());
    await expect(post(client, request, 'idem-5')).rejects.toThrow(/fetch failed/);
    await setFaults({ fault_after_processing: false });
    const retried = await post(client, request, 'idem-5');
    expect(retried.status).toBe(200);
    expect(retried.body.payment_status).toBe('paid');
    expect(ids((await client.get('/orders')).body)).toEqual([retried.body.id]);
  });

  test('honoured: two concurrent requests with one key make one order', async () => {
    const client = newClient();
    await setFaults({ idempotency: 'honoured' });
    const request = hosted();
    const [a, b] = await Promise.all([post(client, request, 'idem-6'), post(client, request, 'idem-6')]);
    expect(a.body.id).toBe(b.body.id);
    expect((await client.get('/orders')).body.data).toHaveLength(1);
  });

  test('honoured: keys are per account, and GETs ignore the header', async () => {
    await setFaults({ idempotency: 'honoured' });
    const alice = newClient();
    const bob = newClient();
    const a = await post(alice, hosted(), 'shared');
    const b = await post(bob, hosted(), 'shared');
    expect(a.body.id).not.toBe(b.body.id);
    const list = await alice.get('/orders', { 'idempotency-key': 'shared' });
    expect(list.body.object).toBe('list');
  });
});

describe('misfit_next: answers that do not fit the request (the work is done right)', () => {
  test('other_amount: 10000 answered for 34990; the stored order is right', async () => {
    const client = newClient();
    await setFaults({ misfit_next: 'other_amount' });
    const answer = await create(client);
    expect(answer.amount).toBe(10_000);
    expect(contract.checkResponse('createOrder', 200, answer)).toEqual([]);
    expect((await client.get(`/orders/${answer.id}`)).body.amount).toBe(34_990);
    expect((await control('GET', '/faults')).body.misfit_next).toEqual([]);
  });

  test('other_order_id: the id of another order of the account, or a fresh one', async () => {
    const client = newClient();
    await setFaults({ misfit_next: ['other_order_id'] });
    const lonely = await create(client);
    const real = (await client.get('/orders')).body.data;
    expect(real).toHaveLength(1);
    expect(lonely.id).toMatch(/^ord_/);
    expect(lonely.id).not.toBe(real[0].id);
    await setFaults({ misfit_next: ['other_order_id'] });
    const second = await create(client);
    const both = ids((await client.get('/orders')).body);
    expect(both).toHaveLength(2);
    expect(second.id).toBe(both[1]); // the first order's id, while the new one is both[0]
  });

  const checks: [string, (answer: JsonBody) => void][] = [
    ['other_currency', (o) => expect(o.currency).toBe('USD')],
    ['no_checkout_url', (o) => expect(o.checkout).not.toHaveProperty('url')],
    ['no_metadata', (o) => expect(o).not.toHaveProperty('metadata')],
  ];
  test.each(checks)('%s', async (kind, check) => {
    const client = newClient();
    await setFaults({ misfit_next: kind });
    const answer = await create(client);
    check(answer);
    expect(contract.checkResponse('createOrder', 200, answer)).toEqual([]);
    const stored = (await client.get(`/orders/${answer.id}`)).body;
    expect(stored).toMatchObject({ currency: 'MXN', metadata: expect.any(Object) });
    expect(stored.checkout.url).toEqual(expect.any(String));
  });

  test('answers that cannot carry it (lists, errors, no checkout) leave it for the next one', async () => {
    const client = newClient();
    await setFaults({ misfit_next: ['no_checkout_url', 'other_amount'] });
    expect((await client.get('/orders')).status).toBe(200);
    expect((await client.post('/orders', { currency: 'MXN' })).status).toBe(422);
    const cardAnswer = await create(client, withCharge(card()));
    expect(cardAnswer.amount).toBe(34_990); // no checkout: no_checkout_url waits
    const hostedAnswer = await create(client);
    expect(hostedAnswer.checkout).not.toHaveProperty('url');
    expect((await control('GET', '/faults')).body.misfit_next).toEqual(['other_amount']);
  });

  test('with fault_match, only the aimed operation gets it', async () => {
    const client = newClient();
    await setFaults({ misfit_next: 'other_amount', fault_match: 'getOrderById' });
    const created = await create(client);
    expect(created.amount).toBe(34_990);
    expect((await client.get(`/orders/${created.id}`)).body.amount).toBe(10_000);
    expect((await client.get(`/orders/${created.id}`)).body.amount).toBe(34_990);
  });
});

describe('decline_body and token_reuse_status', () => {
  test('plain (default): a declined charge is a 402 without the order', async () => {
    const response = await newClient().post('/orders', withCharge(card('tok_test_card_declined')));
    expect(response.status).toBe(402);
    expect(response.body).not.toHaveProperty('data');
  });

  test('with_order: the 402 carries the declined order as data, spec-valid', async () => {
    const client = newClient();
    await setFaults({ decline_body: 'with_order' });
    const request = withCharge(card('tok_test_insufficient_funds'));
    const response = await client.post('/orders', request);
    expect(response.status).toBe(402);
    expect(contract.checkResponse('createOrder', 402, response.body)).toEqual([]);
    expect(response.body).toMatchObject({
      object: 'error',
      type: 'processing_error',
      data: { object: 'order', payment_status: 'declined', metadata: request.metadata },
    });
    expect((await client.get(`/orders/${response.body.data.id}`)).body).toEqual(response.body.data);
  });

  test('the contract still refuses a data that is not an order', () => {
    const body = { object: 'error', type: 'processing_error', log_id: 'x', details: [], data: { id: 5 } };
    expect(contract.checkResponse('createOrder', 402, body).map((p) => p.param)).toContain('data.id');
  });

  test.each([
    [402, 'processing_error', 'conekta.errors.processing.tokenization.used'],
    [422, 'parameter_validation_error', 'conekta.errors.parameter_validation.payment_method.token_id.used'],
  ])('token_reuse_status %s', async (status, type, code) => {
    const client = newClient();
    await setFaults({ token_reuse_status: status });
    const token = card();
    await create(client, withCharge(token));
    const reused = await client.post('/orders', withCharge(token), { 'accept-language': 'en' });
    expect(reused.status).toBe(status);
    expect(contract.checkResponse('createOrder', status, reused.body)).toEqual([]);
    expect(reused.body).toMatchObject({ type, details: [{ code, debug_message: /already been used/ }] });
    if (status === 422) {
      expect(reused.body.details[0]).toMatchObject({
        param: 'payment_method.token_id',
        message: 'The token has already been used.',
      });
    }
    expect((await client.get('/orders')).body.data).toHaveLength(1);
  });
});

describe('GET/DELETE /_sandbox/requests', () => {
  test('lists every API call with what was answered, filters, and never shows the key', async () => {
    await control('DELETE', '/requests');
    const key = newKey();
    const client = conektaClient(sandbox.url, key);
    const order = await create(client);
    await client.get(`/orders/${order.id}?client=woocommerce`);
    await client.get('/customers');
    await client.get('/orders', { authorization: '' });
    await setFaults({ drop_next: 1 });
    await expect(client.get('/orders')).rejects.toThrow(/fetch failed/);

    const all = await control('GET', '/requests');
    expect(JSON.stringify(all.body)).not.toContain(key);
    expect(all.body.data).toEqual([
      expect.objectContaining({ operation_id: 'createOrder', method: 'POST', path: '/orders', status: 200 }),
      expect.objectContaining({
        operation_id: 'getOrderById',
        path: `/orders/${order.id}`,
        query: { client: 'woocommerce' },
        status: 200,
        livemode: false,
      }),
      expect.objectContaining({ operation_id: null, path: '/customers', status: 404 }),
      expect.objectContaining({ operation_id: 'getOrders', status: 401, key_fingerprint: null }),
      expect.objectContaining({
        operation_id: 'getOrders',
        status: null,
        fault: 'drop',
        after_processing: false,
      }),
    ]);
    const fingerprints = new Set(
      all.body.data.map((e: { key_fingerprint: string | null }) => e.key_fingerprint),
    );
    expect(fingerprints.size).toBe(2); // the key's and null
    for (const entry of all.body.data) expect(entry.at).toEqual(expect.any(Number));

    expect((await control('GET', '/requests?operation=getOrders')).body.data).toHaveLength(2);
    expect((await control('GET', '/requests?method=post')).body.data).toHaveLength(1);
    expect((await control('GET', `/requests?path=/orders/${order.id}`)).body.data).toHaveLength(1);
    expect((await control('DELETE', '/requests')).body.data).toEqual([]);
    expect((await control('GET', '/requests')).body.data).toEqual([]);
  });
});

describe('Accept versions', () => {
  test.each(['2.0.0', '2.1.0', '2.2.0', '2.3.0'])('%s is served (with 2.3.0 bodies)', async (version) => {
    const response = await newClient().get('/orders', { accept: `application/vnd.conekta-v${version}+json` });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('vnd.conekta-v2.3.0+json');
  });

  test('an unpublished version is a 409', async () => {
    const response = await newClient().get('/orders', { accept: 'application/vnd.conekta-v2.4.0+json' });
    expect(response.status).toBe(409);
  });
});
