// What an integration calls around webhooks: GET /events (their delivery state), resend,
// GET /webhooks/{id} and the webhook_ping test, plus the digest in every configured form,
// checked with the service's own verifier and with node:crypto.
import { createHash, publicDecrypt, constants as rsa, verify } from 'node:crypto';
import {
  parseWebhookPublicKeys,
  verifyConektaDigest,
} from '../../lib/providers/conekta/webhook-signature.js';
import { getContract } from '../../local/conekta-sandbox/contract.js';
import type { OperationId } from '../../local/conekta-sandbox/operations.js';
import { type RunningSandbox, startConektaSandbox } from '../../local/conekta-sandbox/server.js';
import {
  type ConektaClient,
  type ConektaResponse,
  conektaClient,
  type JsonBody,
  type ReceivedWebhook,
  startWebhookReceiver,
  type WebhookReceiver,
} from '../../local/conekta-sandbox/testing.js';

const { contract } = getContract();
const logs: string[] = [];
let sandbox: RunningSandbox;
let receiver: WebhookReceiver;
let keySeq = 0;
const newClient = () => conektaClient(sandbox.url, `key_events_${++keySeq}_${Date.now()}`);
const ALIAS_HOST = 'hooks.pagos.test';
const hookUrl = (path: string) => `http://${ALIAS_HOST}:${receiver.port}${path}`;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  sandbox = await startConektaSandbox({
    env: {},
    log: (message) => logs.push(message),
    defaultWebhookUrls: [`${receiver.url}/default`],
    webhookRetryScheduleMs: [20, 20],
    webhookTimeoutMs: 1_000,
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

function expectValid(operationId: OperationId, response: ConektaResponse, status = 200): JsonBody {
  expect({ status: response.status, body: response.body }).toMatchObject({ status });
  expect(contract.checkResponse(operationId, response.status, response.body)).toEqual([]);
  return response.body;
}

async function createHosted(client: ConektaClient) {
  return expectValid(
    'createOrder',
    await client.post('/orders', {
      currency: 'MXN',
      customer_info: { name: 'Ana López', email: 'ana@example.com', phone: '5512345678' },
      line_items: [{ name: 'Taza', unit_price: 50_000, quantity: 1 }],
      checkout: { type: 'HostedPayment', name: 'Taza' },
    }),
  );
}

const pay = (orderId: string) =>
  fetch(`${sandbox.url}/_sandbox/orders/${orderId}/pay_card`, { method: 'POST' });
const forOrder = (orderId: string) => (hook: ReceivedWebhook) => hook.body?.data?.object?.id === orderId;
const setFaults = (patch: Record<string, unknown>) =>
  fetch(`${sandbox.url}/_sandbox/faults`, { method: 'POST', body: JSON.stringify(patch) });

/** Deliveries are asynchronous: poll the event until `ready` holds. */
async function eventWhere(client: ConektaClient, id: string, ready: (event: JsonBody) => boolean) {
  for (let i = 0; i < 500; i++) {
    const event = expectValid('getEvent', await client.get(`/events/${id}`));
    if (ready(event)) return event;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`event ${id} never got there`);
}
const eventWhen = (client: ConektaClient, id: string, status: string) =>
  eventWhere(client, id, (event) => event.webhook_status === status);

describe('GET /events and GET /events/{id}', () => {
  test('the account events, newest first, paginated, searchable by the object id', async () => {
    const client = newClient();
    const order = await createHosted(client);
    await pay(order.id);
    const other = await createHosted(client);
    const list = expectValid('getEvents', await client.get('/events'));
    expect(list).toMatchObject({ object: 'list', has_more: false });
    expect(list.data.map((e: JsonBody) => `${e.type} ${e.data.object.id}`)).toEqual([
      `order.created ${other.id}`,
      `order.paid ${order.id}`,
      `order.created ${order.id}`,
    ]);
    const page = expectValid('getEvents', await client.get('/events?limit=2'));
    expect(page.has_more).toBe(true);
    const next = new URL(page.next_page_url);
    const rest = expectValid('getEvents', await client.get(`${next.pathname}${next.search}`));
    expect(rest.data.map((e: JsonBody) => e.id)).toEqual([list.data[2].id]);
    const mine = expectValid('getEvents', await client.get(`/events?search=${order.id}`));
    expect(mine.data).toHaveLength(2);
    expect(expectValid('getEvents', await newClient().get('/events')).data).toEqual([]);
  });

  test('every delivery is a stored event: same id, same payload, and its delivery state', async () => {
    const client = newClient();
    const order = await createHosted(client);
    const [hook] = await receiver.waitFor(1, forOrder(order.id));
    const event = await eventWhen(client, hook?.body.id, 'successful');
    const { webhook_status: _s, webhook_logs: logsNow, ...payload } = event;
    const { webhook_status: _s2, webhook_logs: _l2, ...sent } = hook?.body ?? {};
    expect(payload).toEqual(sent);
    expect(logsNow).toEqual([
      {
        id: expect.stringMatching(/^webhl_/),
        object: 'webhook_log',
        url: `${receiver.url}/default`,
        failed_attempts: 0,
        last_attempted_at: expect.any(Number),
        last_http_response_status: 200,
        response_data: {},
      },
    ]);
  });

  test('failed attempts are counted; the event is failed once the retries are used up', async () => {
    receiver.respond = () => 503;
    const client = newClient();
    const order = await createHosted(client);
    const [hook] = await receiver.waitFor(3, forOrder(order.id));
    const event = await eventWhen(client, hook?.body.id, 'failed');
    expect(event.webhook_logs).toEqual([
      expect.objectContaining({ failed_attempts: 3, last_http_response_status: 503 }),
    ]);
  });

  test("404 for an unknown id and for another account's event", async () => {
    const client = newClient();
    const order = await createHosted(client);
    const [hook] = await receiver.waitFor(1, forOrder(order.id));
    expectValid('getEvent', await newClient().get(`/events/${hook?.body.id}`), 404);
    expectValid('getEvent', await client.get('/events/000000000000000000000000'), 404);
    expectValid('getEvent', await client.get('/events/x', { authorization: '' }), 401);
  });
});

describe('webhooks: GET /webhooks/{id}, POST /webhooks/{id}/test, POST /events/{id}/resend', () => {
  test('GET /webhooks/{id}: the webhook, 404 for another account', async () => {
    const client = newClient();
    const hook = expectValid('createWebhook', await client.post('/webhooks', { url: hookUrl('/get') }));
    expect(expectValid('getWebhook', await client.get(`/webhooks/${hook.id}`))).toEqual(hook);
    expectValid('getWebhook', await newClient().get(`/webhooks/${hook.id}`), 404);
  });

  test('test sends a signed webhook_ping to that webhook only, stored as an event', async () => {
    const client = newClient();
    const target = expectValid('createWebhook', await client.post('/webhooks', { url: hookUrl('/ping') }));
    expectValid('createWebhook', await client.post('/webhooks', { url: hookUrl('/other') }));
    const answer = expectValid('testWebhook', await client.post(`/webhooks/${target.id}/test`));
    expect(answer).toEqual(target);
    const [ping] = await receiver.waitFor(1, (h) => h.path === '/ping');
    expect(ping?.body).toMatchObject({ object: 'event', type: 'webhook_ping', livemode: false, data: {} });
    const publicKey = (await client.get('/webhook_keys')).body.data[0].public_key;
    expect(
      verifyConektaDigest(
        ping?.raw ?? Buffer.alloc(0),
        ping?.headers.digest as string,
        parseWebhookPublicKeys(publicKey),
      ),
    ).toMatchObject({ ok: true });
    const stored = await eventWhen(client, ping?.body.id, 'successful');
    expect(stored.webhook_logs.map((l: JsonBody) => l.url)).toEqual([hookUrl('/ping')]);
    expect(receiver.received.filter((h) => h.body?.id === ping?.body.id)).toHaveLength(1);
    expectValid('testWebhook', await client.post('/webhooks/000000000000000000000000/test'), 404);
  });

  test('resend delivers the same bytes and digest again, to the named webhooks', async () => {
    const client = newClient();
    const target = expectValid('createWebhook', await client.post('/webhooks', { url: hookUrl('/resend') }));
    const order = await createHosted(client);
    const [first] = await receiver.waitFor(1, (h) => h.path === '/resend' && forOrder(order.id)(h));
    // the sandbox logs the outcome once the receiver has answered
    await eventWhere(client, first?.body.id, (event) =>
      event.webhook_logs.some(
        (log: JsonBody) => log.url === hookUrl('/resend') && log.last_http_response_status,
      ),
    );
    const answer = expectValid(
      'resendEvent',
      await client.post(`/events/${first?.body.id}/resend`, { webhooks_ids: [target.id] }),
    );
    expect(answer).toEqual({
      id: expect.stringMatching(/^webhl_/),
      url: hookUrl('/resend'),
      failed_attempts: 0,
      last_attempted_at: expect.any(Number),
      last_http_response_status: 200,
      response_data: {},
    });
    const both = await receiver.waitFor(2, (h) => h.path === '/resend' && forOrder(order.id)(h));
    expect(both[1]?.raw.equals(first?.raw ?? Buffer.alloc(0))).toBe(true);
    expect(both[1]?.headers.digest).toBe(first?.headers.digest);
  });

  test('resend: unknown webhook 404, empty or missing list 422, unknown event 404', async () => {
    const client = newClient();
    const order = await createHosted(client);
    const [hook] = await receiver.waitFor(1, forOrder(order.id));
    const path = `/events/${hook?.body.id}/resend`;
    expectValid('resendEvent', await client.post(path, { webhooks_ids: ['000000000000000000000000'] }), 404);
    expectValid('resendEvent', await client.post(path, { webhooks_ids: [] }), 422);
    expectValid('resendEvent', await client.post(path, {}), 422);
    expectValid('resendEvent', await client.post('/events/nope/resend', { webhooks_ids: ['x'] }), 404);
  });
});

describe('webhook_signature_form and webhook_signature_encoding', () => {
  const forms = ['pkcs1-sha256', 'rsa-encrypted-hex-sha256', 'rsa-encrypted-raw-sha256'] as const;
  const encodings = ['base64', 'base64url', 'url-encoded-base64'] as const;
  const cases = forms.flatMap((form) => encodings.map((encoding) => [form, encoding] as const));

  /** The signature bytes, decoded without the service's code. */
  const decode = (digest: string, encoding: (typeof encodings)[number]) =>
    encoding === 'base64url'
      ? Buffer.from(digest, 'base64url')
      : Buffer.from(encoding === 'url-encoded-base64' ? decodeURIComponent(digest) : digest, 'base64');

  test.each(cases)(
    '%s in %s: the service verifies it as such; node:crypto agrees',
    async (form, encoding) => {
      await setFaults({ webhook_signature_form: form, webhook_signature_encoding: encoding });
      const client = newClient();
      const publicKey = (await client.get('/webhook_keys')).body.data[0].public_key as string;
      const order = await createHosted(client);
      const [hook] = await receiver.waitFor(1, forOrder(order.id));
      if (!hook) throw new Error('no webhook');
      const digest = hook.headers.digest as string;
      if (encoding === 'url-encoded-base64') expect(digest).toContain('%');
      if (encoding === 'base64url') expect(digest).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(verifyConektaDigest(hook.raw, digest, parseWebhookPublicKeys(publicKey))).toEqual({
        ok: true,
        form,
        encoding,
      });
      const signature = decode(digest, encoding);
      const sha256 = createHash('sha256').update(hook.raw).digest();
      if (form === 'pkcs1-sha256') expect(verify('sha256', hook.raw, publicKey, signature)).toBe(true);
      else {
        const recovered = publicDecrypt({ key: publicKey, padding: rsa.RSA_PKCS1_PADDING }, signature);
        expect(recovered).toEqual(
          form === 'rsa-encrypted-hex-sha256' ? Buffer.from(sha256.toString('hex')) : sha256,
        );
      }
    },
  );
});
