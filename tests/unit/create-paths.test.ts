/**
 * lib/payments/create.ts, the paths create.test.ts leaves out: what each refusal leaves behind
 * (nothing, a refused attempt, a decline to replay), the attempt bound, a charge recorded only as
 * created, a replaced order the provider will not cancel, and what the 409s say.
 */
import type { PaymentRecord } from '../../lib/payments/model.js';
import type { OrderTag, ProviderOrder } from '../../lib/payments/ports.js';
import { ProviderError } from '../../lib/payments/provider-errors.js';
import { chargeBody, createBody, createDomain, type Domain, SECRET } from '../support/domain.js';

const stored = async (d: Domain, reference: unknown): Promise<PaymentRecord | undefined> => {
  const merchant = [...d.services.memory.values()][0]?.merchant.id ?? 'fake:acct_key_merchant_one:test';
  return d.store.get(merchant, reference as string);
};

const attemptsOf = async (d: Domain, reference: unknown) =>
  Object.values((await stored(d, reference))?.attempts ?? {})
    .sort((a, b) => a.n - b.n)
    .map((a) => [a.n, a.phase, a.status]);

const status = (reference: unknown) => ({ action: 'status', secret: SECRET, reference_id: reference });

describe('create: what a refusal leaves behind', () => {
  it('a first request the provider refused leaves no payment, and the corrected one starts afresh', async () => {
    const d = createDomain();
    const body = createBody();
    d.provider.faults.push({ op: 'create', failure: 'validation' });
    expect(await d.answer(body)).toMatchObject({ status: 422, code: 'provider_validation_error' });
    expect(await stored(d, body.reference_id)).toBeUndefined();
    expect(await d.pagos({ ...body, first_name: 'andrés' })).toMatchObject({
      orderId: 'ord_fake_1',
      replayed: false,
    });
    expect(await attemptsOf(d, body.reference_id)).toEqual([[1, 'recorded', 'created']]);
  });

  it('a refused later attempt stays, refused, beside the earlier ones', async () => {
    const d = createDomain();
    const body = createBody();
    await d.pagos(body);
    d.provider.setStatus('ord_fake_1', 'expired');
    await d.pagos(status(body.reference_id));
    d.provider.faults.push({ op: 'create', failure: 'validation' });
    d.clock.advance(3_600_000); // the refusal is written at the domain's clock, not the machine's
    expect((await d.answer({ ...body, amount: 2 })).status).toBe(422);
    expect(await attemptsOf(d, body.reference_id)).toEqual([
      [1, 'recorded', 'expired'],
      [2, 'refused', undefined],
    ]);
    expect((await stored(d, body.reference_id))!.updatedAt).toBe(new Date(d.clock.now).toISOString());
    // The same refused request makes a new attempt when sent again.
    expect(await d.pagos({ ...body, amount: 2 })).toMatchObject({ orderId: 'ord_fake_2' });
  });

  /** The provider makes the order and an event records it, yet the answer is a refusal. */
  const recordedThenRefused = (d: Domain) => {
    const original = d.provider.createHostedCheckout;
    d.provider.createHostedCheckout = async (c, order) => {
      const made = await original(c, order);
      const entry = d.store.records.get(`${order.tag.merchant}\n${order.tag.referenceId}`)!;
      const attempt = entry.record.attempts[order.tag.attemptId]!;
      entry.record = {
        ...entry.record,
        version: entry.record.version + 1,
        attempts: {
          ...entry.record.attempts,
          [attempt.id]: { ...attempt, phase: 'recorded', orderId: made.orderId, status: 'created' },
        },
      };
      throw new ProviderError({
        provider: 'fake',
        failure: 'validation',
        outcome: 'not_processed',
        message: 'odd',
      });
    };
  };

  it('keeps a first attempt recorded when a webhook recorded its order before the refusal', async () => {
    const d = createDomain();
    const body = createBody();
    recordedThenRefused(d);
    expect((await d.answer(body)).status).toBe(422);
    expect(await attemptsOf(d, body.reference_id)).toEqual([[1, 'recorded', 'created']]);
  });

  it('keeps a later attempt recorded when a webhook recorded its order before the refusal', async () => {
    const d = createDomain();
    const body = createBody();
    await d.pagos(body);
    d.provider.setStatus('ord_fake_1', 'expired');
    await d.pagos(status(body.reference_id));
    recordedThenRefused(d);
    expect((await d.answer({ ...body, amount: 2 })).status).toBe(422);
    // The order the event proved stays; a refusal never erases an order that exists.
    expect(await attemptsOf(d, body.reference_id)).toEqual([
      [1, 'recorded', 'expired'],
      [2, 'recorded', 'created'],
    ]);
  });

  it('an error that is no provider failure leaves the outcome unknown, to be recovered', async () => {
    const d = createDomain();
    const body = createBody();
    d.provider.createHostedCheckout = async () => {
      throw new TypeError('socket closed by a bug');
    };
    await expect(d.pagos(body)).rejects.toThrow('socket closed by a bug');
    const record = (await stored(d, body.reference_id))!;
    expect(Object.values(record.attempts)[0]).toMatchObject({
      phase: 'creating',
      outcomeUnknown: true,
      leaseUntil: 0,
    });
  });
});

