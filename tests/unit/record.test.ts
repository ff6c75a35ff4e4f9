/**
 * lib/payments/record.ts and model.ts: the pure changes of a payment record. A provider snapshot
 * moves an attempt only forward, only when it is that attempt's order (amount and currency
 * included), money always wins, and the payment-level fields follow the attempts.
 */
import {
  type Attempt,
  attemptsInOrder,
  isPaidAttempt,
  type PaymentRecord,
  relevantAttempt,
} from '../../lib/payments/model.js';
import {
  type Applied,
  applySnapshot,
  attemptForOrder,
  claimed,
  derive,
  type NewAttempt,
  newPayment,
  withDecline,
  withNewAttempt,
  withOutcomeUnknown,
  withoutBuyerData,
  withoutOrder,
} from '../../lib/payments/record.js';
import { anAttempt, aPayment, aSnapshot, MERCHANT } from '../support/records.js';

const AT = '2026-12-02T10:00:00.000Z';
const source = { name: 'webhook:evt_1', at: AT };

const applied = (result: ReturnType<typeof applySnapshot>): PaymentRecord => {
  if (!result.applied) throw new Error(`expected the snapshot to apply, got ${result.reason}`);
  return (result as Applied).record;
};

const spec = (overrides: Partial<NewAttempt> = {}): NewAttempt => ({
  id: 'att_new',
  kind: 'link',
  requestHash: 'hash-new',
  amountCents: 5_000,
  currency: 'MXN',
  claimToken: 'claim-new',
  claimedAt: 1_800_000_000_000,
  leaseUntil: 1_800_000_030_000,
  ...overrides,
});

describe('newPayment', () => {
  it('starts a payment with one attempt being created, nothing derived from it yet', () => {
    const record = newPayment({
      merchant: MERCHANT,
      referenceId: 'pedido-1',
      attempt: spec({ expiresAt: 1_800_086_400 }),
      details: { notificationUrl: 'https://shop.example.com/n', metadata: { canal: 'web' } },
      at: AT,
    });
    expect(record).toEqual({
      merchant: MERCHANT.id,
      referenceId: 'pedido-1',
      provider: MERCHANT.provider,
      livemode: MERCHANT.livemode,
      status: 'creating',
      currentAttempt: 'att_new',
      attempts: {
        att_new: {
          ...spec({ expiresAt: 1_800_086_400 }),
          n: 1,
          lastCallAt: 1_800_000_000_000,
          phase: 'creating',
        },
      },
      notificationUrl: 'https://shop.example.com/n',
      metadata: { canal: 'web' },
      refunds: {},
      history: [],
      version: 1,
      createdAt: AT,
      updatedAt: AT,
    });
  });

  it('keeps no notification_url or metadata the request did not send', () => {
    const record = newPayment({
      merchant: { ...MERCHANT, livemode: true },
      referenceId: 'r',
      attempt: spec(),
      details: {},
      at: AT,
    });
    expect(record).not.toHaveProperty('notificationUrl');
    expect(record).not.toHaveProperty('metadata');
    expect(record.livemode).toBe(true);
  });
});

describe('withNewAttempt', () => {
  it('numbers the next attempt after the highest, makes it current, and takes the new request’s details', () => {
    const first = anAttempt({ n: 1, status: 'expired' });
    const third = anAttempt({ n: 3, status: 'canceled' });
    const record = aPayment([first, third], { metadata: { old: '1' }, replayOrder: '{"id":"old"}' });
    const next = withNewAttempt(record, spec(), { notificationUrl: 'https://shop.example.com/new' }, AT);
    expect(next.currentAttempt).toBe('att_new');
    expect(next.attempts.att_new).toMatchObject({ n: 4, phase: 'creating', claimToken: 'claim-new' });
    expect(next.attempts[first.id]).toEqual(first);
    expect(next.notificationUrl).toBe('https://shop.example.com/new');
    // The old attempt's metadata and replay answer do not belong to the new one.
    expect(next).not.toHaveProperty('metadata');
    expect(next).not.toHaveProperty('replayOrder');
    expect(next.status).toBe('creating');
    expect(next.updatedAt).toBe(AT);
  });

  it('numbers the first attempt of a payment with none 1', () => {
    const record = { ...aPayment(), attempts: {} };
    expect(withNewAttempt(record, spec(), {}, AT).attempts.att_new!.n).toBe(1);
  });
});

