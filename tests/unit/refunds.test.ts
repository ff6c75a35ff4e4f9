/**
 * lib/payments/refunds.ts through the whole domain (fake provider, in-memory store, movable
 * clock): each refund request is carried out at most once; a lost answer is settled against the
 * provider's order before anything else is refunded, and a missing refund counts as not made only
 * once the call can no longer land.
 */
import { createHash } from 'node:crypto';
import type { PaymentRecord, RefundEntry } from '../../lib/payments/model.js';
import { refundKey } from '../../lib/payments/refunds.js';
import { chargeBody, createBody, createDomain, type Domain, SECRET } from '../support/domain.js';

/** A card charge of 1000 pesos, paid at once; its reference. */
let tokens = 0;
async function paidCharge(d: Domain): Promise<string> {
  tokens += 1;
  // The fake's test tokens are single use; `<token>_<suffix>` is a fresh copy.
  const body = chargeBody({ amount: 1000, token_id: `tok_test_visa_4242_${tokens}` });
  await d.pagos(body);
  return body.reference_id as string;
}

const refund = (reference: string, fields: Record<string, unknown> = {}) => ({
  action: 'refund',
  secret: SECRET,
  reference_id: reference,
  ...fields,
});

const stored = async (d: Domain, reference: string): Promise<PaymentRecord> => {
  const merchant = [...d.services.memory.values()][0]!.merchant.id;
  return (await d.store.get(merchant, reference))!;
};

const entries = async (d: Domain, reference: string) =>
  Object.values((await stored(d, reference)).refunds)
    .sort((a, b) => a.startedAt - b.startedAt || a.amountCents - b.amountCents)
    .map((r) => [r.amountCents, r.state]);

const providerRefunds = (d: Domain) => d.provider.orders.flatMap((o) => o.refunds.map((r) => r.amountCents));

