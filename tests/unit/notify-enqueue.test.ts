/**
 * The enqueuer's pure parts and its failure rule: the first record with a message SQS refused is
 * the one to retry; metrics count only records that are done. (The queue here is a port double;
 * the integration tests run the real SQS.)
 */
import { alertsFor, enqueueChanges, type TableChange } from '../../lib/notify/enqueue.js';
import { readQueuedNotification, UnreadableMessageError } from '../../lib/notify/message.js';
import type { NotificationQueue, Outgoing } from '../../lib/notify/queue.js';
import type { Attempt, PaymentRecord } from '../../lib/payments/model.js';
import { derive } from '../../lib/payments/record.js';
import { toItem } from '../../lib/store/payment-item.js';
import { anAttempt, aPayment } from '../support/records.js';

const counted: { name: string; metadata?: Record<string, string | number> | undefined }[] = [];
const metrics = {
  count: (name: string, _d?: unknown, metadata?: Record<string, string | number>) =>
    counted.push({ name, metadata }),
};
const log = { error: () => {} };

function change(id: string, status: 'created' | 'paid', late = false): TableChange {
  const attempt = anAttempt({ status: 'created' });
  const before = aPayment([attempt]);
  const after = derive({ ...before, attempts: { [attempt.id]: { ...attempt, status, late } }, version: 2 });
  return { id, kind: 'MODIFY', oldImage: toItem(before, 1), newImage: toItem(after, 2) };
}

class RefusingQueue implements NotificationQueue {
  sent: Outgoing[] = [];
  calls = 0;
  constructor(private readonly refuse: (o: Outgoing) => boolean) {}
  async send(entries: readonly Outgoing[]) {
    this.calls += 1;
    this.sent.push(...entries);
    return new Map(entries.filter(this.refuse).map((e) => [e.key, 'ServiceUnavailable']));
  }
}

beforeEach(() => {
  counted.length = 0;
});

it('one message per notification, v1 format, due now, no attempt yet', async () => {
  const queue = new RefusingQueue(() => false);
  expect(await enqueueChanges({ queue, metrics, now: () => 1_000, log }, [change('1', 'paid')])).toEqual({});
  expect(queue.sent).toHaveLength(1);
  const message = queue.sent[0]!.message;
  expect(message).toMatchObject({
    v: 1,
    attempts: 0,
    due_at: 1_000,
    queued_at: 1_000,
    notification: { status: 'paid' },
  });
  expect(readQueuedNotification(JSON.stringify(message))).toEqual(message);
});

it('retries from the first refused record; later records are not counted yet', async () => {
  const queue = new RefusingQueue((o) => o.key === '2');
  const changes = [change('1', 'paid', true), change('2', 'paid', true), change('3', 'paid', true)];
  expect(await enqueueChanges({ queue, metrics, now: () => 0, log }, changes)).toEqual({ retryFrom: '2' });
  expect(counted.filter((c) => c.name === 'LatePayments')).toHaveLength(1);
  expect(counted.filter((c) => c.name === 'NotificationsEnqueued')).toHaveLength(1);
});

it('the replay copy of the order is not read: a damaged one holds up no notification', async () => {
  const queue = new RefusingQueue(() => false);
  const damaged = change('1', 'paid');
  const notDeflate = { B: Uint8Array.from([0xff, 0xff, 0xff, 0xff]) };
  damaged.oldImage = { ...damaged.oldImage, replay_order: notDeflate };
  damaged.newImage = { ...damaged.newImage, replay_order: notDeflate };
  expect(await enqueueChanges({ queue, metrics, now: () => 0, log }, [damaged])).toEqual({});
  expect(queue.sent.map((o) => o.message.notification.status)).toEqual(['paid']);
});

it('removals and items that are not payments are skipped', async () => {
  const queue = new RefusingQueue(() => false);
  const rate = { id: '9', kind: 'MODIFY' as const, newImage: { pk: { S: 'RATE#x#1' }, sk: { S: 'R' } } };
  const removed = { ...change('8', 'paid'), kind: 'REMOVE' as const };
  expect(await enqueueChanges({ queue, metrics, now: () => 0, log }, [rate, removed])).toEqual({});
  expect(queue.sent).toHaveLength(0);
});