describe('claiming and failing an attempt', () => {
  const creating = () =>
    anAttempt({
      phase: 'creating',
      orderId: undefined,
      status: undefined,
      checkoutUrl: undefined,
      providerStatus: undefined,
      providerUpdatedAt: undefined,
      claimToken: 'old-claim',
      leaseUntil: 5,
      outcomeUnknown: true,
      lastCallAt: 100,
    });

  it('claimed: this caller owns the call now; the unknown outcome is cleared, the call time set when calling', () => {
    const attempt = creating();
    const record = aPayment([attempt]);
    const taken = claimed(record, attempt.id, { claimToken: 'mine', leaseUntil: 9_000, callAt: 8_000 }, AT);
    const now = taken.attempts[attempt.id]!;
    expect(now).toMatchObject({
      phase: 'creating',
      claimToken: 'mine',
      leaseUntil: 9_000,
      lastCallAt: 8_000,
    });
    expect(now).not.toHaveProperty('outcomeUnknown');
    expect(now).not.toHaveProperty('callAt');
    expect(taken.updatedAt).toBe(AT);
    // Taking over to look (no call) keeps the time of the last call.
    const looking = claimed(record, attempt.id, { claimToken: 'mine', leaseUntil: 9_000 }, AT);
    expect(looking.attempts[attempt.id]!.lastCallAt).toBe(100);
  });

  it('withOutcomeUnknown: the claimer saw its call fail without an answer; its lease ends now', () => {
    const { outcomeUnknown: _u, ...known } = creating();
    const attempt: Attempt = { ...known, leaseUntil: 9_000 };
    const record = withOutcomeUnknown(aPayment([attempt]), attempt.id, AT);
    expect(record.attempts[attempt.id]).toMatchObject({
      outcomeUnknown: true,
      leaseUntil: 0,
      claimToken: 'old-claim',
    });
    expect(record.updatedAt).toBe(AT);
  });

  it.each(['refused', 'not_created'] as const)(
    'withoutOrder(%s): no order exists; the claim is gone',
    (phase) => {
      const attempt = creating();
      const record = withoutOrder(aPayment([attempt]), attempt.id, phase, AT);
      const after = record.attempts[attempt.id]!;
      expect(after.phase).toBe(phase);
      for (const gone of ['claimToken', 'leaseUntil', 'outcomeUnknown'])
        expect(after).not.toHaveProperty(gone);
      expect(after.amountCents).toBe(attempt.amountCents);
    },
  );

  it('withDecline: a refused attempt that keeps the refusal to replay', () => {
    const attempt = creating();
    const record = withDecline(aPayment([attempt]), attempt.id, '{"message":"declined"}', AT);
    expect(record.attempts[attempt.id]).toMatchObject({
      phase: 'refused',
      declineError: '{"message":"declined"}',
    });
    expect(record.attempts[attempt.id]).not.toHaveProperty('claimToken');
  });
});

describe('attemptForOrder', () => {
  it('is the attempt that holds the order, whatever attempt the caller named', () => {
    const first = anAttempt({ n: 1 });
    const second = anAttempt({ n: 2 });
    const record = aPayment([first, second]);
    expect(attemptForOrder(record, second.id, first.orderId!)).toBe(record.attempts[first.id]);
  });

  it('is the named attempt for an order no attempt holds yet, and nothing for an unknown attempt', () => {
    const attempt = anAttempt();
    const record = aPayment([attempt]);
    expect(attemptForOrder(record, attempt.id, 'ord_new')).toBe(record.attempts[attempt.id]);
    expect(attemptForOrder(record, 'att_unknown', 'ord_new')).toBeUndefined();
  });
});

