/**
 * The dead-letter queue's operator logic (lib/notify/dead-letters.ts) against an in-memory SQS
 * that answers exactly the commands it sends (ReceiveMessage, ChangeMessageVisibilityBatch,
 * SendMessage, DeleteMessage) with SQS's rules: at most 10 per receive and per batch, no empty
 * batch, a received message invisible for its visibility timeout, a new receipt handle for every
 * receive, and short polls that may come back empty while messages remain. No network.
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import {
  type DeadLetter,
  describeDeadLetter,
  listDeadLetters,
  redrive,
  release,
  revived,
  scanDeadLetters,
} from '../../lib/notify/dead-letters.js';
import { encodeQueuedNotification, type QueuedNotification } from '../../lib/notify/message.js';
import type { StorefrontNotification } from '../../lib/payments/notifications.js';

const urls = {
  queue: 'http://sqs.local/000000000000/notifications',
  dead: 'http://sqs.local/000000000000/dlq',
};

type Stored = { id: string; body?: string | undefined; invisibleUntil: number; handles: string[] };
// biome-ignore lint/suspicious/noExplicitAny: the fake sees the SDK's command inputs
type Input = Record<string, any>;
type Sent = { command: string; input: Input };

/**
 * An SQS server in memory. `clock` is its time (ms); `perReceive` how many messages a receive
 * returns at most (SQS may return fewer than asked); `emptyPolls` receives that come back empty
 * although messages are visible (short polling samples a subset of servers); `duplicates` message
 * ids delivered once more on the next receive although in flight (at-least-once delivery).
 */
class FakeSqs {
  clock = 1_000_000;
  perReceive = 10;
  emptyPolls = new Set<number>();
  duplicates = new Set<string>();
  readonly sent: Sent[] = [];
  private readonly queues = new Map<string, Stored[]>();
  private receipts = 0;
  private nextId = 0;

  constructor() {
    this.queues.set(urls.queue, []);
    this.queues.set(urls.dead, []);
  }

  put(url: string, body: string | undefined, id = `mid-${++this.nextId}`): string {
    this.queue(url).push({ id, body, invisibleUntil: 0, handles: [] });
    return id;
  }

  ids(url: string): string[] {
    return this.queue(url).map((m) => m.id);
  }

  bodies(url: string): string[] {
    return this.queue(url).map((m) => m.body ?? '');
  }

  visible(url: string): string[] {
    return this.queue(url)
      .filter((m) => m.invisibleUntil <= this.clock)
      .map((m) => m.id);
  }

  of(command: string): Input[] {
    return this.sent.filter((s) => s.command === command).map((s) => s.input);
  }

  readonly client = {
    send: async (command: unknown) => this.answer(command),
  } as unknown as SQSClient;

  private queue(url: string): Stored[] {
    const q = this.queues.get(url);
    if (!q) throw Object.assign(new Error(`no queue ${url}`), { name: 'QueueDoesNotExist' });
    return q;
  }

  private answer(command: unknown): unknown {
    if (this.sent.length > 500) throw new Error('runaway: more than 500 SQS calls');
    if (command instanceof ReceiveMessageCommand) return this.receive(command.input);
    if (command instanceof ChangeMessageVisibilityBatchCommand) return this.changeVisibility(command.input);
    if (command instanceof SendMessageCommand) return this.sendMessage(command.input);
    if (command instanceof DeleteMessageCommand) return this.deleteMessage(command.input);
    throw new Error(`the fake does not answer ${(command as object).constructor.name}`);
  }

  private record(command: string, input: Input) {
    this.sent.push({ command, input: structuredClone(input) });
  }

  private receive(input: Input) {
    this.record('ReceiveMessage', input);
    const max = input.MaxNumberOfMessages ?? 1;
    if (max < 1 || max > 10)
      throw Object.assign(new Error('MaxNumberOfMessages'), { name: 'InvalidParameterValue' });
    const nth = this.of('ReceiveMessage').length;
    if (this.emptyPolls.has(nth)) return {};
    const q = this.queue(input.QueueUrl);
    const picked = q.filter((m) => m.invisibleUntil <= this.clock || this.duplicates.has(m.id));
    const out = picked.slice(0, Math.min(max, this.perReceive));
    if (!out.length) return {};
    return {
      Messages: out.map((m) => {
        if (m.invisibleUntil > this.clock) this.duplicates.delete(m.id);
        m.invisibleUntil = this.clock + (input.VisibilityTimeout ?? 30) * 1000;
        const handle = `${m.id}/r${++this.receipts}`;
        m.handles.push(handle);
        return { MessageId: m.id, ReceiptHandle: handle, ...(m.body !== undefined && { Body: m.body }) };
      }),
    };
  }

