/**
 * PaymentStore on DynamoDB: one item per payment (lib/store/payment-item.ts), every write
 * conditional on the stored version, except the webhook's one-round-trip advance, whose condition
 * holds only when it agrees with the general rules (lib/payments/events.ts).
 */
import {
  type AttributeValue,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  type PutItemCommandInput,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { PaymentRecord } from '../payments/model.js';
import {
  type AttemptAdvance,
  InvalidCursorError,
  type ListPage,
  type ListQuery,
  type PaymentStore,
  type PaymentSummary,
  type WriteResult,
} from '../payments/ports.js';
import { deflatedText, type Item, num, str, strOrNull } from './item.js';
import {
  advanceKey,
  advancePosition,
  cardItem,
  fromItem,
  LIST_INDEX,
  LIST_SHARDS,
  listPartition,
  paymentKey,
  statusChangeItem,
  summaryFromItem,
  toItem,
} from './payment-item.js';
import { conditional, type Table } from './table.js';

const failed = (item: Item | undefined): WriteResult => ({
  ok: false,
  current: item ? fromItem(item) : undefined,
});

export class DynamoPaymentStore implements PaymentStore {
  constructor(private readonly table: Table) {}

  async get(merchant: string, referenceId: string): Promise<PaymentRecord | undefined> {
    const { Item: item } = await this.table.client.send(
      new GetItemCommand({
        TableName: this.table.name,
        Key: paymentKey(merchant, referenceId),
        ConsistentRead: true,
      }),
    );
    return item ? fromItem(item) : undefined;
  }

  insert(record: PaymentRecord): Promise<WriteResult> {
    return this.put(record, { ConditionExpression: 'attribute_not_exists(pk)' });
  }

  replace(record: PaymentRecord, expectedVersion: number): Promise<WriteResult> {
    return this.put(record, {
      ConditionExpression: 'version = :v',
      ExpressionAttributeValues: { ':v': num(expectedVersion) },
    });
  }

  private async put(
    record: PaymentRecord,
    condition: Pick<PutItemCommandInput, 'ConditionExpression' | 'ExpressionAttributeValues'>,
  ): Promise<WriteResult> {
    const put = await conditional(() =>
      this.table.client.send(
        new PutItemCommand({
          TableName: this.table.name,
          Item: toItem(record, this.table.now()),
          ...condition,
          // A replay (or a lost race) learns what is stored from this one round trip.
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      ),
    );
    return put.ok ? { ok: true } : failed(put.item);
  }

  async remove(record: PaymentRecord, expectedVersion: number): Promise<WriteResult> {
    const deleted = await conditional(() =>
      this.table.client.send(
        new DeleteItemCommand({
          TableName: this.table.name,
          Key: paymentKey(record.merchant, record.referenceId),
          ConditionExpression: 'version = :v',
          ExpressionAttributeValues: { ':v': num(expectedVersion) },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      ),
    );
    return deleted.ok ? { ok: true } : failed(deleted.item);
  }

  async advanceAttempt(advance: AttemptAdvance): Promise<WriteResult> {
    const a = advance.attempt;
    const position = advancePosition(a.status, a.providerUpdatedAt);
    if (position === undefined)
      return { ok: false, current: await this.get(advance.merchant, advance.referenceId) };
    const values: Record<string, AttributeValue> = {
      ':key': str(advanceKey(advance)),
      ':to': str(a.status),
      ':pos': str(position),
      ':ps': strOrNull(a.providerStatus ?? null),
      ':pu': num(a.providerUpdatedAt),
      ':replay': deflatedText(advance.replayOrder),
      ':change': { L: [statusChangeItem(advance.change)] },
      ':at': str(advance.updatedAt),
      ':changed': num(this.table.now()),
      ':one': num(1),
    };
    // The advanceable attempt's moving fields are the payment's own (lib/store/payment-item.ts).
    const sets = [
      '#st = :to',
      'advance_position = :pos',
      'provider_status = :ps',
      'provider_updated_at = :pu',
      'replay_order = :replay',
      'history = list_append(history, :change)',
      'updated_at = :at',
      'changed_at = :changed',
      'version = version + :one',
    ];
    // Only what the event says; the payment time is kept from the first event that said it.
    const set = (attribute: string, value: AttributeValue | undefined, keepFirst = false) => {
      if (value === undefined) return;
      values[`:${attribute}`] = value;
      sets.push(
        keepFirst
          ? `${attribute} = if_not_exists(${attribute}, :${attribute})`
          : `${attribute} = :${attribute}`,
      );
    };
    set('checkout_url', a.checkoutUrl === undefined ? undefined : str(a.checkoutUrl));
    set('paid_at', a.paidAt === undefined ? undefined : num(a.paidAt), true);
    set('payment_method', a.paymentMethod === undefined ? undefined : str(a.paymentMethod));
    set('card', a.card === undefined ? undefined : cardItem(a.card));
    set(
      'amount_refunded_cents',
      a.amountRefundedCents === undefined ? undefined : num(a.amountRefundedCents),
    );
    set('paid_attempt', advance.setsPaidAttempt ? str(advance.attemptId) : undefined);
    const expected = advance.expected.map((status, i) => {
      values[`:e${i}`] = str(status);
      return `:e${i}`;
    });
    // advance_key exists only while the attempt is current, recorded and money follows it, and it
    // names this order, amount and currency; the position compares rank, then provider time.
    const condition = `advance_key = :key AND #st IN (${expected.join(', ')}) AND advance_position < :pos`;
    const updated = await conditional(() =>
      this.table.client.send(
        new UpdateItemCommand({
          TableName: this.table.name,
          Key: paymentKey(advance.merchant, advance.referenceId),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: condition,
          ExpressionAttributeNames: { '#st': 'status' },
          ExpressionAttributeValues: values,
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      ),
    );
    return updated.ok ? { ok: true } : failed(updated.item);
  }

  async listChanged(merchant: string, query: ListQuery): Promise<ListPage> {
    const cursor = decodeCursor(query.cursor);
    for (const [shard, start] of Object.entries(cursor)) {
      // A cursor names positions in this merchant's partitions only.
      if (start !== 'done' && start?.lst?.S !== listPartition(merchant, Number(shard))) {
        // Stryker disable next-line StringLiteral: list.ts answers every InvalidCursorError with its own 400; this message is never read
        throw new InvalidCursorError('cursor of another list');
      }
    }
    const shards = Array.from({ length: LIST_SHARDS }, (_, i) => i).filter((i) => cursor[i] !== 'done');
    const pages = await Promise.all(
      shards.map(async (shard) => {
        const start = cursor[shard];
        const out = await this.table.client.send(
          new QueryCommand({
            TableName: this.table.name,
            IndexName: LIST_INDEX,
            KeyConditionExpression:
              query.since === undefined ? 'lst = :p' : 'lst = :p AND changed_at >= :since',
            ...(query.status !== undefined && { FilterExpression: '#st = :status' }),
            ExpressionAttributeNames: query.status !== undefined ? { '#st': 'status' } : undefined,
            ExpressionAttributeValues: {
              ':p': str(listPartition(merchant, shard)),
              ...(query.since !== undefined && { ':since': num(query.since) }),
              ...(query.status !== undefined && { ':status': str(query.status) }),
            },
            ScanIndexForward: false,
            Limit: query.limit,
            ...(start && start !== 'done' && { ExclusiveStartKey: start }),
          }),
        );
        return { shard, items: out.Items ?? [], last: out.LastEvaluatedKey };
      }),
    );
    const merged = pages
      .flatMap((p) => p.items.map((item) => ({ shard: p.shard, item, summary: summaryFromItem(item) })))
      .sort((x, y) => y.summary.changedAt - x.summary.changedAt)
      .slice(0, query.limit);
    const next: Cursor = { ...cursor };
    for (const page of pages) {
      const taken = merged.filter((m) => m.shard === page.shard);
      if (taken.length === page.items.length) next[page.shard] = page.last ?? 'done';
      else if (taken.length > 0) next[page.shard] = keyOf(taken.at(-1)!.item);
    }
    const more = Array.from({ length: LIST_SHARDS }, (_, i) => next[i]).some((c) => c !== 'done');
    const payments: PaymentSummary[] = merged.map((m) => m.summary);
    return { payments, ...(more && { cursor: encodeCursor(next) }) };
  }
}

type Cursor = Record<number, Item | 'done' | undefined>;

const keyOf = (item: Item): Item => ({
  pk: item.pk!,
  sk: item.sk!,
  lst: item.lst!,
  changed_at: item.changed_at!,
});

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decodeCursor(text: string | undefined): Cursor {
  if (text === undefined) return {};
  try {
    const parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown;
    // Stryker disable next-line StringLiteral: thrown inside the try below and replaced by InvalidCursorError; never read
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
    for (const [k, v] of Object.entries(parsed)) {
      const shard = Number(k);
      const ok = Number.isInteger(shard) && shard >= 0 && shard < LIST_SHARDS && (v === 'done' || isKey(v));
      // Stryker disable next-line StringLiteral: thrown inside the try below and replaced by InvalidCursorError; never read
      if (!ok) throw new Error('bad shard');
    }
    return parsed as Cursor;
  } catch (cause) {
    // Stryker disable next-line StringLiteral,ObjectLiteral: list.ts answers every InvalidCursorError with its own 400, without message or cause
    throw new InvalidCursorError('invalid cursor', { cause });
  }
}

// Anything but an object with these keys (null, a string, a number) reads as undefined here: not a key.
const isKey = (v: unknown): v is Item => {
  const key = v as Record<string, { S?: unknown; N?: unknown } | undefined> | null;
  // Stryker disable next-line OptionalChaining: a null position then throws inside decodeCursor's try: the same InvalidCursorError
  return (
    ['pk', 'sk', 'lst'].every((k) => typeof key?.[k]?.S === 'string') &&
    typeof key?.changed_at?.N === 'string'
  );
};
