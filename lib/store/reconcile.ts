/**
 * The reconciliation writes: status change, webhook receipt and outbox entry in one DynamoDB
 * transaction, so an event is either fully applied or not at all.
 */
import {
  type DynamoDBClient,
  TransactionCanceledException,
  type TransactWriteItem,
  TransactWriteItemsCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { PaymentTag } from '../payments/ports.js';
import type {
  ReconcileStore,
  StorefrontNotification,
  TransitionResult,
  TransitionWrite,
} from '../payments/reconcile.js';
import { bool, compact, type Item, isConditionFailure, num, str, strOrNull } from './item.js';
import { DynamoPaymentStore, paymentKey } from './payments.js';

/** Webhook receipts outlive Conekta's ~24 h of retries by a wide margin. */
export const RECEIPT_TTL_SECONDS = 8 * 86_400;

export const receiptKey = (eventId: string): Item => ({ pk: str(`EVENT#${eventId}`), sk: str('EVENT') });
export const notificationKey = (id: string): Item => ({ pk: str(`NOTIFY#${id}`), sk: str('NOTIFY') });

export class DynamoReconcileStore extends DynamoPaymentStore implements ReconcileStore {
  constructor(
    private readonly db: DynamoDBClient,
    private readonly table: string,
    private readonly now: () => number = Date.now,
  ) {
    super(db, table);
  }

  async applyTransition(write: TransitionWrite): Promise<TransitionResult> {
    const items: { kind: 'receipt' | 'payment' | 'notification'; item: TransactWriteItem }[] = [];
    if (write.eventId) items.push({ kind: 'receipt', item: this.receiptPut(write.eventId, write.tag) });
    items.push({ kind: 'payment', item: this.paymentUpdate(write) });
    if (write.notification) items.push({ kind: 'notification', item: this.notificationPut(write) });
    try {
      await this.db.send(new TransactWriteItemsCommand({ TransactItems: items.map((i) => i.item) }));
      return write.notification ? 'applied' : 'applied_without_notification';
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const failed = (error.CancellationReasons ?? []).flatMap((reason, i) =>
        reason.Code === 'ConditionalCheckFailed' ? [items[i]?.kind] : [],
      );
      if (failed.includes('receipt')) return 'duplicate_event';
      if (failed.includes('payment')) return 'conflict';
      if (failed.includes('notification')) {
        // This status was notified before (a payment can revisit declined): one notification per status.
        const { notification: _already, ...rest } = write;
        return this.applyTransition(rest);
      }
      throw error;
    }
  }

  async recordProviderStatus(
    tag: PaymentTag,
    providerStatus: string | null,
    providerUpdatedAt: number,
  ): Promise<void> {
    try {
      await this.db.send(
        new UpdateItemCommand({
          TableName: this.table,
          Key: paymentKey(tag.merchant, tag.referenceId),
          UpdateExpression: 'SET provider_status = :s, provider_updated_at = :u',
          ConditionExpression:
            'attribute_exists(pk) AND (attribute_not_exists(provider_updated_at) OR provider_updated_at <= :u)',
          ExpressionAttributeValues: { ':s': strOrNull(providerStatus), ':u': num(providerUpdatedAt) },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  private receiptPut(eventId: string, tag: PaymentTag): TransactWriteItem {
    return {
      Put: {
        TableName: this.table,
        Item: {
          ...receiptKey(eventId),
          payment_pk: paymentKey(tag.merchant, tag.referenceId).pk!,
          received_at: str(new Date(this.now()).toISOString()),
          expires_at: num(Math.floor(this.now() / 1000) + RECEIPT_TTL_SECONDS),
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      },
    };
  }

  private paymentUpdate(write: TransitionWrite): TransactWriteItem {
    const { snapshot } = write;
    const sets = [
      '#status = :to',
      'provider_status = :provider_status',
      'provider_updated_at = :u',
      'history = list_append(history, :change)',
      'updated_at = :at',
    ];
    const values: Item = {
      ':to': str(write.to),
      ':from': str(write.from),
      ':provider_status': strOrNull(snapshot.providerStatus),
      ':u': num(write.providerUpdatedAt),
      ':change': {
        L: [
          {
            M: {
              status: str(write.change.status),
              previous: strOrNull(write.change.previous),
              at: str(write.change.at),
              source: str(write.change.source),
            },
          },
        ],
      },
      ':at': str(write.change.at),
    };
    if (snapshot.paidAt !== undefined) {
      sets.push('paid_at = if_not_exists(paid_at, :paid_at)');
      values[':paid_at'] = num(snapshot.paidAt);
    }
    if (snapshot.paymentMethod !== undefined) {
      sets.push('payment_method = :payment_method');
      values[':payment_method'] = str(snapshot.paymentMethod);
    }
    if (snapshot.amountRefundedCents !== undefined) {
      sets.push('amount_refunded_cents = :refunded');
      values[':refunded'] = num(snapshot.amountRefundedCents);
    }
    return {
      Update: {
        TableName: this.table,
        Key: paymentKey(write.tag.merchant, write.tag.referenceId),
        UpdateExpression: `SET ${sets.join(', ')}`,
        ConditionExpression:
          '#status = :from AND (attribute_not_exists(provider_updated_at) OR provider_updated_at <= :u)',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: values,
      },
    };
  }

  private notificationPut(write: TransitionWrite): TransactWriteItem {
    return outboxPut(this.table, write.tag, write.notification!, write.change.at, this.now());
  }
}

/**
 * The outbox entry: one per (payment, status), written in the same transaction as the status
 * change (webhook, status, cancel or refund), delivered by lib/notify.
 */
export function outboxPut(
  table: string,
  tag: PaymentTag,
  notification: {
    payload: StorefrontNotification;
    url: string;
    claim?: { claimId: string; leaseUntil: number } | undefined;
  },
  at: string,
  nowMs: number,
): TransactWriteItem {
  const { claim } = notification;
  return {
    Put: {
      TableName: table,
      Item: compact({
        ...notificationKey(notification.payload.id),
        id: str(notification.payload.id),
        payment_pk: paymentKey(tag.merchant, tag.referenceId).pk,
        url: str(notification.url),
        payload: str(JSON.stringify(notification.payload)),
        state: str('pending'),
        // Written claimed for the caller's first attempt (as `claim` in lib/store/notifications.ts would),
        // or unclaimed and due now.
        attempts: num(claim ? 1 : 0),
        claim_id: claim ? str(claim.claimId) : undefined,
        // Sparse GSI notify-queue (lib/store/notifications.ts): due now, or when the claim's lease ends.
        queue: str('due'),
        queue_at: num(claim ? claim.leaseUntil : nowMs),
        livemode: bool(notification.payload.livemode),
        created_at: str(at),
      }),
      ConditionExpression: 'attribute_not_exists(pk)',
    },
  };
}