  private byHandle(url: string, handle: string): Stored | undefined {
    return this.queue(url).find((m) => m.handles.includes(handle));
  }

  private changeVisibility(input: Input) {
    this.record('ChangeMessageVisibilityBatch', input);
    const entries: Input[] = input.Entries ?? [];
    if (!entries.length) throw Object.assign(new Error('no entries'), { name: 'EmptyBatchRequest' });
    if (entries.length > 10)
      throw Object.assign(new Error('over 10'), { name: 'TooManyEntriesInBatchRequest' });
    if (new Set(entries.map((e) => e.Id)).size !== entries.length)
      throw Object.assign(new Error('ids'), { name: 'BatchEntryIdsNotDistinct' });
    const Successful: { Id: string }[] = [];
    for (const e of entries) {
      const m = this.byHandle(input.QueueUrl, e.ReceiptHandle);
      if (m) m.invisibleUntil = this.clock + e.VisibilityTimeout * 1000;
      Successful.push({ Id: e.Id });
    }
    return { Successful, Failed: [] };
  }

  private sendMessage(input: Input) {
    this.record('SendMessage', input);
    const id = this.put(input.QueueUrl, input.MessageBody);
    return { MessageId: id };
  }

  private deleteMessage(input: Input) {
    this.record('DeleteMessage', input);
    const q = this.queue(input.QueueUrl);
    const m = this.byHandle(input.QueueUrl, input.ReceiptHandle);
    if (m) q.splice(q.indexOf(m), 1);
    return {};
  }
}

const notification = (id: string, type: string | null = 'payment.succeeded') =>
  ({ id, merchant: 'mch_1', ...(type !== null && { type }) }) as unknown as StorefrontNotification;

function queued(id: string, extra: Partial<QueuedNotification> = {}): QueuedNotification {
  return {
    v: 1,
    url: `https://Shop-${id}.Example.com:8443/hooks`,
    notification: notification(id),
    attempts: 5,
    due_at: 10,
    queued_at: 5,
    ...extra,
  };
}

const deadAt = Date.UTC(2024, 4, 6, 7, 8, 9, 123);
const dead = (id: string, reason = 'retries exhausted') =>
  queued(id, {
    dead: { at: deadAt, reason },
    last: { at: deadAt, result: 'http', status: 500 },
    deferrals: 3,
  });
const streamRecord = JSON.stringify({
  requestContext: { condition: 'RetryAttemptsExhausted' },
  DDBStreamBatchInfo: { shardId: 'shardId-1', startSequenceNumber: '100', endSequenceNumber: '120' },
});

