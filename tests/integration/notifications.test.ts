/**
 * Storefront notifications end to end against DynamoDB Local and real HTTP receivers on
 * 127.0.0.1: signed once-only delivery after a webhook, retries, dead-lettering and redrive,
 * concurrent sweepers, SSRF refusal at delivery, and a slow storefront next to a fast one.
 * Real deliveries run in local mode (loopback allowed); the refusal test turns it off and
 * injects the resolver, so no private address is ever dialled.
 */
import { createPublicKey, randomUUID } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type DynamoDBClient, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { handleConektaWebhook } from '../../lib/http/conekta-webhook.js';
import { createLogger } from '../../lib/http/logger.js';
import { PagosMetrics } from '../../lib/http/metrics.js';
import { type NotifyConfig, readNotifyConfig } from '../../lib/notify/config.js';
import { startLocalSweeper } from '../../lib/notify/local.js';
import {
  deliverNotificationNow,
  type NotifierDeps,
  type NotifyLog,
  sweepNotifications,
} from '../../lib/notify/sweeper.js';
import type { PaymentTag } from '../../lib/payments/ports.js';
import { buildNotification, notificationId } from '../../lib/payments/reconcile.js';
import { DynamoNotificationOutbox } from '../../lib/store/notifications.js';
import { DynamoPaymentStore } from '../../lib/store/payments.js';
import { DynamoReconcileStore, outboxPut } from '../../lib/store/reconcile.js';
import { orderEvent, signedBody, webhookSigner } from '../support/conekta-events.js';
import { createTestTable, testDynamoClient } from '../support/dynamodb.js';
import { seedPayment } from '../support/seed-payment.js';

type Verify = (rawBody: string | Buffer, header: string | undefined, secret: string) => boolean;

const SECRET = 'notify-test-secret';
const merchant = 'm_notify_test';
let verify: Verify;
let client: DynamoDBClient;

beforeAll(async () => {
  client = testDynamoClient();
  const path = '../../docs/verify-pagos-signature.mjs'; // the storefront snippet, as documented
  ({ verifyPagosSignature: verify } = (await import(path)) as { verifyPagosSignature: Verify });
});
afterAll(() => client.destroy());

// ---------------------------------------------------------------------------------------------
// Receivers: real HTTP servers on 127.0.0.1 whose answer each test scripts.

type Received = { raw: Buffer; headers: IncomingHttpHeaders };
type Answer = (n: number) => number | 'hang';
type Receiver = { url: string; port: number; received: Received[]; close(): Promise<void> };

