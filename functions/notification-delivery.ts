/**
 * The notification queue -> storefronts: wiring only (lib/notify/deliver.ts). The SQS event source
 * mapping (serverless.yml, ReportBatchItemFailures) deletes every message not reported here;
 * the reported ones come back after the queue's visibility timeout.
 */
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { awsClientSettings } from '../lib/config.js';
import { createLogger } from '../lib/http/logger.js';
import { PagosMetrics } from '../lib/http/metrics.js';
import { HostBreakers } from '../lib/notify/breaker.js';
import { readNotifyConfig, requireQueues } from '../lib/notify/config.js';
import { type DeliverDeps, deliverBatch } from '../lib/notify/deliver.js';
import { postNotification } from '../lib/notify/delivery.js';
import { HostSlots } from '../lib/notify/limiter.js';
import { lazySqsClient, SqsNotificationQueue } from '../lib/notify/queue.js';
import { cachedSigningSecrets } from '../lib/notify/secrets.js';
import { DynamoMerchantStore } from '../lib/store/merchants.js';
import { dynamoClient, table } from '../lib/store/table.js';

export type DeliveryHandler = (
  event: SQSEvent,
  context?: Pick<Context, 'getRemainingTimeInMillis'>,
) => Promise<SQSBatchResponse>;

export function makeDeliveryHandler(
  deps: Omit<DeliverDeps, 'remainingMs'> & { functionTimeoutMs: number; publish?: () => void },
): DeliveryHandler {
  return async (event, context) => {
    const started = Date.now();
    const remainingMs = () =>
      context?.getRemainingTimeInMillis?.() ?? deps.functionTimeoutMs - (Date.now() - started);
    try {
      const records = (event.Records ?? []).map((r) => ({ messageId: r.messageId, body: r.body }));
      const { failedMessageIds } = await deliverBatch({ ...deps, remainingMs }, records);
      return { batchItemFailures: failedMessageIds.map((itemIdentifier) => ({ itemIdentifier })) };
    } finally {
      deps.publish?.();
    }
  };
}

const config = readNotifyConfig();
const logger = createLogger('pagos-notifications', process.env.POWERTOOLS_LOG_LEVEL || process.env.LOG_LEVEL);
const metrics = new PagosMetrics({ stage: config.stage });
const functionTimeoutMs = Number(process.env.FUNCTION_TIMEOUT_MS) || 30_000;
const merchants = new DynamoMerchantStore(
  table(dynamoClient({ functionTimeoutMs }), process.env.PAYMENTS_TABLE || 'pagos-local-payments'),
);
const wired = makeDeliveryHandler({
  retrySchedule: config.retrySchedule,
  timeoutMs: config.timeoutMs,
  localMode: config.localMode,
  slots: new HostSlots(config.perHostConcurrency),
  slotWaitMs: config.slotWaitMs,
  secrets: cachedSigningSecrets(merchants, config.secretCacheMs),
  post: postNotification,
  queue: new SqsNotificationQueue(lazySqsClient(awsClientSettings(functionTimeoutMs)), {
    queue: config.queueUrl,
    dead: config.deadLetterQueueUrl,
  }),
  breakers: new HostBreakers(config.breaker),
  metrics,
  log: logger,
  now: Date.now,
  functionTimeoutMs,
  publish: () => metrics.publishStoredMetrics(),
});

export const handler: DeliveryHandler = async (event, context) => {
  requireQueues(config);
  return wired(event, context);
};
