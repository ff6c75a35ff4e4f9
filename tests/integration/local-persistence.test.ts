/**
 * `npm start`'s persistence, part by part, on the real engines: the journaled local SQS keeps
 * pending messages (delays included) across a stop and a SIGKILL, and the table-stream poller
 * resumes from its checkpoint instead of handing old records to the enqueuer again.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { fileCheckpoint, pollTableStream } from '../../local/event-sources.js';
import { type LocalSqs, localSqsClient, startLocalSqs } from '../../local/sqs.js';
import { createTestTable, dynamoEndpoint, testDynamoClient } from '../support/dynamodb.js';
import { waitFor } from '../support/local-stack.js';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'pagos-persist-'));
  dirs.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

async function receiveAll(client: SQSClient, QueueUrl: string, waitSeconds = 1) {
  const { Messages } = await client.send(
    new ReceiveMessageCommand({
      QueueUrl,
      MaxNumberOfMessages: 10,
      WaitTimeSeconds: waitSeconds,
      VisibilityTimeout: 30,
    }),
  );
  return Messages ?? [];
}

/** Starts a journaled SQS with the queue, restoring what the journal holds. */
async function journaledSqs(journalPath: string, port?: number) {
  const sqs = await startLocalSqs({ journalPath, ...(port ? { port } : {}) });
  const client = localSqsClient(sqs.endpoint);
  const { QueueUrl } = await client.send(new CreateQueueCommand({ QueueName: 'persisted' }));
  // Clients send each call to its QueueUrl's host: it must be the journaling server's.
  expect(new URL(QueueUrl!).origin).toBe(sqs.endpoint);
  const restored = await sqs.restore();
  return { sqs, client, queueUrl: QueueUrl!, restored };
}