it('alerts: a late payment when it becomes paid late, paid twice when it becomes so; not again after', () => {
  const first = anAttempt({ status: 'paid', n: 1 });
  const second = anAttempt({ status: 'expired', n: 2 });
  const before = aPayment([first, second], { currentAttempt: second.id });
  const after = derive({
    ...before,
    attempts: { [first.id]: first, [second.id]: { ...second, status: 'paid', late: true } },
  });
  expect(alertsFor(before, after).map((a) => a.metric)).toEqual(['PaidTwice']);
  expect(alertsFor(after, after)).toEqual([]);
  expect(alertsFor(before, after)[0]!.metadata.order_ids).toBe(`${first.orderId},${second.orderId}`);
});

it('every change is counted when SQS takes all of them', async () => {
  const queue = new RefusingQueue(() => false);
  const changes = [change('1', 'paid', true), change('2', 'paid', true)];
  expect(await enqueueChanges({ queue, metrics, now: () => 0, log }, changes)).toEqual({});
  expect(counted.filter((c) => c.name === 'NotificationsEnqueued')).toHaveLength(2);
  expect(counted.filter((c) => c.name === 'LatePayments')).toHaveLength(2);
});

it('changes that owe no notification do not call the queue at all', async () => {
  const queue = new RefusingQueue(() => false);
  const rate = { id: '9', kind: 'MODIFY' as const, newImage: { pk: { S: 'RATE#x#1' }, sk: { S: 'R' } } };
  expect(await enqueueChanges({ queue, metrics, now: () => 0, log }, [rate])).toEqual({});
  expect(queue.calls).toBe(0);
});

it('a refusal is logged with the change to retry, how many SQS refused and why', async () => {
  const queue = new RefusingQueue((o) => o.key !== '1');
  const logged: unknown[][] = [];
  const capture = { error: (...args: unknown[]) => logged.push(args) };
  const changes = [change('1', 'paid'), change('2', 'paid'), change('3', 'paid')];
  expect(await enqueueChanges({ queue, metrics, now: () => 0, log: capture }, changes)).toEqual({
    retryFrom: '2',
  });
  expect(logged).toEqual([
    [
      'notifications not queued; the change will be retried',
      { sequence_number: '2', failed: 2, reason: 'ServiceUnavailable' },
    ],
  ]);
});

describe('alertsFor', () => {
  const paidNow = (record: PaymentRecord, attempt: Attempt, late: boolean) =>
    derive({
      ...record,
      attempts: { ...record.attempts, [attempt.id]: { ...attempt, status: 'paid', late } },
    });

  it('a payment paid on time is not a late payment', () => {
    const attempt = anAttempt({ status: 'created' });
    const before = aPayment([attempt]);
    expect(alertsFor(before, paidNow(before, attempt, false))).toEqual([]);
  });

  it('a late payment names the merchant, the reference and the paid order', () => {
    const attempt = anAttempt({ status: 'created' });
    const before = aPayment([attempt]);
    expect(alertsFor(before, paidNow(before, attempt, true))).toEqual([
      {
        metric: 'LatePayments',
        metadata: { merchant: before.merchant, reference_id: before.referenceId, order_ids: attempt.orderId },
      },
    ]);
  });

  it('a late payment whose attempt has no order id names no order', () => {
    const attempt = anAttempt({ status: 'created', orderId: undefined });
    const before = aPayment([attempt]);
    const [alert] = alertsFor(before, paidNow(before, attempt, true));
    expect(alert).toEqual({
      metric: 'LatePayments',
      metadata: { merchant: before.merchant, reference_id: before.referenceId, order_ids: '' },
    });
  });

  it('paid twice names the paid orders in attempt order, whatever order the record holds them in', () => {
    const first = anAttempt({ status: 'paid', n: 1 });
    const expired = anAttempt({ status: 'expired', n: 2 });
    const third = anAttempt({ status: 'created', n: 3 });
    const noOrder = anAttempt({ status: 'created', n: 4, orderId: undefined });
    // Held out of attempt order, with an unpaid attempt that has an order between the paid ones.
    const before = aPayment([third, noOrder, expired, first], { currentAttempt: noOrder.id });
    const after = paidNow(paidNow(before, third, false), noOrder, false);
    expect(alertsFor(before, after)).toEqual([
      {
        metric: 'PaidTwice',
        metadata: {
          merchant: before.merchant,
          reference_id: before.referenceId,
          order_ids: `${first.orderId},${third.orderId}`,
        },
      },
    ]);
  });
});

it.each(['not json', '{"v":2}', '{"v":1,"url":"x","notification":{},"attempts":0,"due_at":0,"queued_at":0}'])(
  'an unreadable message is refused as such: %s',
  (body) => {
    expect(() => readQueuedNotification(body)).toThrow(UnreadableMessageError);
  },
);
