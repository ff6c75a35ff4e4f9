/**
 * lib/store/payments.ts and merchants.ts, the DynamoDB adapters, run against the same store
 * contracts as the in-memory fakes, over an in-memory DynamoDB: a small interpreter of the
 * GetItem, PutItem, DeleteItem, UpdateItem and Query requests the adapters send, expressions
 * included (conditions, SET/ADD, if_not_exists, list_append, the by-merchant index with its
 * projection and Limit-before-filter paging). tests/integration/dynamo-stores.test.ts runs the
 * same contracts against DynamoDB Local, which keeps this interpreter honest; this file keeps the
 * mutation run fast (no Java, no network).
 */
import { readFileSync } from 'node:fs';
import {
  type AttributeValue,
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { applyOrderEvent, ordinaryAdvance } from '../../lib/payments/events.js';
import { InvalidCursorError } from '../../lib/payments/ports.js';
import { deflatedText } from '../../lib/store/item.js';
import { DynamoMerchantStore, liveSecrets, newSigningSecret } from '../../lib/store/merchants.js';
import { LIST_INDEX, listShard, toItem } from '../../lib/store/payment-item.js';
import { DynamoPaymentStore } from '../../lib/store/payments.js';
import { type Item, table } from '../../lib/store/table.js';
import { indexProjection } from '../support/dynamodb.js';
import { legacyItem } from '../support/legacy-item.js';
import { anAttempt, aPayment, aSnapshot, MERCHANT } from '../support/records.js';
import { describeMerchantStoreContract, describeStoreContract } from '../support/store-contract.js';

// ---- a tiny DynamoDB: the expression language as far as the adapters use it ----

type Names = Record<string, string> | undefined;
type Values = Record<string, AttributeValue> | undefined;

const TOKEN = /\s*(<>|<=|>=|[()=<>,.+\-[\]]|#[A-Za-z0-9_]+|:[A-Za-z0-9_]+|[A-Za-z_][A-Za-z0-9_]*|\d+)/y;

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < text.length) {
    if (/^\s*$/.test(text.slice(TOKEN.lastIndex))) break;
    const match = TOKEN.exec(text);
    if (!match) throw validation(`cannot parse "${text}" at ${TOKEN.lastIndex}`);
    tokens.push(match[1]!);
  }
  return tokens;
}

const validation = (message: string) => Object.assign(new Error(message), { name: 'ValidationException' });
const conditionFailed = (item: Item | undefined, returnOld: boolean) =>
  Object.assign(new Error('The conditional request failed'), {
    name: 'ConditionalCheckFailedException',
    ...(returnOld && item && { Item: structuredClone(item) }),
  });

type Path = (string | number)[];

/** The expression keywords: never an attribute name (DynamoDB reserves many more). */
const RESERVED = new Set(['AND', 'OR', 'NOT', 'IN', 'BETWEEN', 'SET', 'ADD', 'REMOVE', 'DELETE']);

/**
 * DynamoDB refuses an empty expression, and names or values that no expression of the request
 * uses (or an empty map of them).
 */
function checkRequest(input: {
  ConditionExpression?: string | undefined;
  UpdateExpression?: string | undefined;
  KeyConditionExpression?: string | undefined;
  FilterExpression?: string | undefined;
  ExpressionAttributeNames?: Names;
  ExpressionAttributeValues?: Values;
}): void {
  const expressions = [
    input.ConditionExpression,
    input.UpdateExpression,
    input.KeyConditionExpression,
    input.FilterExpression,
  ];
  if (expressions.some((e) => e !== undefined && e.trim() === ''))
    throw validation('an expression must not be empty');
  const used = new Set(expressions.flatMap((e) => (e === undefined ? [] : tokenize(e))));
  for (const map of [input.ExpressionAttributeNames, input.ExpressionAttributeValues]) {
    if (map === undefined) continue;
    if (Object.keys(map).length === 0) throw validation('ExpressionAttribute maps must not be empty');
    const unused = Object.keys(map).filter((k) => !used.has(k));
    if (unused.length > 0) throw validation(`unused in expressions: ${unused.join(', ')}`);
  }
}

class Parser {
  private i = 0;
  constructor(
    private readonly tokens: string[],
    private readonly names: Names,
    private readonly values: Values,
  ) {}

  done() {
    return this.i >= this.tokens.length;
  }
  peek(offset = 0) {
    return this.tokens[this.i + offset];
  }
  next() {
    const token = this.tokens[this.i++];
    if (token === undefined) throw validation('unexpected end of expression');
    return token;
  }
  expect(token: string) {
    const got = this.next();
    if (got.toUpperCase() !== token) throw validation(`expected ${token}, got ${got}`);
  }
  isKeyword(word: string) {
    return this.peek()?.toUpperCase() === word;
  }

  name(token: string): string {
    if (RESERVED.has(token.toUpperCase())) throw validation(`reserved word ${token} used as a name`);
    if (token.startsWith('#')) {
      const name = this.names?.[token];
      if (name === undefined) throw validation(`undefined name ${token}`);
      return name;
    }
    if (!/^[A-Za-z_]/.test(token)) throw validation(`expected a name, got ${token}`);
    return token;
  }