describe('refund: carried out at most once', () => {
  it('refunds the whole rest by default, answering the provider’s order', async () => {
    const d = createDomain();
    const reference = await paidCharge(d);
    const answered = await d.pagos(refund(reference));
    expect(answered).toMatchObject({ action: 'refund', orderId: 'ord_fake_1', replayed: false });
    expect(answered.body).toMatchObject({ id: 'ord_fake_1', amount_refunded: 100_000 });
    expect(providerRefunds(d)).toEqual([100_000]);
    const record = await stored(d, reference);
    expect(record.status).toBe('refunded');
    expect(Object.values(record.refunds)).toEqual([
      expect.objectContaining({
        amountCents: 100_000,
        state: 'done',
        providerRefundId: 'rfd_1_ord_fake_1',
        reason: 'requested_by_client',
      }),
    ]);
  });

  it('refunds part, then the rest; then nothing is left', async () => {
    const d = createDomain();
    const reference = await paidCharge(d);
    await d.pagos(refund(reference, { amount: 300 }));
    expect((await stored(d, reference)).status).toBe('partially_refunded');
    await d.pagos(refund(reference));
    expect(providerRefunds(d)).toEqual([30_000, 70_000]);
    expect(await d.answer(refund(reference, { amount: 1 }))).toMatchObject({
      status: 400,
      code: 'invalid_request',
      body: { message: 'The payment is refunded; only paid payments can be refunded.' },
    });
  });

  it('refunds nothing when the order already shows all of it refunded, whatever its status still says', async () => {
    const d = createDomain();
    const reference = await paidCharge(d);
    const merchant = (await stored(d, reference)).merchant;
    const entry = d.store.records.get(`${merchant}\n${reference}`)!;
    const attempt = Object.values(entry.record.attempts)[0]!;
    // An event raised the refunded total to all of it while the status still reads partially refunded.
    Object.assign(attempt, { status: 'partially_refunded', amountRefundedCents: attempt.amountCents });
    expect(await d.answer(refund(reference))).toMatchObject({
      status: 400,
      code: 'invalid_request',
      body: {
        message: 'Only 0.00 is left to refund.',
        details: [{ field: 'amount', message: 'must be at most 0.00' }],
      },
    });
    expect(d.provider.calls.refund).toBe(0);
  });

  it('refuses more than the rest, naming what is left', async () => {
    const d = createDomain();
    const reference = await paidCharge(d);
    await d.pagos(refund(reference, { amount: 250.5 }));
    expect(await d.answer(refund(reference, { amount: 749.51 }))).toMatchObject({
      status: 400,
      body: { message: 'Only 749.50 is left to refund.' },
    });
    expect((await d.pagos(refund(reference, { amount: 749.5 }))).replayed).toBe(false);
    expect(providerRefunds(d)).toEqual([25_050, 74_950]);
  });

  it('the same refund request again replays it, with the order as it is now, and refunds nothing more', async () => {
    const d = createDomain();
    const reference = await paidCharge(d);
    await d.pagos(refund(reference, { amount: 100 }));
    const again = await d.pagos(refund(reference, { amount: 100 }));
    expect(again).toMatchObject({ replayed: true, orderId: 'ord_fake_1' });
    expect(again.body).toMatchObject({ id: 'ord_fake_1', amount_refunded: 10_000 });
    expect(d.provider.calls.refund).toBe(1);
    expect(providerRefunds(d)).toEqual([10_000]);
  });

  it('a refund_id makes two equal refunds; each refund_id refunds once', async () => {
    const d = createDomain();
    const reference = await paidCharge(d);
    await d.pagos(refund(reference, { amount: 100 }));
    await d.pagos(refund(reference, { amount: 100, refund_id: 'second' }));
    await d.pagos(refund(reference, { amount: 100, refund_id: 'second' }));
    expect(providerRefunds(d)).toEqual([10_000, 10_000]);
  });

  it('refuses a refund_id with "|", which could read as the key of a refund by amount', async () => {
    const d = createDomain();
    const reference = await paidCharge(d);
    await d.pagos(refund(reference, { amount: 1 }));
    expect(await d.answer(refund(reference, { amount: 1, refund_id: '100|requested_by_client|' }))).toEqual({
      status: 400,
      code: 'invalid_request',
      body: expect.objectContaining({
        details: [{ field: 'refund_id', message: 'must not contain "|"' }],
      }),
    });
    expect(providerRefunds(d)).toEqual([100]);
  });

  it('refuses to refund a payment that is not paid', async () => {
    const d = createDomain();
    const body = createBody();
    await d.pagos(body);
    expect(await d.answer(refund(body.reference_id as string))).toMatchObject({
      status: 400,
      code: 'invalid_request',
      body: {
        message: 'The payment is created; only paid payments can be refunded.',
        details: [{ field: 'reference_id', message: 'payment is created' }],
      },
    });
    expect(d.provider.calls.refund).toBe(0);
  });

  it('refuses to refund a refunded payment as no longer refundable', async () => {
    const d = createDomain();
    const reference = await paidCharge(d);
    await d.pagos(refund(reference));
    expect(await d.answer(refund(reference, { amount: 1, refund_id: 'more' }))).toMatchObject({
      status: 400,
      body: { message: 'The payment is refunded; only paid payments can be refunded.' },
    });
  });

  it('refuses an order_id that is not one of the payment’s orders', async () => {
    const d = createDomain();
    const reference = await paidCharge(d);
    expect(await d.answer(refund(reference, { order_id: 'ord_someone_else' }))).toMatchObject({
      status: 400,
      code: 'invalid_request',
      body: {
        message: 'order_id ord_someone_else is not an order of this payment.',
        details: [{ field: 'order_id', message: 'is not an order of this payment' }],
      },
    });
  });

  it('answers 404 for a reference it does not know', async () => {
    const d = createDomain();
    await paidCharge(d);
    expect(await d.answer(refund('nobody'))).toMatchObject({ status: 404, code: 'unknown_reference' });
  });

  it('refunds the order named, when a payment was paid twice', async () => {
    const d = createDomain();
    const body = createBody();
    await d.pagos(body);
    d.provider.setStatus('ord_fake_1', 'expired');
    await d.pagos({ action: 'status', secret: SECRET, reference_id: body.reference_id });
    await d.pagos(body); // attempt 2, ord_fake_2
    d.provider.setStatus('ord_fake_2', 'paid');
    await d.pagos({ action: 'status', secret: SECRET, reference_id: body.reference_id });
    d.provider.setStatus('ord_fake_1', 'paid'); // cash paid late at the store
    await d.pagos({ action: 'status', secret: SECRET, reference_id: body.reference_id });
    const reference = body.reference_id as string;
    expect((await stored(d, reference)).paidTwice).toBe(true);
    await d.pagos(refund(reference, { order_id: 'ord_fake_1' }));
    expect(d.provider.orders.map((o) => [o.orderId, o.amountRefundedCents])).toEqual([
      ['ord_fake_1', 100_000],
      ['ord_fake_2', 0],
    ]);
    // Without order_id the refund goes to the order money follows (the first paid: ord_fake_2).
    await d.pagos(refund(reference, { amount: 1 }));
    expect(d.provider.orders.map((o) => o.amountRefundedCents)).toEqual([100_000, 100]);
  });

  it('sends one idempotency key per refund request and payment', async () => {
    const d = createDomain();
    const keys: string[] = [];
    const original = d.provider.refundOrder;
    d.provider.refundOrder = (c, id, r) => {
      keys.push(r.idempotencyKey);
      return original(c, id, r);
    };
    const one = await paidCharge(d);
    const two = await paidCharge(d);
    await d.pagos(refund(one, { amount: 1 }));
    await d.pagos(refund(two, { amount: 1 }));
    await d.pagos(refund(one, { amount: 2 }));
    expect(new Set(keys).size).toBe(3);
    for (const key of keys) expect(key).toMatch(/^pagos-rf_[0-9a-f]{24}-[0-9a-f]{16}$/);
  });
});

