// Merchants as Conekta knows them: a company with test and live keys (GET /companies/current,
// GET /api_keys), and the controls that add, share and revoke keys.
import { getContract } from '../../local/conekta-sandbox/contract.js';
import { type RunningSandbox, startConektaSandbox } from '../../local/conekta-sandbox/server.js';
import { type ConektaClient, conektaClient, type JsonBody } from '../../local/conekta-sandbox/testing.js';

const { contract } = getContract();
const logs: string[] = [];
let sandbox: RunningSandbox;
let keySeq = 0;
const newKey = () => `key_co_${++keySeq}_${Date.now()}`;

beforeAll(async () => {
  sandbox = await startConektaSandbox({ env: {}, log: (message) => logs.push(message) });
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
  return { status: response.status, body: (await response.json()) as JsonBody };
};

const hosted = () => ({
  currency: 'MXN',
  customer_info: { name: 'Ana López', email: 'ana@example.com', phone: '5512345678' },
  line_items: [{ name: 'Taza', unit_price: 1_000, quantity: 1 }],
  checkout: { type: 'HostedPayment', name: 'Taza' },
});

async function company(client: ConektaClient) {
  const response = await client.get('/companies/current');
  expect(response.status).toBe(200);
  expect(contract.checkResponse('getCurrentCompany', 200, response.body)).toEqual([]);
  return response.body;
}

describe('GET /companies/current', () => {
  test('the company of the key, in the spec shape', async () => {
    const body = await company(conektaClient(sandbox.url, newKey()));
    expect(body).toEqual({
      id: expect.stringMatching(/^[0-9a-f]{24}$/),
      name: expect.stringMatching(/^Sandbox company /),
      active: true,
      account_status: 'activated',
      onboarding_status: 'completed',
      documents: [],
      created_at: expect.any(Number),
      object: 'company',
      three_ds_enabled: false,
    });
  });

  test('every unregistered key is its own company', async () => {
    const a = await company(conektaClient(sandbox.url, newKey()));
    const b = await company(conektaClient(sandbox.url, newKey()));
    expect(a.id).not.toBe(b.id);
  });

  test('401 without a key', async () => {
    const response = await conektaClient(sandbox.url, newKey()).get('/companies/current', {
      authorization: '',
    });
    expect(response.status).toBe(401);
    expect(contract.checkResponse('getCurrentCompany', 401, response.body)).toEqual([]);
  });
});

describe('keys of one company', () => {
  test('a second test key (same_company_as) sees the same company and the same orders', async () => {
    const first = newKey();
    const second = newKey();
    const firstClient = conektaClient(sandbox.url, first);
    const order = (await firstClient.post('/orders', hosted())).body;
    const added = await control('POST', '/keys', { key: second, same_company_as: first });
    expect(added.status).toBe(200);
    expect(JSON.stringify(added.body)).not.toContain(second);
    expect(added.body).toMatchObject({
      object: 'api_key',
      active: true,
      livemode: false,
      prefix: second.slice(0, 6),
      role: 'private',
      key_fingerprint: expect.stringMatching(/^sha256:[0-9a-f]{12}$/),
    });
    const secondClient = conektaClient(sandbox.url, second);
    expect((await company(secondClient)).id).toBe((await company(firstClient)).id);
    expect(added.body.company_id).toBe((await company(firstClient)).id);
    expect((await secondClient.get(`/orders/${order.id}`)).status).toBe(200);
  });

  test("a live key of the company sees only live orders, each order's livemode is its key's", async () => {
    const testKey = newKey();
    const liveKey = newKey();
    await control('POST', '/keys', { key: liveKey, same_company_as: testKey, livemode: true });
    const test = conektaClient(sandbox.url, testKey);
    const live = conektaClient(sandbox.url, liveKey);
    expect((await company(live)).id).toBe((await company(test)).id);

    const liveOrder = (await live.post('/orders', hosted())).body;
    expect(liveOrder).toMatchObject({ livemode: true, checkout: { livemode: true } });
    expect(contract.checkResponse('createOrder', 200, liveOrder)).toEqual([]);
    const testOrder = (await test.post('/orders', hosted())).body;
    expect(testOrder.livemode).toBe(false);
    const paid = await live.post('/orders', {
      ...hosted(),
      checkout: undefined,
      charges: [{ payment_method: { type: 'card', token_id: 'tok_test_visa_4242' } }],
    });
    expect(paid.body.charges.data[0].livemode).toBe(true);

    expect((await test.get(`/orders/${liveOrder.id}`)).status).toBe(404);
    expect((await live.get(`/orders/${testOrder.id}`)).status).toBe(404);
    expect((await live.get('/orders')).body.data.map((o: { id: string }) => o.id)).toEqual([
      paid.body.id,
      liveOrder.id,
    ]);
    expect((await test.get('/orders')).body.data.map((o: { id: string }) => o.id)).toEqual([testOrder.id]);
    // the token was used in live mode only
    const testPaid = await test.post('/orders', {
      ...hosted(),
      checkout: undefined,
      charges: [{ payment_method: { type: 'card', token_id: 'tok_test_visa_4242' } }],
    });
    expect(testPaid.status).toBe(200);

    const liveKeys = (await live.get('/webhook_keys')).body.data;
    expect(liveKeys.every((k: { livemode: boolean }) => k.livemode)).toBe(true);
    const hook = (await live.post('/webhooks', { url: 'https://hooks.example.com/live' })).body;
    expect(hook.livemode).toBe(true);
    const event = (await live.get(`/events?search=${liveOrder.id}`)).body.data[0];
    expect(event).toMatchObject({ livemode: true, data: { object: { livemode: true } } });
  });

  test('a revoked key answers 401; the other keys of the company still work', async () => {
    const kept = newKey();
    const gone = newKey();
    await control('POST', '/keys', { key: gone, same_company_as: kept });
    const revoked = await control('DELETE', `/keys/${gone}`);
    expect(revoked).toMatchObject({
      status: 200,
      body: { active: false, deactivated_at: expect.any(Number) },
    });
    const response = await conektaClient(sandbox.url, gone).get('/orders');
    expect(response.status).toBe(401);
    expect(response.body.details[0].code).toBe('conekta.errors.authentication.invalid_key');
    expect((await conektaClient(sandbox.url, kept).get('/orders')).status).toBe(200);
    const unseen = newKey();
    await control('DELETE', `/keys/${unseen}`);
    expect((await conektaClient(sandbox.url, unseen).get('/orders')).status).toBe(401);
  });

  test.each([
    [{ key: 'sk_test_1' }, 400, /well-formed/],
    [{ key: 'key_ok_1', same_company_as: 5 }, 400, /same_company_as/],
    [{ key: 'key_ok_2', livemode: 'yes' }, 400, /livemode must be a boolean/],
    [{ key: 'key_ok_3', colour: 'red' }, 400, /Unknown field colour/],
  ])('POST /_sandbox/keys %j is refused', async (body, status, message) => {
    const response = await control('POST', '/keys', body);
    expect(response.status).toBe(status);
    expect(response.body.message).toMatch(message);
  });

  test('a key already known cannot be added again', async () => {
    const key = newKey();
    await conektaClient(sandbox.url, key).get('/orders');
    const again = await control('POST', '/keys', { key });
    expect(again.status).toBe(409);
    expect(again.body.message).not.toContain(key);
  });
});

describe('GET /api_keys', () => {
  test("the company's keys, both modes, newest first, never the key itself", async () => {
    const first = newKey();
    const live = newKey();
    const rotated = newKey();
    await control('POST', '/keys', { key: first });
    await control('POST', '/keys', { key: live, same_company_as: first, livemode: true });
    await control('POST', '/keys', { key: rotated, same_company_as: first });
    await control('DELETE', `/keys/${first}`);
    const client = conektaClient(sandbox.url, rotated);
    const response = await client.get('/api_keys');
    expect(response.status).toBe(200);
    expect(contract.checkResponse('getApiKeys', 200, response.body)).toEqual([]);
    const text = JSON.stringify(response.body);
    for (const key of [first, live, rotated]) expect(text).not.toContain(key);
    expect(response.body).toMatchObject({ object: 'list', has_more: false });
    expect(response.body.data).toEqual([
      expect.objectContaining({
        object: 'api_key',
        active: true,
        livemode: false,
        prefix: 'key_co',
        role: 'private',
      }),
      expect.objectContaining({ active: true, livemode: true }),
      expect.objectContaining({ active: false, livemode: false, deactivated_at: expect.any(Number) }),
    ]);
    for (const entry of response.body.data) {
      expect(entry).toEqual({
        id: expect.stringMatching(/^[0-9a-f]{24}$/),
        object: 'api_key',
        active: expect.any(Boolean),
        livemode: expect.any(Boolean),
        prefix: 'key_co',
        role: 'private',
        created_at: expect.any(Number),
        ...(entry.active ? {} : { deactivated_at: expect.any(Number) }),
      });
    }

    const page = await client.get('/api_keys?limit=2');
    expect(page.body).toMatchObject({ has_more: true });
    const next = new URL(page.body.next_page_url);
    const rest = await client.get(`${next.pathname}${next.search}`);
    expect(rest.body.data.map((k: { id: string }) => k.id)).toEqual([response.body.data[2].id]);

    const byId = await client.get(`/api_keys?search=${response.body.data[1].id}`);
    expect(byId.body.data).toEqual([response.body.data[1]]);
    expect((await client.get('/api_keys?search=key_co')).body.data).toHaveLength(3);
    expect((await client.get('/api_keys?search=key_zz')).body.data).toEqual([]);
  });
});
