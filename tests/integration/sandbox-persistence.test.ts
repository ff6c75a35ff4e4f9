// The sandbox's state across restarts (statePath / CONEKTA_SANDBOX_STATE): a sandbox started on
// the same file answers what the one before it answered, over real HTTP on 127.0.0.1.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash, generateKeyPairSync, verify } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type RunningSandbox,
  type SandboxOptions,
  SandboxStateError,
  startConektaSandbox,
} from '../../local/conekta-sandbox/server.js';
import {
  type ConektaClient,
  conektaClient,
  type JsonBody,
  type ReceivedWebhook,
  startWebhookReceiver,
} from '../../local/conekta-sandbox/testing.js';

const logs: string[] = [];
const running = new Set<RunningSandbox>();
let dir: string;
let fileSeq = 0;
let keySeq = 0;
const newStatePath = () => join(dir, `state-${++fileSeq}.json`);
const newKey = () => `key_persist_${++keySeq}_${Date.now()}`;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sandbox-persistence-'));
});

afterAll(async () => {
  await Promise.all([...running].map((sandbox) => sandbox.stop()));
  rmSync(dir, { recursive: true, force: true });
  expect(logs.filter((line) => /CONTRACT VIOLATION|INTERNAL ERROR|STATE NOT SAVED/.test(line))).toEqual([]);
});

async function start(statePath: string, options: SandboxOptions = {}): Promise<RunningSandbox> {
  const sandbox = await startConektaSandbox({
    env: {},
    log: (message) => logs.push(message),
    statePath,
    ...options,
  });
  running.add(sandbox);
  return sandbox;
}

async function stop(sandbox: RunningSandbox): Promise<void> {
  await sandbox.stop();
  running.delete(sandbox);
}

const hostedOrder = (metadata: Record<string, string> = {}) => ({
  currency: 'MXN',
  customer_info: { name: 'Ana López', email: 'ana@example.com', phone: '5512345678' },
  line_items: [{ name: 'Taza', unit_price: 50_000, quantity: 1 }],
  metadata,
  checkout: { type: 'HostedPayment', name: 'Taza', success_url: 'https://shop.example.com/ok' },
});

async function createOrder(client: ConektaClient, headers: Record<string, string> = {}) {
  const response = await client.post('/orders', hostedOrder(), headers);
  expect(response.status).toBe(200);
  return response.body;
}

