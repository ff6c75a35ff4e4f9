/**
 * lib/store/payment-item.ts, item.ts and table.ts: a payment record as one DynamoDB item and
 * back, unchanged; the attributes the list index and the webhook's one-write condition read; and
 * items Pagos cannot fully read treated safely (a refund it cannot read counts as possibly made).
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Attempt, PaymentRecord } from '../../lib/payments/model.js';
import { type PaymentStatus, STATUS_RANK, supersedes } from '../../lib/payments/status.js';
import {
  bool,
  compact,
  defined,
  deflatedText,
  type Item,
  num,
  optional,
  readBool,
  readDeflatedText,
  readNum,
  readStr,
  readStrMap,
  readStrOrNull,
  str,
  strMap,
  strOrNull,
} from '../../lib/store/item.js';
import {
  advanceableAttempt,
  advanceKey,
  advancePosition,
  fromItem,
  isPaymentItem,
  LIST_INDEX,
  LIST_SHARDS,
  listPartition,
  listShard,
  mirrorsOf,
  PAYMENT_SK,
  paymentKey,
  paymentPk,
  summaryFromItem,
  toItem,
} from '../../lib/store/payment-item.js';
import { conditional, table } from '../../lib/store/table.js';
import { indexProjection } from '../support/dynamodb.js';
import { legacyItem } from '../support/legacy-item.js';
import { summaryOf } from '../support/memory-store.js';
import { anAttempt, aPayment } from '../support/records.js';

const CHANGED_AT = 1_800_000_123_456;

function fullRecord(): PaymentRecord {
  const paid = anAttempt({
    n: 2,
    status: 'partially_refunded',
    kind: 'charge',
    providerStatus: 'partially_refunded',
    paidAt: 1_700_000_100,
    paymentMethod: 'card',
    card: { brand: 'visa', last4: '4242' },
    amountRefundedCents: 300,
    late: true,
    declineError: '{"message":"x"}',
    expiresAt: 1_700_086_400,
  });
  const expired = anAttempt({ n: 1, status: 'expired', providerStatus: 'expired' });
  const creating = anAttempt({
    n: 3,
    phase: 'creating',
    orderId: undefined,
    status: undefined,
    checkoutUrl: undefined,
    providerStatus: undefined,
    providerUpdatedAt: undefined,
    claimToken: 'claim',
    leaseUntil: 1_700_000_030_000,
    outcomeUnknown: true,
    lastCallAt: 1_700_000_001_000,
  });
  return aPayment([expired, paid, creating], {
    currentAttempt: creating.id,
    metadata: { canal: 'web', pedido: '7' },
    livemode: true,
    refunds: {
      rf_1: {
        key: 'rf_1',
        attemptId: paid.id,
        orderId: paid.orderId!,
        amountCents: 300,
        reason: 'requested_by_client',
        state: 'done',
        startedAt: 1_700_000_200,
        lockUntil: 1_700_000_230_000,
        providerRefundId: 'rfd_1',
      },
      rf_2: {
        key: 'rf_2',
        attemptId: paid.id,
        orderId: paid.orderId!,
        amountCents: 100,
        reason: 'other',
        state: 'not_made',
        startedAt: 1_700_000_300,
        lockUntil: 1_700_000_330_000,
      },
    },
    history: [
      { status: 'created', at: 'a', source: 'create', orderId: expired.orderId! },
      { status: 'paid', at: 'b', source: 'webhook:evt_1' },
    ],
    version: 7,
  });
}

describe('toItem and fromItem', () => {
  it('write a record with every field and read it back unchanged', () => {
    const record = fullRecord();
    expect(fromItem(toItem(record, CHANGED_AT))).toEqual(record);
  });

  it('store the order copy for replays deflated, and read an item that stored it as a string', () => {
    const record = fullRecord();
    const item = toItem(record, CHANGED_AT);
    expect(item.replay_order).toEqual(deflatedText(record.replayOrder!));
    expect(fromItem({ ...item, replay_order: str(record.replayOrder!) })).toEqual(record);
  });

  it('write a minimal record and read it back unchanged', () => {
    const attempt = anAttempt({
      checkoutUrl: undefined,
      providerUpdatedAt: undefined,
      orderId: undefined,
      status: undefined,
      phase: 'not_created',
    });
    const { notificationUrl: _n, replayOrder: _r, ...minimal } = aPayment([attempt]);
    expect(fromItem(toItem(minimal as PaymentRecord, CHANGED_AT))).toEqual(minimal);
  });

  it('key the item by merchant and reference, and place it in the merchant’s list shard', () => {
    const record = fullRecord();
    const item = toItem(record, CHANGED_AT);
    expect(item.pk).toEqual({ S: `PAY#${record.merchant}#${record.referenceId}` });
    expect(item.sk).toEqual({ S: 'P' });
    expect(paymentKey(record.merchant, record.referenceId)).toEqual({ pk: item.pk, sk: item.sk });
    expect(paymentPk('m', 'r')).toBe('PAY#m#r');
    expect(PAYMENT_SK).toBe('P');
    expect(item.lst).toEqual({ S: `${record.merchant}#${listShard(record.referenceId)}` });
    expect(item.changed_at).toEqual({ N: String(CHANGED_AT) });
  });

  it('keep every attempt’s moving fields in its own map when no attempt is advanceable', () => {
    const record = fullRecord(); // current attempt still being created, another one paid
    expect(advanceableAttempt(record)).toBeUndefined();
    const item = toItem(record, CHANGED_AT);
    expect(item).not.toHaveProperty('advance_key');
    expect(item).not.toHaveProperty('advance_position');
    expect(item).not.toHaveProperty('provider_updated_at');
    const paid = record.attempts[record.paidAttempt!]!;
    expect(item.attempts!.M![paid.id]!.M!).toMatchObject({
      phase: { S: 'recorded' },
      order_id: { S: paid.orderId },
      status: { S: 'partially_refunded' },
      provider_status: { S: 'partially_refunded' },
      provider_updated_at: { N: String(paid.providerUpdatedAt) },
      checkout_url: { S: paid.checkoutUrl },
      amount_refunded_cents: { N: '300' },
    });
    expect(item.attempts!.M![paid.id]!.M!).not.toHaveProperty('rank');
    expect(item.current_attempt).toEqual({ S: record.currentAttempt });
    expect(item.paid_attempt).toEqual({ S: paid.id });
    const creating = item.attempts!.M![record.currentAttempt]!.M!;
    expect(creating).not.toHaveProperty('status');
    expect(creating).not.toHaveProperty('provider_status');
  });

  it('store the advanceable attempt’s moving fields once, at the payment level, with its key and position', () => {
    const old = anAttempt({ n: 1, status: 'expired', providerStatus: 'expired' });
    const current = anAttempt({
      n: 2,
      status: 'paid',
      providerStatus: 'paid',
      providerUpdatedAt: 1_700_000_222,
      paidAt: 1_700_000_200,
      paymentMethod: 'card',
      card: { brand: 'visa', last4: '4242' },
      amountRefundedCents: 0,
    });
    const record = aPayment([old, current]);
    expect(advanceableAttempt(record)).toBe(record.attempts[current.id]);
    const item = toItem(record, CHANGED_AT);
    expect(item).toMatchObject({
      advance_key: { S: JSON.stringify([current.id, current.orderId, 100_000, 'MXN']) },
      advance_position: { S: '3:0000001700000222' },
      status: { S: 'paid' },
      provider_status: { S: 'paid' },
      provider_updated_at: { N: '1700000222' },
      checkout_url: { S: current.checkoutUrl },
      paid_at: { N: '1700000200' },
      payment_method: { S: 'card' },
      card: { M: { brand: { S: 'visa' }, last4: { S: '4242' } } },
      amount_refunded_cents: { N: '0' },
    });
    expect(Object.keys(item.attempts!.M![current.id]!.M!).sort()).toEqual(
      [
        'amount_cents',
        'claimed_at',
        'currency',
        'id',
        'kind',
        'last_call_at',
        'n',
        'order_id',
        'phase',
        'request_hash',
      ].sort(),
    );
    expect(item.attempts!.M![old.id]!.M!).toMatchObject({ status: { S: 'expired' }, checkout_url: {} });
    expect(fromItem(item)).toEqual(record);
  });

  it('read an advanceable attempt back without the fields it did not have', () => {
    const current = anAttempt({
      providerUpdatedAt: undefined,
      checkoutUrl: undefined,
      providerStatus: undefined,
    });
    const record = aPayment([current]);
    const item = toItem(record, CHANGED_AT);
    expect(item.advance_position).toEqual({ S: `0:${'9'.repeat(16)}` });
    expect(item).not.toHaveProperty('amount_refunded_cents');
    expect(item).not.toHaveProperty('provider_status');
    expect(fromItem(item)).toEqual(record);
  });

  it('read an item written before the moving fields moved (no advance_key) from the attempt’s map', () => {
    const current = anAttempt({
      status: 'paid',
      providerStatus: 'paid',
      paidAt: 1_700_000_200,
      paymentMethod: 'card',
    });
    const record = aPayment([current]);
    const item = toItem(record, CHANGED_AT);
    const legacy = legacyItem(item);
    expect(legacy).not.toHaveProperty('advance_key');
    expect(legacy).not.toHaveProperty('provider_status');
    expect(legacy.attempts!.M![current.id]!.M!).toMatchObject({
      status: { S: 'paid' },
      rank: { N: '3' },
      provider_status: { S: 'paid' },
      paid_at: { N: '1700000200' },
    });
    expect(fromItem(legacy)).toEqual(record);
    // Without the key, the moving fields at the payment level are only mirrors: not read back.
    expect(
      fromItem({ ...legacy, attempts: { M: { [current.id]: { M: item.attempts!.M![current.id]!.M! } } } })
        .attempts[current.id],
    ).not.toHaveProperty('status');
  });

  it.each([
    ['not current', (r: PaymentRecord) => ({ ...r, currentAttempt: 'att_other' })],
    ['not the paid one', (r: PaymentRecord) => ({ ...r, paidAttempt: 'att_other' })],
    [
      'still being created',
      (r: PaymentRecord, a: Attempt) => ({
        ...r,
        attempts: { [a.id]: { ...a, phase: 'creating' as const } },
      }),
    ],
    [
      'refused',
      (r: PaymentRecord, a: Attempt) => ({ ...r, attempts: { [a.id]: { ...a, phase: 'refused' as const } } }),
    ],
    [
      'without an order',
      (r: PaymentRecord, a: Attempt) => ({
        ...r,
        attempts: { [a.id]: defined<Attempt>({ ...a, orderId: undefined }) },
      }),
    ],
    [
      'without a status',
      (r: PaymentRecord, a: Attempt) => ({
        ...r,
        attempts: { [a.id]: defined<Attempt>({ ...a, status: undefined }) },
      }),
    ],
    ['at another status than the payment', (r: PaymentRecord) => ({ ...r, status: 'paid' as const })],
  ])('not make an attempt advanceable when it is %s, and read it back unchanged', (_what, change) => {
    const attempt = anAttempt({ status: 'pending_payment' });
    const base = aPayment([attempt]);
    expect(advanceableAttempt(base)).toBe(base.attempts[attempt.id]);
    const record = change(base, attempt) as PaymentRecord;
    expect(advanceableAttempt(record)).toBeUndefined();
    const item = toItem(record, CHANGED_AT);
    expect(item).not.toHaveProperty('advance_key');
    expect(fromItem(item)).toEqual(record);
  });

  it('make the paid attempt advanceable while it is also the current one', () => {
    const attempt = anAttempt({ status: 'paid' });
    const record = aPayment([attempt], { paidAttempt: attempt.id });
    expect(record.paidAttempt).toBe(attempt.id);
    expect(advanceableAttempt(record)).toBe(record.attempts[attempt.id]);
  });

  it('write a null provider status as NULL, not as a missing one, in the attempt and at the payment level', () => {
    const old = anAttempt({ n: 1, status: 'expired', providerStatus: null });
    const current = anAttempt({ n: 2, providerStatus: null });
    const item = toItem(aPayment([old, current]), CHANGED_AT);
    expect(item.attempts!.M![old.id]!.M!.provider_status).toEqual({ NULL: true });
    expect(item.provider_status).toEqual({ NULL: true });
  });
});

describe('advanceKey and advancePosition: what the one write compares', () => {
  it('key an attempt by its id, order, amount and currency, unambiguously', () => {
    const key = advanceKey({ attemptId: 'a|b', orderId: 'c', amountCents: 5, currency: 'MXN' });
    expect(key).toBe('["a|b","c",5,"MXN"]');
    expect(key).not.toBe(advanceKey({ attemptId: 'a', orderId: 'b|c', amountCents: 5, currency: 'MXN' }));
  });

  it('sort positions as "supersedes" orders rank, then provider time', () => {
    const statuses = Object.keys(STATUS_RANK) as PaymentStatus[];
    const times = [0, 1, 9, 10, 99, 1_700_000_000, 1_700_000_001, Number.MAX_SAFE_INTEGER];
    for (const s1 of statuses)
      for (const s2 of statuses)
        for (const t1 of times)
          for (const t2 of times) {
            const known = advancePosition(s1, t1)!;
            const next = advancePosition(s2, t2)!;
            expect([s1, t1, s2, t2, known < next]).toEqual([
              s1,
              t1,
              s2,
              t2,
              supersedes({ status: s1, updatedAt: t1 }, { status: s2, updatedAt: t2 }),
            ]);
          }
  });

  it('sort a stored attempt without a time after every time of its rank, before the next rank', () => {
    const none = advancePosition('pending_payment', undefined)!;
    expect(none > advancePosition('declined', Number.MAX_SAFE_INTEGER)!).toBe(true);
    expect(none < advancePosition('expired', 0)!).toBe(true);
    expect(none).toBe(`1:${'9'.repeat(16)}`);
  });

  it.each([-1, 1.5, Number.MAX_SAFE_INTEGER + 1, Number.NaN, Number.POSITIVE_INFINITY])(
    'have no position for a provider time of %p',
    (time) => {
      expect(advancePosition('paid', time)).toBeUndefined();
    },
  );
});

describe('mirrorsOf and summaryFromItem: what the list index projects', () => {
  it('mirror the attempt money follows at the payment level, order ids in attempt order', () => {
    const record = fullRecord();
    const paid = record.attempts[record.paidAttempt!]!;
    const orderIds = Object.values(record.attempts)
      .sort((a, b) => a.n - b.n)
      .flatMap((a) => (a.orderId ? [a.orderId] : []));
    expect(mirrorsOf(record)).toEqual({
      status: { S: 'partially_refunded' },
      order_id: { S: paid.orderId },
      order_ids: { L: orderIds.map((id) => ({ S: id })) },
      amount_cents: { N: String(paid.amountCents) },
      currency: { S: 'MXN' },
      amount_refunded_cents: { N: '300' },
      paid_at: { N: '1700000100' },
      payment_method: { S: 'card' },
      card: { M: { brand: { S: 'visa' }, last4: { S: '4242' } } },
      late: { BOOL: true },
    });
  });

  it('mirror zeros where the list needs a number, and nothing else, for a payment with no attempt', () => {
    const record = { ...aPayment(), attempts: {}, currentAttempt: 'att_none' };
    expect(mirrorsOf(record)).toEqual({
      status: { S: record.status },
      order_id: undefined,
      order_ids: { L: [] },
      amount_cents: { N: '0' },
      currency: { S: '' },
      amount_refunded_cents: undefined,
      paid_at: undefined,
      payment_method: undefined,
      card: undefined,
      late: undefined,
    });
  });

  it.each([
    ['a paid, refunded, late payment', fullRecord],
    ['a fresh link', () => aPayment()],
    [
      'a payment still being created',
      () => aPayment([anAttempt({ phase: 'creating', status: undefined, orderId: undefined })]),
    ],
  ])('summarize %s as the in-memory store does', (_what, make) => {
    const record = make();
    // Only the projected attributes reach the index.
    const projected = ['pk', 'sk', 'lst', 'changed_at', ...indexProjection(LIST_INDEX)];
    const item = toItem(record, CHANGED_AT);
    const indexItem = Object.fromEntries(Object.entries(item).filter(([k]) => projected.includes(k)));
    expect(summaryFromItem(indexItem)).toEqual(summaryOf(record, CHANGED_AT));
  });

  it('summarize an index item with nothing in it with empty values, never made-up ones', () => {
    expect(summaryFromItem({})).toEqual({
      referenceId: '',
      status: 'creating',
      orderId: null,
      orderIds: [],
      amountCents: 0,
      currency: '',
      amountRefundedCents: 0,
      paidAt: null,
      livemode: false,
      paidTwice: false,
      late: false,
      createdAt: '',
      updatedAt: '',
      changedAt: 0,
    });
    expect(
      summaryFromItem({ status: str('mystery'), order_ids: { L: [str('a'), { N: '1' }, str('b')] } }),
    ).toMatchObject({
      status: 'creating',
      orderIds: ['a', 'b'],
    });
  });
});

describe('fromItem: items Pagos cannot fully read', () => {
  const attemptOf = (m: Record<string, AttributeValue>) =>
    Object.values(fromItem({ attempts: { M: { a: { M: m } } } }).attempts)[0]!;

  it('reads an empty item as an empty record, never made-up values', () => {
    expect(fromItem({})).toEqual({
      merchant: '',
      referenceId: '',
      provider: '',
      livemode: false,
      status: 'creating',
      currentAttempt: '',
      attempts: {},
      refunds: {},
      history: [],
      version: 0,
      createdAt: '',
      updatedAt: '',
    });
  });

  it('reads an unknown payment status as creating, and an unknown attempt status as none', () => {
    expect(fromItem({ status: str('mystery') }).status).toBe('creating');
    expect(attemptOf({ status: str('mystery'), phase: str('recorded') })).not.toHaveProperty('status');
  });

  it('reads an unknown phase as creating: the attempt is recovered, never presumed made or missing', () => {
    expect(attemptOf({ phase: str('exploded') }).phase).toBe('creating');
    for (const phase of ['creating', 'recorded', 'refused', 'not_created'])
      expect(attemptOf({ phase: str(phase) }).phase).toBe(phase);
  });

  it('reads a kind other than charge as a link', () => {
    expect(attemptOf({ kind: str('charge') }).kind).toBe('charge');
    expect(attemptOf({ kind: str('subscription') }).kind).toBe('link');
    expect(attemptOf({}).kind).toBe('link');
  });

  it('reads a missing last call time as the claim time', () => {
    expect(attemptOf({ claimed_at: num(5) }).lastCallAt).toBe(5);
    expect(attemptOf({ claimed_at: num(5), last_call_at: num(9) }).lastCallAt).toBe(9);
    expect(attemptOf({})).toMatchObject({
      id: '',
      n: 0,
      requestHash: '',
      amountCents: 0,
      currency: '',
      claimedAt: 0,
      lastCallAt: 0,
    });
  });

  it('reads a card without brand or last four as far as it goes', () => {
    expect(attemptOf({ card: { M: { last4: str('4242') } } }).card).toEqual({ last4: '4242' });
    expect(attemptOf({ card: { M: {} } }).card).toEqual({});
  });

  it('reads a refund it cannot read the state of as unknown: never refunded again blindly', () => {
    const refundOf = (m: Record<string, AttributeValue>) =>
      Object.values(fromItem({ refunds: { M: { r: { M: m } } } }).refunds)[0]!;
    expect(refundOf({ state: str('exploded') }).state).toBe('unknown');
    expect(refundOf({})).toEqual({
      key: '',
      attemptId: '',
      orderId: '',
      amountCents: 0,
      reason: '',
      state: 'unknown',
      startedAt: 0,
      lockUntil: 0,
    });
    for (const state of ['in_flight', 'unknown', 'done', 'not_made'])
      expect(refundOf({ state: str(state) }).state).toBe(state);
  });

  it('drops history entries of a status it does not know', () => {
    const history = fromItem({
      history: {
        L: [
          { M: { status: str('paid') } },
          { M: { status: str('mystery') } },
          {} as AttributeValue,
          { M: { status: str('refunded'), order_id: str('o') } },
        ],
      },
    }).history;
    expect(history).toEqual([
      { status: 'paid', at: '', source: '' },
      { status: 'refunded', at: '', source: '', orderId: 'o' },
    ]);
  });

  it('reads attempts and refunds whose value is not a map as empty ones', () => {
    expect(Object.values(fromItem({ attempts: { M: { a: { S: 'x' } } } }).attempts)[0]).toMatchObject({
      id: '',
      phase: 'creating',
    });
  });
});

describe('list shards and payment items', () => {
  it('spreads references over all 8 shards, each reference always to the same one', () => {
    const shards = new Set(Array.from({ length: 400 }, (_, i) => listShard(`pedido-${i}`)));
    expect([...shards].sort()).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(LIST_SHARDS).toBe(8);
    expect(listShard('pedido-1')).toBe(listShard('pedido-1'));
    expect(listPartition('m', 3)).toBe('m#3');
  });

  it('tells payment items from the other items of the table', () => {
    expect(isPaymentItem(toItem(fullRecord(), CHANGED_AT))).toBe(true);
    expect(isPaymentItem({ pk: str('PAY#m#r'), sk: str('P') })).toBe(true);
    expect(isPaymentItem({ pk: str('KEY#fp'), sk: str('K') })).toBe(false);
    expect(isPaymentItem({ pk: str('KEY#fp'), sk: str('P') })).toBe(false);
    expect(isPaymentItem({ pk: str('PAY#m#r'), sk: str('N') })).toBe(false);
    expect(isPaymentItem({ sk: str('P') })).toBe(false);
    expect(isPaymentItem({ pk: str('PAY#m#r') })).toBe(false);
    expect(isPaymentItem(undefined)).toBe(false);
  });
});

describe('item.ts attribute helpers', () => {
  it('write strings, numbers, booleans, nulls and string maps as DynamoDB attributes', () => {
    expect(str('a')).toEqual({ S: 'a' });
    expect(num(1.5)).toEqual({ N: '1.5' });
    expect(bool(false)).toEqual({ BOOL: false });
    expect(strOrNull(null)).toEqual({ NULL: true });
    expect(strOrNull('x')).toEqual({ S: 'x' });
    expect(strMap({ a: '1', b: '2' })).toEqual({ M: { a: { S: '1' }, b: { S: '2' } } });
    expect(optional(undefined, str)).toBeUndefined();
    expect(optional('', str)).toEqual({ S: '' });
    expect(compact({ a: str('x'), b: undefined, c: num(0) })).toEqual({ a: { S: 'x' }, c: { N: '0' } });
  });

  it('read them back, absent ones as undefined', () => {
    const item: Item = {
      s: str('a'),
      n: num(0),
      b: bool(false),
      z: { NULL: true },
      m: { M: { a: str('1'), b: num(2) } },
    };
    expect([readStr(item, 's'), readStr(item, 'n'), readStr(item, 'x')]).toEqual(['a', undefined, undefined]);
    expect([readNum(item, 'n'), readNum(item, 's'), readNum(item, 'x')]).toEqual([0, undefined, undefined]);
    expect([readBool(item, 'b'), readBool(item, 'x')]).toEqual([false, undefined]);
    expect([readStrOrNull(item, 'z'), readStrOrNull(item, 's'), readStrOrNull(item, 'x')]).toEqual([
      null,
      'a',
      undefined,
    ]);
    expect(readStrMap(item, 'm')).toEqual({ a: '1' });
    expect(readStrMap(item, 'x')).toBeUndefined();
  });

  it('store a long text deflated, as bytes, and read it back: from the SDK’s bytes and from a stream event’s base64', () => {
    const text = JSON.stringify({
      id: 'ord_1',
      line_items: Array.from({ length: 20 }, (_, n) => ({ name: `línea ${n}` })),
    });
    const stored = deflatedText(text);
    expect(stored.S).toBeUndefined();
    expect(stored.B).toBeInstanceOf(Uint8Array);
    expect(stored.B!.length).toBeLessThan(Buffer.byteLength(text) / 2);
    expect(readDeflatedText({ t: stored }, 't')).toBe(text);
    const base64 = { B: Buffer.from(stored.B!).toString('base64') } as unknown as AttributeValue;
    expect(readDeflatedText({ t: base64 }, 't')).toBe(text);
  });

  it('read a text stored as a plain string before it was deflated, and nothing as nothing', () => {
    expect(readDeflatedText({ t: str('{"id":"ord_1"}') }, 't')).toBe('{"id":"ord_1"}');
    expect(readDeflatedText({ t: num(1) }, 't')).toBeUndefined();
    expect(readDeflatedText({}, 't')).toBeUndefined();
  });

  it('refuse bytes that are not a deflated text rather than read them as an order', () => {
    expect(() => readDeflatedText({ t: { B: Buffer.from('not deflated') } }, 't')).toThrow();
  });

  it('defined drops only the keys whose value is undefined', () => {
    expect(defined<Record<string, unknown>>({ a: 0, b: undefined, c: null, d: '' })).toEqual({
      a: 0,
      c: null,
      d: '',
    });
  });
});

describe('table.ts', () => {
  it('conditional: a write that lands is its value; a failed condition is an answer with the stored item', async () => {
    expect(await conditional(async () => 42)).toEqual({ ok: true, value: 42 });
    const stored = { pk: str('x') };
    const failed = Object.assign(new Error('The conditional request failed'), {
      name: 'ConditionalCheckFailedException',
      Item: stored,
    });
    expect(
      await conditional(async () => {
        throw failed;
      }),
    ).toEqual({ ok: false, item: stored });
    const bare = Object.assign(new Error('failed'), { name: 'ConditionalCheckFailedException' });
    expect(
      await conditional(async () => {
        throw bare;
      }),
    ).toEqual({ ok: false, item: undefined });
  });

  it('conditional: any other failure stays a failure', async () => {
    const throttled = Object.assign(new Error('slow down'), {
      name: 'ProvisionedThroughputExceededException',
    });
    await expect(
      conditional(async () => {
        throw throttled;
      }),
    ).rejects.toBe(throttled);
    await expect(
      conditional(async () => {
        throw { name: 'ConditionalCheckFailedException' };
      }),
    ).rejects.toEqual({ name: 'ConditionalCheckFailedException' });
  });

  it('table: the client, the name and the clock, Date.now unless given', () => {
    const client = {} as never;
    const t = table(client, 'payments');
    expect(t.client).toBe(client);
    expect(t.name).toBe('payments');
    expect(t.now).toBe(Date.now);
    const now = () => 5;
    expect(table(client, 'p', now).now).toBe(now);
  });
});

describe('the codec and the index with more attempts', () => {
  it('lists order ids in attempt order, however the attempts were stored', () => {
    const third = anAttempt({ n: 3, orderId: 'ord_3', status: 'created' });
    const first = anAttempt({ n: 1, orderId: 'ord_1', status: 'expired' });
    const second = anAttempt({ n: 2, orderId: 'ord_2', status: 'canceled' });
    const record = aPayment([third, first, second], { currentAttempt: third.id });
    expect(mirrorsOf(record).order_ids).toEqual({ L: [str('ord_1'), str('ord_2'), str('ord_3')] });
    expect(summaryFromItem(toItem(record, CHANGED_AT)).orderIds).toEqual(['ord_1', 'ord_2', 'ord_3']);
  });

  it('keeps a payment paid twice paid twice, in the record and in the list', () => {
    const record = aPayment([anAttempt({ n: 1, status: 'paid' }), anAttempt({ n: 2, status: 'paid' })]);
    expect(record.paidTwice).toBe(true);
    const item = toItem(record, CHANGED_AT);
    expect(fromItem(item)).toEqual(record);
    expect(summaryFromItem(item).paidTwice).toBe(true);
  });
});