describe('the journaled local SQS', () => {
  let running: { sqs: LocalSqs; client: SQSClient } | undefined;
  afterEach(async () => {
    running?.client.destroy();
    await running?.sqs.stop();
    running = undefined;
  });

  it('gives back after a restart what was sent and not deleted, with its group and what is left of its delay', async () => {
    const journal = join(tempDir(), 'sqs.jsonl');
    const first = await journaledSqs(journal);
    running = first;
    await first.client.send(
      new SendMessageBatchCommand({
        QueueUrl: first.queueUrl,
        Entries: [
          { Id: 'a', MessageBody: 'handled', MessageGroupId: 'shop-a' },
          { Id: 'b', MessageBody: 'pending', MessageGroupId: 'shop-b' },
        ],
      }),
    );
    await first.client.send(
      new SendMessageCommand({ QueueUrl: first.queueUrl, MessageBody: 'later', DelaySeconds: 4 }),
    );
    const got = await waitFor(
      'both due messages',
      async () => {
        const messages = await receiveAll(first.client, first.queueUrl);
        return messages.length === 2 ? messages : undefined;
      },
      10_000,
    );
    const handled = got.find((m) => m.Body === 'handled')!;
    await first.client.send(
      new DeleteMessageCommand({ QueueUrl: first.queueUrl, ReceiptHandle: handled.ReceiptHandle }),
    );
    // 'pending' was received but not deleted (a delivery in flight when the process stopped).
    first.client.destroy();
    await first.sqs.stop();
    running = undefined;

    const second = await journaledSqs(journal);
    running = second;
    expect(second.restored).toBe(2);
    const now = await receiveAll(second.client, second.queueUrl, 0);
    expect(now.map((m) => m.Body)).toEqual(['pending']);
    const later = await waitFor(
      'the delayed message, once its delay is over',
      async () => {
        const messages = await receiveAll(second.client, second.queueUrl);
        return messages.length ? messages : undefined;
      },
      10_000,
    );
    expect(later.map((m) => m.Body)).toEqual(['later']);
    // Compacted: the journal now holds the two live messages under their new ids, nothing else.
    const lines = readFileSync(journal, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.op, l.body, l.groupId])).toEqual([
      ['send', 'pending', 'shop-b'],
      ['send', 'later', undefined],
    ]);
  });

  it('refuses a journal it cannot read, naming it', async () => {
    const journal = join(tempDir(), 'sqs.jsonl');
    writeFileSync(journal, 'not json\n{"op":"purge","queue":"persisted"}\n');
    const sqs = await startLocalSqs({ journalPath: journal });
    try {
      await expect(sqs.restore()).rejects.toThrow(`${journal}: line 1 is not JSON`);
    } finally {
      await sqs.stop();
    }
  });

  it('refuses the query protocol, which would change queues without a journal line', async () => {
    const journal = join(tempDir(), 'sqs.jsonl');
    const first = await journaledSqs(journal);
    running = first;
    const res = await fetch(first.sqs.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `Action=SendMessage&QueueUrl=${encodeURIComponent(first.queueUrl)}&MessageBody=x`,
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain('JSON protocol only');
    expect(await receiveAll(first.client, first.queueUrl, 0)).toEqual([]);
  });

  it('keeps every answered send when the process is killed with SIGKILL', async () => {
    const journal = join(tempDir(), 'sqs.jsonl');
    // The server in a child process, so it can really be killed.
    const script = `
      import { startLocalSqs, localSqsClient } from './local/sqs.ts';
      import { CreateQueueCommand } from '@aws-sdk/client-sqs';
      const sqs = await startLocalSqs({ journalPath: ${JSON.stringify(journal)} });
      const client = localSqsClient(sqs.endpoint);
      await client.send(new CreateQueueCommand({ QueueName: 'persisted' }));
      await sqs.restore();
      console.log('ENDPOINT ' + sqs.endpoint);
      setInterval(() => {}, 1000);
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: process.cwd(),
      env: { ...process.env, NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
    });
    child.stderr.on('data', (c) => {
      out += c;
    });
    const endpoint = await waitFor(
      'the child SQS',
      () => /ENDPOINT (\S+)/.exec(out)?.[1],
      30_000,
      () => out,
    );
    const client = localSqsClient(endpoint);
    const queueUrl = `${endpoint}/123456789012/persisted`;
    for (let i = 0; i < 20; i++)
      await client.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: `m${i}` }));
    client.destroy();
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;

    const after = await journaledSqs(journal);
    running = after;
    expect(after.restored).toBe(20);
    const bodies = new Set<string>();
    await waitFor(
      'all 20 messages',
      async () => {
        for (const m of await receiveAll(after.client, after.queueUrl, 0)) bodies.add(m.Body!);
        return bodies.size === 20 ? true : undefined;
      },
      10_000,
    );
  }, 60_000);
});

describe('the table-stream poller with a checkpoint', () => {
  it('resumes after the last record it handled, not from the start of the stream', async () => {
    const table = await createTestTable('stream-checkpoint');
    const dynamo = testDynamoClient();
    const checkpointPath = join(tempDir(), 'checkpoint.json');
    const seen: string[] = [];
    const handler = async (event: DynamoDBStreamEvent) => {
      for (const r of event.Records) seen.push(r.dynamodb?.Keys?.pk?.S ?? '?');
      return { batchItemFailures: [] };
    };
    const put = (pk: string) =>
      dynamo.send(new PutItemCommand({ TableName: table, Item: { pk: { S: pk }, sk: { S: 'x' } } }));
    const poll = () =>
      pollTableStream({
        dynamo,
        endpoint: dynamoEndpoint(),
        tableName: table,
        handler,
        checkpoint: fileCheckpoint(checkpointPath),
        idleMs: 20,
      });
    try {
      let poller = await poll();
      await put('one');
      await put('two');
      await waitFor(
        'two records',
        () => seen.length >= 2,
        15_000,
        () => seen.join(),
      );
      await poller.stop();
      await put('three'); // while nothing polls
      poller = await poll();
      await waitFor(
        'the third record',
        () => seen.includes('three'),
        15_000,
        () => seen.join(),
      );
      await new Promise((r) => setTimeout(r, 300));
      await poller.stop();
      expect(seen).toEqual(['one', 'two', 'three']);
      expect(Object.keys(JSON.parse(readFileSync(checkpointPath, 'utf8')))).toHaveLength(1);
    } finally {
      dynamo.destroy();
    }
  }, 60_000);

  it('refuses a checkpoint file it cannot read, naming it', () => {
    const path = join(tempDir(), 'checkpoint.json');
    writeFileSync(path, '{not json');
    expect(() => fileCheckpoint(path).load()).toThrow(`${path} is not the stream checkpoint JSON`);
  });
});
