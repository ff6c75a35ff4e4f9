/**
 * The table's change stream -> the notification queue. For each change of a payment item the
 * notifications it owes (lib/payments/notifications.ts, on the old and new images) become one
 * SQS message each, sent in batches. The enqueuer is also the one place that sees every change,
 * so it counts the changes people must act on: a late payment and a payment paid twice.
 *
 * Failure is per record: the first record with a message SQS did not take is reported, and the
 * event source mapping retries from it (records before it are done). Records after it that were
 * sent are sent again on that retry: at least once, and storefronts dedupe on the stable `id`.
 * Metrics are counted only for the records that are done, so a retry does not count them twice.
 */
import { isPaidAttempt, type PaymentRecord, relevantAttempt } from '../payments/model.js';
import { notificationsFor } from '../payments/notifications.js';
import { fromItem, isPaymentItem } from '../store/payment-item.js';
import type { Item } from '../store/table.js';
import { newQueuedNotification } from './message.js';
import { type Counter, NotifyMetric } from './metrics.js';
import type { NotificationQueue, Outgoing } from './queue.js';

/** One stream record, free of Lambda's event types (functions/notification-enqueuer.ts maps them). */
export type TableChange = {
  /** The stream sequence number: what a failure reports. */
  id: string;
  kind: 'INSERT' | 'MODIFY' | 'REMOVE';
  oldImage?: Item;
  newImage?: Item;
};

export type PaymentAlert = {
  metric: typeof NotifyMetric.latePayments | typeof NotifyMetric.paidTwice;
  metadata: Record<string, string>;
};

const isLatePaid = (record: PaymentRecord | undefined): boolean => {
  const attempt = record && relevantAttempt(record);
  return !!attempt && attempt.late === true && isPaidAttempt(attempt);
};

const paidOrderIds = (record: PaymentRecord): string[] =>
  Object.values(record.attempts)
    .filter(isPaidAttempt)
    .sort((a, b) => a.n - b.n)
    .flatMap((a) => (a.orderId ? [a.orderId] : []));

/** What an operator must act on in this change: pure. */
export function alertsFor(before: PaymentRecord | undefined, after: PaymentRecord): PaymentAlert[] {
  const who = { merchant: after.merchant, reference_id: after.referenceId };
  const alerts: PaymentAlert[] = [];
  if (isLatePaid(after) && !isLatePaid(before)) {
    alerts.push({
      metric: NotifyMetric.latePayments,
      metadata: { ...who, order_ids: relevantAttempt(after)?.orderId ?? '' },
    });
  }
  if (after.paidTwice && !before?.paidTwice) {
    alerts.push({
      metric: NotifyMetric.paidTwice,
      metadata: { ...who, order_ids: paidOrderIds(after).join(',') },
    });
  }
  return alerts;
}

/**
 * A payment image without its replay copy of the order: nothing owed or counted here reads it, and
 * inflating it twice per record was the enqueuer's largest cost; a damaged copy cannot hold up
 * the stream either.
 */
const paymentOf = (image: Item): PaymentRecord => {
  const { replay_order: _replay, ...rest } = image;
  return fromItem(rest);
};

/** The payment before and after a change, or undefined when the change is not of a payment. */
export function paymentChange(
  change: TableChange,
): { before?: PaymentRecord; after: PaymentRecord } | undefined {
  if (change.kind === 'REMOVE' || !isPaymentItem(change.newImage)) return undefined;
  const after = paymentOf(change.newImage);
  return isPaymentItem(change.oldImage) ? { before: paymentOf(change.oldImage), after } : { after };
}

export type EnqueueDeps = {
  queue: NotificationQueue;
  metrics: Counter;
  now: () => number;
  log: { error(message: string, ...fields: Record<string, unknown>[]): void };
};

/** Queues what the changes owe; resolves with the id of the first change to retry, if any. */
export async function enqueueChanges(
  deps: EnqueueDeps,
  changes: readonly TableChange[],
): Promise<{ retryFrom?: string }> {
  const now = deps.now();
  const outgoing: Outgoing[] = [];
  const alerts: { change: string; alert: PaymentAlert }[] = [];
  for (const change of changes) {
    const payment = paymentChange(change);
    if (!payment) continue;
    for (const { url, notification } of notificationsFor(payment.before, payment.after)) {
      outgoing.push({
        key: change.id,
        message: newQueuedNotification(url, notification, now),
        delaySeconds: 0,
      });
    }
    for (const alert of alertsFor(payment.before, payment.after)) alerts.push({ change: change.id, alert });
  }
  const failed = outgoing.length > 0 ? await deps.queue.send(outgoing, 'queue') : new Map<string, string>();
  const firstFailed = changes.findIndex((c) => failed.has(c.id));
  const done = firstFailed === -1 ? changes : changes.slice(0, firstFailed);
  const doneIds = new Set(done.map((c) => c.id));
  for (const entry of outgoing) if (doneIds.has(entry.key)) deps.metrics.count(NotifyMetric.enqueued);
  for (const { change, alert } of alerts) {
    if (doneIds.has(change)) deps.metrics.count(alert.metric, {}, alert.metadata);
  }
  if (firstFailed === -1) return {};
  const retryFrom = changes[firstFailed]!.id;
  deps.log.error('notifications not queued; the change will be retried', {
    sequence_number: retryFrom,
    failed: failed.size,
    reason: [...failed.values()][0],
  });
  return { retryFrom };
}
