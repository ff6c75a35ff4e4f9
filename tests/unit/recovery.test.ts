/**
 * lib/payments/recovery.ts: an attempt whose provider answer was lost is taken over and its order
 * looked for in the attempt's time window; only an order carrying this attempt's tag, amount and
 * currency is adopted, and only a complete search made after the last call settled proves none exists.
 */
import type { PaymentRecord } from '../../lib/payments/model.js';
import type { OrderSearch, ProviderOrder } from '../../lib/payments/ports.js';
import { ProviderError } from '../../lib/payments/provider-errors.js';
import { type RecoveryDeps, recordOrders, recoverAttempt, snapshotOf } from '../../lib/payments/recovery.js';
import { createFakeProvider } from '../support/fake-provider.js';
import { createMemoryStore } from '../support/memory-store.js';
import { anAttempt, aPayment } from '../support/records.js';

const CALLED_AT = 1_800_000_000_000;
const config = { leaseMs: 30_000, settleMs: 20_000, searchSkewSeconds: 300 };

function setup(now = CALLED_AT + 60_000) {
  const clock = { now };
  const provider = createFakeProvider('fake');
  const store = createMemoryStore(() => clock.now);
  const deps: RecoveryDeps = { provider, store, config, now: () => clock.now };
  const attempt = anAttempt({
    phase: 'creating',
    orderId: undefined,
    status: undefined,
    checkoutUrl: undefined,
    providerStatus: undefined,
    providerUpdatedAt: undefined,
    claimedAt: CALLED_AT - 5_000,
    lastCallAt: CALLED_AT,
    outcomeUnknown: true,
    leaseUntil: 0,
    amountCents: 10_000,
  });
  const record = aPayment([attempt]);
  const tag = { merchant: record.merchant, referenceId: record.referenceId, attemptId: attempt.id };
  return { clock, provider, store, deps, attempt, record, tag };
}

/** An order as the provider lists it. */
const listed = (overrides: Partial<ProviderOrder> & Pick<ProviderOrder, 'orderId'>): ProviderOrder => ({
  status: 'created',
  providerStatus: null,
  updatedAt: 1_800_000_010,
  createdAt: 1_800_000_000,
  livemode: false,
  amountCents: 10_000,
  currency: 'MXN',
  checkoutUrl: 'https://pay.example.test/x',
  publicBody: { id: overrides.orderId },
  body: { id: overrides.orderId, customer_info: { email: 'buyer@example.com' } },
  ...overrides,
});

const answerSearch = (s: ReturnType<typeof setup>, orders: ProviderOrder[], complete = true) => {
  const searches: OrderSearch[] = [];
  s.provider.findAttemptOrders = async (_credentials, search) => {
    searches.push(search);
    return { orders, complete };
  };
  return searches;
};

const recover = (s: ReturnType<typeof setup>, record: PaymentRecord = s.record, email?: string) =>
  recoverAttempt(s.deps, {
    credentials: { secret: 'key_1' },
    record,
    attemptId: s.attempt.id,
    ...(email !== undefined && { email }),
    deadline: s.clock.now + 10_000,
  });

const failureOf = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) =>
      e as { status?: number; code?: string; message: string; headers?: Record<string, string> },
  );