describe('scanDeadLetters', () => {
  it('receives from the dead-letter queue, 10 at a time, holding each 60 s, without waiting', async () => {
    const sqs = new FakeSqs();
    sqs.put(urls.dead, encodeQueuedNotification(dead('ntf_1')));
    await scanDeadLetters(sqs.client, urls);
    for (const input of sqs.of('ReceiveMessage'))
      expect(input).toEqual({
        QueueUrl: urls.dead,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: 60,
        WaitTimeSeconds: 0,
      });
    // Held, not released: a scan alone leaves them invisible.
    expect(sqs.visible(urls.dead)).toEqual([]);
    sqs.clock += 60_000;
    expect(sqs.visible(urls.dead)).toHaveLength(1);
  });

  it('an empty queue costs exactly two receives and lists nothing', async () => {
    const sqs = new FakeSqs();
    expect(await scanDeadLetters(sqs.client, urls)).toEqual([]);
    expect(sqs.sent.map((s) => s.command)).toEqual(['ReceiveMessage', 'ReceiveMessage']);
  });

  it('keeps receiving across small answers and one empty poll, stopping after the second empty one', async () => {
    const sqs = new FakeSqs();
    sqs.perReceive = 3;
    const ids = Array.from({ length: 23 }, (_, i) =>
      sqs.put(urls.dead, encodeQueuedNotification(dead(`ntf_${i}`))),
    );
    sqs.emptyPolls.add(2);
    const letters = await scanDeadLetters(sqs.client, urls);
    expect(letters.map((l) => l.messageId)).toEqual(ids);
    // 8 answers with messages (3 * 7 + 2), the spurious empty one, then one more empty: 10 receives.
    expect(sqs.of('ReceiveMessage')).toHaveLength(10);
  });

  it('stops after two empty receives in all, even when they are not in a row', async () => {
    const sqs = new FakeSqs();
    sqs.perReceive = 1;
    sqs.put(urls.dead, encodeQueuedNotification(dead('ntf_a')));
    sqs.put(urls.dead, encodeQueuedNotification(dead('ntf_b')));
    sqs.put(urls.dead, encodeQueuedNotification(dead('ntf_c')));
    sqs.emptyPolls = new Set([2, 4]);
    const letters = await scanDeadLetters(sqs.client, urls);
    // ntf_a, empty, ntf_b, empty: done, ntf_c is never received.
    expect(letters.map((l) => l.message?.notification.id)).toEqual(['ntf_a', 'ntf_b']);
    expect(sqs.of('ReceiveMessage')).toHaveLength(4);
  });

  it('lists a message SQS delivers twice once, as it was first received', async () => {
    const sqs = new FakeSqs();
    sqs.perReceive = 1;
    const a = sqs.put(urls.dead, encodeQueuedNotification(dead('ntf_a')));
    const b = sqs.put(urls.dead, encodeQueuedNotification(dead('ntf_b')));
    sqs.duplicates.add(a);
    const letters = await scanDeadLetters(sqs.client, urls);
    expect(letters.map((l) => l.messageId)).toEqual([a, b]);
    expect(letters[0]!.receiptHandle).toBe(`${a}/r1`);
    expect(letters[1]!.receiptHandle).toBe(`${b}/r3`);
  });

  it('tells the kinds apart: dead, poison, unreadable (with or without a notification) and stream', async () => {
    const sqs = new FakeSqs();
    const deadOne = dead('ntf_dead');
    const poison = queued('ntf_poison');
    const unreadableDead = dead('ntf_unr', 'unreadable message: not JSON: {oops');
    const endsLikeIt = dead('ntf_ends', 'delivery failed: unreadable message');
    sqs.put(urls.dead, encodeQueuedNotification(deadOne), 'm-dead');
    sqs.put(urls.dead, encodeQueuedNotification(poison), 'm-poison');
    sqs.put(urls.dead, encodeQueuedNotification(unreadableDead), 'm-unr');
    sqs.put(urls.dead, encodeQueuedNotification(endsLikeIt), 'm-ends');
    sqs.put(urls.dead, streamRecord, 'm-stream');
    sqs.put(urls.dead, 'not json at all', 'm-garbage');
    sqs.put(urls.dead, JSON.stringify({ v: 1, url: 'https://x.example.com/' }), 'm-partial');
    const letters = await scanDeadLetters(sqs.client, urls);
    expect(letters).toEqual([
      { messageId: 'm-dead', receiptHandle: 'm-dead/r1', kind: 'dead', message: deadOne },
      { messageId: 'm-poison', receiptHandle: 'm-poison/r2', kind: 'poison', message: poison },
      { messageId: 'm-unr', receiptHandle: 'm-unr/r3', kind: 'unreadable', message: unreadableDead },
      { messageId: 'm-ends', receiptHandle: 'm-ends/r4', kind: 'dead', message: endsLikeIt },
      { messageId: 'm-stream', receiptHandle: 'm-stream/r5', kind: 'stream', raw: streamRecord },
      { messageId: 'm-garbage', receiptHandle: 'm-garbage/r6', kind: 'unreadable', raw: 'not json at all' },
      {
        messageId: 'm-partial',
        receiptHandle: 'm-partial/r7',
        kind: 'unreadable',
        raw: JSON.stringify({ v: 1, url: 'https://x.example.com/' }),
      },
    ]);
  });

  it('a message without a body is unreadable with an empty raw body; a long body is kept to 2000 characters', async () => {
    const sqs = new FakeSqs();
    sqs.put(urls.dead, undefined, 'm-nobody');
    const long = `<html>${'x'.repeat(3000)}</html>`;
    sqs.put(urls.dead, long, 'm-long');
    const [nobody, longOne] = await scanDeadLetters(sqs.client, urls);
    expect(nobody).toEqual({
      messageId: 'm-nobody',
      receiptHandle: 'm-nobody/r1',
      kind: 'unreadable',
      raw: '',
    });
    expect(longOne!.raw).toBe(long.slice(0, 2000));
    expect(longOne!.raw).toHaveLength(2000);
  });
});

