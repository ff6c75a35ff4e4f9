/**
 * lib/payments/events.ts: a verified provider event applied to its payment. The ordinary move
 * (the attempt money follows goes forward to another status) is one conditional write with no read;
 * everything else reads the record and applies record.ts's rules, and both paths leave the same
 * record, for every pair of statuses.
 */
import { applyOrderEvent, ORDINARY_FROM, ordinaryAdvance } from '../../lib/payments/events.js';
import type { PaymentRecord } from '../../lib/payments/model.js';
import { applySnapshot } from '../../lib/payments/record.js';
import { isClosedUnpaid, isMoneyStatus, PaymentStatus, STATUS_RANK } from '../../lib/payments/status.js';
import { createMemoryStore } from '../support/memory-store.js';
import { anAttempt, aPayment, aSnapshot } from '../support/records.js';

const ALL = Object.values(PaymentStatus);
const AT = '2026-12-02T10:00:00.000Z';
const source = { name: 'webhook:evt_1', at: AT };

const tagOf = (record: PaymentRecord, attemptId = record.currentAttempt) => ({
  merchant: record.merchant,
  referenceId: record.referenceId,
  attemptId,
});

/**
 * An ordinary move, as docs/design.md section 4 and events.ts's header put it: forward to another
 * status (a higher rank, or the other status of the same rank), never a late payment (money after
 * the order closed unpaid), and refunds and chargebacks only of an order recorded paid.
 */
function ordinary(from: PaymentStatus, to: PaymentStatus): boolean {
  if (from === to || to === 'created') return false;
  if (STATUS_RANK[to] < STATUS_RANK[from]) return false;
  if (isMoneyStatus(to) && isClosedUnpaid(from)) return false;
  if (STATUS_RANK[to] > STATUS_RANK.paid && !isMoneyStatus(from)) return false;
  return true;
}

const pairs = ALL.flatMap((from) => ALL.map((to) => [from, to] as const));

describe('ORDINARY_FROM: the moves the one-write path may make', () => {
  it('has a row for every status', () => {
    expect(Object.keys(ORDINARY_FROM).sort()).toEqual([...ALL].sort());
  });

  it.each(pairs)('%s -> %s', (from, to) => {
    expect(ORDINARY_FROM[to].includes(from)).toBe(ordinary(from, to));
  });
});

describe('applyOrderEvent: both paths agree, for every pair of statuses', () => {
  it.each(pairs)('%s -> %s (newer event)', async (from, to) => {
    const store = createMemoryStore(() => 1_800_000_000_000);
    const attempt = anAttempt({ status: from, providerUpdatedAt: 1_800_000_100 });
    const record = aPayment([attempt]);
    await store.insert(record);
    const snapshot = aSnapshot(attempt, to, {
      updatedAt: 1_800_000_200,
      paidAt: 1_800_000_150,
      paymentMethod: 'cash',
    });
    const general = applySnapshot(record, attempt.id, snapshot, source);
    store.roundTrips = 0;
    const outcome = await applyOrderEvent(store, tagOf(record), snapshot, source);
    const stored = await store.get(record.merchant, record.referenceId);
    if (!general.applied) {
      expect(outcome).toEqual({ result: general.reason });
      expect(stored).toEqual(record);
      return;
    }
    expect(stored).toEqual({ ...general.record, version: record.version + 1 });
    if (ordinary(from, to)) {
      // One conditional write, no read.
      expect(outcome).toEqual({ result: 'applied', before: undefined, after: undefined, fast: true });
      expect(store.roundTrips).toBe(2); // the write, and this test's read
    } else {
      expect(outcome).toEqual({ result: 'applied', before: record, after: stored, fast: false });
    }
  });
});