describe('charge: declines and used tokens', () => {
  it('records the declined order the 402 carried, and replays the decline with the provider’s words', async () => {
    const d = createDomain();
    const body = chargeBody({ token_id: 'tok_test_insufficient_funds' });
    const first = await d.answer(body);
    expect(first).toMatchObject({
      status: 402,
      code: 'payment_declined',
      body: { message: 'The payment was declined.' },
    });
    expect(await attemptsOf(d, body.reference_id)).toEqual([[1, 'recorded', 'declined']]);
    const record = (await stored(d, body.reference_id))!;
    expect(JSON.parse(Object.values(record.attempts)[0]!.declineError!)).toEqual({
      message: 'The payment was declined.',
      details: [],
      provider: { name: 'fake', status: 402, retry_safe: false },
    });
    const replayed = await d.answer(body);
    expect(replayed).toEqual(first);
    expect(d.provider.calls.charge).toBe(1);
  });

  it('replays a decline with the provider part of its first answer, and records it as made by create', async () => {
    const d = createDomain();
    const body = chargeBody({ token_id: 'tok_test_insufficient_funds' });
    const caught = async () =>
      d.pagos(body).then(
        () => undefined,
        (error: unknown) => error,
      );
    const first = (await caught()) as { provider?: unknown };
    const replayed = (await caught()) as { provider?: unknown };
    expect(first.provider).toEqual({ name: 'fake', status: 402, retry_safe: false });
    expect(replayed.provider).toEqual(first.provider);
    const record = (await stored(d, body.reference_id))!;
    expect(record.history.map((h) => [h.status, h.source])).toContainEqual(['declined', 'create']);
  });

  it('tells a used token apart as not safe to send again', async () => {
    const d = createDomain();
    await d.pagos(chargeBody());
    const error = (await d.pagos(chargeBody()).then(
      () => undefined,
      (e: unknown) => e,
    )) as { status: number; provider?: { retry_safe?: boolean } };
    expect(error.status).toBe(422);
    expect(error.provider).toMatchObject({ name: 'fake', retry_safe: false });
  });

  it('finds the declined order by its tag when the 402 did not carry it', async () => {
    const d = createDomain();
    const body = chargeBody({ token_id: 'tok_test_insufficient_funds' });
    const original = d.provider.chargeCard;
    d.provider.chargeCard = async (c, order) => {
      try {
        return await original(c, order);
      } catch (error) {
        const e = error as ProviderError;
        throw new ProviderError({
          provider: 'fake',
          failure: e.failure,
          outcome: e.outcome,
          message: e.message,
          status: 402,
        });
      }
    };
    expect((await d.answer(body)).status).toBe(402);
    expect(d.provider.calls.find).toBe(1);
    expect(await attemptsOf(d, body.reference_id)).toEqual([[1, 'recorded', 'declined']]);
  });

  it('searches for what a refusal left narrowed by the buyer’s email', async () => {
    const d = createDomain();
    const body = chargeBody({ token_id: 'tok_test_insufficient_funds', email: 'ana@example.com' });
    const searches: Parameters<typeof d.provider.findAttemptOrders>[1][] = [];
    const find = d.provider.findAttemptOrders;
    d.provider.findAttemptOrders = (c, search) => {
      searches.push(search);
      return find(c, search);
    };
    const original = d.provider.chargeCard;
    d.provider.chargeCard = (c, order) =>
      original(c, order).catch((error: ProviderError) => {
        // The 402 without its order: only the search can find it.
        throw new ProviderError({
          provider: 'fake',
          failure: error.failure,
          outcome: error.outcome,
          message: error.message,
          status: 402,
        });
      });
    expect((await d.answer(body)).status).toBe(402);
    expect(searches).toHaveLength(1);
    expect(searches[0]!.email).toBe('ana@example.com');
  });

  it('adopts, from what a decline left behind, only its own attempt’s order of its own amount', async () => {
    const d = createDomain();
    const body = chargeBody({ token_id: 'tok_test_visa_4242' });
    let tag: OrderTag | undefined;
    const order = (over: Partial<ProviderOrder>): ProviderOrder => ({
      orderId: 'ord_other',
      status: 'declined',
      providerStatus: 'declined',
      updatedAt: 1,
      livemode: false,
      amountCents: 0,
      currency: 'MXN',
      createdAt: 1,
      publicBody: {},
      body: {},
      ...over,
    });
    d.provider.chargeCard = async (_credentials, request) => {
      tag = request.tag;
      throw new ProviderError({
        provider: 'fake',
        failure: 'declined',
        outcome: 'not_processed',
        message: 'no',
      });
    };
    d.provider.findAttemptOrders = async () => {
      const own = d.store.records.size > 0 ? (await stored(d, body.reference_id))! : undefined;
      const amountCents = Object.values(own?.attempts ?? {})[0]!.amountCents;
      return {
        complete: true,
        orders: [
          // Our tag, another amount; another attempt of ours, our amount: neither is this decline's.
          order({ orderId: 'ord_other_amount', tag: tag!, amountCents: amountCents + 1 }),
          order({ orderId: 'ord_other_attempt', tag: { ...tag!, attemptId: 'att_other' }, amountCents }),
        ],
      };
    };
    expect((await d.answer(body)).status).toBe(402);
    expect(await attemptsOf(d, body.reference_id)).toEqual([[1, 'refused', undefined]]);
  });

  it('keeps a decline with no order found as a refused attempt whose 402 is replayed', async () => {
    const d = createDomain();
    const body = chargeBody({ token_id: 'tok_test_visa_4242' });
    d.provider.chargeCard = async () => {
      throw new ProviderError({
        provider: 'fake',
        failure: 'declined',
        outcome: 'not_processed',
        message: 'no',
        status: 402,
        details: [{ code: 'card_declined' }],
      });
    };
    const first = await d.answer(body);
    expect(first).toMatchObject({ status: 402, body: { details: [{ code: 'card_declined' }] } });
    expect(await attemptsOf(d, body.reference_id)).toEqual([[1, 'refused', undefined]]);
    expect(await d.answer(body)).toEqual(first);
  });

  it('replays a stored decline without its wording as "The payment was declined."', async () => {
    const d = createDomain();
    const body = chargeBody({ token_id: 'tok_test_insufficient_funds' });
    await d.answer(body);
    const record = (await stored(d, body.reference_id))!;
    const entry = d.store.records.get(`${record.merchant}\n${record.referenceId}`)!;
    const [attempt] = Object.values(entry.record.attempts);
    delete attempt!.declineError;
    expect(await d.answer(body)).toEqual({
      status: 402,
      code: 'payment_declined',
      body: { message: 'The payment was declined.', details: [] },
    });
  });

  it('adopts the charge a used token made for this attempt, when the provider shows it', async () => {
    const d = createDomain();
    const body = chargeBody();
    const original = d.provider.chargeCard;
    d.provider.chargeCard = async (c, order) => {
      await original(c, order);
      // Charged, but the provider answers as if the token had been used before.
      throw new ProviderError({
        provider: 'fake',
        failure: 'token_used',
        outcome: 'unknown',
        message: 'used',
        status: 402,
      });
    };
    expect(await d.pagos(body)).toMatchObject({ orderId: 'ord_fake_1', replayed: false });
    expect(await attemptsOf(d, body.reference_id)).toEqual([[1, 'recorded', 'paid']]);
    // Recorded as what this request's create made, not as a later status check.
    expect((await stored(d, body.reference_id))!.history.map((h) => [h.status, h.source])).toEqual([
      ['paid', 'create'],
    ]);
  });

  it('answers a used token that made nothing here 422, keeping no payment', async () => {
    const d = createDomain();
    await d.pagos(chargeBody());
    const other = chargeBody();
    const answer = await d.answer(other);
    expect(answer).toEqual({
      status: 422,
      code: 'provider_validation_error',
      body: {
        message: 'The card token was already used. Tokenize the card again and send the new token.',
        details: [],
      },
    });
    expect(await stored(d, other.reference_id)).toBeUndefined();
  });
});