describe('applySnapshot: what a provider snapshot changes', () => {
  it('records the order on an attempt still being created: phase, order, status and the order’s details', () => {
    const attempt = anAttempt({
      phase: 'creating',
      orderId: undefined,
      status: undefined,
      checkoutUrl: undefined,
      providerStatus: undefined,
      providerUpdatedAt: undefined,
      claimToken: 'c',
      leaseUntil: 99,
      outcomeUnknown: true,
    });
    const record = aPayment([attempt]);
    const snapshot = {
      ...aSnapshot({ ...attempt, orderId: 'ord_made' }, 'paid'),
      checkoutUrl: 'https://pay.example.test/1',
      paidAt: 1_800_000_010,
      paymentMethod: 'card',
      card: { brand: 'visa', last4: '4242' },
      amountRefundedCents: 0,
      publicBody: { id: 'ord_made', payment_status: 'paid' },
    };
    const after = applied(applySnapshot(record, attempt.id, snapshot, { name: 'create', at: AT }));
    const { claimToken: _c, leaseUntil: _l, outcomeUnknown: _u, ...rest } = attempt;
    expect(after.attempts[attempt.id]).toEqual({
      ...rest,
      phase: 'recorded',
      orderId: 'ord_made',
      status: 'paid',
      providerStatus: 'paid',
      providerUpdatedAt: snapshot.updatedAt,
      checkoutUrl: 'https://pay.example.test/1',
      paidAt: 1_800_000_010,
      paymentMethod: 'card',
      card: { brand: 'visa', last4: '4242' },
      amountRefundedCents: 0,
    });
    expect(after.history).toEqual([{ status: 'paid', at: AT, source: 'create', orderId: 'ord_made' }]);
    expect(after.status).toBe('paid');
    expect(after.paidAttempt).toBe(attempt.id);
    expect(after.replayOrder).toBe(JSON.stringify(snapshot.publicBody));
    expect(after.updatedAt).toBe(AT);
  });

  it('keeps what the snapshot does not say, and the first payment time', () => {
    const attempt = anAttempt({
      status: 'paid',
      paidAt: 1_800_000_010,
      paymentMethod: 'cash',
      card: { brand: 'visa' },
      amountRefundedCents: 0,
      checkoutUrl: 'https://pay.example.test/kept',
    });
    const record = aPayment([attempt]);
    const after = applied(
      applySnapshot(
        record,
        attempt.id,
        aSnapshot(attempt, 'partially_refunded', { paidAt: 1_800_000_999, amountRefundedCents: 300 }),
        source,
      ),
    ).attempts[attempt.id]!;
    expect(after).toMatchObject({
      status: 'partially_refunded',
      paidAt: 1_800_000_010,
      paymentMethod: 'cash',
      card: { brand: 'visa' },
      amountRefundedCents: 300,
      checkoutUrl: 'https://pay.example.test/kept',
    });
  });

  it('takes the payment time of the first snapshot that has one', () => {
    const attempt = anAttempt({ status: 'pending_payment' });
    const after = applied(
      applySnapshot(
        aPayment([attempt]),
        attempt.id,
        aSnapshot(attempt, 'paid', { paidAt: 1_800_000_500 }),
        source,
      ),
    );
    expect(after.attempts[attempt.id]!.paidAt).toBe(1_800_000_500);
  });

  it('does not know an attempt that is not the payment’s', () => {
    const attempt = anAttempt();
    const result = applySnapshot(
      aPayment([attempt]),
      'att_other',
      aSnapshot({ ...attempt, orderId: 'ord_x' }, 'paid'),
      source,
    );
    expect(result).toEqual({ applied: false, reason: 'unknown_attempt' });
  });

  it.each([
    ['another amount', { amountCents: 100_001 }],
    ['another currency', { currency: 'USD' }],
  ])('never adopts an order of %s (recovery must not take another attempt’s order)', (_what, overrides) => {
    const attempt = anAttempt({ status: 'created' });
    const result = applySnapshot(
      aPayment([attempt]),
      attempt.id,
      aSnapshot(attempt, 'paid', overrides),
      source,
    );
    expect(result).toEqual({ applied: false, reason: 'mismatch' });
  });

  it('applies a snapshot to the attempt holding its order, not the one the caller named', () => {
    const first = anAttempt({ n: 1, status: 'expired' });
    const second = anAttempt({ n: 2, status: 'created' });
    const record = aPayment([first, second]);
    const after = applied(applySnapshot(record, second.id, aSnapshot(first, 'paid'), source));
    expect(after.attempts[first.id]!.status).toBe('paid');
    expect(after.attempts[second.id]).toEqual(second);
    // A late payment of an older attempt is money all the same; its order is not the current replay.
    expect(after.attempts[first.id]!.late).toBe(true);
    expect(after.paidAttempt).toBe(first.id);
    expect(after.replayOrder).toBe(record.replayOrder);
  });

  it('tracks a second order made for one attempt as a sibling attempt of its own', () => {
    const attempt = anAttempt({ n: 1, status: 'created', paymentMethod: 'cash' });
    const other = anAttempt({ n: 2, status: 'expired' });
    const record = aPayment([attempt, other], { currentAttempt: attempt.id });
    const second = aSnapshot({ ...attempt, orderId: 'ord_second' }, 'pending_payment');
    const after = applied(applySnapshot(record, attempt.id, second, source));
    const sibling = after.attempts[`${attempt.id}.2`]!;
    expect(sibling).toMatchObject({
      id: `${attempt.id}.2`,
      n: 3,
      phase: 'recorded',
      orderId: 'ord_second',
      status: 'pending_payment',
      requestHash: attempt.requestHash,
      amountCents: attempt.amountCents,
    });
    expect(after.attempts[attempt.id]).toEqual(attempt);
    expect(after.history.at(-1)).toEqual({
      status: 'pending_payment',
      at: AT,
      source: source.name,
      orderId: 'ord_second',
    });
    // The sibling is not the current attempt: the replay answer stays the current order's.
    expect(after.replayOrder).toBe(record.replayOrder);
    const third = applied(
      applySnapshot(after, attempt.id, aSnapshot({ ...attempt, orderId: 'ord_third' }, 'created'), source),
    );
    expect(third.attempts[`${attempt.id}.3`]).toMatchObject({ n: 4, orderId: 'ord_third' });
    // Each order keeps landing on its own attempt.
    const again = applied(
      applySnapshot(
        third,
        attempt.id,
        aSnapshot({ ...sibling, providerUpdatedAt: 1_800_000_000 }, 'paid'),
        source,
      ),
    );
    expect(again.attempts[`${attempt.id}.2`]!.status).toBe('paid');
    expect(again.attempts[`${attempt.id}.4`]).toBeUndefined();
  });

  it('does not carry the first order’s link or status onto the sibling', () => {
    const attempt = anAttempt({ status: 'paid', checkoutUrl: 'https://pay.example.test/first' });
    const record = aPayment([attempt]);
    const after = applied(
      applySnapshot(record, attempt.id, aSnapshot({ ...attempt, orderId: 'ord_2' }, 'created'), source),
    );
    const sibling = after.attempts[`${attempt.id}.2`]!;
    expect(sibling).not.toHaveProperty('checkoutUrl');
    expect(sibling.providerStatus).toBeNull();
    expect(sibling.status).toBe('created');
    // A status change of a new order is history even when the status equals the first order's.
    expect(after.history).toHaveLength(1);
  });

  it('refuses a stale snapshot: lower rank, or the same rank and not newer', () => {
    const attempt = anAttempt({ status: 'paid', providerUpdatedAt: 1_800_000_100 });
    const record = aPayment([attempt]);
    expect(
      applySnapshot(
        record,
        attempt.id,
        aSnapshot(attempt, 'pending_payment', { updatedAt: 1_800_000_200 }),
        source,
      ),
    ).toEqual({
      applied: false,
      reason: 'stale',
    });
    expect(
      applySnapshot(record, attempt.id, aSnapshot(attempt, 'paid', { updatedAt: 1_800_000_100 }), source),
    ).toEqual({
      applied: false,
      reason: 'stale',
    });
  });

  it('applies a newer snapshot of the same status without a history entry', () => {
    const attempt = anAttempt({ status: 'pending_payment', providerUpdatedAt: 1_800_000_100 });
    const record = aPayment([attempt]);
    const after = applied(
      applySnapshot(
        record,
        attempt.id,
        aSnapshot(attempt, 'pending_payment', { updatedAt: 1_800_000_101 }),
        source,
      ),
    );
    expect(after.attempts[attempt.id]!.providerUpdatedAt).toBe(1_800_000_101);
    expect(after.history).toEqual([]);
  });

  it('writes history for a change of status, naming its source and order', () => {
    const attempt = anAttempt({ status: 'created' });
    const record = aPayment([attempt], { history: [{ status: 'created', at: 'earlier', source: 'create' }] });
    const after = applied(applySnapshot(record, attempt.id, aSnapshot(attempt, 'pending_payment'), source));
    expect(after.history).toEqual([
      { status: 'created', at: 'earlier', source: 'create' },
      { status: 'pending_payment', at: AT, source: 'webhook:evt_1', orderId: attempt.orderId },
    ]);
  });

  it('orders a known attempt without a provider time as older than any snapshot', () => {
    const attempt = anAttempt({ status: 'pending_payment', providerUpdatedAt: undefined });
    const after = applied(
      applySnapshot(
        aPayment([attempt]),
        attempt.id,
        aSnapshot(attempt, 'declined', { updatedAt: 1 }),
        source,
      ),
    );
    expect(after.attempts[attempt.id]!.status).toBe('declined');
  });

  describe('a provider status Pagos does not know', () => {
    it('keeps a newer one raw for the operator, status unchanged, and says it is unknown', () => {
      const attempt = anAttempt({
        status: 'pending_payment',
        providerStatus: 'pending_payment',
        providerUpdatedAt: 1_800_000_100,
      });
      const record = aPayment([attempt]);
      const result = applySnapshot(
        record,
        attempt.id,
        aSnapshot(attempt, 'paid', {
          status: undefined,
          providerStatus: 'in_review_v2',
          updatedAt: 1_800_000_101,
        }),
        source,
      );
      expect(result.applied).toBe(false);
      expect(result).toMatchObject({ reason: 'unknown_status' });
      expect(result.record!.attempts[attempt.id]).toEqual({
        ...attempt,
        providerStatus: 'in_review_v2',
        providerUpdatedAt: 1_800_000_101,
      });
      expect(result.record!.status).toBe('pending_payment');
      expect(result.record!.history).toEqual([]);
      expect(result.record!.updatedAt).toBe(AT);
    });

    it('keeps nothing when it is not newer than what is recorded', () => {
      const attempt = anAttempt({ status: 'pending_payment', providerUpdatedAt: 1_800_000_100 });
      const result = applySnapshot(
        aPayment([attempt]),
        attempt.id,
        aSnapshot(attempt, 'paid', { status: undefined, providerStatus: 'x', updatedAt: 1_800_000_100 }),
        source,
      );
      expect(result).toEqual({ applied: false, reason: 'unknown_status' });
    });

    it('records nothing for an attempt whose order is not recorded yet', () => {
      const attempt = anAttempt({
        phase: 'creating',
        status: undefined,
        orderId: undefined,
        providerUpdatedAt: undefined,
      });
      const result = applySnapshot(
        aPayment([attempt]),
        attempt.id,
        aSnapshot({ ...attempt, orderId: 'ord_1' }, 'paid', { status: undefined, providerStatus: 'x' }),
        source,
      );
      expect(result).toEqual({ applied: false, reason: 'unknown_status' });
    });

    it('keeps a newer one for a recorded attempt that never had a provider time', () => {
      const attempt = anAttempt({ status: 'created', providerUpdatedAt: undefined });
      const result = applySnapshot(
        aPayment([attempt]),
        attempt.id,
        aSnapshot(attempt, 'paid', { status: undefined, providerStatus: 'x', updatedAt: 1 }),
        source,
      );
      expect(result.record!.attempts[attempt.id]!.providerStatus).toBe('x');
    });
  });

  it('marks money that arrives after the attempt closed unpaid as late, for good', () => {
    for (const closed of ['expired', 'canceled'] as const) {
      const attempt = anAttempt({ status: closed });
      const paid = applied(
        applySnapshot(aPayment([attempt]), attempt.id, aSnapshot(attempt, 'paid'), source),
      );
      expect(paid.attempts[attempt.id]!.late).toBe(true);
      const refunded = applied(
        applySnapshot(paid, attempt.id, aSnapshot(paid.attempts[attempt.id]!, 'refunded'), source),
      );
      expect(refunded.attempts[attempt.id]!.late).toBe(true);
    }
  });

  it.each(['created', 'pending_payment', 'declined'] as const)('a payment after %s is not late', (status) => {
    const attempt = anAttempt({ status });
    const paid = applied(applySnapshot(aPayment([attempt]), attempt.id, aSnapshot(attempt, 'paid'), source));
    expect(paid.attempts[attempt.id]).not.toHaveProperty('late');
  });

  it('closing a paid-never attempt is not late either (no money)', () => {
    const attempt = anAttempt({ status: 'expired' });
    const canceled = applied(
      applySnapshot(aPayment([attempt]), attempt.id, aSnapshot(attempt, 'canceled'), source),
    );
    expect(canceled.attempts[attempt.id]).not.toHaveProperty('late');
  });

  it('keeps a decline’s refusal on the attempt when the source carries one', () => {
    const attempt = anAttempt({
      kind: 'charge',
      phase: 'creating',
      status: undefined,
      orderId: undefined,
      providerUpdatedAt: undefined,
    });
    const after = applied(
      applySnapshot(
        aPayment([attempt]),
        attempt.id,
        aSnapshot({ ...attempt, orderId: 'ord_d' }, 'declined'),
        {
          name: 'create',
          at: AT,
          declineError: '{"message":"Fondos insuficientes"}',
        },
      ),
    );
    expect(after.attempts[attempt.id]).toMatchObject({
      status: 'declined',
      declineError: '{"message":"Fondos insuficientes"}',
    });
    expect(after.updatedAt).toBe(AT);
  });
});

