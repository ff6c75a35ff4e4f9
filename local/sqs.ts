// A real-wire SQS on this machine (the `local-aws-sqs` server, JSON and query protocols) and the
// queues serverless.yml declares, created from that file so the local shape cannot drift.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  type QueueAttributeName,
  SendMessageCommand,
  type SendMessageCommandInput,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { createRequestHandler, createSqsServer } from 'local-aws-sqs';
import { parse } from 'yaml';
import { journalingProxy } from './sqs-journal.js';
import { cloudFormationTags, SERVERLESS_YML } from './tables.js';

export type LocalSqs = {
  endpoint: string;
  port: number;
  /**
   * With a journal: sends the messages still pending at the last stop again (call once, after
   * createQueues and before anything polls); the number restored. Without: 0.
   */
  restore(): Promise<number>;
  stop(): Promise<void>;
};

export type LocalSqsOptions = {
  port?: number;
  hostname?: string;
  /** Keep pending messages across restarts in this file (local/sqs-journal.ts); unset: memory only. */
  journalPath?: string;
};

export async function startLocalSqs(options: LocalSqsOptions = {}): Promise<LocalSqs> {
  const hostname = options.hostname ?? '127.0.0.1';
  if (!options.journalPath) {
    const server = await createSqsServer({
      port: options.port ?? 0,
      hostname,
      emulateQueueCreationLifecycle: false,
    });
    const { port } = server.address() as AddressInfo;
    return {
      endpoint: `http://${hostname}:${port}`,
      port,
      restore: async () => 0,
      stop: () => close(server),
    };
  }
  // The proxy listens first: local-aws-sqs writes its port into every QueueUrl, and the SDK sends
  // each call to its QueueUrl's host, so that port must be the proxy's or calls would bypass the journal.
  let upstream = '';
  const proxy = journalingProxy({ upstream: () => upstream, journalPath: options.journalPath });
  const port = await listen(proxy.server, options.port ?? 0, hostname);
  const { requestHandler } = createRequestHandler({ port, hostname, emulateQueueCreationLifecycle: false });
  const inner = createServer((req, res) => void requestHandler(req, res));
  upstream = `http://${hostname}:${await listen(inner, 0, hostname)}`;
  const endpoint = `http://${hostname}:${port}`;
  return {
    endpoint,
    port,
    restore: async () => {
      const client = localSqsClient(endpoint);
      const urls = new Map<string, string>();
      try {
        return await proxy.restore(async (queueName, entry) => {
          let url = urls.get(queueName);
          if (!url) {
            url = (await client.send(new GetQueueUrlCommand({ QueueName: queueName }))).QueueUrl!;
            urls.set(queueName, url);
          }
          const input: SendMessageCommandInput = { QueueUrl: url, ...entry } as SendMessageCommandInput;
          return (await client.send(new SendMessageCommand(input))).MessageId!;
        });
      } finally {
        client.destroy();
      }
    },
    stop: async () => {
      await close(proxy.server);
      await close(inner);
    },
  };
}

function listen(server: Server, port: number, hostname: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, hostname, () => resolve((server.address() as AddressInfo).port));
  });
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });
}

/** A client for the local server: fixed fake credentials, never the shell's. */
export function localSqsClient(endpoint: string, region = 'us-east-1'): SQSClient {
  return new SQSClient({ endpoint, region, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
}

type QueueDefinition = { logicalId: string; properties: Record<string, unknown> };

/** Every AWS::SQS::Queue in serverless.yml's resources.Resources. */
export function readQueueDefinitions(configPath: string = SERVERLESS_YML): QueueDefinition[] {
  const doc = parse(readFileSync(configPath, 'utf8'), { customTags: cloudFormationTags() }) as {
    resources?: { Resources?: Record<string, { Type?: string; Properties?: Record<string, unknown> }> };
  };
  return Object.entries(doc?.resources?.Resources ?? {})
    .filter(([, r]) => r?.Type === 'AWS::SQS::Queue')
    .map(([logicalId, r]) => ({ logicalId, properties: r.Properties ?? {} }));
}

/** Queue URLs by logical id (NotificationQueue, NotificationDeadLetterQueue). */
export type QueueUrls = Record<string, string>;

const COPIED: readonly QueueAttributeName[] = ['VisibilityTimeout', 'MessageRetentionPeriod', 'DelaySeconds'];

/**
 * Creates the declared queues (dead-letter targets first) named `names[logicalId]`, with their
 * visibility timeout, retention and redrive policy; idempotent.
 */
export async function createQueues(
  client: SQSClient,
  names: Record<string, string>,
  configPath?: string,
): Promise<QueueUrls> {
  const defs = readQueueDefinitions(configPath);
  // `!GetAtt X.Arn` reads as { 'Fn::GetAtt': 'X.Arn' }, the long form as ['X', 'Arn'].
  const redriveTarget = (def: QueueDefinition): string | undefined => {
    const getAtt = (
      def.properties.RedrivePolicy as
        | { deadLetterTargetArn?: { 'Fn::GetAtt'?: string | string[] } }
        | undefined
    )?.deadLetterTargetArn?.['Fn::GetAtt'];
    return typeof getAtt === 'string' ? getAtt.split('.')[0] : getAtt?.[0];
  };
  const ordered = [...defs].sort((a, b) => Number(!!redriveTarget(a)) - Number(!!redriveTarget(b)));
  const urls: QueueUrls = {};
  const arns: Record<string, string> = {};
  for (const def of ordered) {
    const name = names[def.logicalId];
    if (!name) throw new Error(`No local name for queue ${def.logicalId}`);
    const attributes: Partial<Record<QueueAttributeName, string>> = {};
    for (const key of COPIED) {
      const value = def.properties[key];
      if (value !== undefined) attributes[key] = String(value);
    }
    const target = redriveTarget(def);
    if (target) {
      const policy = def.properties.RedrivePolicy as { maxReceiveCount: number };
      const arn = arns[target];
      if (!arn) throw new Error(`${def.logicalId}: dead-letter queue ${target} not declared`);
      attributes.RedrivePolicy = JSON.stringify({
        deadLetterTargetArn: arn,
        maxReceiveCount: policy.maxReceiveCount,
      });
    }
    const { QueueUrl } = await client.send(
      new CreateQueueCommand({ QueueName: name, Attributes: attributes }),
    );
    const { Attributes } = await client.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    urls[def.logicalId] = QueueUrl!;
    arns[def.logicalId] = Attributes!.QueueArn!;
  }
  return urls;
}

/** The local names of the notification queues for a table (or stage) name prefix. */
export const notificationQueueNames = (prefix: string) => ({
  NotificationQueue: `${prefix}-notifications`,
  NotificationDeadLetterQueue: `${prefix}-notifications-dead`,
});
