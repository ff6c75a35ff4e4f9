// What Lambda's event source mappings do, for the local stack and the tests: the payments table's
// stream (DynamoDB Local) -> a stream handler, and an SQS queue (local-aws-sqs) -> a queue handler,
// with Lambda's event shapes and its ReportBatchItemFailures rules. The handlers are the deployed
// ones (functions/notification-*.ts); only the polling is local.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { DescribeTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  DescribeStreamCommand,
  DynamoDBStreamsClient,
  GetRecordsCommand,
  GetShardIteratorCommand,
  type _Record as StreamRecord,
} from '@aws-sdk/client-dynamodb-streams';
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type {
  Context,
  DynamoDBBatchResponse,
  DynamoDBRecord,
  DynamoDBStreamEvent,
  SQSBatchResponse,
  SQSEvent,
  SQSRecord,
} from 'aws-lambda';

export type Poller = { stop(): Promise<void> };
type Log = (message: string) => void;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A record as Lambda hands it over: JSON, so binary attributes arrive as base64 text where the
 * SDK's GetRecords gives bytes.
 */
export function asLambdaJson<T>(record: T): T {
  return JSON.parse(
    JSON.stringify(record, function (this: Record<string, unknown>, key, value) {
      const raw = this[key];
      return raw instanceof Uint8Array ? Buffer.from(raw).toString('base64') : value;
    }),
  ) as T;
}

/** Lambda's context as far as our handlers read it: the time left before the function's timeout. */
function contextFor(timeoutMs: number): Pick<Context, 'getRemainingTimeInMillis'> {
  const started = Date.now();
  return { getRemainingTimeInMillis: () => Math.max(0, timeoutMs - (Date.now() - started)) };
}

// ---- event filter (the subset of Lambda's filter patterns serverless.yml uses) ----

type Pattern = Record<string, unknown>;

/** Lambda's filter rule: every key of the pattern matches; a list is "any of" (values or {prefix}). */
export function matchesPattern(value: unknown, pattern: unknown): boolean {
  if (Array.isArray(pattern)) {
    return pattern.some((rule) => {
      if (rule !== null && typeof rule === 'object' && 'prefix' in rule)
        return typeof value === 'string' && value.startsWith(String((rule as { prefix: unknown }).prefix));
      return value === rule;
    });
  }
  if (pattern !== null && typeof pattern === 'object') {
    if (value === null || typeof value !== 'object') return false;
    return Object.entries(pattern as Pattern).every(([key, sub]) =>
      matchesPattern((value as Record<string, unknown>)[key], sub),
    );
  }
  return value === pattern;
}

// ---- DynamoDB stream -> handler ----

export type StreamHandler = (
  event: DynamoDBStreamEvent,
  context: Pick<Context, 'getRemainingTimeInMillis'>,
) => Promise<DynamoDBBatchResponse | undefined>;

export type StreamPollerOptions = {
  dynamo: DynamoDBClient;
  /** The stream's endpoint (DynamoDB Local serves both on one port). */
  endpoint: string;
  region?: string;
  tableName: string;
  handler: StreamHandler;
  batchSize?: number;
  /** Lambda's filterPatterns: a record reaches the handler if it matches any. */
  filters?: readonly Pattern[];
  /** A failing record is retried this many times, then skipped (Lambda: maximumRetryAttempts). */
  maxRetries?: number;
  idleMs?: number;
  timeoutMs?: number;
  log?: Log;
  /** Where each shard was read to, so a restart resumes there; unset: every start reads from the start. */
  checkpoint?: StreamCheckpoint;
};

/** The last sequence number handled per shard (Lambda keeps this in the event source mapping). */
export type StreamCheckpoint = {
  load(): Record<string, string>;
  save(shardId: string, sequenceNumber: string): void;
};

/** A checkpoint in a JSON file, rewritten atomically (a rename) on every save. */
export function fileCheckpoint(path: string): StreamCheckpoint {
  let positions: Record<string, string> = {};
  return {
    load() {
      if (!existsSync(path)) return {};
      try {
        positions = JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>;
      } catch (cause) {
        throw new Error(`${path} is not the stream checkpoint JSON; delete it or run npm start -- --fresh`, {
          cause,
        });
      }
      return { ...positions };
    },
    save(shardId, sequenceNumber) {
      positions = { ...positions, [shardId]: sequenceNumber };
      writeFileSync(`${path}.tmp`, JSON.stringify(positions));
      renameSync(`${path}.tmp`, path);
    },
  };
}

/**
 * Polls every shard of the table's stream in order, like Lambda's mapping: from the checkpoint
 * where there is one, else from the shard's start.
 */