describe('refund: a lost answer is settled before anything else is refunded', () => {
  it('a refund made but whose answer was lost is found on the order: done, and never made twice', async () => {
    const d = createDomain();
    const reference = await paidCharge(d);
    d.provider.faults.push({ op: 'refund', failure: 'unavailable', when: 'after' });
    expect(await d.answer(refund(reference, { amount: 300 }))).toMatchObject({ status: 502 });
    expect(await entries(d, reference)).toEqual([[30_000, 'unknown']]);
    const again = await d.pagos(refund(reference, { amount: 300 }));
    expect(again.replayed).toBe(true);
    expect(providerRefunds(d)).toEqual([30_000]);
    expect(await entries(d, reference)).toEqual([[30_000, 'done']]);
    expect(Object.values((await stored(d, reference)).refunds)[0]!.providerRefundId).toBe('rfd_1_ord_fake_1');
  });

  it('looks at the order before answering a lost refund: one that never happened is made on the retry, once settled', async () => {
    const d = createDomain();
    const reference = await paidCharge(d);
    d.provider.faults.push({ op: 'refund', failure: 'timeout', when: 'lost' });
    expect(await d.answer(refund(reference, { amount: 300 }))).toMatchObject({ status: 504 });
    const gets = d.provider.calls.get;
    // Too early to tell: the call may still land.
    expect(await d.answer(refund(reference, { amount: 300 }))).toMatchObject({
      status: 409,
      code: 'request_in_progress',
    });
    expect(d.provider.calls.get).toBe(gets + 1);
    expect(await entries(d, reference)).toEqual([[30_000, 'unknown']]);
    d.clock.advance(30_001);
    const made = await d.pagos(refund(reference, { amount: 300 }));
    expect(made.replayed).toBe(false);
    expect(providerRefunds(d)).toEqual([30_000]);
    expect(await entries(d, reference)).toEqual([[30_000, 'done']]);
  });

  it('settles an unknown refund before making a different one, which then counts it', async () => {
    const d = createDomain();
    const reference = await paidCharge(d);
    d.provider.faults.push({ op: 'refund', failure: 'unavailable', when: 'after' });
    await d.answer(refund(reference, { amount: 600 }));
    // The rest is 400 once the lost 600 is counted: a second 600 is refused, never sent.
    expect(await d.answer(refund(reference, { amount: 600, refund_id: 'other' }))).toMatchObject({
      status: 400,
      body: { message: 'Only 400.00 is left to refund.' },
    });
    expect(await entries(d, reference)).toEqual([[60_000, 'done']]);
    await d.pagos(refund(reference, { amount: 400, refund_id: 'other' }));
    expect(providerRefunds(d)).toEqual([60_000, 40_000]);
  });

  it('settles a refund left in flight by a caller that died, once its lock ran out', async () => {
    const d = createDomain();
    const reference = await paidCharge(d);
    const original = d.provider.refundOrder;
    d.provider.refundOrder = async () => {
      throw new Error('the function was stopped mid-call');
    };
    // A crash that is no provider failure leaves the entry unknown too (it may have acted).
    await expect(d.pagos(refund(reference, { amount: 100 }))).rejects.toThrow('stopped mid-call');
    expect(await entries(d, reference)).toEqual([[10_000, 'unknown']]);
    d.provider.refundOrder = original;
    const record = await stored(d, reference);
    const [entry] = Object.values(record.refunds) as [RefundEntry];
    // As if the caller had died before writing anything after its lock: in flight, lock over.
    const merchant = record.merchant;
    d.store.records.get(`${merchant}\n${reference}`)!.record.refunds[entry.key] = {
      ...entry,
      state: 'in_flight',
      lockUntil: d.clock.now + 30_000,
    };
    expect(await d.answer(refund(reference, { amount: 200 }))).toMatchObject({
      status: 409,
      code: 'request_in_progress',
      body: { message: 'Another refund of this payment is in progress. Send it again in a moment.' },
    });
    d.clock.advance(30_000);
    // The lock ended and the refund never happened (the order lists none): not made, then the new one.
    await d.pagos(refund(reference, { amount: 200 }));
    expect(providerRefunds(d)).toEqual([20_000]);
    expect(await entries(d, reference)).toEqual([
      [10_000, 'not_made'],
      [20_000, 'done'],
    ]);
    // The request that was never made is made when it comes again, for its own amount.
    await d.pagos(refund(reference, { amount: 100 }));
    expect(providerRefunds(d)).toEqual([20_000, 10_000]);
  });

  it('forgets a refund the provider surely refused, so the same request may be sent again', async () => {
    const d = createDomain();
    const reference = await paidCharge(d);
    d.provider.faults.push({ op: 'refund', failure: 'rate_limited' });
    expect(await d.answer(refund(reference, { amount: 100 }))).toMatchObject({ status: 429 });
    expect(await entries(d, reference)).toEqual([]);
    expect((await d.pagos(refund(reference, { amount: 100 }))).replayed).toBe(false);
    expect(providerRefunds(d)).toEqual([10_000]);
  });

  it('counts an answer that does not show the refund as unknown, and settles it from the order', async () => {
    const d = createDomain();
    const reference = await paidCharge(d);
    // The refund is made, but the answer is about another order: it proves nothing.
    d.provider.faults.push({ op: 'refund', failure: 'misfit', misfit: 'order_id' });
    expect(await d.answer(refund(reference, { amount: 100 }))).toMatchObject({
      status: 502,
      code: 'provider_unavailable',
    });
    expect(await entries(d, reference)).toEqual([[10_000, 'unknown']]);
    expect((await d.pagos(refund(reference, { amount: 100 }))).replayed).toBe(true);
    expect(providerRefunds(d)).toEqual([10_000]);
  });

  it('without a refunds list, counts a lost refund done only when the refunded total covers it beyond those counted', async () => {
    const d = createDomain();
    const reference = await paidCharge(d);
    const original = d.provider.getOrder;
    d.provider.getOrder = async (c, id, deadline) => {
      const { refunds: _listed, ...order } = await original(c, id, deadline);
      return order;
    };
    await d.pagos(refund(reference, { amount: 100 }));
    d.provider.faults.push({ op: 'refund', failure: 'unavailable', when: 'lost' });
    await d.answer(refund(reference, { amount: 100, refund_id: 'b' }));
    d.clock.advance(30_001);
    // The order's total (100) is what was counted already: the lost one never happened.
    await d.pagos(refund(reference, { amount: 50, refund_id: 'c' }));
    expect(await entries(d, reference)).toEqual([
      [10_000, 'done'],
      [10_000, 'not_made'],
      [5_000, 'done'],
    ]);
    d.provider.faults.push({ op: 'refund', failure: 'unavailable', when: 'after' });
    await d.answer(refund(reference, { amount: 100, refund_id: 'd' }));
    await d.pagos(refund(reference, { amount: 1, refund_id: 'e' }));
    expect((await entries(d, reference)).filter(([, state]) => state === 'done')).toHaveLength(4);
    expect(providerRefunds(d)).toEqual([10_000, 5_000, 10_000, 100]);
  });

  it('does not take an older refund of the same amount, listed before this one started, for this one', async () => {
    const d = createDomain();
    const reference = await paidCharge(d);
    // A refund of the same amount made in the provider's dashboard an hour earlier, unknown to
    // Pagos (so not among the counted ones): only its time tells it from the lost call.
    await d.provider.refundOrder({ secret: SECRET }, 'ord_fake_1', {
      amountCents: 10_000,
      reason: 'other',
      idempotencyKey: 'dashboard',
      deadline: Date.now() + 5_000,
    });
    d.provider.orders[0]!.refunds[0]!.createdAt -= 3_600;
    d.provider.faults.push({ op: 'refund', failure: 'timeout', when: 'lost' });
    await d.answer(refund(reference, { amount: 100 }));
    d.clock.advance(30_001);
    expect((await d.pagos(refund(reference, { amount: 100 }))).replayed).toBe(false);
    expect(providerRefunds(d)).toEqual([10_000, 10_000]);
    expect(await entries(d, reference)).toEqual([[10_000, 'done']]);
  });
});

