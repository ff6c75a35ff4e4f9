// Webhooks as Conekta sends them: signed event payloads to local receivers, retries, timeouts,
// and the delivery fault knobs (duplicates, hold and shuffled release, switched off).
import { verify } from 'node:crypto';
import { getContract } from '../../local/conekta-sandbox/contract.js';
import { type RunningSandbox, startConektaSandbox } from '../../local/conekta-sandbox/server.js';
import {
  type ConektaClient,
  conektaClient,
  type ReceivedWebhook,
  startWebhookReceiver,
  type WebhookReceiver,
} from '../../local/conekta-sandbox/testing.js';

const { contract } = getContract();
const logs: string[] = [];
let sandbox: RunningSandbox;
let receiver: WebhookReceiver;
let keySeq = 0;
const newClient = () => conektaClient(sandbox.url, `key_hooks_${++keySeq}_${Date.now()}`);

const ALIAS_HOST = 'hooks.pagos.test';

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  sandbox = await startConektaSandbox({
    env: {},
    log: (message) => logs.push(message),
    defaultWebhookUrls: [`${receiver.url}/default`],
    webhookRetryScheduleMs: [50, 100, 200],
    webhookTimeoutMs: 300,
    hostAliases: { [ALIAS_HOST]: '127.0.0.1' },
  });
});

afterEach(async () => {
  receiver.respond = () => 200;
  await fetch(`${sandbox.url}/_sandbox/faults`, { method: 'DELETE' });
});

afterAll(async () => {
  await sandbox.stop();
  await receiver.close();
  expect(logs.filter((line) => /CONTRACT VIOLATION|INTERNAL ERROR/.test(line))).toEqual([]);
});

const setFaults = async (faults: Record<string, unknown>) => {
  const response = await fetch(`${sandbox.url}/_sandbox/faults`, {
    method: 'POST',
    body: JSON.stringify(faults),
  });
  expect(response.status).toBe(200);
  return response.json();
};

const deliveries = async (query = '') => {
  const response = await fetch(`${sandbox.url}/_sandbox/webhook_deliveries${query}`);
  return (await response.json()) as { held: number; data: Record<string, unknown>[] };
};

/** The receiver sees a request before the sandbox logs its outcome, so poll the log for it. */
async function waitForDeliveries(eventId: string | undefined, count: number) {
  for (let i = 0; i < 250; i++) {
    const log = await deliveries(`?event_id=${eventId}`);
    if (log.data.length >= count) return log;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`delivery log for ${eventId} never reached ${count} entries`);
}

const forOrder = (orderId: string) => (hook: ReceivedWebhook) => hook.body?.data?.object?.id === orderId;
const ofType = (orderId: string, type: string) => (hook: ReceivedWebhook) =>
  forOrder(orderId)(hook) && hook.body.type === type;

async function createHosted(client: ConektaClient, metadata: Record<string, string> = {}) {
  const response = await client.post('/orders', {
    currency: 'MXN',
    customer_info: { name: 'Ana López', email: 'ana@example.com', phone: '5512345678' },
    line_items: [{ name: 'Taza', unit_price: 50_000, quantity: 1 }],
    metadata,
    checkout: { type: 'HostedPayment', name: 'Taza', success_url: 'https://shop.example.com/ok' },
  });
  expect(response.status).toBe(200);
  return response.body;
}

const transition = (orderId: string, name: string) =>
  fetch(`${sandbox.url}/_sandbox/orders/${orderId}/${name}`, { method: 'POST' }).then((r) => r.json());

const verifies = (raw: Buffer, digest: string | undefined, publicKeyPem: string) =>
  digest !== undefined && verify('sha256', raw, publicKeyPem, Buffer.from(digest, 'base64'));