describe('derive: the payment follows its attempts', () => {
  it('money follows the first attempt that was paid, and a second paid one is flagged', () => {
    const first = anAttempt({ n: 1, status: 'paid' });
    const second = anAttempt({ n: 2, status: 'paid' });
    const record = aPayment([second, first]);
    expect(record.paidAttempt).toBe(first.id);
    expect(record.paidTwice).toBe(true);
    expect(record.status).toBe('paid');
  });

  it('keeps following the attempt money followed first, whatever order attempts are numbered in', () => {
    const early = anAttempt({ n: 1, status: 'paid' });
    const later = anAttempt({ n: 2, status: 'refunded' });
    const record = derive({ ...aPayment([early, later]), paidAttempt: later.id });
    expect(record.paidAttempt).toBe(later.id);
    expect(record.status).toBe('refunded');
  });

  it('drops a paid mark that no paid attempt backs, and the double-payment flag with it', () => {
    const attempt = anAttempt({ status: 'created' });
    const record = derive({ ...aPayment([attempt]), paidAttempt: attempt.id, paidTwice: true });
    expect(record).not.toHaveProperty('paidAttempt');
    expect(record).not.toHaveProperty('paidTwice');
    expect(record.status).toBe('created');
  });

  it('one paid attempt is not paid twice', () => {
    const record = aPayment([anAttempt({ n: 1, status: 'paid' }), anAttempt({ n: 2, status: 'expired' })]);
    expect(record).not.toHaveProperty('paidTwice');
  });

  it('reads "creating" while the relevant attempt has no recorded order', () => {
    const creating = anAttempt({ phase: 'creating', status: undefined, orderId: undefined });
    expect(aPayment([creating]).status).toBe('creating');
    const recordedWithoutStatus = anAttempt({ status: undefined });
    expect(aPayment([recordedWithoutStatus]).status).toBe('creating');
  });

  it('reads the newest recorded attempt when the current one made no order', () => {
    const old = anAttempt({ n: 1, status: 'expired' });
    const refused = anAttempt({ n: 2, phase: 'refused', status: undefined, orderId: undefined });
    expect(aPayment([old, refused]).status).toBe('expired');
  });
});