describe('refundKey', () => {
  const base = {
    amountCents: 100 as number | undefined,
    reason: 'requested_by_client' as const,
    refundId: undefined,
    orderId: undefined,
  };

  it('names the same request the same way, and differs for any other amount, reason, order or refund_id', () => {
    const key = refundKey(base);
    expect(key).toMatch(/^rf_[0-9a-f]{24}$/);
    expect(refundKey({ ...base })).toBe(key);
    const others = [
      refundKey({ ...base, amountCents: 101 }),
      refundKey({ ...base, amountCents: undefined }),
      refundKey({ ...base, reason: 'other' }),
      refundKey({ ...base, orderId: 'ord_1' }),
      refundKey({ ...base, refundId: 'rf-a' }),
    ];
    expect(new Set([key, ...others]).size).toBe(6);
  });

  it('keeps the form of the key, which stored refunds and the provider’s idempotency keys carry', () => {
    // A request retried after a deploy must find its own entry: under another form it would
    // settle the old entry as done and then refund the same amount again.
    const named = (what: string) => `rf_${createHash('sha256').update(what).digest('hex').slice(0, 24)}`;
    expect(refundKey({ ...base, amountCents: undefined })).toBe(named('rest|requested_by_client|'));
    expect(refundKey({ ...base, orderId: 'ord_1' })).toBe(named('100|requested_by_client|ord_1'));
    expect(refundKey(base)).toBe(named('100|requested_by_client|'));
    expect(refundKey({ ...base, refundId: 'rf-a' })).toBe(named('rf-a'));
  });

  it('names a request with a refund_id by the refund_id alone', () => {
    expect(refundKey({ ...base, refundId: 'rf-a' })).toBe(
      refundKey({ ...base, amountCents: 5, reason: 'other', refundId: 'rf-a' }),
    );
  });
});

