/**
 * lib/payments/lifecycle.ts through the whole domain: `status` reconciles with the provider,
 * `cancel` closes only an unpaid payment (the provider is never asked to cancel a paid one), and
 * every action recovers a payment whose outcome is unknown before answering, never a 404.
 */

import { cancelOrderOf, paymentView } from '../../lib/payments/lifecycle.js';
import type { PaymentRecord } from '../../lib/payments/model.js';
import { ProviderError } from '../../lib/payments/provider-errors.js';
import { chargeBody, createBody, createDomain, type Domain, SECRET } from '../support/domain.js';
import { anAttempt, aPayment } from '../support/records.js';

const status = (reference: unknown) => ({ action: 'status', secret: SECRET, reference_id: reference });
const cancel = (reference: unknown) => ({ action: 'cancel', secret: SECRET, reference_id: reference });

const stored = async (d: Domain, reference: unknown): Promise<PaymentRecord> => {
  const merchant = [...d.services.memory.values()][0]!.merchant.id;
  return (await d.store.get(merchant, reference as string))!;
};

describe('status: reconcile with the provider', () => {
  it('records what the provider says now and answers the payment with the order', async () => {
    const d = createDomain();
    const body = createBody();
    await d.pagos(body);
    d.provider.setStatus('ord_fake_1', 'paid');
    const answer = await d.pagos(status(body.reference_id));
    expect(answer).toMatchObject({ action: 'status', referenceId: body.reference_id, orderId: 'ord_fake_1' });
    const { payment, order } = answer.body as {
      payment: Record<string, unknown>;
      order: Record<string, unknown>;
    };
    expect(payment).toMatchObject({ status: 'paid', order_id: 'ord_fake_1', payment_method: 'cash' });
    expect(order).toMatchObject({ id: 'ord_fake_1', payment_status: 'paid' });
    expect((await stored(d, body.reference_id)).history.map((h) => [h.status, h.source])).toEqual([
      ['created', 'create'],
      ['paid', 'status'],
    ]);
  });

  it('also asks about older orders money could still reach (a cash payment after expiry), up to four', async () => {
    const d = createDomain();
    const body = createBody();
    for (let n = 1; n <= 6; n += 1) {
      await d.pagos({ ...body, amount: 1000 + n, replace: true });
    }
    // Attempts 1 to 5 were canceled when replaced; attempt 6 is payable.
    const gets = d.provider.calls.get;
    await d.pagos(status(body.reference_id));
    expect(d.provider.calls.get - gets).toBe(5);
    d.provider.setStatus('ord_fake_5', 'paid');
    d.provider.setStatus('ord_fake_1', 'paid');
    await d.pagos(status(body.reference_id));
    const record = await stored(d, body.reference_id);
    expect(record.attempts[record.paidAttempt!]!.orderId).toBe('ord_fake_5');
    // The oldest is beyond the four looked at: still canceled in Pagos.
    expect(Object.values(record.attempts).find((a) => a.orderId === 'ord_fake_1')!.status).toBe('canceled');
  });

  it('does not ask again about older orders whose money already moved', async () => {
    const d = createDomain();
    const body = createBody();
    await d.pagos(body);
    await d.pagos({ ...body, amount: 2000, replace: true });
    d.provider.setStatus('ord_fake_1', 'paid'); // paid late, after it was canceled
    await d.pagos(status(body.reference_id)); // asks about both; records the late payment
    const gets = d.provider.calls.get;
    await d.pagos(status(body.reference_id));
    // The relevant attempt is now the paid one; the other (created) one is asked about too.
    expect(d.provider.calls.get - gets).toBe(2);
    const record = await stored(d, body.reference_id);
    expect(record.attempts[record.paidAttempt!]!.orderId).toBe('ord_fake_1');
  });

  it('answers 404 for an unknown reference, and for a payment whose attempts never made an order', async () => {
    const d = createDomain();
    await d.pagos(createBody());
    expect(await d.answer(status('nobody'))).toMatchObject({
      status: 404,
      code: 'unknown_reference',
      body: { message: expect.stringContaining('No payment with reference_id nobody') },
    });
    const body = createBody();
    await d.pagos(body);
    await d.pagos({ ...body, amount: 2, replace: true });
    d.provider.faults.push({ op: 'create', failure: 'validation' });
    const refused = createBody({ reference_id: body.reference_id, amount: 3, replace: true });
    expect((await d.answer(refused)).status).toBe(422);
    // The newest attempt was refused (its order replaced first): the payment reads from the newest with an order.
    const answer = await d.pagos(status(body.reference_id));
    expect(answer.orderId).toBe('ord_fake_3');
    expect((answer.body as { payment: { status: string } }).payment.status).toBe('canceled');
  });

  it('answers 404 for a payment whose only attempt was refused', async () => {
    const d = createDomain();
    const body = createBody();
    await d.pagos(createBody());
    const attempt = anAttempt({ phase: 'refused', status: undefined, orderId: undefined });
    const merchant = [...d.services.memory.values()][0]!.merchant.id;
    await d.store.insert({ ...aPayment([attempt]), merchant, referenceId: body.reference_id as string });
    expect(await d.answer(status(body.reference_id))).toMatchObject({
      status: 404,
      code: 'unknown_reference',
      body: {
        message: `reference_id ${body.reference_id} has no order at the provider: its attempts were refused or never made.`,
      },
    });
  });

  it('recovers a payment whose create answer was lost before answering, never a 404', async () => {
    const d = createDomain();
    const body = createBody();
    d.provider.faults.push({ op: 'create', failure: 'unavailable', when: 'after' });
    expect((await d.answer(body)).status).toBe(502);
    const answer = await d.pagos(status(body.reference_id));
    expect(answer.orderId).toBe('ord_fake_1');
    expect(d.provider.calls.find).toBe(1);
  });

  it('answers 409 while the payment is being created by a request still in flight', async () => {
    const d = createDomain();
    const body = createBody();
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const original = d.provider.createHostedCheckout;
    d.provider.createHostedCheckout = async (c, o) => {
      await gate;
      return original(c, o);
    };
    const first = d.pagos(body);
    await new Promise((r) => setTimeout(r, 5));
    expect(await d.answer(status(body.reference_id))).toMatchObject({
      status: 409,
      code: 'request_in_progress',
      body: {
        message: `The payment ${body.reference_id} is being created right now. Send this again in a moment.`,
      },
    });
    expect(d.provider.calls.find).toBe(0);
    release();
    await first;
  });

  it('answers 502 when recovery cannot tell yet, and 404 once it proved nothing was made', async () => {
    const d = createDomain();
    const body = createBody();
    d.provider.faults.push({ op: 'create', failure: 'unavailable', when: 'lost' });
    expect((await d.answer(body)).status).toBe(502);
    expect(await d.answer(status(body.reference_id))).toMatchObject({
      status: 502,
      code: 'provider_unavailable',
    });
    d.clock.advance(20_001);
    expect(await d.answer(status(body.reference_id))).toMatchObject({
      status: 404,
      code: 'unknown_reference',
    });
  });

  it('gives up, asking to send it again, when the payment keeps changing under it', async () => {
    const d = createDomain();
    const body = createBody();
    d.provider.faults.push({ op: 'create', failure: 'unavailable', when: 'after' });
    await d.answer(body);
    // Every recovery finds its attempt taken over by someone else, again and again.
    let bumps = 0;
    d.store.beforeWrite = () => {
      bumps += 1;
      const [entry] = [...d.store.records.values()];
      entry!.record = { ...entry!.record, version: entry!.record.version + 1 };
    };
    expect(await d.answer(status(body.reference_id))).toMatchObject({
      status: 409,
      code: 'request_in_progress',
      body: { message: `The payment ${body.reference_id} is changing under this request. Send it again.` },
    });
    expect(bumps).toBe(4);
  });
});