describe('model: which attempt the payment reads from', () => {
  it('is paid when recorded at paid or any status money reaches, never before', () => {
    for (const status of ['paid', 'partially_refunded', 'refunded', 'charged_back'] as const)
      expect(isPaidAttempt(anAttempt({ status }))).toBe(true);
    for (const status of ['created', 'pending_payment', 'declined', 'expired', 'canceled'] as const)
      expect(isPaidAttempt(anAttempt({ status }))).toBe(false);
    expect(isPaidAttempt(anAttempt({ phase: 'creating', status: 'paid' }))).toBe(false);
    expect(isPaidAttempt(anAttempt({ status: undefined }))).toBe(false);
  });

  it('relevantAttempt: the paid one; else the current one while it has or may have an order', () => {
    const paid = anAttempt({ n: 1, status: 'paid' });
    const current = anAttempt({ n: 2, status: 'created' });
    expect(relevantAttempt(aPayment([paid, current]))).toEqual(paid);
    const creating = anAttempt({ n: 2, phase: 'creating', status: undefined });
    expect(relevantAttempt(aPayment([anAttempt({ n: 1, status: 'expired' }), creating]))).toEqual(creating);
  });

  it('relevantAttempt: else the newest attempt with an order, else the current one', () => {
    const one = anAttempt({ n: 1, status: 'expired' });
    const two = anAttempt({ n: 2, status: 'canceled' });
    const none = anAttempt({ n: 3, phase: 'not_created', status: undefined, orderId: undefined });
    expect(relevantAttempt(aPayment([two, one, none], { currentAttempt: none.id }))).toEqual(two);
    const alone = anAttempt({ phase: 'refused', status: undefined, orderId: undefined });
    expect(relevantAttempt(aPayment([alone]))).toEqual(alone);
  });

  it('attemptsInOrder: by attempt number', () => {
    const [a, b, c] = [anAttempt({ n: 3 }), anAttempt({ n: 1 }), anAttempt({ n: 2 })];
    expect(attemptsInOrder(aPayment([a!, b!, c!])).map((x) => x.n)).toEqual([1, 2, 3]);
  });
});