  path(): Path {
    const path: Path = [this.name(this.next())];
    while (this.peek() === '.' || this.peek() === '[') {
      if (this.next() === '.') path.push(this.name(this.next()));
      else {
        path.push(Number(this.next()));
        this.expect(']');
      }
    }
    return path;
  }

  value(token: string): AttributeValue {
    const value = this.values?.[token];
    if (value === undefined) throw validation(`undefined value ${token}`);
    return value;
  }

  /** An operand: a path, a value or a function, read against `item`. */
  operand(item: Item): AttributeValue | undefined {
    const token = this.peek()!;
    if (token.startsWith(':')) return this.value(this.next());
    const fn = token.toLowerCase();
    if ((fn === 'if_not_exists' || fn === 'list_append') && this.peek(1) === '(') {
      this.next();
      this.expect('(');
      if (fn === 'if_not_exists') {
        const existing = get(item, this.path());
        this.expect(',');
        const fallback = this.operand(item);
        this.expect(')');
        return existing ?? fallback;
      }
      const a = this.operand(item);
      this.expect(',');
      const b = this.operand(item);
      this.expect(')');
      if (!a?.L || !b?.L) throw validation('list_append needs two lists');
      return { L: [...a.L, ...b.L] };
    }
    return get(item, this.path());
  }

  condition(item: Item): boolean {
    let result = this.and(item);
    while (this.isKeyword('OR')) {
      this.next();
      const right = this.and(item);
      result = result || right;
    }
    return result;
  }

  private and(item: Item): boolean {
    let result = this.not(item);
    while (this.isKeyword('AND')) {
      this.next();
      const right = this.not(item);
      result = result && right;
    }
    return result;
  }

  private not(item: Item): boolean {
    if (this.isKeyword('NOT')) {
      this.next();
      return !this.not(item);
    }
    return this.primary(item);
  }

  private primary(item: Item): boolean {
    if (this.peek() === '(') {
      this.next();
      const result = this.condition(item);
      this.expect(')');
      return result;
    }
    const fn = this.peek()?.toLowerCase();
    if ((fn === 'attribute_exists' || fn === 'attribute_not_exists') && this.peek(1) === '(') {
      this.next();
      this.expect('(');
      const exists = get(item, this.path()) !== undefined;
      this.expect(')');
      return fn === 'attribute_exists' ? exists : !exists;
    }
    const left = this.operand(item);
    if (this.isKeyword('IN')) {
      this.next();
      this.expect('(');
      const options = [this.operand(item)];
      while (this.peek() === ',') {
        this.next();
        options.push(this.operand(item));
      }
      this.expect(')');
      return options.some((o) => compare(left, '=', o));
    }
    const op = this.next();
    if (!['=', '<>', '<', '<=', '>', '>='].includes(op)) throw validation(`unknown comparator ${op}`);
    return compare(left, op, this.operand(item));
  }
}

function compare(a: AttributeValue | undefined, op: string, b: AttributeValue | undefined): boolean {
  if (a === undefined || b === undefined) return op === '<>' && a !== b;
  const [x, y] = a.N !== undefined && b.N !== undefined ? [Number(a.N), Number(b.N)] : [a.S, b.S];
  if (op === '=') return JSON.stringify(a) === JSON.stringify(b);
  if (op === '<>') return JSON.stringify(a) !== JSON.stringify(b);
  if (x === undefined || y === undefined || typeof x !== typeof y) return false;
  return op === '<' ? x < y : op === '<=' ? x <= y : op === '>' ? x > y : x >= y;
}

function get(item: Item, path: Path): AttributeValue | undefined {
  let value: AttributeValue | undefined = { M: item };
  for (const part of path) {
    if (value === undefined) return undefined;
    value = typeof part === 'number' ? value.L?.[part] : value.M?.[part];
  }
  return value;
}

function set(item: Item, path: Path, value: AttributeValue): void {
  let container: Item = item;
  for (const part of path.slice(0, -1)) {
    const next: AttributeValue | undefined = container[part as string];
    if (!next?.M)
      throw validation(
        `The document path provided in the update expression is invalid for update: ${path.join('.')}`,
      );
    container = next.M;
  }
  container[path.at(-1) as string] = value;
}

function checkCondition(
  expression: string | undefined,
  item: Item | undefined,
  names: Names,
  values: Values,
): boolean {
  if (!expression) return true;
  const parser = new Parser(tokenize(expression), names, values);
  const result = parser.condition(item ?? {});
  if (!parser.done()) throw validation(`trailing tokens in condition "${expression}"`);
  return result;
}

