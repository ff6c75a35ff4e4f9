/**
 * POST /webhooks/conekta over HTTP, against DynamoDB Local: signed Conekta-shaped events,
 * forged ones, duplicates, reordering and concurrency.
 */
import { randomUUID } from 'node:crypto';
import { type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import type { PaymentTag } from '../../lib/payments/ports.js';
import { notificationId } from '../../lib/payments/reconcile.js';
import { DynamoPaymentStore } from '../../lib/store/payments.js';
import { notificationKey } from '../../lib/store/reconcile.js';
import { orderEvent, signedBody, webhookSigner } from '../support/conekta-events.js';
import { createTestTable, testDynamoClient } from '../support/dynamodb.js';
import { type LambdaHttpServer, serveLambdas } from '../support/lambda-http.js';
import { seedPayment as seed } from '../support/seed-payment.js';

const signer = webhookSigner();
const merchant = 'm_webhook_test';
let client: DynamoDBClient;
let table: string;
let store: DynamoPaymentStore;
let server: LambdaHttpServer;

beforeAll(async () => {
  client = testDynamoClient();
  table = await createTestTable('webhooks');
  store = new DynamoPaymentStore(client, table);
  process.env.PAYMENTS_TABLE = table;
  process.env.CONEKTA_WEBHOOK_PUBLIC_KEYS = signer.publicKeyPem.replace(/\n/g, '\\n');
  const { handler } = await import('../../functions/conekta-webhook.js');
  server = await serveLambdas({ 'POST /webhooks/conekta': handler as never });
});
afterAll(async () => {
  await server.stop();
  client.destroy();
});

const seedPayment = () => seed(store, { merchant });

const metadataOf = (p: PaymentTag) => ({ reference_id: p.referenceId, pagos_merchant: p.merchant });

function eventFor(p: PaymentTag & { orderId: string }, status: string, updatedAt: number, eventId?: string) {
  const type = `order.${status}`;
  const paid = status === 'paid' || status.includes('refunded');
  return orderEvent(
    type,
    {
      id: p.orderId,
      payment_status: status,
      updated_at: updatedAt,
      metadata: metadataOf(p),
      amount_refunded: status === 'refunded' ? 100_000 : 0,
      ...(paid && {
        charges: {
          object: 'list',
          has_more: false,
          data: [
            {
              id: 'ch_1',
              status: 'paid',
              paid_at: 1_700_000_050,
              payment_method: { object: 'card_payment', type: 'credit' },
            },
          ],
        },
      }),
    },
    eventId,
  );
}

async function post(body: Buffer | string, headers: Record<string, string> = {}) {
  const response = await fetch(`${server.url}/webhooks/conekta`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

async function deliver(event: unknown) {
  const { body, digest } = signedBody(event, signer);
  return post(body, { digest });
}

async function record(p: PaymentTag) {
  return store.get(p.merchant, p.referenceId);
}

async function outboxStatuses(p: PaymentTag): Promise<string[]> {
  const statuses = [
    'created',
    'pending_payment',
    'paid',
    'partially_refunded',
    'refunded',
    'declined',
    'expired',
    'canceled',
  ];
  const found = await Promise.all(
    statuses.map(async (s) => {
      const out = await client.send(
        new GetItemCommand({
          TableName: table,
          Key: notificationKey(notificationId(p, s as never)),
          ConsistentRead: true,
        }),
      );
      return out.Item ? s : undefined;
    }),
  );
  return found.filter((s): s is string => s !== undefined);
}

describe('verification', () => {
  it('a valid order.paid moves a created payment to paid and queues one notification', async () => {
    const p = await seedPayment();
    const res = await deliver(eventFor(p, 'paid', 1_700_000_100));
    expect(res).toEqual({ status: 200, json: { received: true, outcome: 'applied' } });
    const r = await record(p);
    expect(r?.status).toBe('paid');
    expect(r?.history.map((h) => [h.previous, h.status])).toEqual([
      [null, 'created'],
      ['created', 'paid'],
    ]);
    expect(await outboxStatuses(p)).toEqual(['paid']);
    const stored = await client.send(
      new GetItemCommand({
        TableName: table,
        Key: { pk: { S: `PAYMENT#${p.merchant}#${p.referenceId}` }, sk: { S: 'PAYMENT' } },
      }),
    );
    expect(stored.Item?.payment_method?.S).toBe('card');
    expect(stored.Item?.paid_at?.N).toBe('1700000050');
    const ntf = await client.send(
      new GetItemCommand({ TableName: table, Key: notificationKey(notificationId(p, 'paid')) }),
    );
    expect(JSON.parse(ntf.Item?.payload?.S ?? '{}')).toMatchObject({
      type: 'payment.paid',
      status: 'paid',
      reference_id: p.referenceId,
      order_id: p.orderId,
      amount: '1000.00',
      amount_cents: 100_000,
      currency: 'MXN',
    });
  });

  it.each([
    [
      'one changed byte',
      (b: Buffer, d: string) =>
        [Buffer.from(b.toString().replace('"paid"', '"pai d"')), { digest: d }] as const,
    ],
    [
      'a wrong key',
      (b: Buffer) => [b, { digest: signedBody(JSON.parse(b.toString()), webhookSigner()).digest }] as const,
    ],
    ['a missing header', (b: Buffer) => [b, {}] as const],
    ['an empty body', (_b: Buffer, d: string) => [Buffer.alloc(0), { digest: d }] as const],
  ])('%s answers 401 and changes nothing', async (_name, forge) => {
    const p = await seedPayment();
    const { body, digest } = signedBody(eventFor(p, 'paid', 1_700_000_100), signer);
    const [forgedBody, headers] = forge(body, digest);
    const res = await post(forgedBody, headers as Record<string, string>);
    expect(res.status).toBe(401);
    expect(res.json).toMatchObject({ error: { code: 'invalid_signature', message: expect.any(String) } });
    expect((await record(p))?.status).toBe('created');
    expect(await outboxStatuses(p)).toEqual([]);
  });

  it('reads the digest header in any case and base64-encoded bodies', async () => {
    const p = await seedPayment();
    const { body, digest } = signedBody(eventFor(p, 'paid', 1_700_000_100), signer);
    const res = await post(body, { DIGEST: digest, 'content-type': 'application/octet-stream' });
    expect(res.status).toBe(200);
    expect((await record(p))?.status).toBe('paid');
  });
});

describe('routing', () => {
  it('answers webhook_ping and ignores other event types', async () => {
    expect((await deliver({ id: 'e1', type: 'webhook_ping', data: {} })).json).toEqual({
      received: true,
      outcome: 'ping',
    });
    expect((await deliver({ id: 'e2', type: 'charge.paid', data: { object: { id: 'ch_1' } } })).json).toEqual(
      {
        received: true,
        outcome: 'ignored',
      },
    );
  });

  it('refuses signed but malformed JSON, and an order event without data.object.id', async () => {
    const { sign } = await import('node:crypto');
    const bad = Buffer.from('{"id": "x", "type": ');
    expect(
      (await post(bad, { digest: sign('sha256', bad, signer.privateKey).toString('base64') })).status,
    ).toBe(400);
    expect((await deliver({ id: 'e3', type: 'order.paid', data: { object: {} } })).status).toBe(400);
  });

  it('ignores orders that are not ours, and asks Conekta to retry when the record is not there yet', async () => {
    const notOurs = orderEvent('order.paid', { id: 'ord_x', payment_status: 'paid', updated_at: 1 });
    expect((await deliver(notOurs)).json).toMatchObject({ outcome: 'not_ours' });
    const early = orderEvent('order.paid', {
      id: 'ord_y',
      payment_status: 'paid',
      updated_at: 1,
      metadata: { reference_id: 'never-created', pagos_merchant: merchant },
    });
    expect((await deliver(early)).status).toBe(409);
  });

  it('ignores an event for another order of the same reference', async () => {
    const p = await seedPayment();
    const res = await deliver(eventFor({ ...p, orderId: 'ord_orphan' }, 'paid', 1_700_000_100));
    expect(res.json).toMatchObject({ outcome: 'other_order' });
    expect((await record(p))?.status).toBe('created');
  });

  it('keeps an unknown Conekta status raw without moving the payment', async () => {
    const p = await seedPayment();
    const res = await deliver({ ...eventFor(p, 'teleported', 1_700_000_100), type: 'order.updated' });
    expect(res.json).toMatchObject({ outcome: 'unknown_status' });
    const r = await record(p);
    expect(r).toMatchObject({
      status: 'created',
      providerStatus: 'teleported',
      providerUpdatedAt: 1_700_000_100,
    });
  });
});

describe('delivery faults', () => {
  const sequence = (p: PaymentTag & { orderId: string }) => [
    eventFor(p, 'pending_payment', 1_700_000_101, `${p.referenceId}-1`),
    eventFor(p, 'paid', 1_700_000_102, `${p.referenceId}-2`),
    eventFor(p, 'refunded', 1_700_000_103, `${p.referenceId}-3`),
  ];

  const assertConsistent = async (p: PaymentTag) => {
    const r = await record(p);
    expect(r?.status).toBe('refunded');
    const statuses = r?.history.map((h) => h.status) ?? [];
    expect(new Set(statuses).size).toBe(statuses.length);
    expect((await outboxStatuses(p)).sort()).toEqual(statuses.filter((s) => s !== 'created').sort());
  };

  it('every event delivered three times has one effect', async () => {
    const p = await seedPayment();
    for (const event of sequence(p)) {
      for (let i = 0; i < 3; i += 1) expect((await deliver(event)).status).toBe(200);
    }
    const r = await record(p);
    expect(r?.history.map((h) => h.status)).toEqual(['created', 'pending_payment', 'paid', 'refunded']);
    await assertConsistent(p);
  });

  const permutations = <T>(items: T[]): T[][] =>
    items.length <= 1
      ? [items]
      : items.flatMap((x, i) =>
          permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [x, ...rest]),
        );

  it.each(permutations([0, 1, 2]).map((order) => [order.join(',')]))(
    'order %s ends refunded',
    async (order) => {
      const p = await seedPayment();
      const events = sequence(p);
      for (const i of order.split(',').map(Number)) expect((await deliver(events[i])).status).toBe(200);
      await assertConsistent(p);
    },
  );

  it('ten concurrent deliveries (duplicates included) end consistent', async () => {
    const p = await seedPayment();
    const events = sequence(p);
    const burst = [0, 1, 2, 0, 1, 2, 2, 1, 0, 1].map((i) => events[i]);
    const results = await Promise.all(burst.map(deliver));
    expect(results.map((r) => r.status)).toEqual(Array(10).fill(200));
    await assertConsistent(p);
  });
});

describe('limits and failures', () => {
  it('refuses a body over 256 KiB with 413 before verifying it', async () => {
    const p = await seedPayment();
    const huge = { ...eventFor(p, 'paid', 1_700_000_100), padding: 'x'.repeat(257 * 1024) };
    const res = await deliver(huge);
    expect(res).toMatchObject({ status: 413, json: { error: { code: 'body_too_large' } } });
    expect((await record(p))?.status).toBe('created');
  });

  it('answers 500 when DynamoDB fails, so Conekta retries, and writes nothing', async () => {
    const { default: middy } = await import('@middy/core');
    const { createLogger } = await import('../../lib/http/logger.js');
    const { errorResponder } = await import('../../lib/http/middlewares.js');
    const { handleConektaWebhook } = await import('../../lib/http/conekta-webhook.js');
    const { DynamoReconcileStore } = await import('../../lib/store/reconcile.js');
    const { createPublicKey } = await import('node:crypto');
    const logger = createLogger('test', 'error');
    const broken = new DynamoReconcileStore(client, 'no-such-table');
    const handler = middy<APIGatewayProxyEventV2>()
      .use(errorResponder(logger))
      .handler((event) =>
        handleConektaWebhook(
          { store: broken, publicKeys: () => [createPublicKey(signer.publicKeyPem)], logger },
          event,
        ),
      );
    const p = await seedPayment();
    const { body, digest } = signedBody(eventFor(p, 'paid', 1_700_000_100), signer);
    const res = (await handler(
      { body: body.toString(), isBase64Encoded: false, headers: { digest } } as never,
      {} as never,
    )) as { statusCode: number; body: string };
    expect(res.statusCode).toBe(500);
    expect(JSON.parse(res.body)).toEqual({
      error: { code: 'internal_error', message: expect.any(String), details: [] },
    });
    expect((await record(p))?.status).toBe('created');
  });
});
