/**
 * The payments table's stream -> the notification queue: wiring only (lib/notify/enqueue.ts).
 * The event source mapping (serverless.yml) passes only payment items and retries from the record
 * this handler reports (ReportBatchItemFailures), so one failed send does not redo the batch.
 */
import { SQSClient } from '@aws-sdk/client-sqs';
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { awsClientSettings, withoutSdkLogging } from '../lib/config.js';
import { createLogger } from '../lib/http/logger.js';
import { PagosMetrics } from '../lib/http/metrics.js';
import { readNotifyConfig, requireQueues } from '../lib/notify/config.js';
import { type EnqueueDeps, enqueueChanges, type TableChange } from '../lib/notify/enqueue.js';
import { SqsNotificationQueue } from '../lib/notify/queue.js';
import type { Item } from '../lib/store/table.js';

/** Lambda's record, in our terms (the images are the same AttributeValue JSON as GetItem's). */
export function tableChangeOf(record: DynamoDBRecord): TableChange {
  return {
    id: record.dynamodb?.SequenceNumber ?? record.eventID ?? '',
    kind: (record.eventName ?? 'MODIFY') as TableChange['kind'],
    ...(record.dynamodb?.OldImage && { oldImage: record.dynamodb.OldImage as unknown as Item }),
    ...(record.dynamodb?.NewImage && { newImage: record.dynamodb.NewImage as unknown as Item }),
  };
}

export type EnqueuerHandler = (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>;

export function makeEnqueuerHandler(deps: EnqueueDeps & { publish?: () => void }): EnqueuerHandler {
  return async (event) => {
    try {
      const { retryFrom } = await enqueueChanges(deps, (event.Records ?? []).map(tableChangeOf));
      return { batchItemFailures: retryFrom ? [{ itemIdentifier: retryFrom }] : [] };
    } finally {
      deps.publish?.();
    }
  };
}

const config = readNotifyConfig();
const logger = createLogger('pagos-notifications', process.env.POWERTOOLS_LOG_LEVEL || process.env.LOG_LEVEL);
const metrics = new PagosMetrics({ stage: config.stage });
const sqs = withoutSdkLogging(
  new SQSClient(awsClientSettings(Number(process.env.FUNCTION_TIMEOUT_MS) || 30_000)),
);
const queue = new SqsNotificationQueue(sqs, {
  queue: config.queueUrl,
  dead: config.deadLetterQueueUrl,
});
const wired = makeEnqueuerHandler({
  queue,
  metrics,
  now: Date.now,
  log: logger,
  publish: () => metrics.publishStoredMetrics(),
});

export const handler: EnqueuerHandler = async (event) => {
  requireQueues(config);
  return wired(event);
};