function applyUpdate(expression: string, item: Item, names: Names, values: Values): Item {
  const next = structuredClone(item);
  const parser = new Parser(tokenize(expression), names, values);
  let clause: string | undefined;
  while (!parser.done()) {
    if (parser.isKeyword('SET') || parser.isKeyword('ADD')) clause = parser.next().toUpperCase();
    else if (parser.peek() === ',') parser.next();
    if (clause === undefined) throw validation(`no clause in update "${expression}"`);
    const path = parser.path();
    if (clause === 'SET') {
      parser.expect('=');
      // Operands read the item as it was before this update.
      let value = parser.operand(item);
      if (parser.peek() === '+' || parser.peek() === '-') {
        const sign = parser.next() === '+' ? 1 : -1;
        const other = parser.operand(item);
        if (value?.N === undefined || other?.N === undefined) throw validation('arithmetic on a non-number');
        value = { N: String(Number(value.N) + sign * Number(other.N)) };
      }
      if (value === undefined) throw validation(`SET of an undefined operand in "${expression}"`);
      set(next, path, value);
    } else {
      const value = parser.operand(item);
      const current = get(item, path);
      if (value?.N === undefined) throw validation('ADD of a non-number');
      set(next, path, { N: String(Number(current?.N ?? 0) + Number(value.N)) });
    }
    if (!parser.done() && parser.peek() !== ',' && !parser.isKeyword('SET') && !parser.isKeyword('ADD'))
      throw validation(`unexpected ${parser.peek()} in update "${expression}"`);
  }
  return next;
}

/** Attributes the by-merchant index projects, besides its keys and the table's: read from serverless.yml. */
const PROJECTED = indexProjection(LIST_INDEX);

function createMemoryDynamo() {
  const items = new Map<string, Item>();
  const keyOf = (key: Item | undefined) => `${key?.pk?.S}\n${key?.sk?.S}`;
  const counts = { get: 0, put: 0, delete: 0, update: 0, query: 0 };

  async function send(command: unknown): Promise<unknown> {
    if (command instanceof GetItemCommand) {
      counts.get += 1;
      const item = items.get(keyOf(command.input.Key));
      return { Item: item && structuredClone(item) };
    }
    if (command instanceof PutItemCommand) {
      counts.put += 1;
      checkRequest(command.input);
      const {
        Item: item,
        ConditionExpression,
        ExpressionAttributeNames,
        ExpressionAttributeValues,
        ReturnValuesOnConditionCheckFailure,
      } = command.input;
      const old = items.get(keyOf(item));
      if (!checkCondition(ConditionExpression, old, ExpressionAttributeNames, ExpressionAttributeValues)) {
        throw conditionFailed(old, ReturnValuesOnConditionCheckFailure === 'ALL_OLD');
      }
      items.set(keyOf(item), structuredClone(item!));
      return {};
    }
    if (command instanceof DeleteItemCommand) {
      counts.delete += 1;
      checkRequest(command.input);
      const {
        Key,
        ConditionExpression,
        ExpressionAttributeNames,
        ExpressionAttributeValues,
        ReturnValuesOnConditionCheckFailure,
      } = command.input;
      const old = items.get(keyOf(Key));
      if (!checkCondition(ConditionExpression, old, ExpressionAttributeNames, ExpressionAttributeValues)) {
        throw conditionFailed(old, ReturnValuesOnConditionCheckFailure === 'ALL_OLD');
      }
      items.delete(keyOf(Key));
      return {};
    }
    if (command instanceof UpdateItemCommand) {
      counts.update += 1;
      const input = command.input;
      checkRequest(input);
      const old = items.get(keyOf(input.Key));
      if (
        !checkCondition(
          input.ConditionExpression,
          old,
          input.ExpressionAttributeNames,
          input.ExpressionAttributeValues,
        )
      ) {
        throw conditionFailed(old, input.ReturnValuesOnConditionCheckFailure === 'ALL_OLD');
      }
      const base = old ?? structuredClone(input.Key!);
      items.set(
        keyOf(input.Key),
        applyUpdate(
          input.UpdateExpression!,
          base,
          input.ExpressionAttributeNames,
          input.ExpressionAttributeValues,
        ),
      );
      return {};
    }
    if (command instanceof QueryCommand) {
      counts.query += 1;
      const input = command.input;
      checkRequest(input);
      if (input.IndexName !== LIST_INDEX) throw validation(`no index ${input.IndexName}`);
      const names = input.ExpressionAttributeNames;
      const values = input.ExpressionAttributeValues;
      const key = input.KeyConditionExpression!;
      if (!/^lst = :p( AND changed_at >= :since)?$/.test(key))
        throw validation(`unsupported key condition "${key}"`);
      const inIndex = [...items.values()]
        .filter((item) => item.lst !== undefined && item.changed_at !== undefined)
        .filter((item) => checkCondition(key, item, names, values))
        .sort(
          (a, b) => Number(a.changed_at!.N) - Number(b.changed_at!.N) || keyOf(a).localeCompare(keyOf(b)),
        );
      if (input.ScanIndexForward === false) inIndex.reverse();
      const start = input.ExclusiveStartKey;
      const from = start ? inIndex.findIndex((item) => keyOf(item) === keyOf(start)) + 1 : 0;
      if (start && from === 0) throw validation('ExclusiveStartKey of no item');
      const limit = input.Limit ?? inIndex.length;
      // Limit counts the items read, before the filter.
      const evaluated = inIndex.slice(from, from + limit);
      const more = from + limit < inIndex.length;
      const projected = evaluated.map((item) =>
        Object.fromEntries(
          Object.entries(item).filter(([k]) => ['pk', 'sk', 'lst', 'changed_at', ...PROJECTED].includes(k)),
        ),
      );
      const filtered = projected.filter((item) =>
        checkCondition(input.FilterExpression, item, names, values),
      );
      const last = evaluated.at(-1);
      return {
        Items: structuredClone(filtered),
        ...(more &&
          last && {
            LastEvaluatedKey: { pk: last.pk!, sk: last.sk!, lst: last.lst!, changed_at: last.changed_at! },
          }),
      };
    }
    throw new Error(`the in-memory DynamoDB does not know ${(command as object).constructor.name}`);
  }
  return { client: { send } as unknown as DynamoDBClient, items, counts };
}