describe('charge: recorded only as created', () => {
  const earlyEvent = async (d: Domain, body: Record<string, unknown>) => {
    // A charge whose answer was lost, then recorded from an early "created" event.
    d.provider.faults.push({ op: 'charge', failure: 'timeout', when: 'after' });
    await d.answer(body);
    const record = (await stored(d, body.reference_id))!;
    const entry = d.store.records.get(`${record.merchant}\n${record.referenceId}`)!;
    const [attempt] = Object.values(entry.record.attempts);
    Object.assign(attempt!, {
      phase: 'recorded',
      orderId: 'ord_fake_1',
      status: 'created',
      providerUpdatedAt: 1,
    });
    delete attempt!.outcomeUnknown;
  };

  it('asks the provider how the charge ended before answering', async () => {
    const d = createDomain();
    const body = chargeBody();
    await earlyEvent(d, body);
    const gets = d.provider.calls.get;
    expect(await d.pagos(body)).toMatchObject({ orderId: 'ord_fake_1', replayed: true });
    expect(d.provider.calls.get - gets).toBe(1);
    expect(await attemptsOf(d, body.reference_id)).toEqual([[1, 'recorded', 'paid']]);
    expect((await stored(d, body.reference_id))!.history.at(-1)!.source).toBe('status');
  });

  it('asks once per request: a charge the provider still shows as created is in progress', async () => {
    const d = createDomain();
    const body = chargeBody();
    await earlyEvent(d, body);
    d.provider.setStatus('ord_fake_1', 'created');
    expect(await d.answer(body)).toMatchObject({
      status: 409,
      code: 'request_in_progress',
      body: {
        message: `The charge for reference_id ${body.reference_id} has not ended yet. Send it again in a moment.`,
      },
    });
    expect(d.provider.calls.get).toBe(1);
  });
});