describe('release and listDeadLetters', () => {
  const letter = (i: number): DeadLetter => ({ messageId: `m${i}`, receiptHandle: `rh${i}`, kind: 'poison' });

  it('makes 23 letters visible again in batches of 10, 10 and 3, each entry with its receipt handle', async () => {
    const sqs = new FakeSqs();
    await release(
      sqs.client,
      urls,
      Array.from({ length: 23 }, (_, i) => letter(i)),
    );
    const batches = sqs.of('ChangeMessageVisibilityBatch');
    expect(batches.map((b) => b.QueueUrl)).toEqual([urls.dead, urls.dead, urls.dead]);
    expect(batches.map((b) => b.Entries.length)).toEqual([10, 10, 3]);
    expect(batches[0]!.Entries[0]).toEqual({ Id: '0', ReceiptHandle: 'rh0', VisibilityTimeout: 0 });
    expect(batches[1]!.Entries.map((e: Input) => e.ReceiptHandle)).toEqual(
      Array.from({ length: 10 }, (_, i) => `rh${10 + i}`),
    );
    expect(batches[2]!.Entries).toEqual([
      { Id: '0', ReceiptHandle: 'rh20', VisibilityTimeout: 0 },
      { Id: '1', ReceiptHandle: 'rh21', VisibilityTimeout: 0 },
      { Id: '2', ReceiptHandle: 'rh22', VisibilityTimeout: 0 },
    ]);
  });

  it('sends whole batches only: 20 letters are two calls, no letters none', async () => {
    const sqs = new FakeSqs();
    await release(
      sqs.client,
      urls,
      Array.from({ length: 20 }, (_, i) => letter(i)),
    );
    expect(sqs.of('ChangeMessageVisibilityBatch').map((b) => b.Entries.length)).toEqual([10, 10]);
    const none = new FakeSqs();
    await release(none.client, urls, []);
    expect(none.sent).toEqual([]);
  });

  it('listDeadLetters lists every message and leaves them all on the queue, visible at once', async () => {
    const sqs = new FakeSqs();
    sqs.perReceive = 4;
    const ids = Array.from({ length: 12 }, (_, i) =>
      sqs.put(urls.dead, encodeQueuedNotification(dead(`ntf_${i}`))),
    );
    const first = await listDeadLetters(sqs.client, urls);
    expect(first.map((l) => l.messageId)).toEqual(ids);
    expect(sqs.visible(urls.dead)).toEqual(ids);
    expect(sqs.of('DeleteMessage')).toEqual([]);
    expect(sqs.of('SendMessage')).toEqual([]);
    const again = await listDeadLetters(sqs.client, urls);
    expect(again.map((l) => l.messageId)).toEqual(ids);
  });
});

describe('revived', () => {
  it('is due now with no attempts, the same id, payload and last attempt, and nothing of its death', () => {
    const message = dead('ntf_1');
    expect(revived(message, 42_000)).toEqual({
      v: 1,
      url: message.url,
      notification: message.notification,
      attempts: 0,
      due_at: 42_000,
      queued_at: 42_000,
      last: { at: deadAt, result: 'http', status: 500 },
    });
  });

  it('without a last attempt has no `last` field at all', () => {
    expect(Object.keys(revived(queued('ntf_1'), 7)).sort()).toEqual(
      ['attempts', 'due_at', 'notification', 'queued_at', 'url', 'v'].sort(),
    );
  });
});

