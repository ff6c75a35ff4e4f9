/**
 * PaymentStore on DynamoDB: one item per payment, keyed by merchant and reference. Every write
 * is conditional, so concurrent requests cannot both create, or lose each other's update.
 */
import {
  type AttributeValue,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type {
  ClaimResult,
  CompletedOrder,
  NewClaim,
  PaymentRecord,
  PaymentStore,
  StatusChange,
} from '../payments/ports.js';
import { isPaymentStatus } from '../payments/status.js';
import {
  bool,
  compact,
  type Item,
  isConditionFailure,
  num,
  readBool,
  readNum,
  readStr,
  readStrOrNull,
  str,
  strOrNull,
} from './item.js';

const PAYMENT_SK = 'PAYMENT';

export function paymentKey(merchant: string, referenceId: string): Item {
  return { pk: str(`PAYMENT#${merchant}#${referenceId}`), sk: str(PAYMENT_SK) };
}

export class DynamoPaymentStore implements PaymentStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async claim(claim: NewClaim): Promise<ClaimResult> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: compact({
            ...paymentKey(claim.merchant, claim.referenceId),
            merchant: str(claim.merchant),
            reference_id: str(claim.referenceId),
            kind: str(claim.kind),
            provider: str(claim.provider),
            request_hash: str(claim.requestHash),
            status: str('creating'),
            claim_token: str(claim.claimToken),
            lease_until: num(claim.leaseUntil),
            amount_cents: num(claim.amountCents),
            currency: str(claim.currency),
            notification_url: claim.notificationUrl === undefined ? undefined : str(claim.notificationUrl),
            history: { L: [] },
            created_at: str(claim.createdAt),
            updated_at: str(claim.createdAt),
          }),
          ConditionExpression: 'attribute_not_exists(pk)',
          // A replay learns what is stored from this one round trip.
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { claimed: true };
    } catch (error) {
      if (isConditionFailure(error) && error.Item) return { claimed: false, existing: toRecord(error.Item) };
      throw error;
    }
  }

  async get(merchant: string, referenceId: string): Promise<PaymentRecord | undefined> {
    const out = await this.client.send(
      new GetItemCommand({
        TableName: this.tableName,
        Key: paymentKey(merchant, referenceId),
        ConsistentRead: true,
      }),
    );
    return out.Item ? toRecord(out.Item) : undefined;
  }

  async takeOver(
    merchant: string,
    referenceId: string,
    expected: { claimToken: string },
    next: { claimToken: string; leaseUntil: number },
  ): Promise<boolean> {
    return this.conditionalUpdate({
      Key: paymentKey(merchant, referenceId),
      UpdateExpression: 'SET claim_token = :next, lease_until = :lease, outcome_unknown = :false',
      ConditionExpression: 'claim_token = :expected AND #status = :creating',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':next': str(next.claimToken),
        ':lease': num(next.leaseUntil),
        ':false': bool(false),
        ':expected': str(expected.claimToken),
        ':creating': str('creating'),
      },
    });
  }

  async complete(
    merchant: string,
    referenceId: string,
    claimToken: string,
    order: CompletedOrder,
  ): Promise<boolean> {
    const change: StatusChange = { status: order.status, previous: null, at: order.at, source: 'create' };
    const values: Item = {
      ':status': str(order.status),
      ':order_id': str(order.orderId ?? ''),
      ':checkout_id': order.checkoutId ? str(order.checkoutId) : { NULL: true },
      ':checkout_url': order.checkoutUrl ? str(order.checkoutUrl) : { NULL: true },
      ':livemode': bool(order.livemode ?? false),
      ':provider_status': strOrNull(order.providerStatus ?? null),
      ':provider_updated_at': num(order.providerUpdatedAt ?? 0),
      ':provider_order': str(order.providerOrder ?? 'null'),
      ':change': { L: [statusChangeItem(change)] },
      ':at': str(order.at),
      ':token': str(claimToken),
    };
    const sets = [
      '#status = :status',
      'order_id = :order_id',
      'checkout_id = :checkout_id',
      'checkout_url = :checkout_url',
      'livemode = :livemode',
      'provider_status = :provider_status',
      'provider_updated_at = :provider_updated_at',
      'provider_order = :provider_order',
      'history = list_append(history, :change)',
      'updated_at = :at',
    ];
    const optional: Record<string, AttributeValue | undefined> = {
      provider_error: order.providerError === undefined ? undefined : str(order.providerError),
      paid_at: order.paidAt === undefined ? undefined : num(order.paidAt),
      payment_method: order.paymentMethod === undefined ? undefined : str(order.paymentMethod),
      card: order.card === undefined ? undefined : { M: compact(cardItem(order.card)) },
    };
    for (const [name, value] of Object.entries(optional)) {
      if (value === undefined) continue;
      sets.push(`${name} = :${name}`);
      values[`:${name}`] = value;
    }
    return this.conditionalUpdate({
      Key: paymentKey(merchant, referenceId),
      UpdateExpression: `SET ${sets.join(', ')} REMOVE claim_token, lease_until, outcome_unknown`,
      ConditionExpression: 'claim_token = :token',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: values,
    });
  }

  async release(merchant: string, referenceId: string, claimToken: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: paymentKey(merchant, referenceId),
          ConditionExpression: 'claim_token = :token AND #status = :creating',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':token': str(claimToken), ':creating': str('creating') },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  async markOutcomeUnknown(merchant: string, referenceId: string, claimToken: string): Promise<void> {
    await this.conditionalUpdate({
      Key: paymentKey(merchant, referenceId),
      UpdateExpression: 'SET outcome_unknown = :true, lease_until = :zero',
      ConditionExpression: 'claim_token = :token',
      ExpressionAttributeValues: { ':true': bool(true), ':zero': num(0), ':token': str(claimToken) },
    });
  }

  protected async conditionalUpdate(
    input: Omit<ConstructorParameters<typeof UpdateItemCommand>[0], 'TableName'>,
  ): Promise<boolean> {
    try {
      await this.client.send(new UpdateItemCommand({ TableName: this.tableName, ...input }));
      return true;
    } catch (error) {
      if (isConditionFailure(error)) return false;
      throw error;
    }
  }
}