// ---- the contracts, and what is particular to the DynamoDB adapters ----

let clock = Date.now();
const now = () => {
  clock += 1;
  return clock;
};

const dynamo = createMemoryDynamo();
const payments = new DynamoPaymentStore(table(dynamo.client, 'payments', now));
const merchants = new DynamoMerchantStore(table(dynamo.client, 'payments', now));
describeStoreContract('DynamoDB adapter over an in-memory DynamoDB', () => payments);
describeMerchantStoreContract('DynamoDB adapter over an in-memory DynamoDB', () => merchants);

describe('DynamoPaymentStore', () => {
  const fresh = () => {
    const d = createMemoryDynamo();
    return { d, store: new DynamoPaymentStore(table(d.client, 'payments', now)) };
  };
  const at = '2026-12-01T00:00:05.000Z';

  it('advances in one UpdateItem, no read, and keeps the first payment time and the mirrors in step', async () => {
    const { d, store } = fresh();
    const attempt = anAttempt({
      status: 'pending_payment',
      paidAt: 1_700_000_001,
      paymentMethod: 'cash',
      card: { brand: 'x' },
    });
    const record = aPayment([attempt]);
    await store.insert(record);
    const snapshot = aSnapshot(attempt, 'paid', {
      paidAt: 1_700_000_999,
      paymentMethod: 'card',
      card: { brand: 'visa', last4: '4242' },
      amountRefundedCents: 0,
      checkoutUrl: 'https://pay.example.test/new',
    });
    const tag = { merchant: record.merchant, referenceId: record.referenceId, attemptId: attempt.id };
    const before = { ...d.counts };
    expect(await store.advanceAttempt(ordinaryAdvance(tag, snapshot, { source: 'webhook:e', at })!)).toEqual({
      ok: true,
    });
    expect(d.counts.update - before.update).toBe(1);
    expect(d.counts.get - before.get).toBe(0);
    const stored = (await store.get(record.merchant, record.referenceId))!;
    expect(stored.attempts[attempt.id]).toMatchObject({
      status: 'paid',
      paidAt: 1_700_000_001,
      paymentMethod: 'card',
      card: { brand: 'visa', last4: '4242' },
      amountRefundedCents: 0,
      checkoutUrl: 'https://pay.example.test/new',
      providerStatus: 'paid',
      providerUpdatedAt: snapshot.updatedAt,
    });
    expect(stored).toMatchObject({ status: 'paid', paidAttempt: attempt.id, version: 2, updatedAt: at });
    const item = d.items.get(`PAY#${record.merchant}#${record.referenceId}\nP`)!;
    expect(item).toMatchObject({
      status: { S: 'paid' },
      paid_at: { N: '1700000001' },
      payment_method: { S: 'card' },
      amount_refunded_cents: { N: '0' },
      card: { M: { brand: { S: 'visa' }, last4: { S: '4242' } } },
      paid_attempt: { S: attempt.id },
    });
    expect(item.advance_position).toEqual({ S: `3:${String(snapshot.updatedAt).padStart(16, '0')}` });
    expect(item.attempts!.M![attempt.id]!.M!).not.toHaveProperty('status');
    // The order copy for replays, deflated as toItem writes it.
    expect(item.replay_order).toEqual(deflatedText(JSON.stringify(snapshot.publicBody)));
    expect(stored.replayOrder).toBe(JSON.stringify(snapshot.publicBody));
  });

  it('sets the payment time at the payment level when the event is the first to say it', async () => {
    const { d, store } = fresh();
    const attempt = anAttempt({ status: 'pending_payment' });
    const record = aPayment([attempt]);
    await store.insert(record);
    const tag = { merchant: record.merchant, referenceId: record.referenceId, attemptId: attempt.id };
    await store.advanceAttempt(
      ordinaryAdvance(tag, aSnapshot(attempt, 'paid', { paidAt: 1_700_000_777 }), { source: 's', at })!,
    );
    expect(d.items.get(`PAY#${record.merchant}#${record.referenceId}\nP`)!.paid_at).toEqual({
      N: '1700000777',
    });
    expect((await store.get(record.merchant, record.referenceId))!.attempts[attempt.id]!.paidAt).toBe(
      1_700_000_777,
    );
  });

  it('an unpaid move sets no paid attempt, and a same-rank move needs a newer provider time', async () => {
    const { store } = fresh();
    const attempt = anAttempt({ status: 'pending_payment', providerUpdatedAt: 1_700_000_100 });
    const record = aPayment([attempt]);
    await store.insert(record);
    const tag = { merchant: record.merchant, referenceId: record.referenceId, attemptId: attempt.id };
    const declined = (updatedAt: number) =>
      ordinaryAdvance(tag, aSnapshot(attempt, 'declined', { updatedAt }), { source: 's', at })!;
    expect((await store.advanceAttempt(declined(1_700_000_100))).ok).toBe(false);
    expect(await store.advanceAttempt(declined(1_700_000_101))).toEqual({ ok: true });
    const stored = (await store.get(record.merchant, record.referenceId))!;
    expect(stored.status).toBe('declined');
    expect(stored).not.toHaveProperty('paidAttempt');
    expect(stored.history).toEqual([{ status: 'declined', at, source: 's', orderId: attempt.orderId }]);
  });

  it('moves an item written before advance_key through the general path once, then in one write', async () => {
    const { d, store } = fresh();
    const attempt = anAttempt({ status: 'pending_payment', providerUpdatedAt: 1_700_000_100 });
    const record = aPayment([attempt]);
    const item = toItem(record, 1);
    const legacy = legacyItem(item);
    await d.client.send(new PutItemCommand({ TableName: 'payments', Item: legacy }));
    const tag = { merchant: record.merchant, referenceId: record.referenceId, attemptId: attempt.id };
    const paid = ordinaryAdvance(tag, aSnapshot(attempt, 'paid'), { source: 'webhook:e1', at })!;
    expect(await store.advanceAttempt(paid)).toEqual({ ok: false, current: record });
    expect(
      (await applyOrderEvent(store, tag, aSnapshot(attempt, 'paid'), { name: 'webhook:e1', at })).result,
    ).toBe('applied');
    expect(d.items.get(`PAY#${record.merchant}#${record.referenceId}\nP`)!.advance_key).toBeDefined();
    const refund = aSnapshot(attempt, 'refunded', { updatedAt: 1_700_000_200, amountRefundedCents: 100_000 });
    expect(await store.advanceAttempt(ordinaryAdvance(tag, refund, { source: 'webhook:e2', at })!)).toEqual({
      ok: true,
    });
  });

  it('refuses to advance a payment it does not have, answering no record', async () => {
    const { store } = fresh();
    const attempt = anAttempt({ status: 'pending_payment' });
    const tag = { merchant: 'fake:nobody:test', referenceId: 'x', attemptId: attempt.id };
    expect(
      await store.advanceAttempt(ordinaryAdvance(tag, aSnapshot(attempt, 'paid'), { source: 's', at })!),
    ).toEqual({
      ok: false,
      current: undefined,
    });
  });

  it('refuses an advance whose attempt is no longer recorded (a new claim), answering the stored record', async () => {
    const { store } = fresh();
    const attempt = anAttempt({ status: 'pending_payment', phase: 'creating' });
    const record = aPayment([attempt]);
    await store.insert(record);
    const tag = { merchant: record.merchant, referenceId: record.referenceId, attemptId: attempt.id };
    expect(
      await store.advanceAttempt(ordinaryAdvance(tag, aSnapshot(attempt, 'paid'), { source: 's', at })!),
    ).toEqual({
      ok: false,
      current: record,
    });
  });

  it('removes only at the expected version, answering the stored record otherwise', async () => {
    const { store } = fresh();
    const record = aPayment();
    await store.insert(record);
    expect(await store.remove(record, 2)).toEqual({ ok: false, current: record });
    expect(await store.remove({ ...record, referenceId: 'other' }, 1)).toEqual({
      ok: false,
      current: undefined,
    });
  });

  it('merges the merchant’s shards newest first, and resumes each shard where the page left it', async () => {
    const { store } = fresh();
    const merchant = `${MERCHANT.id}-shards`;
    // References landing in several shards, written one after the other.
    const references: string[] = [];
    for (let i = 0; references.length < 12; i += 1) {
      const reference = `ref-${i}`;
      if (references.filter((r) => listShard(r) === listShard(reference)).length >= 3) continue;
      references.push(reference);
    }
    for (const referenceId of references) await store.insert({ ...aPayment(), merchant, referenceId });
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = await store.listChanged(merchant, { limit: 5, ...(cursor && { cursor }) });
      expect(page.payments.length).toBeLessThanOrEqual(5);
      seen.push(...page.payments.map((p) => p.referenceId));
      cursor = page.cursor;
      pages += 1;
    } while (cursor);
    expect(seen).toEqual([...references].reverse());
    expect(pages).toBe(3);
  });

  it('pages through a status filter that skips most items (DynamoDB limits before it filters)', async () => {
    const { store } = fresh();
    const merchant = `${MERCHANT.id}-filter`;
    const paid: string[] = [];
    for (let i = 0; i < 10; i += 1) {
      const status = i % 4 === 0 ? 'paid' : 'created';
      const referenceId = `f-${i}`;
      await store.insert({ ...aPayment([anAttempt({ status })]), merchant, referenceId });
      if (status === 'paid') paid.push(referenceId);
    }
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await store.listChanged(merchant, { limit: 2, status: 'paid', ...(cursor && { cursor }) });
      seen.push(...page.payments.map((p) => p.referenceId));
      cursor = page.cursor;
    } while (cursor);
    expect(seen).toEqual([...paid].reverse());
  });

  it('lists only what changed since a time', async () => {
    const { store } = fresh();
    const merchant = `${MERCHANT.id}-since`;
    await store.insert({ ...aPayment(), merchant, referenceId: 'old' });
    const since = clock + 1;
    await store.insert({ ...aPayment(), merchant, referenceId: 'new' });
    expect(
      (await store.listChanged(merchant, { limit: 10, since })).payments.map((p) => p.referenceId),
    ).toEqual(['new']);
  });

  it.each([
    ['text that is not base64 JSON', 'not-a-cursor'],
    ['a JSON list', Buffer.from('[]').toString('base64url')],
    ['a shard out of range', Buffer.from(JSON.stringify({ 8: 'done' })).toString('base64url')],
    ['a negative shard', Buffer.from(JSON.stringify({ '-1': 'done' })).toString('base64url')],
    ['a shard that is no number', Buffer.from(JSON.stringify({ x: 'done' })).toString('base64url')],
    [
      'a position that is no key',
      Buffer.from(JSON.stringify({ 0: { pk: { S: 'x' } } })).toString('base64url'),
    ],
    [
      'a position with a numeric pk',
      Buffer.from(
        JSON.stringify({ 0: { pk: { N: '1' }, sk: { S: 'P' }, lst: { S: 'm#0' }, changed_at: { N: '1' } } }),
      ).toString('base64url'),
    ],
    [
      'a position without changed_at',
      Buffer.from(JSON.stringify({ 0: { pk: { S: 'x' }, sk: { S: 'P' }, lst: { S: 'm#0' } } })).toString(
        'base64url',
      ),
    ],
    ['a position that is a string', Buffer.from(JSON.stringify({ 0: 'start' })).toString('base64url')],
    ['a position that is a number', Buffer.from(JSON.stringify({ 0: 7 })).toString('base64url')],
    ['a position that is null', Buffer.from(JSON.stringify({ 0: null })).toString('base64url')],
    ['null', Buffer.from('null').toString('base64url')],
    ['a number', Buffer.from('5').toString('base64url')],
  ])('refuses a cursor that is %s', async (_what, cursor) => {
    const { store } = fresh();
    await expect(store.listChanged('m', { limit: 5, cursor })).rejects.toBeInstanceOf(InvalidCursorError);
  });

  it('refuses another merchant’s cursor', async () => {
    const { store } = fresh();
    for (const [merchant, n] of [
      ['fake:a:test', 12],
      ['fake:b:test', 1],
    ] as const) {
      for (let i = 0; i < n; i += 1) await store.insert({ ...aPayment(), merchant, referenceId: `r-${i}` });
    }
    const page = await store.listChanged('fake:a:test', { limit: 2 });
    expect(page.cursor).toBeDefined();
    await expect(store.listChanged('fake:b:test', { limit: 2, cursor: page.cursor! })).rejects.toBeInstanceOf(
      InvalidCursorError,
    );
    // A finished shard ('done') names no partition and is accepted from any page of this list.
    const done = Buffer.from(
      JSON.stringify(Object.fromEntries(Array.from({ length: 8 }, (_, i) => [i, 'done']))),
    ).toString('base64url');
    expect(await store.listChanged('fake:b:test', { limit: 2, cursor: done })).toEqual({ payments: [] });
  });

  it('asks no more of a shard that is finished, and ends the list when every shard is', async () => {
    const { d, store } = fresh();
    const merchant = `${MERCHANT.id}-done`;
    await store.insert({ ...aPayment(), merchant, referenceId: 'only' });
    const before = d.counts.query;
    const page = await store.listChanged(merchant, { limit: 5 });
    expect(d.counts.query - before).toBe(8);
    expect(page).toEqual({ payments: [expect.objectContaining({ referenceId: 'only' })] });
  });

  it('writes the change time of every write, the list’s order', async () => {
    const { d, store } = fresh();
    const record = aPayment();
    await store.insert(record);
    const key = `PAY#${record.merchant}#${record.referenceId}\nP`;
    const first = Number(d.items.get(key)!.changed_at!.N);
    await store.replace({ ...record, version: 2 }, 1);
    expect(Number(d.items.get(key)!.changed_at!.N)).toBeGreaterThan(first);
  });

  it('passes on a DynamoDB failure that is no failed condition', async () => {
    const throttled = Object.assign(new Error('slow down'), {
      name: 'ProvisionedThroughputExceededException',
    });
    const failing = { send: async () => Promise.reject(throttled) } as unknown as DynamoDBClient;
    const store = new DynamoPaymentStore(table(failing, 'payments'));
    await expect(store.insert(aPayment())).rejects.toBe(throttled);
    await expect(store.replace(aPayment(), 1)).rejects.toBe(throttled);
  });

  it('reads its table by name, consistently', async () => {
    const inputs: unknown[] = [];
    const recording = {
      send: async (command: { input: unknown }) => {
        inputs.push(command.input);
        return {};
      },
    } as unknown as DynamoDBClient;
    await new DynamoPaymentStore(table(recording, 'pagos-payments')).get('m', 'r');
    expect(inputs).toEqual([
      { TableName: 'pagos-payments', Key: { pk: { S: 'PAY#m#r' }, sk: { S: 'P' } }, ConsistentRead: true },
    ]);
  });
});