describe('cancel: only an unpaid payment', () => {
  it('cancels a payable link and answers the canceled order', async () => {
    const d = createDomain();
    const body = createBody();
    await d.pagos(body);
    const answer = await d.pagos(cancel(body.reference_id));
    expect(answer).toMatchObject({
      action: 'cancel',
      orderId: 'ord_fake_1',
      body: { id: 'ord_fake_1', payment_status: 'canceled' },
    });
    expect((await stored(d, body.reference_id)).status).toBe('canceled');
  });

  it.each(['paid', 'partially_refunded', 'refunded', 'charged_back'] as const)(
    'refuses to cancel a %s payment without asking the provider: refund it instead',
    async (moneyStatus) => {
      const d = createDomain();
      const body = chargeBody();
      await d.pagos(body);
      if (moneyStatus !== 'paid') {
        d.provider.setStatus('ord_fake_1', moneyStatus);
        await d.pagos(status(body.reference_id));
      }
      expect(await d.answer(cancel(body.reference_id))).toEqual({
        status: 409,
        code: 'provider_conflict',
        body: {
          message: `The payment is ${moneyStatus}; only unpaid payments can be canceled. Use action "refund" instead.`,
          details: [{ field: 'reference_id', message: `payment is ${moneyStatus}` }],
        },
      });
      expect(d.provider.calls.cancel).toBe(0);
    },
  );

  it('records a payment that was paid meanwhile and answers 409 saying so', async () => {
    const d = createDomain();
    const body = createBody();
    await d.pagos(body);
    d.provider.setStatus('ord_fake_1', 'paid'); // Pagos has not heard yet
    expect(await d.answer(cancel(body.reference_id))).toEqual({
      status: 409,
      code: 'provider_conflict',
      body: {
        message: 'The provider did not cancel the payment: it is paid.',
        details: [{ field: 'reference_id', message: 'payment is paid' }],
      },
    });
    expect((await stored(d, body.reference_id)).status).toBe('paid');
  });

  it.each(['canceled', 'expired'] as const)(
    'answers an order the provider will not cancel because it is %s already as closed',
    async (closed) => {
      const d = createDomain();
      const body = createBody();
      await d.pagos(body);
      d.provider.setStatus('ord_fake_1', closed);
      d.provider.faults.push({ op: 'cancel', failure: 'precondition' });
      const answer = await d.pagos(cancel(body.reference_id));
      expect(answer.body).toMatchObject({ payment_status: closed });
      expect(d.provider.calls.get).toBe(1);
      expect((await stored(d, body.reference_id)).status).toBe(closed);
    },
  );

  it('answers 409 when the provider will not cancel an order that stays payable', async () => {
    const d = createDomain();
    const body = createBody();
    await d.pagos(body);
    d.provider.setStatus('ord_fake_1', 'pending_payment');
    d.provider.faults.push({ op: 'cancel', failure: 'precondition' });
    expect(await d.answer(cancel(body.reference_id))).toMatchObject({
      status: 409,
      body: { message: 'The provider did not cancel the payment: it is pending_payment.' },
    });
  });

  it('passes on a provider failure other than "cannot in this state"', async () => {
    const d = createDomain();
    const body = createBody();
    await d.pagos(body);
    d.provider.faults.push({ op: 'cancel', failure: 'unavailable' });
    expect(await d.answer(cancel(body.reference_id))).toMatchObject({
      status: 502,
      code: 'provider_unavailable',
    });
    expect(d.provider.calls.get).toBe(0);
  });
});

