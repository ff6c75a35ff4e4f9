/**
 * SqsNotificationQueue's own rules, with the SQS client replaced by a recorder: batches of 10,
 * the host as message group, delays clamped to SQS's 0..900, per-entry failures reported by key,
 * and a client made lazily (once, on the first send; again after it could not be made).
 */
import type { SQSClient } from '@aws-sdk/client-sqs';
import { newQueuedNotification } from '../../lib/notify/message.js';
import {
  delaySecondsUntil,
  lazySqsClient,
  type Outgoing,
  SqsNotificationQueue,
} from '../../lib/notify/queue.js';
import type { StorefrontNotification } from '../../lib/payments/notifications.js';

const urls = { queue: 'http://sqs.local/q', dead: 'http://sqs.local/dlq' };

// biome-ignore lint/suspicious/noExplicitAny: the recorder sees the SDK's command inputs
type Sent = { QueueUrl: string; Entries: any[] };

function recorder(answer: (input: Sent) => unknown = () => ({})) {
  const sent: Sent[] = [];
  const client = {
    send: async (command: { input: Sent }) => {
      sent.push(command.input);
      return answer(command.input);
    },
  } as unknown as SQSClient;
  return { client, sent };
}

const entry = (i: number, delaySeconds = 0, host = 'shop.example.com'): Outgoing => ({
  key: `k${i}`,
  message: newQueuedNotification(
    `https://${host}/notify`,
    { id: `ntf_${i}` } as unknown as StorefrontNotification,
    0,
  ),
  delaySeconds,
});

it('sends 23 entries as batches of 10, 10 and 3 to the queue it is asked for', async () => {
  const { client, sent } = recorder();
  const queue = new SqsNotificationQueue(client, urls);
  const failed = await queue.send(
    Array.from({ length: 23 }, (_, i) => entry(i)),
    'dead',
  );
  expect(failed.size).toBe(0);
  expect(sent.map((s) => s.Entries.length).sort((a, b) => b - a)).toEqual([10, 10, 3]);
  expect(new Set(sent.map((s) => s.QueueUrl))).toEqual(new Set([urls.dead]));
  await queue.send([entry(0)], 'queue');
  expect(sent.at(-1)?.QueueUrl).toBe(urls.queue);
});

it('groups by host and clamps each delay to 0..900 seconds, rounded', async () => {
  const { client, sent } = recorder();
  await new SqsNotificationQueue(client, urls).send(
    [entry(0, -5), entry(1, 12.6, 'other.example.com'), entry(2, 5000)],
    'queue',
  );
  const [a, b, c] = sent[0]!.Entries;
  expect([a.DelaySeconds, b.DelaySeconds, c.DelaySeconds]).toEqual([0, 13, 900]);
  expect(a.MessageGroupId).toBe('shop.example.com');
  expect(b.MessageGroupId).toBe('other.example.com');
  expect(JSON.parse(a.MessageBody).notification.id).toBe('ntf_0');
});

it('reports exactly the entries SQS refused, by key, and a whole batch when the call fails', async () => {
  let call = 0;
  const { client } = recorder(() => {
    call += 1;
    if (call === 1) return { Failed: [{ Id: '3', Code: 'InternalError', Message: 'try again' }] };
    throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
  });
  const failed = await new SqsNotificationQueue(client, urls).send(
    Array.from({ length: 12 }, (_, i) => entry(i)),
    'queue',
  );
  // The first batch (k0..k9) lost k3; the second (k10, k11) failed as a whole.
  expect([...failed.keys()].sort()).toEqual(['k10', 'k11', 'k3']);
  expect(failed.get('k3')).toBe('InternalError: try again');
  expect(failed.get('k10')).toBe('TimeoutError: socket hang up');
});

it('makes a lazy client once, on the first send, and again only after making it failed', async () => {
  const { client, sent } = recorder();
  let made = 0;
  let fail = true;
  const queue = new SqsNotificationQueue(async () => {
    made += 1;
    if (fail) throw new Error('no credentials');
    return client;
  }, urls);
  expect(made).toBe(0);
  const failed = await queue.send([entry(0), entry(1)], 'queue');
  expect(failed).toEqual(
    new Map([
      ['k0', 'Error: no credentials'],
      ['k1', 'Error: no credentials'],
    ]),
  );
  expect(sent).toHaveLength(0);
  fail = false;
  expect((await queue.send([entry(0)], 'queue')).size).toBe(0);
  expect((await queue.send([entry(1)], 'queue')).size).toBe(0);
  expect(made).toBe(2);
  expect(sent).toHaveLength(2);
});

it('lazySqsClient makes a real SDK client with the settings it was given', async () => {
  const make = lazySqsClient({ region: 'mx-central-1', maxAttempts: 2 });
  const sqs = await make();
  expect(await sqs.config.region()).toBe('mx-central-1');
  expect(await sqs.config.maxAttempts()).toBe(2);
  sqs.destroy();
});

it('sends a whole number of batches: 20 entries are two sends, not a third empty one', async () => {
  const { client, sent } = recorder();
  await new SqsNotificationQueue(client, urls).send(
    Array.from({ length: 20 }, (_, i) => entry(i)),
    'queue',
  );
  expect(sent.map((s) => s.Entries.length)).toEqual([10, 10]);
});

it('says why SQS refused an entry, with a code or "error" and no trailing space', async () => {
  const { client } = recorder(() => ({
    Failed: [
      { Id: '0', Code: 'Throttled' },
      { Id: '1', Message: 'slow down' },
    ],
  }));
  const failed = await new SqsNotificationQueue(client, urls).send([entry(0), entry(1)], 'queue');
  expect(failed).toEqual(
    new Map([
      ['k0', 'Throttled:'],
      ['k1', 'error: slow down'],
    ]),
  );
});

it.each([
  [0, 0],
  [-5_000, 0],
  [1, 1],
  [1_500, 2],
  [60_000, 60],
  [900_000, 900],
  [10_000_000, 900],
])('delaySecondsUntil: due in %i ms is a delay of %i s (whole seconds, 0..900)', (inMs, seconds) => {
  expect(delaySecondsUntil(1_000_000 + inMs, 1_000_000)).toBe(seconds);
});