describe('applyOrderEvent: the general path', () => {
  it('reads the record first for a move that is not ordinary (a late payment), then writes it', async () => {
    const store = createMemoryStore();
    const attempt = anAttempt({ status: 'expired' });
    const record = aPayment([attempt]);
    await store.insert(record);
    store.roundTrips = 0;
    const outcome = await applyOrderEvent(store, tagOf(record), aSnapshot(attempt, 'paid'), source);
    expect(outcome).toMatchObject({ result: 'applied', fast: false });
    // The one-write advance is refused (1), then the stored record it returned is written (2).
    expect(store.roundTrips).toBe(2);
    expect((await store.get(record.merchant, record.referenceId))!.attempts[attempt.id]!.late).toBe(true);
  });

  it('reads first, without trying the one-write path, for a status no move is ordinary to', async () => {
    const store = createMemoryStore();
    const attempt = anAttempt({ status: 'created', providerUpdatedAt: 1_800_000_000 });
    const record = aPayment([attempt]);
    await store.insert(record);
    let advances = 0;
    const advance = store.advanceAttempt.bind(store);
    store.advanceAttempt = async (a) => {
      advances += 1;
      return advance(a);
    };
    const outcome = await applyOrderEvent(
      store,
      tagOf(record),
      aSnapshot(attempt, 'created', { updatedAt: 1_800_000_001 }),
      source,
    );
    expect(outcome).toMatchObject({ result: 'applied', fast: false });
    expect(advances).toBe(0);
  });

  it('answers no_payment for an order whose payment Pagos does not have', async () => {
    const store = createMemoryStore();
    const attempt = anAttempt({ status: 'pending_payment' });
    const record = aPayment([attempt]);
    expect(await applyOrderEvent(store, tagOf(record), aSnapshot(attempt, 'paid'), source)).toEqual({
      result: 'no_payment',
    });
    expect(await applyOrderEvent(store, tagOf(record), aSnapshot(attempt, 'created'), source)).toEqual({
      result: 'no_payment',
    });
  });

  it.each([
    ['stale', (a: ReturnType<typeof anAttempt>) => aSnapshot(a, 'pending_payment', { updatedAt: 1 })],
    ['mismatch', (a: ReturnType<typeof anAttempt>) => aSnapshot(a, 'refunded', { amountCents: 1 })],
  ] as const)('answers %s and writes nothing', async (reason, snapshotOf) => {
    const store = createMemoryStore();
    const attempt = anAttempt({ status: 'paid' });
    const record = aPayment([attempt]);
    await store.insert(record);
    expect(await applyOrderEvent(store, tagOf(record), snapshotOf(attempt), source)).toEqual({
      result: reason,
    });
    expect(await store.get(record.merchant, record.referenceId)).toEqual(record);
  });

  it('answers unknown_attempt for a tag naming no attempt of the payment', async () => {
    const store = createMemoryStore();
    const attempt = anAttempt({ status: 'pending_payment' });
    const record = aPayment([attempt]);
    await store.insert(record);
    const outcome = await applyOrderEvent(
      store,
      tagOf(record, 'att_nobody'),
      aSnapshot({ ...attempt, orderId: 'ord_z' }, 'paid'),
      source,
    );
    expect(outcome).toEqual({ result: 'unknown_attempt' });
  });

  it('keeps a newer unknown provider status for the operator and answers unknown_status', async () => {
    const store = createMemoryStore();
    const attempt = anAttempt({ status: 'pending_payment', providerUpdatedAt: 1_800_000_100 });
    const record = aPayment([attempt]);
    await store.insert(record);
    const snapshot = aSnapshot(attempt, 'paid', {
      status: undefined,
      providerStatus: 'mystery',
      updatedAt: 1_800_000_200,
    });
    expect(await applyOrderEvent(store, tagOf(record), snapshot, source)).toEqual({
      result: 'unknown_status',
    });
    const stored = (await store.get(record.merchant, record.referenceId))!;
    expect(stored.attempts[attempt.id]).toMatchObject({
      status: 'pending_payment',
      providerStatus: 'mystery',
    });
    expect(stored.version).toBe(record.version + 1);
    // The same unknown status again changes nothing.
    expect(await applyOrderEvent(store, tagOf(record), snapshot, source)).toEqual({
      result: 'unknown_status',
    });
    expect((await store.get(record.merchant, record.referenceId))!.version).toBe(record.version + 1);
  });

  it('applies again to what a concurrent writer stored, until its write lands', async () => {
    const store = createMemoryStore();
    const attempt = anAttempt({ status: 'expired' });
    const record = aPayment([attempt]);
    await store.insert(record);
    let concurrent = 2;
    store.beforeWrite = async () => {
      if (concurrent === 0) return;
      concurrent -= 1;
      const [entry] = [...store.records.values()];
      entry!.record = {
        ...entry!.record,
        version: entry!.record.version + 1,
        updatedAt: `other-${concurrent}`,
      };
    };
    const outcome = await applyOrderEvent(store, tagOf(record), aSnapshot(attempt, 'paid'), source);
    expect(outcome).toMatchObject({ result: 'applied', fast: false });
    const stored = (await store.get(record.merchant, record.referenceId))!;
    expect(stored.attempts[attempt.id]!.status).toBe('paid');
    expect(stored.version).toBe(record.version + 3);
  });

  it('gives up after six conflicting writes', async () => {
    const store = createMemoryStore();
    const attempt = anAttempt({ status: 'expired' });
    const record = aPayment([attempt]);
    await store.insert(record);
    let writes = 0;
    store.beforeWrite = async () => {
      writes += 1;
      const [entry] = [...store.records.values()];
      entry!.record = { ...entry!.record, version: entry!.record.version + 1 };
    };
    await expect(applyOrderEvent(store, tagOf(record), aSnapshot(attempt, 'paid'), source)).rejects.toThrow(
      'gave up after 6 conflicting writes',
    );
    // The refused one-write advance, then six general writes.
    expect(writes).toBe(7);
  });
});