describe('redrive', () => {
  /** A dead-letter queue holding one of each kind, with fixed message ids. */
  function loaded() {
    const sqs = new FakeSqs();
    sqs.put(urls.dead, encodeQueuedNotification(dead('ntf_1')), 'm1');
    sqs.put(urls.dead, encodeQueuedNotification(queued('ntf_2')), 'm2');
    sqs.put(urls.dead, encodeQueuedNotification(dead('ntf_3')), 'm3');
    sqs.put(urls.dead, streamRecord, 'm-stream');
    sqs.put(urls.dead, '<<garbage>>', 'm-garbage');
    sqs.put(urls.dead, encodeQueuedNotification(dead('ntf_unr', 'unreadable message: not JSON: x')), 'm-unr');
    return sqs;
  }
  const ids = (letters: DeadLetter[]) => letters.map((l) => l.messageId);
  const redrivenBodies = (sqs: FakeSqs) =>
    sqs.bodies(urls.queue).map((b) => JSON.parse(b) as QueuedNotification);

  it('by notification id: sends it back revived to the queue with its host as group, then deletes it', async () => {
    const sqs = loaded();
    const result = await redrive(sqs.client, urls, { ids: ['ntf_1'] }, () => 99_000);
    expect(ids(result.redriven)).toEqual(['m1']);
    expect(result.skipped).toEqual([]);
    expect(result.notFound).toEqual([]);
    expect(sqs.of('SendMessage')).toEqual([
      {
        QueueUrl: urls.queue,
        MessageBody: encodeQueuedNotification(revived(dead('ntf_1'), 99_000)),
        MessageGroupId: 'shop-ntf_1.example.com:8443',
      },
    ]);
    expect(sqs.of('DeleteMessage')).toEqual([{ QueueUrl: urls.dead, ReceiptHandle: 'm1/r1' }]);
    // Sent before it is deleted.
    const order = sqs.sent.map((s) => s.command).filter((c) => c === 'SendMessage' || c === 'DeleteMessage');
    expect(order).toEqual(['SendMessage', 'DeleteMessage']);
    expect(sqs.ids(urls.dead)).toEqual(['m2', 'm3', 'm-stream', 'm-garbage', 'm-unr']);
    // The rest is visible again at once, the redriven one is not released.
    expect(sqs.visible(urls.dead)).toEqual(['m2', 'm3', 'm-stream', 'm-garbage', 'm-unr']);
    const released = sqs
      .of('ChangeMessageVisibilityBatch')
      .flatMap((b) => b.Entries.map((e: Input) => e.ReceiptHandle));
    expect(released).toEqual(['m2/r2', 'm3/r3', 'm-stream/r4', 'm-garbage/r5', 'm-unr/r6']);
  });

  it('by message id, alone or with a notification id, and reports the ids it did not find', async () => {
    const sqs = loaded();
    const result = await redrive(sqs.client, urls, { ids: ['m2', 'ntf_3', 'nope', 'm9'] }, () => 5);
    expect(ids(result.redriven)).toEqual(['m2', 'm3']);
    expect(result.notFound).toEqual(['nope', 'm9']);
    expect(redrivenBodies(sqs).map((m) => [m.notification.id, m.attempts, m.due_at])).toEqual([
      ['ntf_2', 0, 5],
      ['ntf_3', 0, 5],
    ]);
    expect(sqs.ids(urls.dead)).toEqual(['m1', 'm-stream', 'm-garbage', 'm-unr']);
    expect(sqs.visible(urls.dead)).toEqual(['m1', 'm-stream', 'm-garbage', 'm-unr']);
  });

  it('a message id alone redrives that message only', async () => {
    const sqs = loaded();
    const result = await redrive(sqs.client, urls, { ids: ['m3'] }, () => 5);
    expect(ids(result.redriven)).toEqual(['m3']);
    expect(result.notFound).toEqual([]);
    expect(redrivenBodies(sqs).map((m) => m.notification.id)).toEqual(['ntf_3']);
  });

  it('never redrives stream records or unreadable messages, even when asked for them by id', async () => {
    const sqs = loaded();
    const result = await redrive(sqs.client, urls, { ids: ['m-stream', 'm-garbage', 'ntf_unr'] });
    expect(result.redriven).toEqual([]);
    expect(ids(result.skipped)).toEqual(['m-stream', 'm-garbage', 'm-unr']);
    expect(result.skipped.map((l) => l.kind)).toEqual(['stream', 'unreadable', 'unreadable']);
    expect(result.notFound).toEqual([]);
    expect(sqs.of('SendMessage')).toEqual([]);
    expect(sqs.of('DeleteMessage')).toEqual([]);
    expect(sqs.ids(urls.dead)).toEqual(['m1', 'm2', 'm3', 'm-stream', 'm-garbage', 'm-unr']);
    // Skipped letters are released like the ones not chosen.
    expect(sqs.visible(urls.dead)).toEqual(['m1', 'm2', 'm3', 'm-stream', 'm-garbage', 'm-unr']);
  });

  it('all: every notification (dead and poison), skipping the rest, and reports nothing not found', async () => {
    const sqs = loaded();
    const result = await redrive(sqs.client, urls, { all: true }, () => 1_234);
    expect(ids(result.redriven)).toEqual(['m1', 'm2', 'm3']);
    expect(ids(result.skipped)).toEqual(['m-stream', 'm-garbage', 'm-unr']);
    expect(result.notFound).toEqual([]);
    expect(redrivenBodies(sqs)).toEqual([
      revived(dead('ntf_1'), 1_234),
      revived(queued('ntf_2'), 1_234),
      revived(dead('ntf_3'), 1_234),
    ]);
    expect(sqs.ids(urls.dead)).toEqual(['m-stream', 'm-garbage', 'm-unr']);
    expect(sqs.visible(urls.dead)).toEqual(['m-stream', 'm-garbage', 'm-unr']);
  });

  it('nothing chosen: nothing sent or deleted, everything released, the unknown ids reported', async () => {
    const sqs = loaded();
    const result = await redrive(sqs.client, urls, { ids: ['ntf_unknown'] });
    expect(result).toEqual({ redriven: [], skipped: [], notFound: ['ntf_unknown'] });
    expect(sqs.of('SendMessage')).toEqual([]);
    expect(sqs.of('DeleteMessage')).toEqual([]);
    expect(sqs.visible(urls.dead)).toEqual(['m1', 'm2', 'm3', 'm-stream', 'm-garbage', 'm-unr']);
    const none = await redrive(sqs.client, urls, {});
    expect(none).toEqual({ redriven: [], skipped: [], notFound: [] });
  });

  it('uses the clock it is given, once per redriven message', async () => {
    const sqs = loaded();
    let t = 0;
    await redrive(sqs.client, urls, { ids: ['ntf_1', 'ntf_2'] }, () => (t += 1000));
    expect(redrivenBodies(sqs).map((m) => m.queued_at)).toEqual([1000, 2000]);
  });

  it('fails when SQS refuses the send, and then has deleted nothing', async () => {
    const sqs = loaded();
    const send = sqs.client.send.bind(sqs.client);
    (sqs.client as { send: unknown }).send = async (command: unknown) => {
      if (command instanceof SendMessageCommand)
        throw Object.assign(new Error('queue is gone'), { name: 'QueueDoesNotExist' });
      return send(command as never);
    };
    await expect(redrive(sqs.client, urls, { all: true })).rejects.toThrow('queue is gone');
    expect(sqs.of('DeleteMessage')).toEqual([]);
    expect(sqs.ids(urls.dead)).toHaveLength(6);
  });
});