describe('relevantAttempt with a sibling attempt', () => {
  it('reads the current attempt while it has an order, even when a second order of it is newer', () => {
    const current = anAttempt({ n: 1, status: 'created' });
    const sibling = anAttempt({ id: `${current.id}.2`, n: 2, status: 'pending_payment' });
    const record = aPayment([current, sibling], { currentAttempt: current.id });
    expect(relevantAttempt(record)).toEqual(current);
    expect(record.status).toBe('created');
  });
});

describe('withoutBuyerData: an operator’s erasure (scripts/erase-buyer.ts)', () => {
  it('drops the card, the metadata and the stored order copy, and keeps every money fact', () => {
    const paid = anAttempt({ status: 'paid', card: { brand: 'visa', last4: '4242' }, paidAt: 1_700_000_100 });
    const earlier = anAttempt({ n: 2, status: 'expired', card: { brand: 'mastercard', last4: '4444' } });
    const record = aPayment([earlier, paid], {
      metadata: { buyer: 'Ana' },
      replayOrder: JSON.stringify({ id: paid.orderId, customer_info: { name: 'Ana' } }),
    });
    const erased = withoutBuyerData(record, AT);
    const { card: _paidCard, ...paidRest } = paid;
    const { card: _earlierCard, ...earlierRest } = earlier;
    const { metadata: _m, replayOrder: _r, ...kept } = record;
    expect(erased).toEqual({
      ...kept,
      attempts: { [paid.id]: paidRest, [earlier.id]: earlierRest },
      updatedAt: AT,
    });
  });
});