describe('ordinaryAdvance', () => {
  const tag = { merchant: 'fake:acct_1:test', referenceId: 'pedido-1', attemptId: 'att_1' };

  it('spells out the one write: the attempt’s order, amount, expected statuses and new fields', () => {
    const attempt = anAttempt({ id: 'att_1', status: 'pending_payment' });
    const snapshot = aSnapshot(attempt, 'paid', {
      checkoutUrl: 'https://pay.example.test/1',
      paidAt: 1_800_000_150,
      paymentMethod: 'card',
      card: { brand: 'visa', last4: '4242' },
      amountRefundedCents: 0,
    });
    expect(ordinaryAdvance(tag, snapshot, { source: 'webhook:evt_9', at: AT })).toEqual({
      merchant: 'fake:acct_1:test',
      referenceId: 'pedido-1',
      attemptId: 'att_1',
      orderId: attempt.orderId,
      amountCents: attempt.amountCents,
      currency: 'MXN',
      replayOrder: JSON.stringify(snapshot.publicBody),
      expected: ORDINARY_FROM.paid,
      attempt: {
        status: 'paid',
        providerStatus: 'paid',
        providerUpdatedAt: snapshot.updatedAt,
        checkoutUrl: 'https://pay.example.test/1',
        paidAt: 1_800_000_150,
        paymentMethod: 'card',
        card: { brand: 'visa', last4: '4242' },
        amountRefundedCents: 0,
      },
      setsPaidAttempt: true,
      change: { status: 'paid', at: AT, source: 'webhook:evt_9', orderId: attempt.orderId },
      updatedAt: AT,
    });
  });

  it('sets only the fields the event says, and makes an unpaid status no paid attempt', () => {
    const attempt = anAttempt({ id: 'att_1', status: 'created' });
    const advance = ordinaryAdvance(tag, aSnapshot(attempt, 'pending_payment'), { source: 's', at: AT })!;
    expect(advance.attempt).toEqual({
      status: 'pending_payment',
      providerStatus: 'pending_payment',
      providerUpdatedAt: expect.any(Number),
    });
    expect(advance.setsPaidAttempt).toBe(false);
  });

  it('is no one-write move for an unknown status, or a status nothing moves to ordinarily', () => {
    const attempt = anAttempt({ id: 'att_1' });
    expect(
      ordinaryAdvance(tag, aSnapshot(attempt, 'paid', { status: undefined }), { source: 's', at: AT }),
    ).toBeUndefined();
    expect(ordinaryAdvance(tag, aSnapshot(attempt, 'created'), { source: 's', at: AT })).toBeUndefined();
  });
});
