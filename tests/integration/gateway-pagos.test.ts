/**
 * Issue 19's rows against the HTTP API stand-in, with the real handlers in their own processes:
 * what a storefront gets from API Gateway + Lambda for content types, body sizes, throttling and a
 * crash between Conekta's answer and the record (docs/gateway.md has the sources).
 */
import { randomUUID } from 'node:crypto';
import { dynamoOperation } from '../support/fault-proxy.js';
import { GatewayAnswers } from '../support/gateway/answers.js';
import { sendRaw } from '../support/gateway/client.js';
import {
  createRequest,
  PAGOS_ROUTE,
  type PagosGateway,
  startPagosGateway,
  WEBHOOK_ROUTE,
} from '../support/gateway/pagos.js';
import { eventually } from '../support/pagos-stack.js';

const MiB = 1024 * 1024;
let stack: PagosGateway;

beforeAll(async () => {
  stack = await startPagosGateway('gateway-pagos', {
    dynamoProxy: true,
    // A create whose first attempt died is taken over soon after (the default lease is 13 s).
    env: { CREATE_LEASE_MS: '1500' },
  });
}, 60_000);
afterAll(() => stack?.stop());

const newSecret = () => `key_gw_${randomUUID().replaceAll('-', '')}`;
const raw = (body: unknown) => JSON.stringify(body);
const invocationCount = () => stack.gateway.invocations(PAGOS_ROUTE).length;

describe('content types', () => {
  it('no Content-Type: the body arrives base64 with none, and Pagos reads it as JSON (200)', async () => {
    const secret = newSecret();
    const answer = await stack.post('/pagos', Buffer.from(raw(createRequest(secret, 'gw-no-type'))));
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({ object: 'order', metadata: { reference_id: 'gw-no-type' } });
    expect(await stack.sandboxOrders(secret, 'gw-no-type')).toHaveLength(1);
  });

  it('no Content-Type and a body that is not JSON: our 400 invalid_json', async () => {
    const answer = await stack.post('/pagos', Buffer.from('amount=1000&action=create'));
    expect(answer).toMatchObject({ status: 400, json: { error: { code: 'invalid_json' } } });
  });

  it('Content-Type sent twice (the gateway joins them with a comma): 200', async () => {
    const secret = newSecret();
    const answer = await sendRaw(
      `${stack.gateway.url}/pagos`,
      'POST',
      [
        ['content-type', 'application/json'],
        ['content-type', 'application/json'],
      ],
      raw(createRequest(secret, 'gw-twice')),
    );
    expect(answer.status).toBe(200);
    expect(await stack.sandboxOrders(secret, 'gw-twice')).toHaveLength(1);
  });

  it('application/json; charset=utf-8: 200', async () => {
    const answer = await stack.post('/pagos', raw(createRequest(newSecret(), 'gw-charset')), {
      'content-type': 'application/json; charset=utf-8',
    });
    expect(answer.status).toBe(200);
  });

  it.each(['text/plain', 'application/x-www-form-urlencoded', 'text/plain,application/json'])(
    '%s: our 415 unsupported_media_type',
    async (contentType) => {
      const answer = await stack.post('/pagos', raw(createRequest(newSecret(), 'gw-415')), {
        'content-type': contentType,
      });
      expect(answer).toMatchObject({ status: 415, json: { error: { code: 'unsupported_media_type' } } });
    },
  );
});

describe('body sizes', () => {
  it('17 KiB reaches Pagos, which refuses it before parsing: our 413 body_too_large', async () => {
    const body = raw(createRequest(newSecret(), 'gw-17k', { first_name: 'x'.repeat(17 * 1024) }));
    const answer = await stack.post('/pagos', body, { 'content-type': 'application/json' });
    expect(answer).toMatchObject({ status: 413, json: { error: { code: 'body_too_large' } } });
  });

  it("7 MiB never reaches Pagos: over Lambda's 6 MB invoke limit, the gateway answers 500", async () => {
    const before = invocationCount();
    const body = raw(createRequest(newSecret(), 'gw-7m', { first_name: 'x'.repeat(7 * MiB) }));
    const answer = await stack.post('/pagos', body, { 'content-type': 'application/json' });
    expect({ status: answer.status, body: answer.text }).toEqual(GatewayAnswers.internalServerError);
    expect(invocationCount()).toBe(before);
  });

  it('11 MiB is over the HTTP API payload quota (10 MB): the gateway answers 413 itself', async () => {
    const answer = await stack.post('/pagos', Buffer.alloc(11 * MiB, 'x'), {
      'content-type': 'application/json',
    });
    expect({ status: answer.status, body: answer.text }).toEqual(GatewayAnswers.payloadTooLarge);
  });
});

