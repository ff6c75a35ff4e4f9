/**
 * Notification figures, on the same machinery as `npm start`: DynamoDB Local's stream, the
 * local-aws-sqs server, the deployed enqueuer and delivery handlers behind local/event-sources.ts,
 * storefronts on 127.0.0.1.
 * - throughput: N payments written to the table -> N signed POSTs received; notifications/s.
 * - fairness: a storefront that accepts connections and never answers holds a backlog of B
 *   messages; meanwhile a healthy storefront's notifications (500 on the first attempt, 2xx on the
 *   second) are measured: how late each attempt came after its scheduled time (0 for the first,
 *   the schedule's wait for the retry).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { makeDeliveryHandler } from '../../functions/notification-delivery.js';
import { makeEnqueuerHandler } from '../../functions/notification-enqueuer.js';
import { PagosMetrics } from '../../lib/http/metrics.js';
import { HostBreakers } from '../../lib/notify/breaker.js';
import { readNotifyConfig } from '../../lib/notify/config.js';
import { postNotification } from '../../lib/notify/delivery.js';
import { HostSlots } from '../../lib/notify/limiter.js';
import { newQueuedNotification } from '../../lib/notify/message.js';
import { type Outgoing, SqsNotificationQueue } from '../../lib/notify/queue.js';
import { cachedSigningSecrets } from '../../lib/notify/secrets.js';
import type { StorefrontNotification } from '../../lib/payments/notifications.js';
import { DynamoMerchantStore } from '../../lib/store/merchants.js';
import { DynamoPaymentStore } from '../../lib/store/payments.js';
import { table } from '../../lib/store/table.js';
import { type Poller, pollQueue, pollTableStream, readStreamFilters } from '../../local/event-sources.js';
import { createQueues, localSqsClient, notificationQueueNames, startLocalSqs } from '../../local/sqs.js';
import { createTables } from '../../local/tables.js';
import { BENCH_MERCHANT, createdPayment, reference } from './fixtures.js';
import { runPool } from './serve.js';
import { percentile } from './stats.js';

type Storefront = { url: string; server: Server; arrivals: Map<string, number[]>; connections: () => number };

/** `answer(nth attempt of this id)`: a status code, or 'silent' (accept, never answer). */
async function storefront(answer: (nth: number) => number | 'silent'): Promise<Storefront> {
  const arrivals = new Map<string, number[]>();
  let connections = 0;
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const at = Date.now();
    const id = String(req.headers['pagos-notification-id'] ?? '');
    const list = arrivals.get(id) ?? [];
    list.push(at);
    arrivals.set(id, list);
    const what = answer(list.length);
    if (what !== 'silent') res.writeHead(what).end();
  });
  server.on('connection', () => {
    connections += 1;
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/pagos/notify`,
    server,
    arrivals,
    connections: () => connections,
  };
}

const close = (s: Storefront) =>
  new Promise<void>((r) => {
    s.server.closeAllConnections();
    s.server.close(() => r());
  });

type Stack = {
  payments: DynamoPaymentStore;
  queue: SqsNotificationQueue;
  metricLines: Record<string, unknown>[];
  stop(): Promise<void>;
};

/** The pipeline with the deployed handlers, on its own table and SQS server. */
async function stack(
  dynamoEndpoint: string,
  tableName: string,
  options: { retrySchedule: number[]; concurrency: number; withStream: boolean },
): Promise<Stack> {
  await createTables(dynamoEndpoint, { paymentsTable: tableName });
  const dynamo = new DynamoDBClient({ endpoint: dynamoEndpoint });
  const sqsServer = await startLocalSqs();
  const sqs = localSqsClient(sqsServer.endpoint);
  const urls = await createQueues(sqs, notificationQueueNames(tableName));
  const queue = new SqsNotificationQueue(sqs, {
    queue: urls.NotificationQueue!,
    dead: urls.NotificationDeadLetterQueue!,
  });
  const metricLines: Record<string, unknown>[] = [];
  const metrics = new PagosMetrics({ stage: 'bench', sink: (l) => metricLines.push(JSON.parse(l)) });
  const quiet = { info: () => {}, warn: () => {}, error: () => {} };
  // The production settings (timeout 5 s, breaker 3 / 60 s), but the bench's short schedule.
  const config = readNotifyConfig({ PAGOS_LOCAL_MODE: 'true' });
  const store = table(dynamo, tableName);
  const pollers: Poller[] = [];
  if (options.withStream) {
    pollers.push(
      await pollTableStream({
        dynamo,
        endpoint: dynamoEndpoint,
        tableName,
        handler: makeEnqueuerHandler({
          queue,
          metrics,
          now: Date.now,
          log: quiet,
          publish: () => metrics.publishStoredMetrics(),
        }),
        filters: await readStreamFilters(),
        idleMs: 20,
      }),
    );
  }
  pollers.push(
    await pollQueue({
      sqs,
      queueUrl: urls.NotificationQueue!,
      concurrency: options.concurrency,
      waitTimeSeconds: 1,
      handler: makeDeliveryHandler({
        ...config,
        slots: new HostSlots(config.perHostConcurrency),
        retrySchedule: options.retrySchedule,
        secrets: cachedSigningSecrets(new DynamoMerchantStore(store), config.secretCacheMs),
        post: postNotification,
        queue,
        breakers: new HostBreakers(config.breaker),
        metrics,
        log: quiet,
        now: Date.now,
        functionTimeoutMs: 30_000,
        publish: () => metrics.publishStoredMetrics(),
      }),
    }),
  );
  return {
    payments: new DynamoPaymentStore(store),
    queue,
    metricLines,
    stop: async () => {
      await Promise.all(pollers.map((p) => p.stop()));
      sqs.destroy();
      await sqsServer.stop();
      dynamo.destroy();
    },
  };
}

const waitUntil = async (check: () => boolean, maxMs: number): Promise<boolean> => {
  const deadline = Date.now() + maxMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
};

export type ThroughputResult = {
  n: number;
  delivered: number;
  elapsedMs: number;
  perSecond: number;
  p50: number;
  p99: number;
};

/** N payment changes written to the table; how fast their notifications reach a healthy storefront. */
export async function notificationThroughput(
  dynamoEndpoint: string,
  n: number,
  maxMs: number,
): Promise<ThroughputResult> {
  const shop = await storefront(() => 204);
  const s = await stack(dynamoEndpoint, 'bench-notify-throughput', {
    retrySchedule: [60],
    concurrency: 8,
    withStream: true,
  });
  try {
    const records = Array.from({ length: n }, (_, i) =>
      createdPayment(BENCH_MERCHANT, reference('nt', i), shop.url),
    );
    const written = new Map<string, number>();
    const started = Date.now();
    await runPool(records, 16, Number.POSITIVE_INFINITY, async (r) => {
      written.set(r.referenceId, Date.now());
      await s.payments.insert(r);
    });
    await waitUntil(() => shop.arrivals.size >= n, maxMs);
    const elapsedMs = Math.max(...[...shop.arrivals.values()].map((a) => a[0]!)) - started;
    const latencies = [...shop.arrivals.values()].map((a) => a[0]!);
    // End to end per notification is not attributable to a write here (ids are hashes); report the spread.
    const firsts = latencies.map((t) => t - started);
    return {
      n,
      delivered: shop.arrivals.size,
      elapsedMs,
      perSecond: (shop.arrivals.size / elapsedMs) * 1000,
      p50: percentile(firsts, 50),
      p99: percentile(firsts, 99),
    };
  } finally {
    await s.stop();
    await close(shop);
  }
}

export type FairnessResult = {
  /** From the backlog on the queue to every message of it attempted or put off once. */
  firstPassMs: number;
  backlog: number;
  healthy: number;
  waitSeconds: number;
  /** ms after the scheduled time: first attempts (due at once) and retries (due after the wait). */
  firstLateness: { p50: number; p99: number };
  retryLateness: { p50: number; p99: number };
  lateness: { p50: number; p99: number };
  completed: number;
  silentConnections: number;
  deferred: number;
};

const notification = (i: number, host: string): StorefrontNotification => ({
  id: `ntf_bench_${host}_${String(i).padStart(6, '0')}`,
  type: 'payment.paid',
  merchant: BENCH_MERCHANT,
  livemode: false,
  provider: 'conekta',
  reference_id: reference(host, i),
  order_id: `ord_${String(i).padStart(17, '0')}`,
  status: 'paid',
  amount: '1000.00',
  amount_cents: 100_000,
  amount_refunded_cents: 0,
  currency: 'MXN',
  occurred_at: new Date().toISOString(),
});

/** A healthy storefront's delivery delay while a silent one holds a backlog of `backlog` messages. */
export async function fairness(
  dynamoEndpoint: string,
  plan: { backlog: number; healthy: number; waitSeconds: number; spacingMs: number; maxMs: number },
): Promise<FairnessResult> {
  const silent = await storefront(() => 'silent');
  const healthy = await storefront((nth) => (nth === 1 ? 500 : 204));
  const s = await stack(dynamoEndpoint, 'bench-notify-fairness', {
    // The healthy host's retry is due after waitSeconds; the last step keeps the whole schedule
    // (what a message may wait before it is dead) at an hour, so the silent host's backlog stays a
    // backlog for the whole run instead of being dead-lettered at its first re-surfacing.
    retrySchedule: [plan.waitSeconds, plan.waitSeconds, 3600],
    concurrency: 8,
    withStream: false,
  });
  try {
    // The backlog is on the queue before the healthy storefront's first notification.
    const backlog: Outgoing[] = Array.from({ length: plan.backlog }, (_, i) => ({
      key: String(i),
      message: newQueuedNotification(silent.url, notification(i, 'silent'), Date.now()),
      delaySeconds: 0,
    }));
    const chunks: Outgoing[][] = [];
    for (let i = 0; i < backlog.length; i += 100) chunks.push(backlog.slice(i, i + 100));
    await runPool(chunks, 8, Number.POSITIVE_INFINITY, async (chunk) => {
      const failed = await s.queue.send(chunk, 'queue');
      if (failed.size > 0) throw new Error(`backlog: ${failed.size} not queued`);
    });
    // The first pass: the silent host's breaker opens and its messages are put off; local-aws-sqs
    // has no fair queues, so a healthy message behind this pass waits for it (SQS fair queues
    // would serve it first). Measured apart; the target is the steady state after it.
    const passStarted = Date.now();
    const deferredNow = () =>
      s.metricLines.reduce((sum, l) => {
        const v = l.NotificationsDeferred;
        return sum + (Array.isArray(v) ? v.length : Number(v ?? 0));
      }, 0);
    await waitUntil(() => deferredNow() + silent.connections() >= plan.backlog, plan.maxMs);
    const firstPassMs = Date.now() - passStarted;
    const sentAt = new Map<string, number>();
    for (let i = 0; i < plan.healthy; i++) {
      const n = notification(i, 'healthy');
      sentAt.set(n.id, Date.now());
      await s.queue.send(
        [{ key: n.id, message: newQueuedNotification(healthy.url, n, Date.now()), delaySeconds: 0 }],
        'queue',
      );
      await new Promise((r) => setTimeout(r, plan.spacingMs));
    }
    await waitUntil(
      () => [...sentAt.keys()].every((id) => (healthy.arrivals.get(id)?.length ?? 0) >= 2),
      plan.maxMs,
    );
    const first: number[] = [];
    const retry: number[] = [];
    let completed = 0;
    for (const [id, sent] of sentAt) {
      const a = healthy.arrivals.get(id) ?? [];
      // Never arrived within the run: as late as the run allowed (a lower bound).
      first.push((a[0] ?? Date.now()) - sent);
      retry.push((a[1] ?? Date.now()) - ((a[0] ?? Date.now()) + plan.waitSeconds * 1000));
      if (a.length >= 2) completed += 1;
    }
    const both = [...first, ...retry];
    const deferred = deferredNow();
    return {
      firstPassMs,
      backlog: plan.backlog,
      healthy: plan.healthy,
      waitSeconds: plan.waitSeconds,
      firstLateness: { p50: percentile(first, 50), p99: percentile(first, 99) },
      retryLateness: { p50: percentile(retry, 50), p99: percentile(retry, 99) },
      lateness: { p50: percentile(both, 50), p99: percentile(both, 99) },
      completed,
      silentConnections: silent.connections(),
      deferred,
    };
  } finally {
    await s.stop();
    await Promise.all([close(silent), close(healthy)]);
  }
}