export async function pollTableStream(options: StreamPollerOptions): Promise<Poller> {
  const log = options.log ?? (() => {});
  const { Table } = await options.dynamo.send(new DescribeTableCommand({ TableName: options.tableName }));
  const streamArn = Table?.LatestStreamArn;
  if (!streamArn) throw new Error(`table ${options.tableName} has no stream`);
  const streams = new DynamoDBStreamsClient({
    endpoint: options.endpoint,
    region: options.region ?? 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const iterators = new Map<string, string | undefined>(); // shard -> next iterator (undefined: closed)
  let stopped = false;
  const pending: StreamRecord[] = [];
  const resumeAt = options.checkpoint?.load() ?? {};

  const firstIterator = async (shardId: string): Promise<string | undefined> => {
    const after = resumeAt[shardId];
    if (after) {
      try {
        const { ShardIterator } = await streams.send(
          new GetShardIteratorCommand({
            StreamArn: streamArn,
            ShardId: shardId,
            ShardIteratorType: 'AFTER_SEQUENCE_NUMBER',
            SequenceNumber: after,
          }),
        );
        return ShardIterator;
      } catch (error) {
        // Trimmed past the checkpoint (24 h): what is left is all there is, as with Lambda.
        log(
          `shard ${shardId}: resuming after ${after} failed (${(error as Error).name}); reading from its start`,
        );
      }
    }
    const { ShardIterator } = await streams.send(
      new GetShardIteratorCommand({
        StreamArn: streamArn,
        ShardId: shardId,
        ShardIteratorType: 'TRIM_HORIZON',
      }),
    );
    return ShardIterator;
  };

  const discover = async () => {
    const { StreamDescription } = await streams.send(new DescribeStreamCommand({ StreamArn: streamArn }));
    for (const shard of StreamDescription?.Shards ?? []) {
      const id = shard.ShardId!;
      if (iterators.has(id)) continue;
      // A child shard waits until its parent is read to the end (Lambda keeps that order too).
      if (shard.ParentShardId && iterators.get(shard.ParentShardId) !== undefined) continue;
      iterators.set(id, await firstIterator(id));
    }
  };

  const toLambda = (r: StreamRecord): DynamoDBRecord =>
    asLambdaJson({
      eventID: r.eventID,
      eventName: r.eventName,
      eventVersion: r.eventVersion,
      eventSource: 'aws:dynamodb',
      awsRegion: options.region ?? 'us-east-1',
      eventSourceARN: streamArn,
      dynamodb: {
        ...r.dynamodb,
        ApproximateCreationDateTime: r.dynamodb?.ApproximateCreationDateTime
          ? Math.floor(new Date(r.dynamodb.ApproximateCreationDateTime).getTime() / 1000)
          : undefined,
      },
    }) as DynamoDBRecord;

  /** Records leave `pending` only here: done or skipped, so the checkpoint moves past them. */
  const consume = (shardId: string, count: number) => {
    const done = pending.splice(0, count);
    const last = done.at(-1)?.dynamodb?.SequenceNumber;
    if (last) options.checkpoint?.save(shardId, last);
  };

  /** Hands the pending records (all of one shard) to the handler until they are all done (or skipped). */
  const deliverPending = async (shardId: string) => {
    let retries = 0;
    while (pending.length > 0 && !stopped) {
      const batch = pending.slice(0, options.batchSize ?? 100);
      const records = batch.map(toLambda);
      let retryFrom: number | undefined;
      try {
        const answer = await options.handler({ Records: records }, contextFor(options.timeoutMs ?? 30_000));
        const failures = answer?.batchItemFailures ?? [];
        if (failures.length > 0) {
          const ids = new Set(failures.map((f) => f.itemIdentifier));
          const index = records.findIndex((r) => ids.has(r.dynamodb?.SequenceNumber ?? ''));
          retryFrom = index === -1 ? 0 : index; // an unknown identifier retries the whole batch
        }
      } catch (error) {
        log(`stream handler failed: ${error instanceof Error ? error.message : String(error)}`);
        retryFrom = 0;
      }
      if (retryFrom === undefined) {
        consume(shardId, batch.length);
        retries = 0;
        continue;
      }
      consume(shardId, retryFrom); // the records before the failed one are done
      retries += 1;
      if (retries > (options.maxRetries ?? 10)) {
        log(`stream record ${pending[0]?.dynamodb?.SequenceNumber} skipped after ${retries - 1} retries`);
        consume(shardId, 1);
        retries = 0;
        continue;
      }
      await sleep(Math.min(2_000, 50 * 2 ** retries));
    }
  };

  const loop = (async () => {
    let lastDiscover = 0;
    while (!stopped) {
      try {
        if (Date.now() - lastDiscover > 1_000) {
          await discover();
          lastDiscover = Date.now();
        }
        let got = 0;
        for (const [shard, iterator] of iterators) {
          if (!iterator || stopped) continue;
          const out = await streams.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 1000 }));
          iterators.set(shard, out.NextShardIterator);
          const records = (out.Records ?? []).filter(
            (r) => !options.filters || options.filters.some((f) => matchesPattern(toLambda(r), f)),
          );
          got += out.Records?.length ?? 0;
          pending.push(...records);
          await deliverPending(shard);
          // Filtered-out records are handled too: move past them even when none reached the handler.
          const lastRead = out.Records?.at(-1)?.dynamodb?.SequenceNumber;
          if (lastRead && pending.length === 0 && !stopped) options.checkpoint?.save(shard, lastRead);
        }
        if (got === 0) await sleep(options.idleMs ?? 100);
      } catch (error) {
        if (stopped) break;
        log(`stream poll failed: ${error instanceof Error ? error.message : String(error)}`);
        await sleep(500);
      }
    }
  })();

  return {
    stop: async () => {
      stopped = true;
      await loop;
      streams.destroy();
    },
  };
}

