// Fault knobs on API calls (500, hang, drop, latency, after-processing) and a clean stop().
import { getContract } from '../../local/conekta-sandbox/contract.js';
import { type RunningSandbox, startConektaSandbox } from '../../local/conekta-sandbox/server.js';
import { conektaClient, startWebhookReceiver } from '../../local/conekta-sandbox/testing.js';

const { contract } = getContract();
const logs: string[] = [];
let sandbox: RunningSandbox;
let keySeq = 0;
const newClient = () => conektaClient(sandbox.url, `key_faults_${++keySeq}_${Date.now()}`);

beforeAll(async () => {
  sandbox = await startConektaSandbox({ env: {}, log: (message) => logs.push(message) });
});

afterEach(async () => {
  await fetch(`${sandbox.url}/_sandbox/faults`, { method: 'DELETE' });
});

afterAll(async () => {
  await sandbox.stop();
  expect(logs.filter((line) => /CONTRACT VIOLATION|INTERNAL ERROR/.test(line))).toEqual([]);
});

const faults = async (method: 'GET' | 'POST' | 'DELETE', body?: unknown, base = sandbox.url) => {
  const response = await fetch(`${base}/_sandbox/faults`, {
    method,
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: await response.json() };
};

const orderRequest = (ref: string) => ({
  currency: 'MXN',
  customer_info: { name: 'Ana López', email: 'ana@example.com', phone: '5512345678' },
  line_items: [{ name: 'Taza', unit_price: 50_000, quantity: 1 }],
  metadata: { ref },
  checkout: { type: 'HostedPayment', name: 'Taza' },
});

describe('/_sandbox/faults', () => {
  test('GET shows the knobs, POST merges a patch, DELETE resets', async () => {
    expect((await faults('GET')).body).toEqual({
      latency_ms: 0,
      fail_next: 0,
      fail_next_status: 500,
      hang_next: 0,
      drop_next: 0,
      fault_after_processing: false,
      fault_match: null,
      misfit_next: [],
      webhook_duplicates: 1,
      hold_webhooks: false,
      webhooks_enabled: true,
      webhook_signature_form: 'pkcs1-sha256',
      webhook_signature_encoding: 'base64',
      search_mode: 'metadata',
      idempotency: 'ignored',
      decline_body: 'plain',
      token_reuse_status: 402,
    });
    const patched = await faults('POST', { fail_next: 2, hold_webhooks: true });
    expect(patched).toMatchObject({ status: 200, body: { fail_next: 2, hold_webhooks: true, drop_next: 0 } });
    expect((await faults('DELETE')).body).toMatchObject({ fail_next: 0, hold_webhooks: false });
  });

  test.each([
    [{ fail_next: -1 }, /fail_next must be an integer >= 0/],
    [{ webhook_duplicates: 0 }, /webhook_duplicates must be an integer >= 1/],
    [{ hold_webhooks: 'yes' }, /hold_webhooks must be a boolean/],
    [{ fail_next_status: 418 }, /fail_next_status must be one of/],
    [{ fault_match: 'refundOrder' }, /fault_match must be null, an operationId or "METHOD \/path\/template"/],
    [{ fault_match: 'POST /orders/ord_1/refunds' }, /fault_match must be/],
    [{ misfit_next: 'wrong_everything' }, /misfit_next must be one of/],
    [{ misfit_next: 3 }, /misfit_next must be a misfit kind or a list/],
    [{ webhook_signature_form: 'hmac' }, /webhook_signature_form must be one of pkcs1-sha256/],
    [{ webhook_signature_encoding: 'hex' }, /webhook_signature_encoding must be one of/],
    [{ search_mode: 'fuzzy' }, /search_mode must be one of metadata, documented, ignored/],
    [{ idempotency: true }, /idempotency must be one of ignored, honoured/],
    [{ decline_body: 'full' }, /decline_body must be one of plain, with_order/],
    [{ token_reuse_status: 400 }, /token_reuse_status must be one of 402, 422/],
    [{ explode: true }, /Unknown fault explode/],
    [[1], /must be a JSON object/],
  ])('POST %j is 400', async (patch, message) => {
    const response = await faults('POST', patch);
    expect(response.status).toBe(400);
    expect(response.body.message).toMatch(message);
  });
});

describe('API faults', () => {
  test('fail_next N: the next N API calls answer 500 api_error (spec-valid), then normal again', async () => {
    await faults('POST', { fail_next: 2 });
    const client = newClient();
    for (let i = 0; i < 2; i++) {
      const failed = await client.get('/orders');
      expect(failed.status).toBe(500);
      expect(contract.checkResponse('getOrders', 500, failed.body)).toEqual([]);
      expect(failed.body).toMatchObject({
        type: 'api_error',
        details: [{ code: 'conekta.errors.api.system.general_failure' }],
      });
    }
    expect((await client.get('/orders')).status).toBe(200);
  });

  test.each([
    [401, 'authentication_error'],
    [402, 'processing_error'],
    [422, 'parameter_validation_error'],
    [503, 'api_error'],
  ])("fail_next_status %s: Conekta's error type for that status, spec-valid", async (status, type) => {
    await faults('POST', { fail_next: 1, fail_next_status: status });
    const client = newClient();
    const failed = await client.post('/orders', orderRequest(`status-${status}`));
    expect(failed.status).toBe(status);
    expect(contract.checkResponse('createOrder', status, failed.body)).toEqual([]);
    expect(failed.body).toMatchObject({
      object: 'error',
      type,
      details: [{ code: expect.stringMatching(/sandbox_fault|general_failure/) }],
    });
    expect((await client.post('/orders', orderRequest(`status-${status}`))).status).toBe(200);
  });

  test('a failed create did not happen (fault before processing)', async () => {
    await faults('POST', { fail_next: 1 });
    const client = newClient();
    expect((await client.post('/orders', orderRequest('before'))).status).toBe(500);
    expect((await client.get('/orders?search=before')).body.data).toEqual([]);
  });

  test('drop_next: the connection is destroyed without an answer', async () => {
    await faults('POST', { drop_next: 1 });
    const client = newClient();
    await expect(client.get('/orders')).rejects.toThrow(/fetch failed/);
    expect((await client.get('/orders')).status).toBe(200);
  });

  test('hang_next: no answer ever comes (client gives up); the next call is normal', async () => {
    await faults('POST', { hang_next: 1 });
    const client = newClient();
    const hung = fetch(`${sandbox.url}/orders`, {
      headers: { authorization: 'Bearer key_hang', accept: 'application/vnd.conekta-v2.3.0+json' },
      signal: AbortSignal.timeout(300),
    });
    await expect(hung).rejects.toThrow(/aborted|timeout/i);
    expect((await client.get('/orders')).status).toBe(200);
  });

  test('latency_ms delays API calls (a client timeout far below it fires); control endpoints are not delayed', async () => {
    await faults('POST', { latency_ms: 5_000 });
    const slow = fetch(`${sandbox.url}/orders`, {
      headers: { authorization: 'Bearer key_slow', accept: 'application/vnd.conekta-v2.3.0+json' },
      signal: AbortSignal.timeout(200),
    });
    await expect(slow).rejects.toThrow(/aborted|timeout/i);
    expect((await faults('GET')).body.latency_ms).toBe(5_000);
    await faults('POST', { latency_ms: 0 });
    expect((await newClient().get('/orders')).status).toBe(200);
  });

  test('fault_after_processing: the order is created although the client saw a dropped connection or a 500', async () => {
    const client = newClient();
    await faults('POST', { drop_next: 1, fault_after_processing: true });
    await expect(client.post('/orders', orderRequest('after-drop'))).rejects.toThrow(/fetch failed/);
    await faults('POST', { fail_next: 1 });
    expect((await client.post('/orders', orderRequest('after-fail'))).status).toBe(500);
    await faults('POST', { fault_after_processing: false });
    for (const ref of ['after-drop', 'after-fail']) {
      const found = await client.get(`/orders?search=${ref}`);
      expect({ ref, count: found.body.data.length }).toEqual({ ref, count: 1 });
    }
  });

  test('faults from env (CONEKTA_SANDBOX_FAIL_NEXT) and from the faults option', async () => {
    const fromEnv = await startConektaSandbox({ env: { CONEKTA_SANDBOX_FAIL_NEXT: '1' }, log: () => {} });
    const fromOption = await startConektaSandbox({ env: {}, faults: { drop_next: 1 }, log: () => {} });
    try {
      const envClient = conektaClient(fromEnv.url, 'key_env');
      expect((await envClient.get('/orders')).status).toBe(500);
      expect((await envClient.get('/orders')).status).toBe(200);
      await expect(conektaClient(fromOption.url, 'key_opt').get('/orders')).rejects.toThrow(/fetch failed/);
      expect((await faults('GET', undefined, fromOption.url)).body.drop_next).toBe(0);
    } finally {
      await fromEnv.stop();
      await fromOption.stop();
    }
  });
});

describe('stop()', () => {
  test('closes the server with a hung request, a pending retry and held deliveries', async () => {
    const receiver = await startWebhookReceiver();
    receiver.respond = () => 500;
    const local = await startConektaSandbox({
      env: {},
      log: () => {},
      defaultWebhookUrls: [`${receiver.url}/hook`],
      webhookRetryScheduleMs: [600_000],
    });
    try {
      const client = conektaClient(local.url, 'key_stop');
      expect((await client.post('/orders', orderRequest('stop-1'))).status).toBe(200);
      await receiver.waitFor(1); // failed once; a retry is now scheduled 10 minutes out
      await faults('POST', { hold_webhooks: true }, local.url);
      expect((await client.post('/orders', orderRequest('stop-2'))).status).toBe(200);
      await faults('POST', { hang_next: 1 }, local.url);
      const hung = client.get('/orders');
      // the hung call has reached the server once it consumed the knob
      while ((await faults('GET', undefined, local.url)).body.hang_next > 0)
        await new Promise((r) => setTimeout(r, 10));
      await local.stop();
      await expect(hung).rejects.toThrow(/fetch failed/);
      await expect(fetch(`${local.url}/_sandbox/faults`)).rejects.toThrow(/fetch failed/);
      await local.stop(); // idempotent
    } finally {
      await receiver.close();
    }
  });
});
