/**
 * The notification pipeline on real engines for integration tests: a payments table on the
 * shared DynamoDB Local (its stream), an SQS server speaking the wire protocol (local-aws-sqs),
 * the deployed handlers (functions/notification-*.ts) driven by local/event-sources.ts, and
 * storefront receivers on 127.0.0.1. Nothing of ours is replaced; only clocks of the schedule
 * are shortened through the same settings the functions read.
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { makeDeliveryHandler } from '../../functions/notification-delivery.js';
import { makeEnqueuerHandler } from '../../functions/notification-enqueuer.js';
import { PagosMetrics } from '../../lib/http/metrics.js';
import { HostBreakers } from '../../lib/notify/breaker.js';
import { postNotification } from '../../lib/notify/delivery.js';
import { HostSlots } from '../../lib/notify/limiter.js';
import { SqsNotificationQueue } from '../../lib/notify/queue.js';
import { cachedSigningSecrets } from '../../lib/notify/secrets.js';
import { DynamoMerchantStore } from '../../lib/store/merchants.js';
import { DynamoPaymentStore } from '../../lib/store/payments.js';
import { table } from '../../lib/store/table.js';
import { type Poller, pollQueue, pollTableStream, readStreamFilters } from '../../local/event-sources.js';
import { createQueues, localSqsClient, notificationQueueNames, startLocalSqs } from '../../local/sqs.js';
import { createTestTable, dynamoEndpoint, testDynamoClient } from './dynamodb.js';

export { type Answer, type Received, type Receiver, startReceiver } from './receiver.js';

export type PipelineOptions = {
  retrySchedule?: readonly number[];
  timeoutMs?: number;
  breaker?: { threshold: number; cooldownMs: number; maxCooldownMs: number };
  localMode?: boolean;
  concurrency?: number;
};

export type Pipeline = {
  tableName: string;
  sqs: SQSClient;
  sqsEndpoint: string;
  queueUrl: string;
  deadLetterQueueUrl: string;
  payments: DynamoPaymentStore;
  merchants: DynamoMerchantStore;
  /** Every EMF line the two functions wrote. */
  metricLines: Record<string, unknown>[];
  stop(): Promise<void>;
};

export async function startPipeline(prefix: string, options: PipelineOptions = {}): Promise<Pipeline> {
  const tableName = await createTestTable(prefix);
  const dynamo = testDynamoClient();
  const sqsServer = await startLocalSqs();
  const sqs = localSqsClient(sqsServer.endpoint);
  const urls = await createQueues(sqs, notificationQueueNames(tableName)).catch(async (error) => {
    await sqsServer.stop(); // a failed start leaves nothing running
    throw error;
  });
  const queueUrl = urls.NotificationQueue!;
  const deadLetterQueueUrl = urls.NotificationDeadLetterQueue!;
  const metricLines: Record<string, unknown>[] = [];
  const metrics = new PagosMetrics({ stage: 'test', sink: (line) => metricLines.push(JSON.parse(line)) });
  const quiet = {
    info: () => {},
    warn: () => {},
    error: (...a: unknown[]) => process.env.PIPELINE_DEBUG && console.error(...a),
  };
  const queue = new SqsNotificationQueue(sqs, { queue: queueUrl, dead: deadLetterQueueUrl });
  const store = table(dynamo, tableName);
  const merchants = new DynamoMerchantStore(store);
  const enqueuer = makeEnqueuerHandler({
    queue,
    metrics,
    now: Date.now,
    log: quiet,
    publish: () => metrics.publishStoredMetrics(),
  });
  const delivery = makeDeliveryHandler({
    retrySchedule: options.retrySchedule ?? [1, 1, 1],
    timeoutMs: options.timeoutMs ?? 1_000,
    localMode: options.localMode ?? true,
    slots: new HostSlots(2),
    slotWaitMs: 1_000,
    secrets: cachedSigningSecrets(merchants, 1),
    post: postNotification,
    queue,
    breakers: new HostBreakers(options.breaker ?? { threshold: 3, cooldownMs: 1_000, maxCooldownMs: 4_000 }),
    metrics,
    log: quiet,
    now: Date.now,
    functionTimeoutMs: 30_000,
    publish: () => metrics.publishStoredMetrics(),
  });
  const pollers: Poller[] = [
    await pollTableStream({
      dynamo,
      endpoint: dynamoEndpoint(),
      tableName,
      handler: enqueuer,
      filters: await readStreamFilters(),
      idleMs: 50,
    }),
    await pollQueue({
      sqs,
      queueUrl,
      handler: delivery,
      concurrency: options.concurrency ?? 4,
      waitTimeSeconds: 1,
    }),
  ];
  return {
    tableName,
    sqs,
    sqsEndpoint: sqsServer.endpoint,
    queueUrl,
    deadLetterQueueUrl,
    payments: new DynamoPaymentStore(store),
    merchants,
    metricLines,
    stop: async () => {
      await Promise.all(pollers.map((p) => p.stop()));
      sqs.destroy();
      await sqsServer.stop();
      dynamo.destroy();
    },
  };
}

/** Waits until `check` returns a value (not undefined/false); fails with `what` after `ms`. */
export async function until<T>(
  what: string,
  check: () => T | undefined | false | Promise<T | undefined | false>,
  ms = 20_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value as T;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The EMF lines that count `metric`. */
export const metricsNamed = (lines: Record<string, unknown>[], metric: string) =>
  lines.filter((l) => metric in l);

/** The total of `metric` over every EMF line (a batched line holds a number or a list of them). */
export const metricTotal = (lines: Record<string, unknown>[], metric: string): number =>
  lines.reduce((n, l) => {
    const v = l[metric];
    return n + (Array.isArray(v) ? v.reduce((a: number, b) => a + Number(b), 0) : Number(v ?? 0));
  }, 0);