describe('describeDeadLetter', () => {
  it('a dead notification: ids, kind, type, host, attempts, last result, when and why it died', () => {
    const message = dead('ntf_1');
    expect(describeDeadLetter({ messageId: 'm1', receiptHandle: 'r', kind: 'dead', message })).toBe(
      [
        'm1',
        'dead',
        'ntf_1',
        'payment.succeeded',
        'shop-ntf_1.example.com:8443',
        'attempts=5',
        'last=http 500',
        'dead_at=2024-05-06T07:08:09.123Z',
        'retries exhausted',
      ].join('  '),
    );
  });

  it('a poison message with no type and no last attempt, and a last attempt without a status', () => {
    const poison = queued('ntf_2', { notification: notification('ntf_2', null), attempts: 2 });
    expect(describeDeadLetter({ messageId: 'm2', receiptHandle: 'r', kind: 'poison', message: poison })).toBe(
      'm2  poison  ntf_2  -  shop-ntf_2.example.com:8443  attempts=2  last=-  dead_at=-  (moved by SQS after repeated failures)',
    );
    const timedOut = queued('ntf_3', { last: { at: 1, result: 'timeout' } });
    expect(
      describeDeadLetter({ messageId: 'm3', receiptHandle: 'r', kind: 'poison', message: timedOut }),
    ).toContain('  last=timeout  ');
  });

  it('a body that is not a notification: its first 160 characters, whitespace runs made one space', () => {
    const raw = `{\n\t"DDBStreamBatchInfo":   {"shardId": "s-1"},\r\n "pad": "${'y'.repeat(300)}"}`;
    const line = describeDeadLetter({ messageId: 'm-s', receiptHandle: 'r', kind: 'stream', raw });
    const flat = raw.replace(/\s+/g, ' ');
    expect(flat.startsWith('{ "DDBStreamBatchInfo": {"shardId": "s-1"}, "pad": "yyy')).toBe(true);
    expect(line).toBe(`m-s  stream  ${flat.slice(0, 160)}`);
    expect(line).toHaveLength('m-s  stream  '.length + 160);
    expect(
      describeDeadLetter({ messageId: 'm-e', receiptHandle: 'r', kind: 'unreadable', raw: 'a  b' }),
    ).toBe('m-e  unreadable  a b');
    expect(describeDeadLetter({ messageId: 'm-n', receiptHandle: 'r', kind: 'unreadable' })).toBe(
      'm-n  unreadable  ',
    );
  });
});