describe('create: bounds and refusals', () => {
  it('refuses a new attempt beyond the bound, asking for a new reference_id', async () => {
    const d = createDomain({ maxAttempts: 2 });
    const body = createBody();
    await d.pagos(body);
    await d.pagos({ ...body, amount: 2, replace: true });
    expect(await d.answer({ ...body, amount: 3, replace: true })).toMatchObject({
      status: 409,
      code: 'too_many_attempts',
      body: { message: `reference_id ${body.reference_id} has had 2 attempts; use a new reference_id.` },
    });
    expect(d.provider.calls.create).toBe(2);
  });

  it.each(['pending_payment', 'created'] as const)(
    'keeps the reference when the provider will not cancel the order being replaced and it stays payable (%s)',
    async (payable) => {
      const d = createDomain();
      const body = createBody();
      await d.pagos(body);
      d.provider.setStatus('ord_fake_1', payable);
      d.provider.faults.push({ op: 'cancel', failure: 'precondition' });
      expect(await d.answer({ ...body, amount: 2, replace: true })).toEqual({
        status: 409,
        code: 'provider_conflict',
        body: {
          message:
            `The current order of reference_id ${body.reference_id} is ${payable} and the provider will not cancel it ` +
            '(a cash or bank payment may be under way). Wait until it is paid or expires, then send the request again.',
          details: [{ order_id: 'ord_fake_1', status: payable }],
        },
      });
      expect(d.provider.calls.create).toBe(1);
    },
  );

  it('answers a conflict saying how to replace, and already_paid naming the paid order', async () => {
    const d = createDomain();
    const body = createBody();
    await d.pagos(body);
    expect(await d.answer({ ...body, amount: 2 })).toEqual({
      status: 409,
      code: 'reference_conflict',
      body: {
        message:
          `reference_id ${body.reference_id} has a payable order made from a different request (amount, buyer, URLs or ` +
          'another field differ). Resend the original request, or send "replace": true to cancel that order and make a new one.',
        details: [],
      },
    });
    d.provider.setStatus('ord_fake_1', 'paid');
    await d.pagos(status(body.reference_id));
    expect(await d.answer({ ...body, amount: 2 })).toEqual({
      status: 409,
      code: 'already_paid',
      body: {
        message: `reference_id ${body.reference_id} is already paid (order ord_fake_1); it is never paid twice through Pagos.`,
        details: [{ order_id: 'ord_fake_1', status: 'paid', attempt: 1 }],
      },
    });
  });

  it('replays the stored order of the current attempt, and its facts in the order’s shape without it', async () => {
    const d = createDomain();
    const body = createBody();
    const first = await d.pagos(body);
    expect(await d.pagos(body)).toEqual({
      ...first,
      replayed: true,
      body: expect.objectContaining({ id: 'ord_fake_1', object: 'order' }),
    });
    const record = (await stored(d, body.reference_id))!;
    const entry = d.store.records.get(`${record.merchant}\n${record.referenceId}`)!;
    // The stored copy is answered as it is (the provider's latest body), not rebuilt from facts.
    const copy = { ...JSON.parse(record.replayOrder!), line_items: { data: [{ name: 'copy' }] } };
    entry.record = { ...entry.record, replayOrder: JSON.stringify(copy) };
    expect((await d.pagos(body)).body).toEqual(copy);
    delete entry.record.replayOrder;
    // Without the stored copy: the attempt's facts, in the order's shape.
    expect((await d.pagos(body)).body).toEqual({
      id: 'ord_fake_1',
      object: 'order',
      amount: record.attempts[record.currentAttempt]!.amountCents,
      currency: 'MXN',
      livemode: false,
      payment_status: 'created',
      metadata: { reference_id: body.reference_id },
      checkout: { url: record.attempts[record.currentAttempt]!.checkoutUrl },
    });
  });

  it('answers the attempt number and the status Pagos recorded for a new order', async () => {
    const d = createDomain();
    const body = createBody();
    await d.pagos(body);
    d.provider.setStatus('ord_fake_1', 'expired');
    await d.pagos(status(body.reference_id));
    const made = await d.pagos(body);
    expect(made).toMatchObject({ orderId: 'ord_fake_2', replayed: false });
    expect(await attemptsOf(d, body.reference_id)).toEqual([
      [1, 'recorded', 'expired'],
      [2, 'recorded', 'created'],
    ]);
  });

  it('gives up, asking to send it again, when the payment keeps changing under the request', async () => {
    const d = createDomain();
    const body = createBody();
    await d.pagos(body);
    d.provider.setStatus('ord_fake_1', 'expired');
    await d.pagos(status(body.reference_id));
    let writes = 0;
    d.store.beforeWrite = () => {
      writes += 1;
      const [entry] = [...d.store.records.values()];
      entry!.record = { ...entry!.record, version: entry!.record.version + 1 };
    };
    expect(await d.answer(body)).toMatchObject({
      status: 409,
      code: 'request_in_progress',
      body: { message: `reference_id ${body.reference_id} is changing under this request. Send it again.` },
    });
    expect(d.provider.calls.create).toBe(1);
    // The insert that finds the payment, then one lost write in each of the 12 rounds: no 13th.
    expect(writes).toBe(1 + 12);
  });
});
