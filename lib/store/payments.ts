/**
 * PaymentStore on DynamoDB: one item per payment (lib/store/payment-item.ts), every write
 * conditional on the stored version, except the webhook's one-round-trip advance, whose condition
 * spells out exactly when it agrees with the general rules (lib/payments/events.ts).
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
import { STATUS_RANK } from '../payments/status.js';
import { type Item, num, str, strOrNull } from './item.js';
import {
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
    const names: Record<string, string> = { '#a': advance.attemptId, '#st': 'status', '#rank': 'rank' };
    const values: Record<string, AttributeValue> = {
      ':a': str(advance.attemptId),
      ':oid': str(advance.orderId),
      ':amt': num(advance.amountCents),
      ':cur': str(advance.currency),
      ':recorded': str('recorded'),
      ':to': str(a.status),
      ':rank': num(STATUS_RANK[a.status]),
      ':ps': strOrNull(a.providerStatus ?? null),
      ':pu': num(a.providerUpdatedAt),
      ':replay': str(advance.replayOrder),
      ':change': { L: [statusChangeItem(advance.change)] },
      ':at': str(advance.updatedAt),
      ':changed': num(this.table.now()),
      ':one': num(1),
    };
    const sets = [
      'attempts.#a.#st = :to',
      'attempts.#a.#rank = :rank',
      'attempts.#a.provider_status = :ps',
      'attempts.#a.provider_updated_at = :pu',
      '#st = :to',
      'replay_order = :replay',
      'history = list_append(history, :change)',
      'updated_at = :at',
      'changed_at = :changed',
      'version = version + :one',
    ];
    // Attempt field and its payment-level mirror, set together only when the event says them.
    const both = (attribute: string, value: AttributeValue | undefined, keepFirst = false) => {
      if (value === undefined) return;
      values[`:${attribute}`] = value;
      sets.push(
        keepFirst
          ? `attempts.#a.${attribute} = if_not_exists(attempts.#a.${attribute}, :${attribute})`
          : `attempts.#a.${attribute} = :${attribute}`,
        keepFirst
          ? `${attribute} = if_not_exists(${attribute}, :${attribute})`
          : `${attribute} = :${attribute}`,
      );
    };
    if (a.checkoutUrl !== undefined) {
      values[':checkout_url'] = str(a.checkoutUrl);
      sets.push('attempts.#a.checkout_url = :checkout_url');
    }
    both('paid_at', a.paidAt === undefined ? undefined : num(a.paidAt), true);
    both('payment_method', a.paymentMethod === undefined ? undefined : str(a.paymentMethod));
    both('card', a.card === undefined ? undefined : cardItem(a.card));
    both(
      'amount_refunded_cents',
      a.amountRefundedCents === undefined ? undefined : num(a.amountRefundedCents),
    );
    if (advance.setsPaidAttempt) sets.push('paid_attempt = :a');
    const expected = advance.expected.map((status, i) => {
      values[`:e${i}`] = str(status);
      return `:e${i}`;
    });
    const condition = [
      'current_attempt = :a',
      '(attribute_not_exists(paid_attempt) OR paid_attempt = :a)',
      'attempts.#a.phase = :recorded',
      'attempts.#a.order_id = :oid',
      'attempts.#a.amount_cents = :amt',
      'attempts.#a.currency = :cur',
      `attempts.#a.#st IN (${expected.join(', ')})`,
      '(attempts.#a.#rank < :rank OR (attempts.#a.#rank = :rank AND attempts.#a.provider_updated_at < :pu))',
    ].join(' AND ');
    const updated = await conditional(() =>
      this.table.client.send(
        new UpdateItemCommand({
          TableName: this.table.name,
          Key: paymentKey(advance.merchant, advance.referenceId),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: condition,
          ExpressionAttributeNames: names,
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