describe('DynamoMerchantStore', () => {
  const fresh = (at = () => clock) => {
    const d = createMemoryDynamo();
    return { d, store: new DynamoMerchantStore(table(d.client, 'payments', at)) };
  };
  const merchant = { id: 'fake:acct_1:live', provider: 'fake', accountId: 'acct_1', livemode: true };

  it('keeps a resolved credential with when it was seen, and a refusal with when it is forgotten', async () => {
    const { d, store } = fresh(() => 1_800_000_000_000);
    await store.putCredential('fp_1', { state: 'resolved', merchant });
    expect(d.items.get('KEY#fp_1\nK')).toEqual({
      pk: { S: 'KEY#fp_1' },
      sk: { S: 'K' },
      state: { S: 'resolved' },
      merchant: { S: merchant.id },
      provider: { S: 'fake' },
      account_id: { S: 'acct_1' },
      livemode: { BOOL: true },
      seen_at: { S: new Date(1_800_000_000_000).toISOString() },
    });
    await store.putCredential('fp_2', { state: 'refused', until: 1_800_000_600_500, message: 'nope' });
    // DynamoDB's TTL removes a refusal a day after it ends: the key may become valid.
    expect(d.items.get('KEY#fp_2\nK')).toMatchObject({
      until: { N: '1800000600500' },
      expires_at: { N: String(1_800_000_600 + 86_400) },
    });
  });

  it('reads a stored credential with missing fields as empty values, never as someone else’s', async () => {
    const { d, store } = fresh();
    d.items.set('KEY#fp_x\nK', { pk: { S: 'KEY#fp_x' }, sk: { S: 'K' } });
    expect(await store.getCredential('fp_x')).toEqual({
      state: 'resolved',
      merchant: { id: '', provider: '', accountId: '', livemode: false },
    });
    d.items.set('KEY#fp_y\nK', { pk: { S: 'KEY#fp_y' }, sk: { S: 'K' }, state: { S: 'refused' } });
    expect(await store.getCredential('fp_y')).toEqual({ state: 'refused', until: 0, message: '' });
  });

  it('counts a window’s requests in one item that expires a minute after the window', async () => {
    const { d, store } = fresh();
    expect(
      await store.takeRequest('key:fp', { startMs: 1_800_000_000_000, lengthMs: 60_000, limit: 2 }),
    ).toBe(true);
    expect(
      await store.takeRequest('key:fp', { startMs: 1_800_000_000_000, lengthMs: 60_000, limit: 2 }),
    ).toBe(true);
    expect(
      await store.takeRequest('key:fp', { startMs: 1_800_000_000_000, lengthMs: 60_000, limit: 2 }),
    ).toBe(false);
    expect(d.items.get('RATE#key:fp#1800000000000\nR')).toEqual({
      pk: { S: 'RATE#key:fp#1800000000000' },
      sk: { S: 'R' },
      n: { N: '2' },
      expires_at: { N: String(1_800_000_060 + 60) },
    });
  });

  it('rotates again on top of a concurrent rotation rather than losing it', async () => {
    const { d, store } = fresh(() => 1_800_000_000_000);
    const [first] = await store.signingSecrets('m', 1_800_000_000_000);
    let raced = false;
    const send = d.client.send.bind(d.client);
    (d.client as { send: unknown }).send = async (command: unknown) => {
      if (!raced && command instanceof PutItemCommand) {
        raced = true;
        // Another rotation lands between this one's read and its write.
        await store.rotateSigningSecret(
          'm',
          { ...newSigningSecret(1_800_000_000_005), id: 'sig_other' },
          1_800_003_600_000,
        );
      }
      return send(command as never);
    };
    const mine = newSigningSecret(1_800_000_000_001);
    const rotated = await store.rotateSigningSecret('m', mine, 1_800_007_200_000);
    expect(rotated.map((s) => s.id)).toEqual([mine.id, 'sig_other', first!.id]);
    // The earlier grace end is kept: a rotation never extends an expiring secret.
    expect(rotated[2]!.expiresAt).toBe(new Date(1_800_003_600_000).toISOString());
    expect(rotated[1]!.expiresAt).toBe(new Date(1_800_007_200_000).toISOString());
  });

  it('answers the winner’s secret when two first uses race', async () => {
    const { d, store } = fresh();
    const send = d.client.send.bind(d.client);
    let raced = false;
    (d.client as { send: unknown }).send = async (command: unknown) => {
      if (!raced && command instanceof PutItemCommand) {
        raced = true;
        d.items.set('MERCHANT#m\nM', {
          pk: { S: 'MERCHANT#m' },
          sk: { S: 'M' },
          version: { N: '1' },
          signing_secrets: {
            L: [
              {
                M: {
                  id: { S: 'sig_winner' },
                  secret: { S: 's' },
                  created_at: { S: '2026-01-01T00:00:00.000Z' },
                },
              },
            ],
          },
        });
      }
      return send(command as never);
    };
    expect((await store.signingSecrets('m', Date.now())).map((s) => s.id)).toEqual(['sig_winner']);
  });

  it('creates a new first secret once every old one has expired, over the stored version', async () => {
    const { d, store } = fresh();
    d.items.set('MERCHANT#m\nM', {
      pk: { S: 'MERCHANT#m' },
      sk: { S: 'M' },
      version: { N: '3' },
      signing_secrets: {
        L: [
          {
            M: {
              id: { S: 'sig_old' },
              secret: { S: 's' },
              created_at: { S: 'c' },
              expires_at: { S: new Date(5_000).toISOString() },
            },
          },
        ],
      },
    });
    const [fresh1] = await store.signingSecrets('m', 10_000);
    expect(fresh1!.id).not.toBe('sig_old');
    expect(d.items.get('MERCHANT#m\nM')).toMatchObject({ merchant: { S: 'm' }, version: { N: '4' } });
    expect(d.items.get('MERCHANT#m\nM')!.signing_secrets!.L).toHaveLength(1);
    expect(await store.signingSecrets('m', 10_000)).toEqual([fresh1]);
  });

  it('reads stored secrets with missing fields as empty ones', async () => {
    const { d, store } = fresh();
    d.items.set('MERCHANT#m\nM', {
      pk: { S: 'MERCHANT#m' },
      sk: { S: 'M' },
      version: { N: '3' },
      signing_secrets: { L: [{} as AttributeValue, { M: { id: { S: 'sig_1' } } }] },
    });
    expect(await store.signingSecrets('m', 0)).toEqual([
      { id: '', secret: '', createdAt: '' },
      { id: 'sig_1', secret: '', createdAt: '' },
    ]);
  });
});