describe('recoverAttempt', () => {
  it('searches the attempt’s window, a little wider each side, narrowed by the buyer’s email', async () => {
    const s = setup();
    await s.store.insert(s.record);
    const searches = answerSearch(s, [listed({ orderId: 'ord_1', tag: s.tag })]);
    await recover(s, s.record, 'ana@example.com');
    expect(searches).toEqual([
      {
        tag: s.tag,
        createdFrom: Math.floor((CALLED_AT - 5_000) / 1000) - 300,
        createdTo: Math.ceil((CALLED_AT + 60_000) / 1000) + 300,
        email: 'ana@example.com',
        deadline: CALLED_AT + 70_000,
      },
    ]);
  });

  it('rounds the window outwards to whole seconds', async () => {
    const s = setup(CALLED_AT + 60_001);
    const record = aPayment([{ ...s.attempt, claimedAt: CALLED_AT - 4_999 }], {
      referenceId: s.record.referenceId,
    });
    await s.store.insert(record);
    const searches = answerSearch(s, [listed({ orderId: 'ord_1', tag: s.tag })]);
    await recover(s, record);
    expect(searches[0]).toMatchObject({
      createdFrom: (CALLED_AT - 5_000) / 1000 - 300,
      createdTo: (CALLED_AT + 61_000) / 1000 + 300,
    });
    expect(searches[0]).not.toHaveProperty('email');
  });

  it('adopts the order carrying this attempt’s tag, amount and currency, and nothing else', async () => {
    const s = setup();
    await s.store.insert(s.record);
    answerSearch(s, [
      listed({ orderId: 'ord_other_attempt', tag: { ...s.tag, attemptId: 'att_other' } }),
      listed({ orderId: 'ord_other_reference', tag: { ...s.tag, referenceId: 'other' } }),
      listed({ orderId: 'ord_other_merchant', tag: { ...s.tag, merchant: 'fake:acct_2:test' } }),
      listed({ orderId: 'ord_untagged' }),
      listed({ orderId: 'ord_other_amount', tag: s.tag, amountCents: 10_001 }),
      listed({ orderId: 'ord_other_currency', tag: s.tag, currency: 'USD' }),
      listed({
        orderId: 'ord_mine',
        tag: s.tag,
        status: 'pending_payment',
        providerStatus: 'pending_payment',
      }),
    ]);
    const recovered = await recover(s);
    const attempt = recovered.attempts[s.attempt.id]!;
    expect(attempt).toMatchObject({ phase: 'recorded', orderId: 'ord_mine', status: 'pending_payment' });
    expect(attempt).not.toHaveProperty('claimToken');
    expect(Object.keys(recovered.attempts)).toEqual([s.attempt.id]);
    expect(recovered.history).toEqual([
      {
        status: 'pending_payment',
        at: new Date(s.clock.now).toISOString(),
        source: 'recovery',
        orderId: 'ord_mine',
      },
    ]);
    expect(await s.store.get(s.record.merchant, s.record.referenceId)).toEqual(recovered);
  });

  it('records two orders of one attempt oldest first: the newer one becomes a sibling attempt', async () => {
    const s = setup();
    await s.store.insert(s.record);
    answerSearch(s, [
      listed({ orderId: 'ord_second', tag: s.tag, createdAt: 1_800_000_005 }),
      listed({ orderId: 'ord_first', tag: s.tag, createdAt: 1_800_000_001 }),
    ]);
    const recovered = await recover(s);
    expect(recovered.attempts[s.attempt.id]!.orderId).toBe('ord_first');
    expect(recovered.attempts[`${s.attempt.id}.2`]!.orderId).toBe('ord_second');
  });

  it('proves no order exists from a complete search after the last call settled: not created', async () => {
    const s = setup(CALLED_AT + 20_000);
    await s.store.insert(s.record);
    answerSearch(s, [listed({ orderId: 'ord_other', tag: { ...s.tag, attemptId: 'att_other' } })]);
    const recovered = await recover(s);
    expect(recovered.attempts[s.attempt.id]).toMatchObject({ phase: 'not_created' });
    expect(recovered.attempts[s.attempt.id]).not.toHaveProperty('outcomeUnknown');
    expect(await s.store.get(s.record.merchant, s.record.referenceId)).toEqual(recovered);
  });

  it('does not presume an order missing before the last call settled: 502, retry when it will have', async () => {
    const s = setup(CALLED_AT + 12_500);
    await s.store.insert(s.record);
    answerSearch(s, []);
    const error = await failureOf(recover(s));
    expect(error).toMatchObject({
      status: 502,
      code: 'provider_unavailable',
      message:
        'An earlier attempt of this payment may still be processed by the provider; Pagos confirms in about 8 s. Send the same request again then.',
      headers: { 'Retry-After': '8' },
    });
    const after = (await s.store.get(s.record.merchant, s.record.referenceId))!.attempts[s.attempt.id]!;
    expect(after).toMatchObject({ phase: 'creating', outcomeUnknown: true, leaseUntil: 0 });
  });

  it('asks to wait at least a second just before the call settles', async () => {
    const s = setup(CALLED_AT + 19_999);
    await s.store.insert(s.record);
    answerSearch(s, []);
    expect((await failureOf(recover(s))).headers).toEqual({ 'Retry-After': '1' });
  });

  it('proves nothing from an incomplete search, however late', async () => {
    const s = setup(CALLED_AT + 3_600_000);
    await s.store.insert(s.record);
    answerSearch(s, [], false);
    const error = await failureOf(recover(s));
    expect(error).toMatchObject({
      status: 502,
      message:
        'Pagos could not search every order of the earlier attempt’s time window yet. Send the same request again in a moment.',
      headers: { 'Retry-After': '1' },
    });
    expect((await s.store.get(s.record.merchant, s.record.referenceId))!.attempts[s.attempt.id]!.phase).toBe(
      'creating',
    );
  });

  it('adopts an order found by an incomplete search all the same', async () => {
    const s = setup();
    await s.store.insert(s.record);
    answerSearch(s, [listed({ orderId: 'ord_mine', tag: s.tag })], false);
    expect((await recover(s)).attempts[s.attempt.id]!.orderId).toBe('ord_mine');
  });

  it('gives up with the provider’s own failure when the search fails, the outcome still unknown', async () => {
    const s = setup();
    await s.store.insert(s.record);
    s.provider.faults.push({ op: 'find', failure: 'rate_limited' });
    expect(await failureOf(recover(s))).toMatchObject({ status: 429, code: 'rate_limited' });
    expect(
      (await s.store.get(s.record.merchant, s.record.referenceId))!.attempts[s.attempt.id],
    ).toMatchObject({
      phase: 'creating',
      outcomeUnknown: true,
    });
  });

  it('gives up with a retry-safe 502 when the search fails otherwise', async () => {
    const s = setup();
    await s.store.insert(s.record);
    s.provider.findAttemptOrders = async () => {
      throw new TypeError('socket hang up');
    };
    const error = await failureOf(recover(s));
    expect(error).toMatchObject({ status: 502, code: 'provider_unavailable', message: 'socket hang up' });
    expect(error).not.toHaveProperty('headers.Retry-After');
  });

  it('returns the stored record untouched when another request took the attempt over first', async () => {
    const s = setup();
    const newer = { ...s.record, version: s.record.version + 1, updatedAt: 'someone else' };
    await s.store.insert(newer);
    let searched = false;
    s.provider.findAttemptOrders = async () => {
      searched = true;
      return { orders: [], complete: true };
    };
    expect(await recover(s)).toEqual(newer);
    expect(searched).toBe(false);
  });

  it('fails plainly when the payment disappeared meanwhile', async () => {
    const s = setup();
    await expect(recover(s)).rejects.toThrow(`payment ${s.record.referenceId} disappeared during recovery`);
  });

  it('owns the attempt while it looks: claimed with a lease, the last call time kept', async () => {
    const s = setup();
    await s.store.insert(s.record);
    let during: PaymentRecord | undefined;
    s.provider.findAttemptOrders = async () => {
      during = await s.store.get(s.record.merchant, s.record.referenceId);
      throw new ProviderError({ provider: 'fake', failure: 'timeout', outcome: 'unknown', message: 'slow' });
    };
    await failureOf(recover(s));
    expect(during!.attempts[s.attempt.id]).toMatchObject({
      phase: 'creating',
      leaseUntil: s.clock.now + 30_000,
      lastCallAt: CALLED_AT,
      claimToken: expect.any(String),
    });
    expect(during!.attempts[s.attempt.id]!.claimToken).not.toBe(s.attempt.claimToken);
    expect(during!.attempts[s.attempt.id]).not.toHaveProperty('outcomeUnknown');
  });
});