async function receiver(
  answer: Answer = () => 200,
  port = 0,
  onEvent?: (e: string) => void,
): Promise<Receiver> {
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ raw: Buffer.concat(chunks), headers: req.headers });
      const what = answer(received.length);
      onEvent?.(`received ${what}`);
      if (what === 'hang') {
        // A storefront that sleeps 30 s; the socket closes when Pagos gives up.
        const timer = setTimeout(() => res.writeHead(200).end(), 30_000);
        res.on('close', () => {
          clearTimeout(timer);
          onEvent?.('hang closed');
        });
        return;
      }
      res.writeHead(what, { 'content-type': 'text/plain' }).end(what < 300 ? 'ok' : 'nope');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actual}/pagos/notify`,
    port: actual,
    received,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** A port nothing listens on: the receiver is down (connection refused). */
async function downPort(): Promise<number> {
  const r = await receiver();
  await r.close();
  return r.port;
}

// ---------------------------------------------------------------------------------------------
// Outbox and notifier, one table per test so sweeps never see another test's entries.

type Harness = {
  table: string;
  outbox: DynamoNotificationOutbox;
  deps: NotifierDeps;
  metrics: string[];
  logs: { level: string; message: string; fields?: Record<string, unknown> }[];
};

async function harness(
  config: Partial<NotifyConfig> = {},
  extra: Partial<NotifierDeps> = {},
): Promise<Harness> {
  const table = await createTestTable('notifications');
  const outbox = new DynamoNotificationOutbox(client, table);
  const metrics: string[] = [];
  const logs: Harness['logs'] = [];
  const log: NotifyLog = {
    info: (message, fields) => logs.push({ level: 'info', message, ...(fields && { fields }) }),
    warn: (message, fields) => logs.push({ level: 'warn', message, ...(fields && { fields }) }),
    error: (message, fields) => logs.push({ level: 'error', message, ...(fields && { fields }) }),
  };
  const notifyConfig = {
    ...readNotifyConfig({ PAGOS_LOCAL_MODE: 'true', NOTIFICATION_SIGNING_SECRET: SECRET }),
    retrySchedule: [0.05, 0.05, 0.05],
    timeoutMs: 2000,
    firstAttemptTimeoutMs: 2000,
    ...config,
  };
  const deps: NotifierDeps = {
    outbox,
    config: notifyConfig,
    log,
    // Dead notifications are written at once; delivered / retried counts wait for a publish.
    metrics: new PagosMetrics({ stage: notifyConfig.stage, sink: (line) => metrics.push(line) }),
    ...extra,
  };
  return { table, outbox, deps, metrics, logs };
}

/** Writes an outbox entry with the production writer (the same Put the webhook transaction uses). */
async function enqueue(h: Harness, url: string, status: 'paid' | 'refunded' = 'paid'): Promise<string> {
  const tag: PaymentTag = { merchant, referenceId: `ref-${randomUUID()}` };
  const at = new Date().toISOString();
  const payload = buildNotification(
    {
      merchant,
      referenceId: tag.referenceId,
      kind: 'link',
      provider: 'conekta',
      requestHash: 'h',
      status: 'created',
      amountCents: 123_450,
      currency: 'MXN',
      history: [],
      createdAt: at,
      updatedAt: at,
      orderId: `ord_${randomUUID().slice(0, 8)}`,
    },
    status,
    at,
  );
  await client.send(
    new TransactWriteItemsCommand({
      TransactItems: [outboxPut(h.table, tag, { payload, url }, at, Date.now())],
    }),
  );
  return payload.id;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Drives the sweeper the way EventBridge would, compressed: until `done` or a bounded number of sweeps. */
async function sweepUntil(h: Harness, done: () => Promise<boolean>, maxSweeps = 40): Promise<number> {
  for (let i = 1; i <= maxSweeps; i += 1) {
    await sweepNotifications(h.deps);
    if (await done()) return i;
    await sleep(60);
  }
  throw new Error(`not done after ${maxSweeps} sweeps`);
}

const stateOf = async (h: Harness, id: string) => (await h.outbox.get(id))?.state;

// ---------------------------------------------------------------------------------------------

describe('a paid payment, from webhook to storefront', () => {
  const signer = webhookSigner();

  async function paidPayment(h: Harness, notificationUrl: string) {
    const { referenceId, orderId } = await seedPayment(new DynamoPaymentStore(client, h.table), {
      merchant,
      notificationUrl,
    });
    const deps = {
      store: new DynamoReconcileStore(client, h.table),
      publicKeys: () => [createPublicKey(signer.publicKeyPem)],
      logger: createLogger('test', 'error'),
    };
    const eventFor = (eventId?: string) =>
      orderEvent(
        'order.paid',
        {
          id: orderId,
          payment_status: 'paid',
          updated_at: 1_700_000_100,
          metadata: { reference_id: referenceId, pagos_merchant: merchant },
          charges: {
            object: 'list',
            has_more: false,
            data: [
              { id: 'ch_1', status: 'paid', paid_at: 1_700_000_050, payment_method: { type: 'credit' } },
            ],
          },
        },
        eventId,
      );
    const deliverWebhook = async (event: unknown) => {
      const { body, digest } = signedBody(event, signer);
      return handleConektaWebhook(deps, {
        body: body.toString('utf8'),
        isBase64Encoded: false,
        headers: { digest },
      });
    };
    return {
      id: notificationId({ merchant, referenceId }, 'paid'),
      referenceId,
      orderId,
      eventFor,
      deliverWebhook,
    };
  }

  it('notifies the receiver once, signed so the documented snippet verifies it; a tampered body fails', async () => {
    const h = await harness();
    const shop = await receiver();
    try {
      const p = await paidPayment(h, shop.url);
      const res = await p.deliverWebhook(p.eventFor());
      expect(JSON.parse(res.body)).toEqual({ received: true, outcome: 'applied' });

      // What the webhook handler does after its transaction commits.
      expect(await deliverNotificationNow(h.deps, p.id)).toBe('delivered');
      for (let i = 0; i < 3; i += 1) await sweepNotifications(h.deps);

      expect(shop.received).toHaveLength(1);
      const [{ raw, headers }] = shop.received as [Received];
      expect(headers['content-type']).toBe('application/json');
      expect(headers['pagos-notification-id']).toBe(p.id);
      expect(verify(raw, headers['pagos-signature'] as string, SECRET)).toBe(true);
      expect(
        verify(raw.toString().replace('"1000.00"', '"1.00"'), headers['pagos-signature'] as string, SECRET),
      ).toBe(false);
      expect(JSON.parse(raw.toString())).toEqual({
        id: p.id,
        type: 'payment.paid',
        provider: 'conekta',
        reference_id: p.referenceId,
        order_id: p.orderId,
        status: 'paid',
        amount: '1000.00',
        amount_cents: 100_000,
        currency: 'MXN',
        livemode: false,
        occurred_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      });

      const entry = await h.outbox.get(p.id);
      expect(entry).toMatchObject({ state: 'delivered', attempts: 1, lastResult: 'delivered (HTTP 200)' });
      expect(entry?.log).toEqual([
        { attempt: 1, at: expect.any(String), ms: expect.any(Number), result: 'delivered', status: 200 },
      ]);
      // Delivered entries leave the index: nothing due, nothing dead.
      expect((await h.outbox.due(Date.now() + 86_400_000)).entries).toEqual([]);
      expect((await h.outbox.listDead()).entries).toEqual([]);
    } finally {
      await shop.close();
    }
  });

  it('the same status event three times makes one notification', async () => {
    const h = await harness();
    const shop = await receiver();
    try {
      const p = await paidPayment(h, shop.url);
      const event = p.eventFor();
      const outcomes: string[] = [];
      // The same event twice (Conekta's retry), then another event with the same status.
      for (const e of [event, event, p.eventFor()]) {
        outcomes.push(JSON.parse((await p.deliverWebhook(e)).body).outcome);
        await deliverNotificationNow(h.deps, p.id); // as the handler does after every 200
        await sweepNotifications(h.deps);
      }
      // Only the first moves the payment (the others are no-ops, whichever rule catches them).
      expect(outcomes[0]).toBe('applied');
      expect(outcomes.slice(1)).not.toContain('applied');
      await sweepNotifications(h.deps);
      expect(shop.received).toHaveLength(1);
    } finally {
      await shop.close();
    }
  });
});

describe('retries', () => {
  it('500 three times, then 200: delivered on the fourth attempt, every attempt recorded, nothing dead', async () => {
    const h = await harness();
    const shop = await receiver((n) => (n <= 3 ? 500 : 200));
    try {
      const id = await enqueue(h, shop.url);
      expect(await deliverNotificationNow(h.deps, id)).toBe('retry');
      await sweepUntil(h, async () => (await stateOf(h, id)) === 'delivered');

      expect(shop.received.map((r) => r.headers['pagos-attempt'])).toEqual(['1', '2', '3', '4']);
      expect(new Set(shop.received.map((r) => r.raw.toString())).size).toBe(1); // the same body every time
      for (const r of shop.received)
        expect(verify(r.raw, r.headers['pagos-signature'] as string, SECRET)).toBe(true);
      const entry = await h.outbox.get(id);
      expect(entry).toMatchObject({ state: 'delivered', attempts: 4 });
      expect(entry?.log.map((a) => [a.attempt, a.result, a.status])).toEqual([
        [1, 'http_status', 500],
        [2, 'http_status', 500],
        [3, 'http_status', 500],
        [4, 'delivered', 200],
      ]);
      expect(h.metrics).toEqual([]);
      expect((await h.outbox.listDead()).entries).toEqual([]);
    } finally {
      await shop.close();
    }
  });

  it('a receiver down for good: dead after the last attempt, counted in the metric; redrive delivers it', async () => {
    const h = await harness({ stage: 'test' });
    const port = await downPort();
    const id = await enqueue(h, `http://127.0.0.1:${port}/pagos/notify`);
    await sweepUntil(h, async () => (await stateOf(h, id)) === 'dead');

    const dead = await h.outbox.get(id);
    expect(dead).toMatchObject({ state: 'dead', attempts: 4, deadAt: expect.any(String) });
    expect(dead?.log.map((a) => a.result)).toEqual(['network', 'network', 'network', 'network']);
    expect(dead?.lastResult).toMatch(/ECONNREFUSED/);
    expect((await h.outbox.listDead()).entries.map((e) => e.id)).toEqual([id]);
    expect((await h.outbox.due(Date.now() + 86_400_000)).entries).toEqual([]);
    // Dead is final until redriven: more sweeps send nothing.
    await sweepNotifications(h.deps);
    expect((await h.outbox.get(id))?.attempts).toBe(4);

    expect(h.metrics.map((line) => JSON.parse(line))).toEqual([
      {
        _aws: {
          Timestamp: expect.any(Number),
          CloudWatchMetrics: [
            {
              Namespace: 'Pagos',
              Dimensions: [['Stage']],
              Metrics: [{ Name: 'DeadNotifications', Unit: 'Count' }],
            },
          ],
        },
        Stage: 'test',
        DeadNotifications: 1,
        notification_id: id,
        target: `127.0.0.1:${port}`,
        attempts: 4,
      },
    ]);
    expect(h.logs.filter((l) => l.level === 'error').map((l) => l.message)).toEqual([
      expect.stringMatching(/^notification dead/),
    ]);

    const shop = await receiver(() => 200, port); // back up, same address
    try {
      expect(await h.outbox.redrive(id, Date.now())).toBe(true);
      expect(await h.outbox.redrive(id, Date.now())).toBe(false); // no longer dead
      await sweepUntil(h, async () => (await stateOf(h, id)) === 'delivered');
      expect(shop.received).toHaveLength(1);
      const entry = await h.outbox.get(id);
      expect(entry).toMatchObject({ state: 'delivered', attempts: 1, redrives: 1 });
      expect(entry?.log).toHaveLength(5); // the earlier attempts are kept
      expect((await h.outbox.listDead()).entries).toEqual([]);
    } finally {
      await shop.close();
    }
  });

  it('a host name resolving to a private address is refused at delivery, never dialled, and ends dead', async () => {
    const resolved: string[] = [];
    const h = await harness(
      { localMode: false },
      {
        resolve: async (host) => {
          resolved.push(host);
          return [{ address: '10.0.0.7', family: 4 }];
        },
      },
    );
    const id = await enqueue(h, 'https://shop.example.test/pagos/notify');
    await sweepUntil(h, async () => (await stateOf(h, id)) === 'dead');
    const entry = await h.outbox.get(id);
    expect(entry?.log.map((a) => a.result)).toEqual(['refused', 'refused', 'refused', 'refused']);
    expect(entry?.lastResult).toBe('shop.example.test resolves to 10.0.0.7 (private)');
    expect(resolved).toEqual(Array(4).fill('shop.example.test'));
  });
});