describe('signing secrets: what is live, and what a new one is', () => {
  it('liveSecrets: newest first, without the ones whose grace ended', () => {
    const s = (id: string, createdAt: string, expiresAt?: string) => ({
      id,
      secret: id,
      createdAt,
      ...(expiresAt && { expiresAt }),
    });
    const secrets = [
      s('a', '2026-01-01T00:00:00.000Z', '2026-06-01T00:00:00.000Z'),
      s('c', '2026-03-01T00:00:00.000Z'),
      s('b', '2026-02-01T00:00:00.000Z', '2026-02-02T00:00:00.000Z'),
      s('d', '2026-03-01T00:00:00.000Z'),
    ];
    expect(liveSecrets(secrets, Date.parse('2026-04-01T00:00:00.000Z')).map((x) => x.id)).toEqual([
      'c',
      'd',
      'a',
    ]);
    expect(liveSecrets(secrets, Date.parse('2026-06-01T00:00:00.000Z')).map((x) => x.id)).toEqual(['c', 'd']);
  });

  it('newSigningSecret: an id and 32 random bytes, dated now, never the same twice', () => {
    const one = newSigningSecret(1_800_000_000_000);
    const two = newSigningSecret(1_800_000_000_000);
    expect(one).toEqual({
      id: expect.stringMatching(/^sig_[0-9a-f]{16}$/),
      secret: expect.stringMatching(/^pgsec_[A-Za-z0-9_-]{43}$/),
      createdAt: new Date(1_800_000_000_000).toISOString(),
    });
    expect(two.id).not.toBe(one.id);
    expect(two.secret).not.toBe(one.secret);
  });
});