describe('cancelOrderOf', () => {
  it('reads the order when the provider says it cannot be canceled, and checks it is that order', async () => {
    const d = createDomain();
    await d.pagos(createBody());
    d.provider.setStatus('ord_fake_1', 'paid');
    const order = await cancelOrderOf(d.provider, { secret: SECRET }, 'ord_fake_1', Date.now() + 5_000);
    expect(order).toMatchObject({ orderId: 'ord_fake_1', status: 'paid' });
    d.provider.faults.push({ op: 'get', failure: 'misfit', misfit: 'order_id' });
    await expect(
      cancelOrderOf(d.provider, { secret: SECRET }, 'ord_fake_1', Date.now() + 5_000),
    ).rejects.toMatchObject({
      failure: 'misfit',
    });
  });

  it('refuses a cancel answer about another order', async () => {
    const d = createDomain();
    await d.pagos(createBody());
    const original = d.provider.cancelOrder;
    d.provider.cancelOrder = async (c, id, deadline) => ({
      ...(await original(c, id, deadline)),
      orderId: 'ord_other',
    });
    const error = await cancelOrderOf(d.provider, { secret: SECRET }, 'ord_fake_1', Date.now() + 5_000).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ failure: 'misfit' });
  });

  it('passes on an error that is no provider failure', async () => {
    const d = createDomain();
    d.provider.cancelOrder = async () => {
      throw new RangeError('bug');
    };
    await expect(cancelOrderOf(d.provider, { secret: SECRET }, 'ord_1', Date.now() + 5_000)).rejects.toThrow(
      'bug',
    );
    expect(d.provider.calls.get).toBe(0);
  });
});