describe('events', () => {
  test('each state change posts a Conekta event of the right type, spec-valid', async () => {
    const client = newClient();
    const order = await createHosted(client);
    await transition(order.id, 'pay_card');
    await client.post(`/orders/${order.id}/refunds`, { amount: 10_000, reason: 'other' });
    await client.post(`/orders/${order.id}/refunds`, { amount: 40_000, reason: 'other' });
    const hooks = await receiver.waitFor(4, forOrder(order.id));
    expect(hooks.map((h) => h.body.type).sort()).toEqual(
      ['order.created', 'order.paid', 'order.partially_refunded', 'order.refunded'].sort(),
    );
    for (const hook of hooks) {
      expect(hook.path).toBe('/default');
      expect(hook.headers['content-type']).toContain('application/json');
      expect(hook.body).toEqual({
        id: expect.stringMatching(/^[0-9a-f]{24}$/),
        object: 'event',
        type: expect.any(String),
        livemode: false,
        created_at: expect.any(Number),
        data: {
          object: expect.objectContaining({ id: order.id, object: 'order' }),
          previous_attributes: expect.any(Object),
        },
        webhook_status: expect.any(String),
        webhook_logs: [],
      });
      expect(contract.checkSchema('event_response', hook.body)).toEqual([]);
      expect(contract.checkSchema('order_response', hook.body.data.object)).toEqual([]);
    }
    const paid = hooks.find((h) => h.body.type === 'order.paid');
    expect(paid?.body.data.object.payment_status).toBe('paid');
    // it had no payment_status before
    expect(paid?.body.data.previous_attributes).toMatchObject({ payment_status: null });
    const refunded = hooks.find((h) => h.body.type === 'order.refunded');
    expect(refunded?.body.data.previous_attributes).toMatchObject({ payment_status: 'partially_refunded' });
  });

  test.each([
    ['card paid', 'tok_test_visa_4242', ['order.created', 'order.paid']],
    ['card declined', 'tok_test_card_declined', ['order.created', 'order.declined']],
  ])('%s via POST /orders', async (_, token, types) => {
    const client = newClient();
    await client.post('/orders', {
      currency: 'MXN',
      customer_info: { name: 'Ana López', email: 'ana@example.com', phone: '5512345678' },
      line_items: [{ name: 'Taza', unit_price: 50_000, quantity: 1 }],
      metadata: { ref: `ref-${token}-${keySeq}` },
      charges: [{ payment_method: { type: 'card', token_id: token } }],
    });
    const list = await client.get(`/orders?search=ref-${token}-${keySeq}`);
    const orderId = list.body.data[0].id;
    const hooks = await receiver.waitFor(2, forOrder(orderId));
    expect(hooks.map((h) => h.body.type).sort()).toEqual([...types].sort());
  });

  test.each([
    ['pay_cash_pending', 'order.pending_payment'],
    ['decline', 'order.declined'],
    ['expire', 'order.expired'],
  ])('%s -> %s', async (name, type) => {
    const order = await createHosted(newClient());
    await transition(order.id, name);
    const [hook] = await receiver.waitFor(1, ofType(order.id, type));
    expect(hook?.body.data.object.payment_status).toBe(type.replace('order.', ''));
  });

  test('cancel -> order.canceled', async () => {
    const client = newClient();
    const order = await createHosted(client);
    await client.post(`/orders/${order.id}/cancel`);
    const [hook] = await receiver.waitFor(1, ofType(order.id, 'order.canceled'));
    expect(hook?.body.data.object.payment_status).toBe('canceled');
  });
});