async function control(sandbox: RunningSandbox, method: string, path: string, body?: unknown) {
  const response = await fetch(`${sandbox.url}/_sandbox${path}`, {
    method,
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: (await response.json()) as JsonBody };
}

const verifies = (hook: ReceivedWebhook, publicKeyPem: string) =>
  typeof hook.headers.digest === 'string' &&
  verify('sha256', hook.raw, publicKeyPem, Buffer.from(hook.headers.digest, 'base64'));

/** A port nothing listens on (for now): a webhook target that is down. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('a restarted sandbox on the same state file', () => {
  test('answers the same paid order, company, list, Idempotency-Key replay and default webhook key', async () => {
    const statePath = newStatePath();
    const key = newKey();
    const honoured = { faults: { idempotency: 'honoured' as const } };
    const before = await start(statePath, honoured);
    const client = conektaClient(before.url, key);
    const created = await client.post('/orders', hostedOrder({ step: 'first' }), {
      'idempotency-key': 'persist-idem-1',
    });
    expect(created.status).toBe(200);
    const paid = await control(before, 'POST', `/orders/${created.body.id}/pay_card`);
    expect(paid.status).toBe(200);
    expect(paid.body.payment_status).toBe('paid');
    const company = (await client.get('/companies/current')).body;
    await stop(before);

    const after = await start(statePath, honoured);
    const again = conektaClient(after.url, key);
    const order = await again.get(`/orders/${created.body.id}`);
    expect(order.status).toBe(200);
    expect(order.body).toEqual(paid.body);
    expect(order.body.payment_status).toBe('paid');
    expect((await again.get('/companies/current')).body).toEqual(company);
    const list = await again.get('/orders');
    expect(list.status).toBe(200);
    expect(list.body.data.map((o: JsonBody) => o.id)).toEqual([created.body.id]);

    // the same key, another body: the first answer (the order as created, unpaid), nothing done
    const replay = await again.post('/orders', hostedOrder({ step: 'second' }), {
      'idempotency-key': 'persist-idem-1',
    });
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual(created.body);
    expect((await again.get('/orders')).body.data).toHaveLength(1);
    const requests = await control(after, 'GET', '/requests?operation=createOrder');
    expect(requests.body.data.map((r: JsonBody) => r.idempotent_replay)).toEqual([true]);

    expect(after.defaultWebhookPublicKeyPem).toBe(before.defaultWebhookPublicKeyPem);
  });

  test('the checkout page, used tokens, webhooks and an own webhook key carry over', async () => {
    const statePath = newStatePath();
    const key = newKey();
    const receiver = await startWebhookReceiver();
    const aliases = { hostAliases: { 'hooks.pagos.test': '127.0.0.1' } };
    try {
      const before = await start(statePath, aliases);
      const client = conektaClient(before.url, key);
      const ownKey = await client.post('/webhook_keys', {});
      expect(ownKey.status).toBe(200);
      const hook = await client.post('/webhooks', { url: `http://hooks.pagos.test:${receiver.port}/own` });
      expect(hook.status).toBe(200);
      const card = await client.post('/orders', {
        ...hostedOrder(),
        checkout: undefined,
        charges: [{ payment_method: { type: 'card', token_id: 'tok_test_visa_4242_persist' } }],
      });
      expect(card.status).toBe(200);
      const hosted = await createOrder(client);
      await receiver.waitFor(1, (h) => h.body?.data?.object?.id === hosted.id);
      const keys = (await client.get('/webhook_keys')).body;
      await stop(before);

      const after = await start(statePath, aliases);
      const again = conektaClient(after.url, key);
      const page = await fetch(`${after.url}/checkout/${hosted.checkout.slug}`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain(hosted.id);
      const reuse = await again.post('/orders', {
        ...hostedOrder(),
        checkout: undefined,
        charges: [{ payment_method: { type: 'card', token_id: 'tok_test_visa_4242_persist' } }],
      });
      expect(reuse.status).toBe(402);
      expect((await again.get(`/webhooks/${hook.body.id}`)).body).toEqual(hook.body);
      expect((await again.get('/webhook_keys')).body).toEqual(keys);
      expect(keys.data[0]).toEqual(ownKey.body);

      // the account's newest key (saved as PEM) still signs its events
      const paid = await control(after, 'POST', `/orders/${hosted.id}/pay_card`);
      expect(paid.status).toBe(200);
      const [event] = await receiver.waitFor(
        1,
        (h) => h.body?.data?.object?.id === hosted.id && h.body.type === 'order.paid',
      );
      expect(event && verifies(event, ownKey.body.public_key)).toBe(true);
      expect(event && verifies(event, after.defaultWebhookPublicKeyPem)).toBe(false);
    } finally {
      await receiver.close();
    }
  });

  test('keys, revocations and live-mode keys carry over; the file holds only their SHA-256', async () => {
    const statePath = newStatePath();
    const [first, second, live, revoked] = [newKey(), newKey(), newKey(), newKey()];
    const before = await start(statePath);
    await createOrder(conektaClient(before.url, first));
    expect((await control(before, 'POST', '/keys', { key: second, same_company_as: first })).status).toBe(
      200,
    );
    expect(
      (await control(before, 'POST', '/keys', { key: live, same_company_as: first, livemode: true })).status,
    ).toBe(200);
    expect((await control(before, 'POST', '/keys', { key: revoked, same_company_as: first })).status).toBe(
      200,
    );
    expect((await control(before, 'DELETE', `/keys/${revoked}`)).status).toBe(200);
    const apiKeys = (await conektaClient(before.url, first).get('/api_keys')).body;
    const company = (await conektaClient(before.url, first).get('/companies/current')).body;

    const saved = readFileSync(statePath, 'utf8');
    for (const key of [first, second, live, revoked]) {
      expect(saved).not.toContain(key);
      // the part after the prefix GET /api_keys answers: no fragment of the secret either
      expect(saved).not.toContain(key.slice(6));
      expect(saved).toContain(createHash('sha256').update(key).digest('hex'));
    }
    await stop(before);

    const after = await start(statePath);
    expect((await conektaClient(after.url, second).get('/companies/current')).body).toEqual(company);
    const liveCompany = await conektaClient(after.url, live).get('/companies/current');
    expect(liveCompany.body.id).toBe(company.id);
    expect((await conektaClient(after.url, live).get('/orders')).body.data).toEqual([]);
    expect((await conektaClient(after.url, revoked).get('/orders')).status).toBe(401);
    expect((await conektaClient(after.url, first).get('/api_keys')).body).toEqual(apiKeys);
    expect((await control(after, 'POST', '/keys', { key: second })).status).toBe(409);
  });

  test('a delivery pending when the sandbox stopped is delivered after the restart, verifiable with the same key', async () => {
    const statePath = newStatePath();
    const port = await closedPort();
    const target = { defaultWebhookUrls: [`http://127.0.0.1:${port}/webhooks/conekta`] };
    // one retry, far away: the delivery stays pending until the stop
    const key = newKey();
    const before = await start(statePath, { ...target, webhookRetryScheduleMs: [600_000] });
    const order = await createOrder(conektaClient(before.url, key));
    const failed = await waitFor('the first attempt to fail', async () => {
      const log = await control(before, 'GET', '/webhook_deliveries?type=order.created');
      return log.body.data.find((e: JsonBody) => e.outcome === 'failed') as JsonBody | undefined;
    });
    expect(failed.will_retry).toBe(true);
    await stop(before);

    const receiver = await startWebhookReceiver({ port });
    try {
      const after = await start(statePath, { ...target, webhookRetryScheduleMs: [600_000] });
      const [hook] = await receiver.waitFor(1, (h) => h.body?.id === failed.event_id);
      expect(hook?.body.type).toBe('order.created');
      expect(hook?.body.data.object.id).toBe(order.id);
      expect(hook && verifies(hook, before.defaultWebhookPublicKeyPem)).toBe(true);
      expect(after.defaultWebhookPublicKeyPem).toBe(before.defaultWebhookPublicKeyPem);
      const event = await waitFor('the event to show the delivery', async () => {
        const response = await conektaClient(after.url, key).get(`/events/${failed.event_id}`);
        return response.body.webhook_status === 'successful' ? response.body : undefined;
      });
      // the failure before the stop and the delivery after it
      expect(event.webhook_logs).toEqual([
        expect.objectContaining({
          url: target.defaultWebhookUrls[0],
          failed_attempts: 1,
          last_http_response_status: 200,
        }),
      ]);
    } finally {
      await receiver.close();
    }
  });

  test('an explicit webhookPrivateKeyPem wins over the saved default key, and is then the saved one', async () => {
    const statePath = newStatePath();
    const key = newKey();
    const receiver = await startWebhookReceiver();
    const urls = { defaultWebhookUrls: [`${receiver.url}/hook`] };
    try {
      const generated = await start(statePath, urls);
      const order = await createOrder(conektaClient(generated.url, key));
      await receiver.waitFor(1, (h) => h.body?.data?.object?.id === order.id);
      await stop(generated);

      const explicit = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const pem = explicit.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      const publicPem = explicit.publicKey.export({ type: 'spki', format: 'pem' }).toString();
      const fixed = await start(statePath, { ...urls, webhookPrivateKeyPem: pem });
      expect(fixed.defaultWebhookPublicKeyPem).toBe(publicPem);
      // the account made under the generated key signs with the explicit one now
      expect((await control(fixed, 'POST', `/orders/${order.id}/pay_card`)).status).toBe(200);
      const [paid] = await receiver.waitFor(1, (h) => h.body?.type === 'order.paid');
      expect(paid && verifies(paid, publicPem)).toBe(true);
      await stop(fixed);

      const later = await start(statePath, urls);
      expect(later.defaultWebhookPublicKeyPem).toBe(publicPem);
    } finally {
      await receiver.close();
    }
  });

  test('CONEKTA_SANDBOX_STATE names the file; without either, the state is in memory only', async () => {
    const statePath = newStatePath();
    const fromEnv = await startConektaSandbox({
      env: { CONEKTA_SANDBOX_STATE: statePath },
      log: (message) => logs.push(message),
    });
    running.add(fromEnv);
    expect(fromEnv.statePath).toBe(statePath);
    await createOrder(conektaClient(fromEnv.url, newKey()));
    await stop(fromEnv);
    expect(JSON.parse(readFileSync(statePath, 'utf8')).orders).toHaveLength(1);

    const inMemory = await startConektaSandbox({ env: {}, log: (message) => logs.push(message) });
    running.add(inMemory);
    expect(inMemory.statePath).toBeUndefined();
    expect((await control(inMemory, 'GET', '/info')).body.state_path).toBeNull();
    await stop(inMemory);
  });
});

describe('a state file start cannot use', () => {
  test.each([
    ['not JSON', '{"version": 1, "companies": [', /is corrupt: not valid JSON/],
    ['an unknown version', '{"version": 99}', /has version 99; this sandbox reads version 1 only/],
    ['no version', '{"companies": []}', /has no version field/],
    ['a broken key', null, /is corrupt: The webhook private key is not a usable RSA PEM/],
  ])('%s fails start, naming the file and the way out, and is left as it was', async (_, text, reason) => {
    const statePath = newStatePath();
    let content = text;
    if (content === null) {
      const sandbox = await start(statePath);
      await stop(sandbox);
      const document = JSON.parse(readFileSync(statePath, 'utf8'));
      content = JSON.stringify({ ...document, defaultWebhookPrivateKeyPem: 'not a key' });
    }
    writeFileSync(statePath, content);
    const failed = start(statePath);
    await expect(failed).rejects.toBeInstanceOf(SandboxStateError);
    await expect(failed).rejects.toThrow(reason);
    await expect(failed).rejects.toThrow(statePath);
    await expect(failed).rejects.toThrow(/delete it, or start fresh \(npm start -- --fresh\)/);
    expect(readFileSync(statePath, 'utf8')).toBe(content);
  });
});

describe('the sandbox process killed with SIGKILL', () => {
  const children = new Set<ChildProcess>();
  afterAll(() => {
    for (const child of children) child.kill('SIGKILL');
  });

  /** `npm run sandbox` with CONEKTA_SANDBOX_STATE, in one process (tsx's loader, not its CLI, which forks). */
  function runSandboxProcess(statePath: string): Promise<{ child: ChildProcess; url: string }> {
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !name.startsWith('CONEKTA_SANDBOX_')),
    );
    const child = spawn(process.execPath, ['--import', 'tsx', 'local/conekta-sandbox/main.ts'], {
      env: { ...env, CONEKTA_SANDBOX_PORT: '0', CONEKTA_SANDBOX_STATE: statePath },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.add(child);
    return new Promise((resolve, reject) => {
      let output = '';
      const timer = setTimeout(() => reject(new Error(`sandbox did not start:\n${output}`)), 20_000);
      const collect = (chunk: Buffer) => {
        output += chunk.toString();
        const url = /Conekta sandbox: (http:\/\/\S+)/.exec(output)?.[1];
        if (url) {
          clearTimeout(timer);
          resolve({ child, url });
        }
      };
      child.stdout?.on('data', collect);
      child.stderr?.on('data', collect);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`sandbox exited with ${code}:\n${output}`));
      });
    });
  }

  const killed = (child: ChildProcess) =>
    new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });

  test('right after answering, keeps the orders it answered', async () => {
    const statePath = newStatePath();
    const key = newKey();
    const first = await runSandboxProcess(statePath);
    const client = conektaClient(first.url, key);
    const order = await createOrder(client);
    const paid = await fetch(`${first.url}/_sandbox/orders/${order.id}/pay_card`, { method: 'POST' });
    expect(paid.status).toBe(200);
    await killed(first.child);

    const second = await runSandboxProcess(statePath);
    try {
      const found = await conektaClient(second.url, key).get(`/orders/${order.id}`);
      expect(found.status).toBe(200);
      expect(found.body.payment_status).toBe('paid');
    } finally {
      await killed(second.child);
    }
  });
});