// ---- SQS queue -> handler ----

export type QueueHandler = (
  event: SQSEvent,
  context: Pick<Context, 'getRemainingTimeInMillis'>,
) => Promise<SQSBatchResponse | undefined>;

export type QueuePollerOptions = {
  sqs: SQSClient;
  queueUrl: string;
  handler: QueueHandler;
  batchSize?: number;
  /** Invocations at once (Lambda: the mapping's maximumConcurrency). */
  concurrency?: number;
  waitTimeSeconds?: number;
  timeoutMs?: number;
  log?: Log;
};

/** Long-polls the queue from `concurrency` loops; deletes what the handler did not name as failed. */
export async function pollQueue(options: QueuePollerOptions): Promise<Poller> {
  const log = options.log ?? (() => {});
  const { Attributes } = await options.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: options.queueUrl, AttributeNames: ['QueueArn'] }),
  );
  const arn = Attributes?.QueueArn ?? options.queueUrl;
  let stopped = false;

  const toLambda = (m: Message): SQSRecord =>
    ({
      messageId: m.MessageId!,
      receiptHandle: m.ReceiptHandle!,
      body: m.Body ?? '',
      attributes: m.Attributes ?? {},
      messageAttributes: {},
      md5OfBody: m.MD5OfBody ?? '',
      eventSource: 'aws:sqs',
      eventSourceARN: arn,
      awsRegion: 'us-east-1',
    }) as SQSRecord;

  const worker = async () => {
    while (!stopped) {
      try {
        const { Messages } = await options.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: options.queueUrl,
            MaxNumberOfMessages: options.batchSize ?? 10,
            WaitTimeSeconds: options.waitTimeSeconds ?? 1,
            MessageSystemAttributeNames: ['All'],
          }),
        );
        if (!Messages?.length) continue;
        const records = Messages.map(toLambda);
        let failed: Set<string>;
        try {
          const answer = await options.handler({ Records: records }, contextFor(options.timeoutMs ?? 30_000));
          failed = new Set((answer?.batchItemFailures ?? []).map((f) => f.itemIdentifier));
        } catch (error) {
          log(`queue handler failed: ${error instanceof Error ? error.message : String(error)}`);
          failed = new Set(records.map((r) => r.messageId)); // nothing is deleted
        }
        const done = records.filter((r) => !failed.has(r.messageId));
        if (done.length > 0) {
          await options.sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: options.queueUrl,
              Entries: done.map((r, i) => ({ Id: String(i), ReceiptHandle: r.receiptHandle })),
            }),
          );
        }
      } catch (error) {
        if (stopped) break;
        log(`queue poll failed: ${error instanceof Error ? error.message : String(error)}`);
        await sleep(500);
      }
    }
  };

  const workers = Array.from({ length: options.concurrency ?? 4 }, () => worker());
  return {
    stop: async () => {
      stopped = true;
      await Promise.all(workers);
    },
  };
}

/** The enqueuer's filterPatterns as serverless.yml declares them, so the local mapping filters alike. */
export async function readStreamFilters(functionName = 'notificationEnqueuer'): Promise<Pattern[]> {
  const [{ readFileSync }, { parse }, { cloudFormationTags, SERVERLESS_YML }] = await Promise.all([
    import('node:fs'),
    import('yaml'),
    import('./tables.js'),
  ]);
  const doc = parse(readFileSync(SERVERLESS_YML, 'utf8'), { customTags: cloudFormationTags() }) as {
    functions?: Record<string, { events?: { stream?: { filterPatterns?: Pattern[] } }[] }>;
  };
  return doc.functions?.[functionName]?.events?.find((e) => e.stream)?.stream?.filterPatterns ?? [];
}