describe('a crash between Conekta and the record', () => {
  it('kill -9 while the record is being written: the gateway answers 500; the retry finds the order, once', async () => {
    const secret = newSecret();
    const reference = `gw-crash-${randomUUID().slice(0, 8)}`;
    // No webhook: the order's own event would complete the record (tested in webhooks.test.ts);
    // here the retry must find it.
    await stack.sandboxFaults({ webhooks_enabled: false });
    // The write that records Conekta's answer is the first to carry its order id (ord_...).
    const recordWrite = stack.dynamo!.hold(dynamoOperation('PutItem', '"ord_'));
    const first = stack.pagos(createRequest(secret, reference));
    const held = await recordWrite.caught;
    expect(held.body.toString()).toContain('ord_');
    await stack.gateway.crash(PAGOS_ROUTE);
    const crashed = await first;
    expect({ status: crashed.status, body: crashed.text }).toEqual(GatewayAnswers.internalServerError);
    expect(held.abandoned).toBe(true);
    const [order] = await stack.sandboxOrders(secret, reference);
    expect(order).toBeDefined();
    expect((await stack.record(secret, reference))?.status).toBe('creating');

    // Once the dead request's lease ran out, the retry looks for the order before making one.
    await new Promise((r) => setTimeout(r, 1600));
    const retry = await stack.pagos(createRequest(secret, reference));
    expect(retry.status).toBe(200);
    expect(retry.json.id).toBe(order!.id);
    expect(await stack.sandboxOrders(secret, reference)).toHaveLength(1);
    const record = await stack.record(secret, reference);
    expect(Object.values(record!.attempts).map((a) => a.orderId)).toEqual([order!.id]);
    await stack.sandboxFaults({ webhooks_enabled: true });
  }, 30_000);
});

describe('webhooks', () => {
  it("Conekta's signed order.paid reaches functions/webhooks.ts through the gateway and is applied", async () => {
    const secret = newSecret();
    const created = await stack.pagos(createRequest(secret, 'gw-webhook'));
    expect(created.status).toBe(200);
    const paid = await fetch(`${stack.sandbox.url}/_sandbox/orders/${created.json.id}/pay_card`, {
      method: 'POST',
    });
    expect(paid.status).toBe(200);
    await waitUntil(() => stack.gateway.invocations(WEBHOOK_ROUTE).some((i) => i.outcome === 'answered'));
    await eventually('the webhook to record the payment', async () =>
      (await stack.record(secret, 'gw-webhook'))?.status === 'paid' ? true : undefined,
    );
  }, 30_000);
});

describe('throttling', () => {
  it('reserved concurrency exhausted: Lambda refuses the invocation and the gateway answers 500, not 429', async () => {
    const single = await startPagosGateway('gateway-throttle', { pagos: { concurrency: 1 } });
    try {
      await single.sandboxFaults({ hang_next: 1 });
      const hung = single.pagos(createRequest(newSecret(), 'gw-hung'));
      await waitUntil(() => single.gateway.invocations(PAGOS_ROUTE).some((i) => i.endedAt === undefined));
      const refused = await single.pagos(createRequest(newSecret(), 'gw-refused'));
      expect({ status: refused.status, body: refused.text }).toEqual(GatewayAnswers.internalServerError);
      expect(single.gateway.invocations(PAGOS_ROUTE).map((i) => i.outcome)).toContain('throttled');
      await single.gateway.crash(PAGOS_ROUTE); // ends the hung one
      expect((await hung).status).toBe(500);
    } finally {
      await single.stop();
    }
  }, 30_000);

  it('over the stage throttle (rate and burst): 429 {"message":"Too Many Requests"} before any Lambda runs', async () => {
    const throttled = await startPagosGateway('gateway-stage-throttle', {
      throttle: { rateLimit: 0.001, burstLimit: 2 },
    });
    try {
      const bad = { provider: 'conekta', action: 'create' };
      const answers = [];
      for (let i = 0; i < 3; i++) answers.push(await throttled.pagos(bad));
      expect(answers.map((a) => a.status)).toEqual([400, 400, 429]);
      expect(answers[2]!.text).toBe(GatewayAnswers.tooManyRequests.body);
      expect(throttled.gateway.invocations(PAGOS_ROUTE)).toHaveLength(2);
    } finally {
      await throttled.stop();
    }
  }, 30_000);
});

async function waitUntil(check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not true within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
