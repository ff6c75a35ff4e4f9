/**
 * The notification queue on SQS. Sends go in batches of 10 (SendMessageBatch, SQS's limit), each
 * entry with the storefront's host as `MessageGroupId` (SQS fair queues: one storefront's backlog
 * does not delay the others) and its own `DelaySeconds` (at most 900). A send reports which of
 * its entries failed, so a caller retries exactly those.
 */
import type { SQSClient, SQSClientConfig } from '@aws-sdk/client-sqs';
import { withoutSdkLogging } from '../config.js';
import { encodeQueuedNotification, messageGroupOf, type QueuedNotification } from './message.js';

/** SQS's longest delivery delay: longer waits hop (lib/notify/deliver.ts). */
export const MAX_DELAY_SECONDS = 900;
const BATCH = 10;

export type Outgoing = {
  /** The caller's name for the entry, returned when it failed. */
  key: string;
  message: QueuedNotification;
  delaySeconds: number;
};

export type Destination = 'queue' | 'dead';

export interface NotificationQueue {
  /** Sends every entry; resolves with the keys of those SQS did not take, and why. */
  send(entries: readonly Outgoing[], to: Destination): Promise<Map<string, string>>;
}

export const delaySecondsUntil = (dueAt: number, now: number): number =>
  Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.ceil((dueAt - now) / 1000)));

// Loaded on first use: a delivery that succeeds never calls SQS (the event source deletes the
// message), so the delivery function does not pay for the SQS client at init (bench/README.md).
let sqsModule: Promise<typeof import('@aws-sdk/client-sqs')> | undefined;
const loadSqs = () => {
  sqsModule ??= import('@aws-sdk/client-sqs');
  return sqsModule;
};

/** An SQS client made on the first send, not at import. */
export const lazySqsClient = (config: SQSClientConfig) => async () =>
  withoutSdkLogging(new (await loadSqs()).SQSClient(config));

export class SqsNotificationQueue implements NotificationQueue {
  private made: Promise<SQSClient> | undefined;

  constructor(
    /** A client, or how to make one when the first message is sent (lazySqsClient). */
    private readonly client: SQSClient | (() => Promise<SQSClient>),
    private readonly urls: { queue: string; dead: string },
  ) {}

  private sqs(): Promise<SQSClient> {
    const { client } = this;
    if (typeof client !== 'function') return Promise.resolve(client);
    this.made ??= client();
    return this.made;
  }

  async send(entries: readonly Outgoing[], to: Destination): Promise<Map<string, string>> {
    const failed = new Map<string, string>();
    const url = to === 'queue' ? this.urls.queue : this.urls.dead;
    const batches: Outgoing[][] = [];
    for (let i = 0; i < entries.length; i += BATCH) batches.push(entries.slice(i, i + BATCH));
    let sqs: SQSClient;
    let SendMessageBatchCommand: typeof import('@aws-sdk/client-sqs').SendMessageBatchCommand;
    try {
      [sqs, { SendMessageBatchCommand }] = await Promise.all([this.sqs(), loadSqs()]);
    } catch (error) {
      // No client: every entry failed, so the caller keeps the messages (nothing is acknowledged).
      this.made = undefined;
      const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      return new Map(entries.map((e) => [e.key, reason]));
    }
    await Promise.all(
      batches.map(async (batch) => {
        try {
          const out = await sqs.send(
            new SendMessageBatchCommand({
              QueueUrl: url,
              Entries: batch.map((e, i) => ({
                Id: String(i),
                MessageBody: encodeQueuedNotification(e.message),
                MessageGroupId: messageGroupOf(e.message.url),
                DelaySeconds: Math.min(MAX_DELAY_SECONDS, Math.max(0, Math.round(e.delaySeconds))),
              })),
            }),
          );
          for (const f of out.Failed ?? []) {
            const entry = batch[Number(f.Id)];
            if (entry) failed.set(entry.key, `${f.Code ?? 'error'}: ${f.Message ?? ''}`.trim());
          }
        } catch (error) {
          const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
          for (const e of batch) failed.set(e.key, reason);
        }
      }),
    );
    return failed;
  }
}
