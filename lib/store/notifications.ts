/**
 * The notification outbox on DynamoDB. Entries live in the payments table (`NOTIFY#<id>`); a
 * sparse GSI on `queue` + `queue_at` holds only entries that need attention: partition `due`
 * (pending, by next attempt time) and partition `dead` (by time of death). Delivered entries
 * drop out of the index. Every state change is conditional, so concurrent sweepers and the
 * webhook's immediate attempt never send the same attempt twice.
 */
import {
  type DynamoDBClient,
  GetItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type UpdateItemCommandInput,
} from '@aws-sdk/client-dynamodb';
import type { DeliveryFailure } from '../notify/delivery.js';
import {
  type AttemptOutcome,
  type AttemptRecord,
  type Claim,
  type NotificationDelivery,
  type NotificationOutbox,
  type NotificationRecorder,
  NotificationState,
  type OutboxEntry,
  type Page,
} from '../notify/outbox.js';
import { compact, type Item, isConditionFailure, num, readBool, readNum, readStr, str } from './item.js';
import { notificationKey } from './reconcile.js';

export const NOTIFY_QUEUE_INDEX = 'notify-queue';
export const Queue = { due: 'due', dead: 'dead' } as const;

// Reserved words or not, the queue attributes are always used through names.
const NAMES = { '#state': 'state', '#q': 'queue', '#qat': 'queue_at' } as const;

/** DynamoDB refuses names an expression does not use. */
const namesIn = (...expressions: string[]): Record<string, string> =>
  Object.fromEntries(
    Object.entries(NAMES).filter(([name]) => expressions.some((e) => new RegExp(`${name}\\b`).test(e))),
  );

/** Records an attempt: all a request handler needs after its own write claimed the entry. */
export class DynamoNotificationRecorder implements NotificationRecorder {
  constructor(
    protected readonly db: DynamoDBClient,
    protected readonly table: string,
  ) {}

  async record(
    id: string,
    claimId: string,
    attempt: AttemptRecord,
    outcome: AttemptOutcome,
    now: number,
  ): Promise<boolean> {
    const summary = attempt.result === 'delivered' ? `delivered (HTTP ${attempt.status})` : attempt.detail;
    const values: Item = {
      ':claim': str(claimId),
      ':at': str(attempt.at),
      ':result': str(summary ?? attempt.result),
      ':log': { L: [{ M: attemptItem(attempt) }] },
      ':empty': { L: [] },
    };
    const sets = [
      'last_attempt_at = :at',
      'last_result = :result',
      'attempt_log = list_append(if_not_exists(attempt_log, :empty), :log)',
    ];
    const removes = ['claim_id'];
    switch (outcome.next) {
      case 'delivered':
        sets.push('#state = :delivered', 'delivered_at = :at');
        values[':delivered'] = str(NotificationState.delivered);
        removes.push('#q', '#qat');
        break;
      case 'retry':
        sets.push('#qat = :due');
        values[':due'] = num(outcome.dueAt);
        break;
      case 'dead':
        sets.push('#state = :dead', '#q = :deadq', '#qat = :now', 'dead_at = :at');
        values[':dead'] = str(NotificationState.dead);
        values[':deadq'] = str(Queue.dead);
        values[':now'] = num(now);
        break;
    }
    const update = `SET ${sets.join(', ')} REMOVE ${removes.join(', ')}`;
    const item = await this.update(
      {
        Key: notificationKey(id),
        UpdateExpression: update,
        ConditionExpression: 'claim_id = :claim',
        ExpressionAttributeNames: namesIn(update),
        ExpressionAttributeValues: values,
      },
      false,
    );
    return item !== undefined;
  }

  protected async update(
    input: Omit<UpdateItemCommandInput, 'TableName'>,
    returnItem: boolean,
  ): Promise<Item | undefined> {
    try {
      const out = await this.db.send(new UpdateItemCommand({ TableName: this.table, ...input }));
      return returnItem ? out.Attributes : {};
    } catch (error) {
      if (isConditionFailure(error)) return undefined;
      throw error;
    }
  }
}

/** Claim, record, read: what one delivery attempt of an unclaimed entry needs. */
export class DynamoNotificationDelivery extends DynamoNotificationRecorder implements NotificationDelivery {
  async claim(claim: Claim): Promise<OutboxEntry | undefined> {
    const values: Item = {
      ':pending': str(NotificationState.pending),
      ':seen': num(claim.expectedAttempts),
      ':next': num(claim.expectedAttempts + 1),
      ':claim': str(claim.claimId),
      ':lease': num(claim.leaseUntil),
    };
    if (claim.onlyIfDue) values[':now'] = num(claim.now);
    const item = await this.update(
      {
        Key: notificationKey(claim.id),
        UpdateExpression: 'SET attempts = :next, claim_id = :claim, #qat = :lease',
        ConditionExpression: `#state = :pending AND attempts = :seen${claim.onlyIfDue ? ' AND #qat <= :now' : ''}`,
        ExpressionAttributeNames: { '#state': 'state', '#qat': 'queue_at' },
        ExpressionAttributeValues: values,
        ReturnValues: 'ALL_NEW',
      },
      true,
    );
    return item ? toEntry(item) : undefined;
  }