describe('the in-memory DynamoDB itself', () => {
  it('stores what toItem writes and answers it back', async () => {
    const { client, items } = createMemoryDynamo();
    const record = aPayment();
    await client.send(new PutItemCommand({ TableName: 't', Item: toItem(record, 1) }));
    expect(items.size).toBe(1);
    const { Item } = (await client.send(
      new GetItemCommand({
        TableName: 't',
        Key: { pk: { S: `PAY#${record.merchant}#${record.referenceId}` }, sk: { S: 'P' } },
      }),
    )) as { Item: Item };
    expect(Item.version).toEqual({ N: '1' });
  });

  it('refuses an expression it cannot read, as DynamoDB does', async () => {
    const { client } = createMemoryDynamo();
    await expect(
      client.send(
        new PutItemCommand({
          TableName: 't',
          Item: { pk: { S: 'a' }, sk: { S: 'b' } },
          ConditionExpression: 'version = AND',
        }),
      ),
    ).rejects.toMatchObject({ name: 'ValidationException' });
  });
});

describe('the DynamoDB adapters: what the table and the reads must be', () => {
  it('queries the index serverless.yml deploys', () => {
    const template = readFileSync(new URL('../../serverless.yml', import.meta.url), 'utf8');
    expect(template).toMatch(new RegExp(`IndexName: ${LIST_INDEX}\\s`));
  });

  it('reads credentials and signing secrets consistently: a write is seen by the next request', async () => {
    const inputs: { ConsistentRead?: boolean }[] = [];
    const d = createMemoryDynamo();
    const send = d.client.send.bind(d.client);
    (d.client as { send: unknown }).send = async (command: { input: { ConsistentRead?: boolean } }) => {
      if (command instanceof GetItemCommand) inputs.push(command.input);
      return send(command as never);
    };
    const store = new DynamoMerchantStore(table(d.client, 'payments', now));
    await store.getCredential('fp');
    await store.signingSecrets('m', 0);
    await store.rotateSigningSecret('m', newSigningSecret(1), 2);
    expect(inputs.map((i) => i.ConsistentRead)).toEqual([true, true, true]);
  });

  it('keeps a live merchant live', async () => {
    const d = createMemoryDynamo();
    const store = new DynamoMerchantStore(table(d.client, 'payments', now));
    const merchant = { id: 'conekta:co_1:live', provider: 'conekta', accountId: 'co_1', livemode: true };
    await store.putCredential('fp_live', { state: 'resolved', merchant });
    expect(await store.getCredential('fp_live')).toEqual({ state: 'resolved', merchant });
  });
});