describe('concurrency', () => {
  it('two sweepers at once send each notification exactly once', async () => {
    const h = await harness();
    const shop = await receiver();
    try {
      const ids = new Set<string>();
      for (let i = 0; i < 12; i += 1) ids.add(await enqueue(h, shop.url));
      const reports = await Promise.all([sweepNotifications(h.deps), sweepNotifications(h.deps)]);
      await sweepNotifications(h.deps);
      expect(shop.received.map((r) => r.headers['pagos-notification-id']).sort()).toEqual([...ids].sort());
      expect(reports.reduce((n, r) => n + (r.delivered ?? 0), 0)).toBe(12);
    } finally {
      await shop.close();
    }
  });

  it('a storefront that sleeps 30 s does not delay another one beyond the timeout', async () => {
    const events: string[] = [];
    const h = await harness({ timeoutMs: 300, concurrency: 3, perTargetConcurrency: 2 });
    const slow = await receiver(
      () => 'hang',
      0,
      (e) => events.push(`slow ${e}`),
    );
    const fast = await receiver(
      () => 200,
      0,
      (e) => events.push(`fast ${e}`),
    );
    try {
      // The slow storefront's notifications are older, so they come first in the sweep.
      const slowIds = [await enqueue(h, slow.url), await enqueue(h, slow.url), await enqueue(h, slow.url)];
      const fastId = await enqueue(h, fast.url);
      // One entry per page: the fast one is on the last page, behind all of the slow ones.
      const report = await sweepNotifications(h.deps, { pageSize: 1 });

      expect(events.indexOf('fast received 200')).toBeGreaterThanOrEqual(0);
      expect(events.indexOf('fast received 200')).toBeLessThan(events.indexOf('slow hang closed'));
      expect(await stateOf(h, fastId)).toBe('delivered');
      for (const id of slowIds)
        expect((await h.outbox.get(id))?.log.map((a) => a.result)).toEqual(['timeout']);
      expect(report).toMatchObject({ due: 4, delivered: 1, retry: 3 });
    } finally {
      await Promise.all([slow.close(), fast.close()]);
    }
  });
});