describe('digest signature', () => {
  test('verifies with the public key from GET /webhook_keys, and fails after changing one byte', async () => {
    const client = newClient();
    const keys = await client.get('/webhook_keys');
    const publicKey = keys.body.data[0].public_key;
    expect(publicKey).toBe(sandbox.defaultWebhookPublicKeyPem);
    const order = await createHosted(client);
    const [hook] = await receiver.waitFor(1, forOrder(order.id));
    if (!hook) throw new Error('no webhook');
    const digest = hook.headers.digest as string;
    expect(digest).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(verifies(hook.raw, digest, publicKey)).toBe(true);
    const tampered = Buffer.from(hook.raw);
    tampered[10] = (tampered[10] ?? 0) ^ 1;
    expect(verifies(tampered, digest, publicKey)).toBe(false);
  });

  test("after POST /webhook_keys the new key signs that account's events (other accounts keep the default)", async () => {
    const client = newClient();
    const created = await client.post('/webhook_keys', {});
    const newKey = created.body.public_key;
    const order = await createHosted(client);
    const other = await createHosted(newClient());
    const [mine] = await receiver.waitFor(1, forOrder(order.id));
    const [theirs] = await receiver.waitFor(1, forOrder(other.id));
    if (!mine || !theirs) throw new Error('no webhook');
    expect(verifies(mine.raw, mine.headers.digest as string, newKey)).toBe(true);
    expect(verifies(mine.raw, mine.headers.digest as string, sandbox.defaultWebhookPublicKeyPem)).toBe(false);
    expect(verifies(theirs.raw, theirs.headers.digest as string, sandbox.defaultWebhookPublicKeyPem)).toBe(
      true,
    );
  });

  test('a fixed default key (webhookPrivateKeyPem) is used and reported', async () => {
    const { generateKeyPairSync } = await import('node:crypto');
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const fixed = await startConektaSandbox({
      env: {},
      log: () => {},
      webhookPrivateKeyPem: pem.replace(/\n/g, '\\n'),
    });
    try {
      expect(fixed.defaultWebhookPublicKeyPem).toBe(
        publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      );
    } finally {
      await fixed.stop();
    }
  });
});

describe('account webhooks (POST /webhooks)', () => {
  test("registered URLs get the account's events only, filtered by subscribed_events", async () => {
    const own = await startWebhookReceiver();
    try {
      const client = newClient();
      const all = await client.post('/webhooks', { url: `http://${ALIAS_HOST}:${own.port}/all` });
      expect(all.status).toBe(200);
      const paidOnly = await client.post('/webhooks', {
        url: `http://${ALIAS_HOST}:${own.port}/paid`,
        subscribed_events: ['order.paid'],
      });
      expect(paidOnly.body.subscribed_events).toEqual(['order.paid']);
      const order = await createHosted(client);
      const stranger = await createHosted(newClient());
      await transition(order.id, 'pay_card');
      await transition(stranger.id, 'pay_card');
      // the stranger's events reach the default receiver; use them as the "everything was sent" marker
      await receiver.waitFor(2, forOrder(stranger.id));
      const hooks = await own.waitFor(3);
      expect(hooks.map((h) => `${h.path} ${h.body.type}`).sort()).toEqual([
        '/all order.created',
        '/all order.paid',
        '/paid order.paid',
      ]);
      expect(hooks.every((h) => forOrder(order.id)(h))).toBe(true);
      expect(hooks[0]?.headers.host).toBe(`${ALIAS_HOST}:${own.port}`);
    } finally {
      await own.close();
    }
  });
});

