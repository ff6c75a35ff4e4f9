/**
 * Refund bookkeeping on the payment item: a lock per refund request, the refunded total and the
 * keys of refunds already made, so a retried refund never refunds twice.
 */
import {
  type DynamoDBClient,
  TransactionCanceledException,
  type TransactWriteItem,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { LifecycleStore, RefundWrite } from '../payments/payment-lifecycle.js';
import type { PaymentTag } from '../payments/ports.js';
import { type Item, isConditionFailure, num, str, strOrNull } from './item.js';
import { paymentKey, statusChangeItem } from './payments.js';
import { DynamoReconcileStore, outboxPut } from './reconcile.js';

export class DynamoLifecycleStore extends DynamoReconcileStore implements LifecycleStore {
  constructor(
    private readonly ddb: DynamoDBClient,
    private readonly refundsTable: string,
    private readonly clock: () => number = Date.now,
  ) {
    super(ddb, refundsTable, clock);
  }

  async lockRefund(tag: PaymentTag, key: string, lockUntil: number, now: number): Promise<boolean> {
    try {
      await this.ddb.send(
        new UpdateItemCommand({
          TableName: this.refundsTable,
          Key: paymentKey(tag.merchant, tag.referenceId),
          UpdateExpression: 'SET refund_lock = :key, refund_lock_until = :until',
          ConditionExpression:
            '(attribute_not_exists(refund_lock) OR refund_lock_until <= :now) AND ' +
            '(attribute_not_exists(refund_keys) OR NOT contains(refund_keys, :key))',
          ExpressionAttributeValues: { ':key': str(key), ':until': num(lockUntil), ':now': num(now) },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }

  async releaseRefund(tag: PaymentTag, key: string): Promise<void> {
    try {
      await this.ddb.send(
        new UpdateItemCommand({
          TableName: this.refundsTable,
          Key: paymentKey(tag.merchant, tag.referenceId),
          UpdateExpression: 'REMOVE refund_lock, refund_lock_until',
          ConditionExpression: 'refund_lock = :key',
          ExpressionAttributeValues: { ':key': str(key) },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  async completeRefund(write: RefundWrite): Promise<boolean> {
    const moves = write.from !== write.to;
    const values: Item = {
      ':key': str(write.key),
      ':keys': { SS: [write.key] },
      ':refunded': num(write.refundedCents),
      ':provider_status': strOrNull(write.order.providerStatus),
      ':u': num(write.order.updatedAt),
      ':at': str(write.at),
    };
    const sets = [
      'amount_refunded_cents = :refunded',
      'provider_status = :provider_status',
      'provider_updated_at = :u',
      'updated_at = :at',
    ];
    let condition = 'refund_lock = :key';
    if (moves) {
      sets.push('#status = :to', 'history = list_append(history, :change)');
      values[':to'] = str(write.to);
      values[':from'] = str(write.from);
      values[':change'] = {
        L: [statusChangeItem({ status: write.to, previous: write.from, at: write.at, source: 'refund' })],
      };
      condition += ' AND #status = :from';
    }
    const update: TransactWriteItem = {
      Update: {
        TableName: this.refundsTable,
        Key: paymentKey(write.tag.merchant, write.tag.referenceId),
        UpdateExpression: `SET ${sets.join(', ')} ADD refund_keys :keys REMOVE refund_lock, refund_lock_until`,
        ConditionExpression: condition,
        ...(moves && { ExpressionAttributeNames: { '#status': 'status' } }),
        ExpressionAttributeValues: values,
      },
    };
    const items = [update];
    if (moves && write.notification) {
      items.push(outboxPut(this.refundsTable, write.tag, write.notification, write.at, this.clock()));
    }
    try {
      await this.ddb.send(new TransactWriteItemsCommand({ TransactItems: items }));
      return items.length > 1;
    } catch (error) {
      if (!(error instanceof TransactionCanceledException) || !moves) throw error;
      // A webhook moved the status first (or this status was notified before): keep the refund facts only.
      await this.completeRefund({ ...write, from: write.to, notification: undefined });
      return false;
    }
  }
}