describe('refund: the edges of settling and locking', () => {
  const pagosError = (d: Domain, body: Record<string, unknown>) =>
    d.pagos(body).then(
      () => {
        throw new Error('expected a refusal');
      },
      (e: unknown) => e as { status: number; message: string; headers: Record<string, string> },
    );

  it('records a refund as its own change of the payment', async () => {
    const d = createDomain();
    const reference = await paidCharge(d);
    await d.pagos(refund(reference, { amount: 100 }));
    expect((await stored(d, reference)).history.at(-1)).toMatchObject({
      status: 'partially_refunded',
      source: 'refund',
    });
  });

  it('names refunds of two different orders differently', () => {
    const base = { amountCents: 100, reason: 'requested_by_client' as const, refundId: undefined };
    expect(refundKey({ ...base, orderId: 'ord_1' })).not.toBe(refundKey({ ...base, orderId: 'ord_2' }));
  });

  it('does not take a refund Pagos already counted for another request as a lost one', async () => {
    const d = createDomain();
    const reference = await paidCharge(d);
    await d.pagos(refund(reference, { amount: 100 }));
    d.provider.faults.push({ op: 'refund', failure: 'timeout', when: 'lost' });
    await d.answer(refund(reference, { amount: 100, refund_id: 'b' }));
    d.clock.advance(30_001);
    expect((await d.pagos(refund(reference, { amount: 100, refund_id: 'b' }))).replayed).toBe(false);
    expect(providerRefunds(d)).toEqual([10_000, 10_000]);
  });

  it('does not take a refund of another amount, made elsewhere, as a lost one', async () => {
    const d = createDomain();
    const reference = await paidCharge(d);
    // A refund made in the provider's dashboard, unknown to Pagos.
    await d.provider.refundOrder({ secret: SECRET }, 'ord_fake_1', {
      amountCents: 5_000,
      reason: 'other',
      idempotencyKey: 'dashboard',
      deadline: Date.now() + 5_000,
    });
    d.provider.faults.push({ op: 'refund', failure: 'timeout', when: 'lost' });
    await d.answer(refund(reference, { amount: 100 }));
    d.clock.advance(30_001);
    expect((await d.pagos(refund(reference, { amount: 100 }))).replayed).toBe(false);
    expect(providerRefunds(d)).toEqual([5_000, 10_000]);
  });

  it('takes a listed refund made as early as the clock skew allows for the lost one', async () => {
    const d = createDomain();
    const reference = await paidCharge(d);
    d.provider.faults.push({ op: 'refund', failure: 'unavailable', when: 'after' });
    await d.answer(refund(reference, { amount: 100 }));
    const [entry] = Object.values((await stored(d, reference)).refunds) as [RefundEntry];
    d.provider.orders[0]!.refunds[0]!.createdAt = entry.startedAt - 300;
    expect((await d.pagos(refund(reference, { amount: 100 }))).replayed).toBe(true);
    expect(providerRefunds(d)).toEqual([10_000]);
  });

  it('counts a lost refund missing only once its lock ended and its call settled, whichever is later', async () => {
    const d = createDomain(); // lock 30 s, settle 20 s
    const reference = await paidCharge(d);
    d.provider.faults.push({ op: 'refund', failure: 'timeout', when: 'lost' });
    await d.answer(refund(reference, { amount: 100 }));
    expect(await pagosError(d, refund(reference, { amount: 100 }))).toMatchObject({
      status: 409,
      message:
        'An earlier refund of this payment may still be processed by the provider. Send this again in a moment.',
      headers: { 'Retry-After': '30' },
    });
    d.clock.advance(25_000);
    expect(await pagosError(d, refund(reference, { amount: 100 }))).toMatchObject({
      status: 409,
      headers: { 'Retry-After': '5' },
    });
    d.clock.advance(5_000);
    expect((await d.pagos(refund(reference, { amount: 100 }))).replayed).toBe(false);
  });

  it('waits for the call to settle when the lock is shorter, asking to retry in a second meanwhile', async () => {
    const d = createDomain({ refundLockMs: 10_000 });
    const reference = await paidCharge(d);
    d.provider.faults.push({ op: 'refund', failure: 'timeout', when: 'lost' });
    await d.answer(refund(reference, { amount: 100 }));
    d.clock.advance(15_000);
    expect(await pagosError(d, refund(reference, { amount: 100 }))).toMatchObject({
      status: 409,
      headers: { 'Retry-After': '1' },
    });
    expect(providerRefunds(d)).toEqual([]);
    d.clock.advance(5_001);
    expect((await d.pagos(refund(reference, { amount: 100 }))).replayed).toBe(false);
    expect(providerRefunds(d)).toEqual([10_000]);
  });

  it('answers 409 to another refund while one is being made, leaving that one alone', async () => {
    const d = createDomain();
    const reference = await paidCharge(d);
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const original = d.provider.refundOrder;
    d.provider.refundOrder = async (c, id, r) => {
      await gate;
      return original(c, id, r);
    };
    const first = d.pagos(refund(reference, { amount: 100 }));
    await new Promise((r) => setTimeout(r, 5));
    expect(await pagosError(d, refund(reference, { amount: 200 }))).toMatchObject({
      status: 409,
      message: 'Another refund of this payment is in progress. Send it again in a moment.',
      headers: { 'Retry-After': '2' },
    });
    expect(d.provider.calls.get).toBe(0);
    release();
    await first;
    expect(providerRefunds(d)).toEqual([10_000]);
  });

  it('refunds the rest Pagos counted even when the order read back shows less refunded', async () => {
    const d = createDomain();
    const reference = await paidCharge(d);
    await d.pagos(refund(reference, { amount: 300 }));
    const record = await stored(d, reference);
    const entry = d.store.records.get(`${record.merchant}\n${reference}`)!;
    Object.values(entry.record.attempts)[0]!.amountRefundedCents = 0;
    await d.pagos(refund(reference));
    expect(providerRefunds(d)).toEqual([30_000, 70_000]);
  });

  it('counts a refund answer that does not show this refund on top of the earlier ones as unknown', async () => {
    const d = createDomain();
    const reference = await paidCharge(d);
    const original = d.provider.refundOrder;
    d.provider.refundOrder = async (c, id, r) => ({ ...(await original(c, id, r)), amountRefundedCents: 0 });
    expect(await d.answer(refund(reference, { amount: 100 }))).toMatchObject({
      status: 502,
      code: 'provider_unavailable',
    });
    expect(await entries(d, reference)).toEqual([[10_000, 'unknown']]);
  });

  it('names what is left in the refusal’s details too', async () => {
    const d = createDomain();
    const reference = await paidCharge(d);
    await d.pagos(refund(reference, { amount: 250.5 }));
    expect(await d.answer(refund(reference, { amount: 749.51 }))).toMatchObject({
      body: { details: [{ field: 'amount', message: 'must be at most 749.50' }] },
    });
  });

  it('gives up after eight conflicting writes, and fails plainly when the payment disappeared', async () => {
    const d = createDomain();
    const reference = await paidCharge(d);
    let writes = 0;
    d.store.beforeWrite = () => {
      writes += 1;
      const [entry] = [...d.store.records.values()];
      entry!.record = { ...entry!.record, version: entry!.record.version + 1 };
    };
    expect(await d.answer(refund(reference, { amount: 100 }))).toMatchObject({
      status: 409,
      body: { message: 'The payment is changing under this refund. Send it again in a moment.' },
    });
    expect(writes).toBe(8);
    d.store.beforeWrite = () => {
      d.store.records.clear();
    };
    await expect(d.pagos(refund(reference, { amount: 100 }))).rejects.toThrow(
      `payment ${reference} disappeared during a refund`,
    );
    expect(d.provider.calls.refund).toBe(0);
  });
});