describe('the immediate first attempt', () => {
  it('never throws and leaves whatever it could not do to the sweeper', async () => {
    const h = await harness({ firstAttemptTimeoutMs: 200 });
    const slow = await receiver(() => 'hang');
    try {
      expect(await deliverNotificationNow(h.deps, 'ntf_does_not_exist')).toBe('not_claimed');
      const id = await enqueue(h, slow.url);
      expect(await deliverNotificationNow(h.deps, id)).toBe('retry');
      expect((await h.outbox.get(id))?.log.map((a) => a.result)).toEqual(['timeout']);
      // Already attempted: a second immediate call does nothing; the sweeper owns it now.
      expect(await deliverNotificationNow(h.deps, id)).toBe('not_claimed');

      const throttled = Object.assign(Object.create(h.outbox) as DynamoNotificationOutbox, {
        claim: () => Promise.reject(new Error('throttled')),
      });
      expect(await deliverNotificationNow({ ...h.deps, outbox: throttled }, id)).toBe('error');
      const unsigned = { ...h.deps, config: { ...h.deps.config, signingSecret: '' } };
      expect(await deliverNotificationNow(unsigned, id)).toBe('error');
      await expect(sweepNotifications(unsigned)).rejects.toThrow(/NOTIFICATION_SIGNING_SECRET/);
    } finally {
      await slow.close();
    }
  });
});

describe('startLocalSweeper', () => {
  it('delivers due notifications on its interval until stopped', async () => {
    const h = await harness();
    const shop = await receiver();
    const sweeper = startLocalSweeper({
      intervalMs: 50,
      env: {
        AWS_ENDPOINT_URL_DYNAMODB: process.env.AWS_ENDPOINT_URL_DYNAMODB,
        PAYMENTS_TABLE: h.table,
        NOTIFICATION_SIGNING_SECRET: SECRET,
      },
      log: h.deps.log,
    });
    try {
      const id = await enqueue(h, shop.url);
      for (let i = 0; i < 100 && shop.received.length === 0; i += 1) await sleep(50);
      expect(shop.received.map((r) => r.headers['pagos-notification-id'])).toEqual([id]);
    } finally {
      await sweeper.stop();
      await shop.close();
    }
    expect(() => startLocalSweeper({ intervalMs: 50, env: {} })).toThrow(/AWS_ENDPOINT_URL_DYNAMODB/);
  });
});