export function cardItem(card: {
  brand?: string;
  last4?: string;
}): Record<string, AttributeValue | undefined> {
  return { brand: card.brand ? str(card.brand) : undefined, last4: card.last4 ? str(card.last4) : undefined };
}

export function statusChangeItem(change: StatusChange) {
  return {
    M: {
      status: str(change.status),
      previous: strOrNull(change.previous),
      at: str(change.at),
      source: str(change.source),
    },
  };
}

function toRecord(item: Item): PaymentRecord {
  const status = readStr(item, 'status');
  const history = (item.history?.L ?? []).flatMap((entry): StatusChange[] => {
    const m = entry.M ?? {};
    const s = readStr(m, 'status');
    const previous = readStrOrNull(m, 'previous') ?? null;
    if (!isPaymentStatus(s)) return [];
    return [
      {
        status: s,
        previous: isPaymentStatus(previous) ? previous : null,
        at: readStr(m, 'at') ?? '',
        source: readStr(m, 'source') ?? '',
      },
    ];
  });
  const optional = {
    claimToken: readStr(item, 'claim_token'),
    leaseUntil: readNum(item, 'lease_until'),
    outcomeUnknown: readBool(item, 'outcome_unknown'),
    orderId: readStr(item, 'order_id'),
    checkoutId: readStr(item, 'checkout_id'),
    checkoutUrl: readStr(item, 'checkout_url'),
    notificationUrl: readStr(item, 'notification_url'),
    livemode: readBool(item, 'livemode'),
    providerStatus: readStrOrNull(item, 'provider_status'),
    providerUpdatedAt: readNum(item, 'provider_updated_at'),
    providerOrder: readStr(item, 'provider_order'),
    providerError: readStr(item, 'provider_error'),
    paidAt: readNum(item, 'paid_at'),
    paymentMethod: readStr(item, 'payment_method'),
    card: item.card?.M
      ? { brand: readStr(item.card.M, 'brand'), last4: readStr(item.card.M, 'last4') }
      : undefined,
    amountRefundedCents: readNum(item, 'amount_refunded_cents'),
    refundKeys: item.refund_keys?.SS,
    refundLock: readStr(item, 'refund_lock'),
    refundLockUntil: readNum(item, 'refund_lock_until'),
  };
  return {
    merchant: readStr(item, 'merchant') ?? '',
    referenceId: readStr(item, 'reference_id') ?? '',
    kind: readStr(item, 'kind') === 'charge' ? 'charge' : 'link',
    provider: readStr(item, 'provider') ?? '',
    requestHash: readStr(item, 'request_hash') ?? '',
    status: isPaymentStatus(status) ? status : 'creating',
    amountCents: readNum(item, 'amount_cents') ?? 0,
    currency: readStr(item, 'currency') ?? '',
    history,
    createdAt: readStr(item, 'created_at') ?? '',
    updatedAt: readStr(item, 'updated_at') ?? '',
    ...(Object.fromEntries(
      Object.entries(optional).filter(([, v]) => v !== undefined),
    ) as Partial<PaymentRecord>),
  };
}