describe('paymentView: the payment as a storefront sees it', () => {
  it('shows the attempt money follows, every attempt, refund and change, and nothing internal', () => {
    const alsoPaid = anAttempt({
      n: 1,
      orderId: 'ord_1',
      status: 'paid',
      checkoutUrl: 'https://pay.example.test/1',
    });
    const paid = anAttempt({
      n: 2,
      orderId: 'ord_2',
      status: 'partially_refunded',
      amountCents: 100_050,
      checkoutUrl: 'https://pay.example.test/2',
      providerStatus: 'partially_refunded',
      paidAt: 1_800_000_100,
      paymentMethod: 'card',
      card: { brand: 'visa', last4: '4242' },
      amountRefundedCents: 50,
      late: true,
      claimToken: 'secret-claim',
      declineError: 'internal',
    });
    const refused = anAttempt({
      n: 3,
      phase: 'refused',
      orderId: undefined,
      status: undefined,
      checkoutUrl: undefined,
      kind: 'charge',
    });
    const record = aPayment([alsoPaid, paid, refused], {
      referenceId: 'pedido-9',
      // Money followed attempt 2, paid first; attempt 1 was paid too.
      paidAttempt: paid.id,
      metadata: { canal: 'web' },
      refunds: {
        rf_1: {
          key: 'rf_1',
          attemptId: paid.id,
          orderId: 'ord_2',
          amountCents: 50,
          reason: 'requested_by_client',
          state: 'done',
          startedAt: 1,
          lockUntil: 2,
          providerRefundId: 'rfd_1',
        },
      },
      history: [
        { status: 'paid', at: 't1', source: 'webhook:evt_1', orderId: 'ord_2' },
        { status: 'partially_refunded', at: 't2', source: 'refund' },
      ],
      createdAt: 'c',
      updatedAt: 'u',
    });
    expect(paymentView(record)).toEqual({
      reference_id: 'pedido-9',
      merchant: record.merchant,
      provider: 'fake',
      livemode: false,
      status: 'partially_refunded',
      order_id: 'ord_2',
      kind: 'link',
      checkout_url: 'https://pay.example.test/2',
      amount: '1000.50',
      amount_cents: 100_050,
      currency: 'MXN',
      amount_refunded_cents: 50,
      paid_at: 1_800_000_100,
      payment_method: 'card',
      card: { brand: 'visa', last4: '4242' },
      late: true,
      paid_twice: true,
      provider_status: 'partially_refunded',
      notification_url: 'https://shop.example.com/notify',
      metadata: { canal: 'web' },
      attempts: [
        {
          attempt: 1,
          kind: 'link',
          order_id: 'ord_1',
          status: 'paid',
          amount_cents: 100_000,
          currency: 'MXN',
          checkout_url: 'https://pay.example.test/1',
        },
        {
          attempt: 2,
          kind: 'link',
          order_id: 'ord_2',
          status: 'partially_refunded',
          amount_cents: 100_050,
          currency: 'MXN',
          checkout_url: 'https://pay.example.test/2',
          late: true,
        },
        {
          attempt: 3,
          kind: 'charge',
          order_id: null,
          status: 'refused',
          amount_cents: 100_000,
          currency: 'MXN',
        },
      ],
      refunds: [{ amount_cents: 50, reason: 'requested_by_client', state: 'done', order_id: 'ord_2' }],
      history: [
        { status: 'paid', at: 't1', source: 'webhook:evt_1', order_id: 'ord_2' },
        { status: 'partially_refunded', at: 't2', source: 'refund' },
      ],
      created_at: 'c',
      updated_at: 'u',
    });
  });

  it('shows nulls and zeros, not made-up values, for what is not known yet', () => {
    const creating = anAttempt({
      phase: 'creating',
      orderId: undefined,
      status: undefined,
      checkoutUrl: undefined,
      providerStatus: undefined,
    });
    const { notificationUrl: _n, ...record } = aPayment([creating]);
    const view = paymentView(record as PaymentRecord);
    expect(view).toMatchObject({
      status: 'creating',
      order_id: null,
      checkout_url: null,
      amount_refunded_cents: 0,
      paid_at: null,
      payment_method: null,
      provider_status: null,
      notification_url: null,
      attempts: [{ attempt: 1, order_id: null, status: 'creating' }],
    });
    for (const absent of ['card', 'late', 'paid_twice', 'metadata']) expect(view).not.toHaveProperty(absent);
    expect(view.attempts[0]).not.toHaveProperty('checkout_url');
    const recordedWithoutStatus = paymentView(aPayment([anAttempt({ status: undefined })]));
    expect(recordedWithoutStatus.attempts[0]!.status).toBeNull();
  });

  it('shows zero amounts and no kind for a payment without attempts', () => {
    const view = paymentView({ ...aPayment(), attempts: {}, currentAttempt: 'att_gone' });
    expect(view).toMatchObject({
      order_id: null,
      kind: null,
      amount: '0.00',
      amount_cents: 0,
      currency: null,
      attempts: [],
    });
  });
});