describe('delivery', () => {
  test('non-2xx answers are retried per the schedule with the same bytes until a 2xx', async () => {
    const order = await createHosted(newClient());
    let failures = 0;
    receiver.respond = (hook) => (forOrder(order.id)(hook) && failures++ < 2 ? 500 : 200);
    const hooks = await receiver.waitFor(3, forOrder(order.id));
    expect(hooks.map((h) => h.raw.toString())).toEqual(Array(3).fill(hooks[0]?.raw.toString()));
    const log = await waitForDeliveries(hooks[0]?.body.id, 3);
    expect(log.data.map((d) => [d.attempt, d.status, d.outcome])).toEqual([
      [1, 500, 'failed'],
      [2, 500, 'failed'],
      [3, 200, 'delivered'],
    ]);
  });

  test('gives up after the last retry of the schedule', async () => {
    const order = await createHosted(newClient());
    receiver.respond = (hook) => (forOrder(order.id)(hook) ? 503 : 200);
    const hooks = await receiver.waitFor(4, forOrder(order.id));
    const log = await waitForDeliveries(hooks[0]?.body.id, 4);
    expect(log.data.map((d) => [d.attempt, d.status, d.will_retry])).toEqual([
      [1, 503, true],
      [2, 503, true],
      [3, 503, true],
      [4, 503, false],
    ]);
  });

  test('no answer within the timeout counts as a failure and is retried', async () => {
    const order = await createHosted(newClient());
    let first = true;
    receiver.respond = (hook) => {
      if (!forOrder(order.id)(hook) || !first) return 200;
      first = false;
      return 'hang';
    };
    const hooks = await receiver.waitFor(2, forOrder(order.id));
    const log = await waitForDeliveries(hooks[0]?.body.id, 2);
    expect(log.data.map((d) => [d.attempt, d.status, d.outcome])).toEqual([
      [1, null, 'failed'],
      [2, 200, 'delivered'],
    ]);
    expect(log.data[0]?.error).toMatch(/no answer within 300 ms/);
  });

  test('webhook_duplicates: each delivery is made k times', async () => {
    await setFaults({ webhook_duplicates: 3 });
    const order = await createHosted(newClient());
    const hooks = await receiver.waitFor(3, forOrder(order.id));
    expect(new Set(hooks.map((h) => h.body.id)).size).toBe(1);
    expect(new Set(hooks.map((h) => h.raw.toString())).size).toBe(1);
    const log = await waitForDeliveries(hooks[0]?.body.id, 3);
    expect(log.data.map((d) => d.copy).sort()).toEqual([1, 2, 3]);
  });

  test('hold_webhooks queues deliveries; release sends them in reverse or shuffled order', async () => {
    await setFaults({ hold_webhooks: true });
    const client = newClient();
    const orders = [await createHosted(client), await createHosted(client), await createHosted(client)];
    const held = await deliveries();
    expect(held.held).toBe(3);
    expect(receiver.received.filter((h) => orders.some((o) => forOrder(o.id)(h)))).toEqual([]);

    const release = await fetch(`${sandbox.url}/_sandbox/webhooks/release`, {
      method: 'POST',
      body: JSON.stringify({ order: 'reverse' }),
    });
    expect(await release.json()).toEqual({ released: 3 });
    const arrived = receiver.received.filter((h) => orders.some((o) => forOrder(o.id)(h)));
    expect(arrived.map((h) => h.body.data.object.id)).toEqual(orders.map((o) => o.id).reverse());

    const more = [await createHosted(client), await createHosted(client)];
    expect((await deliveries()).held).toBe(2);
    const shuffled = await fetch(`${sandbox.url}/_sandbox/webhooks/release`, { method: 'POST' });
    expect(await shuffled.json()).toEqual({ released: 2 });
    const later = receiver.received.filter((h) => more.some((o) => forOrder(o.id)(h)));
    expect(later.map((h) => h.body.data.object.id).sort()).toEqual(more.map((o) => o.id).sort());
  });

  test('DELETE /_sandbox/faults releases whatever was held', async () => {
    await setFaults({ hold_webhooks: true });
    const order = await createHosted(newClient());
    const reset = await fetch(`${sandbox.url}/_sandbox/faults`, { method: 'DELETE' });
    expect(await reset.json()).toMatchObject({ hold_webhooks: false, released: 1 });
    await receiver.waitFor(1, forOrder(order.id));
  });

  test('webhooks_enabled false: events are lost (logged as suppressed), later ones flow again', async () => {
    await setFaults({ webhooks_enabled: false });
    const client = newClient();
    const lost = await createHosted(client);
    const log = await deliveries(`?type=order.created`);
    expect(log.data.filter((d) => d.outcome === 'suppressed').length).toBeGreaterThan(0);
    await setFaults({ webhooks_enabled: true });
    const sentinel = await createHosted(client);
    await receiver.waitFor(1, forOrder(sentinel.id));
    expect(receiver.received.filter(forOrder(lost.id))).toEqual([]);
    // the order itself exists: a reconciler can still find it
    expect((await client.get(`/orders/${lost.id}`)).status).toBe(200);
  });
});