  async get(id: string): Promise<OutboxEntry | undefined> {
    const out = await this.db.send(
      new GetItemCommand({ TableName: this.table, Key: notificationKey(id), ConsistentRead: true }),
    );
    return out.Item ? toEntry(out.Item) : undefined;
  }
}

/** The whole outbox: the sweeper's due queue and the operator's dead list and redrive. */
export class DynamoNotificationOutbox extends DynamoNotificationDelivery implements NotificationOutbox {
  async due(now: number, options: { limit?: number; cursor?: string } = {}): Promise<Page> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: NOTIFY_QUEUE_INDEX,
        KeyConditionExpression: '#q = :due AND #qat <= :now',
        ExpressionAttributeNames: { '#q': 'queue', '#qat': 'queue_at' },
        ExpressionAttributeValues: { ':due': str(Queue.due), ':now': num(now) },
        Limit: options.limit ?? 100,
        ...(options.cursor && { ExclusiveStartKey: decodeCursor(options.cursor) }),
      }),
    );
    const entries = (out.Items ?? []).map(toEntry);
    return out.LastEvaluatedKey ? { entries, cursor: encodeCursor(out.LastEvaluatedKey) } : { entries };
  }

  async listDead(options: { limit?: number; cursor?: string } = {}): Promise<Page> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: NOTIFY_QUEUE_INDEX,
        KeyConditionExpression: '#q = :dead',
        ExpressionAttributeNames: { '#q': 'queue' },
        ExpressionAttributeValues: { ':dead': str(Queue.dead) },
        Limit: options.limit ?? 100,
        ...(options.cursor && { ExclusiveStartKey: decodeCursor(options.cursor) }),
      }),
    );
    const entries = (out.Items ?? []).map(toEntry);
    return out.LastEvaluatedKey ? { entries, cursor: encodeCursor(out.LastEvaluatedKey) } : { entries };
  }

  async redrive(id: string, now: number): Promise<boolean> {
    const item = await this.update(
      {
        Key: notificationKey(id),
        UpdateExpression:
          'SET #state = :pending, #q = :due, #qat = :now, attempts = :zero, redriven_at = :at, ' +
          'redrives = if_not_exists(redrives, :zero) + :one REMOVE dead_at',
        ConditionExpression: '#state = :dead',
        ExpressionAttributeNames: NAMES,
        ExpressionAttributeValues: {
          ':pending': str(NotificationState.pending),
          ':dead': str(NotificationState.dead),
          ':due': str(Queue.due),
          ':now': num(now),
          ':zero': num(0),
          ':one': num(1),
          ':at': str(new Date(now).toISOString()),
        },
      },
      false,
    );
    return item !== undefined;
  }

  /** The item after the update ({} unless asked for), or undefined when the condition failed. */
}

function attemptItem(a: AttemptRecord): Item {
  return compact({
    attempt: num(a.attempt),
    at: str(a.at),
    ms: num(a.ms),
    result: str(a.result),
    status: a.status === undefined ? undefined : num(a.status),
    detail: a.detail === undefined ? undefined : str(a.detail.slice(0, 300)),
  });
}

function toAttempt(item: Item): AttemptRecord {
  const status = readNum(item, 'status');
  const detail = readStr(item, 'detail');
  return {
    attempt: readNum(item, 'attempt') ?? 0,
    at: readStr(item, 'at') ?? '',
    ms: readNum(item, 'ms') ?? 0,
    result: (readStr(item, 'result') ?? 'network') as 'delivered' | DeliveryFailure,
    ...(status !== undefined && { status }),
    ...(detail !== undefined && { detail }),
  };
}

function toEntry(item: Item): OutboxEntry {
  const state = readStr(item, 'state');
  const optional = {
    queuedAt: readNum(item, 'queue_at'),
    paymentPk: readStr(item, 'payment_pk'),
    lastAttemptAt: readStr(item, 'last_attempt_at'),
    lastResult: readStr(item, 'last_result'),
    deliveredAt: readStr(item, 'delivered_at'),
    deadAt: readStr(item, 'dead_at'),
  };
  return {
    id: readStr(item, 'id') ?? '',
    url: readStr(item, 'url') ?? '',
    payload: readStr(item, 'payload') ?? '',
    state: state === 'delivered' || state === 'dead' ? state : NotificationState.pending,
    attempts: readNum(item, 'attempts') ?? 0,
    createdAt: readStr(item, 'created_at') ?? '',
    livemode: readBool(item, 'livemode') ?? false,
    redrives: readNum(item, 'redrives') ?? 0,
    log: (item.attempt_log?.L ?? []).map((entry) => toAttempt(entry.M ?? {})),
    ...(Object.fromEntries(
      Object.entries(optional).filter(([, v]) => v !== undefined),
    ) as Partial<OutboxEntry>),
  };
}

const encodeCursor = (key: Item): string => Buffer.from(JSON.stringify(key)).toString('base64url');
const decodeCursor = (cursor: string): Item =>
  JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Item;