describe('recordOrders and snapshotOf', () => {
  it('snapshotOf keeps everything but what is only for the caller: creation time, refunds, the full body', () => {
    const order = listed({ orderId: 'ord_1', refunds: [{ id: 'r', amountCents: 1, createdAt: 2 }] });
    const { createdAt: _c, refunds: _r, body: _b, ...expected } = order;
    expect(snapshotOf(order)).toEqual(expected);
  });

  it('recordOrders writes nothing for orders that change nothing', async () => {
    const s = setup();
    const attempt = anAttempt({ status: 'paid', orderId: 'ord_1', providerUpdatedAt: 1_800_000_100 });
    const record = aPayment([attempt]);
    await s.store.insert(record);
    const same = await recordOrders(
      s.store,
      record,
      attempt.id,
      [
        listed({
          orderId: 'ord_1',
          status: 'paid',
          updatedAt: 1_800_000_100,
          amountCents: attempt.amountCents,
        }),
      ],
      {
        name: 'status',
        at: 'now',
      },
    );
    expect(same).toEqual(record);
    expect(await recordOrders(s.store, record, attempt.id, [], { name: 'status', at: 'now' })).toEqual(
      record,
    );
  });
});

describe('recoverAttempt: an order of this attempt’s tag but another amount or currency', () => {
  it.each([
    ['amount', { amountCents: 10_001 }],
    ['currency', { currency: 'USD' }],
  ])(
    'is no order of this attempt (another %s): a complete, settled search still proves none exists',
    async (_what, overrides) => {
      const s = setup(CALLED_AT + 60_000);
      await s.store.insert(s.record);
      answerSearch(s, [listed({ orderId: 'ord_odd', tag: s.tag, ...overrides })]);
      const recovered = await recover(s);
      expect(recovered.attempts[s.attempt.id]).toMatchObject({ phase: 'not_created' });
      expect(recovered.attempts[s.attempt.id]).not.toHaveProperty('orderId');
    },
  );
});