describe('loadPayment and status: the edges', () => {
  const insert = async (d: Domain, record: PaymentRecord) => {
    await d.pagos(createBody()); // admits the merchant
    const merchant = [...d.services.memory.values()][0]!.merchant.id;
    const stored = { ...record, merchant };
    await d.store.insert(stored);
    return stored;
  };
  const creating = (overrides: Parameters<typeof anAttempt>[0]) =>
    anAttempt({
      phase: 'creating',
      orderId: undefined,
      status: undefined,
      checkoutUrl: undefined,
      providerStatus: undefined,
      ...overrides,
    });

  it('answers 404 for a refused payment without asking the provider anything', async () => {
    const d = createDomain();
    const record = await insert(
      d,
      aPayment([anAttempt({ phase: 'refused', status: undefined, orderId: undefined })]),
    );
    expect((await d.answer(status(record.referenceId))).status).toBe(404);
    expect(d.provider.calls.find).toBe(0);
    expect(d.provider.calls.get).toBe(0);
  });

  it('recovers an attempt whose claimer said its outcome is unknown, even inside its lease', async () => {
    const d = createDomain();
    const record = await insert(
      d,
      aPayment([
        creating({ leaseUntil: Date.now() + 3_600_000, outcomeUnknown: true, lastCallAt: 0, claimedAt: 0 }),
      ]),
    );
    expect(await d.answer(status(record.referenceId))).toMatchObject({ status: 404 });
    expect(d.provider.calls.find).toBe(1);
  });

  it('recovers an attempt from the moment its lease ends', async () => {
    const d = createDomain();
    const record = await insert(
      d,
      aPayment([creating({ leaseUntil: d.clock.now, lastCallAt: 0, claimedAt: 0 })]),
    );
    expect(await d.answer(status(record.referenceId))).toMatchObject({ status: 404 });
    expect(d.provider.calls.find).toBe(1);
  });

  it('asks about the relevant order once, and about each older one money could reach', async () => {
    const d = createDomain();
    const body = createBody();
    await d.pagos(body);
    await d.pagos({ ...body, amount: 2, replace: true });
    const gets = d.provider.calls.get;
    await d.pagos(status(body.reference_id));
    expect(d.provider.calls.get - gets).toBe(2);
  });

  it('records a cancel as its own change', async () => {
    const d = createDomain();
    const body = createBody();
    await d.pagos(body);
    await d.pagos(cancel(body.reference_id));
    expect((await stored(d, body.reference_id)).history.at(-1)).toMatchObject({
      status: 'canceled',
      source: 'cancel',
    });
  });
});
