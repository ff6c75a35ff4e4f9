/**
 * `create` and `charge` through the whole domain, against the fake provider and the in-memory
 * stores (which pass the same contracts as Conekta's adapter and DynamoDB): exactly once per
 * attempt, every lost answer recovered, never a success that did not happen.
 */
import { chargeBody, createBody, createDomain, SECRET } from '../support/domain.js';

const recordOf = async (d: ReturnType<typeof createDomain>, reference: string) => {
  const merchant = [...d.services.memory.values()][0]!.merchant.id;
  return (await d.store.get(merchant, reference))!;
};

describe('create: one order per attempt', () => {
  it('makes one order, then replays it for the same request without a provider call', async () => {
    const d = createDomain();
    const body = createBody();
    const first = await d.pagos(body);
    expect(first).toMatchObject({ action: 'create', replayed: false, orderId: 'ord_fake_1' });
    expect((first.body as { checkout: { url: string } }).checkout.url).toMatch(/^https:/);
    const again = await d.pagos(body);
    expect(again).toMatchObject({ replayed: true, orderId: 'ord_fake_1' });
    expect(d.provider.calls.create).toBe(1);
    // The attempt id the order's metadata carries: att_ and 32 hex digits.
    expect((await recordOf(d, body.reference_id as string)).currentAttempt).toMatch(/^att_[0-9a-f]{32}$/);
    // The replay answers the stored order, which has no buyer data.
    expect(JSON.stringify(again.body)).not.toContain('andres@example.com');
  });

  it('answers 409 for a different request while the link is payable, and replaces it on request', async () => {
    const d = createDomain();
    const body = createBody();
    await d.pagos(body);
    expect(await d.answer({ ...body, amount: 1001 })).toMatchObject({
      status: 409,
      code: 'reference_conflict',
    });
    const replaced = await d.pagos({ ...body, amount: 1001, replace: true });
    expect(replaced).toMatchObject({ orderId: 'ord_fake_2', replayed: false });
    // The old order was canceled first: at most one payable order.
    expect(d.provider.orders.map((o) => [o.orderId, o.status])).toEqual([
      ['ord_fake_1', 'canceled'],
      ['ord_fake_2', 'created'],
    ]);
    expect(d.provider.calls.cancel).toBe(1);
    // The history says who closed the old order.
    const history = (await recordOf(d, body.reference_id as string)).history;
    expect(history.map((h) => [h.status, h.source, h.orderId])).toContainEqual([
      'canceled',
      'cancel',
      'ord_fake_1',
    ]);
  });

  it('makes a new attempt after the link expired, and keeps the reference', async () => {
    const d = createDomain();
    const body = createBody();
    await d.pagos(body);
    d.provider.setStatus('ord_fake_1', 'expired');
    await d.pagos({ action: 'status', secret: SECRET, reference_id: body.reference_id });
    const next = await d.pagos(body);
    expect(next).toMatchObject({ orderId: 'ord_fake_2', replayed: false });
    const record = await recordOf(d, body.reference_id as string);
    expect(Object.values(record.attempts).map((a) => [a.n, a.status])).toEqual([
      [1, 'expired'],
      [2, 'created'],
    ]);
  });

  it('treats a link past its own expiry as closed even before the provider says so', async () => {
    const d = createDomain();
    const body = createBody({ expires_in_days: 1 });
    await d.pagos(body);
    d.clock.advance(86_400_000 + 1000);
    const next = await d.pagos(body);
    expect(next.orderId).toBe('ord_fake_2');
    expect(d.provider.orders[0]!.status).toBe('canceled');
  });

  it('answers 409 already_paid once any attempt is paid, and replays the paid request', async () => {
    const d = createDomain();
    const body = createBody();
    await d.pagos(body);
    d.provider.setStatus('ord_fake_1', 'paid');
    await d.pagos({ action: 'status', secret: SECRET, reference_id: body.reference_id });
    expect(await d.answer({ ...body, amount: 5 })).toMatchObject({ status: 409, code: 'already_paid' });
    expect(await d.answer({ ...body, replace: true, amount: 5 })).toMatchObject({
      status: 409,
      code: 'already_paid',
    });
    expect(await d.pagos(body)).toMatchObject({ replayed: true, orderId: 'ord_fake_1' });
    expect(d.provider.calls.create).toBe(1);
  });

  it('names the line item after the reference, "Pedido <ref>" under 3 characters', async () => {
    const d = createDomain();
    let seen: unknown;
    const original = d.provider.createHostedCheckout;
    d.provider.createHostedCheckout = (c, order) => {
      seen = order.lineItems;
      return original(c, order);
    };
    await d.pagos(createBody({ reference_id: '42' }));
    expect(seen).toEqual([{ name: 'Pedido 42', unitPriceCents: 100_000, quantity: 1 }]);
    await d.pagos(createBody({ reference_id: '6588' }));
    expect(seen).toEqual([{ name: '6588', unitPriceCents: 100_000, quantity: 1 }]);
  });

  it('sends a different idempotency key for each attempt and request, the same when one attempt is called again', async () => {
    const d = createDomain();
    const keys: string[] = [];
    const original = d.provider.createHostedCheckout;
    d.provider.createHostedCheckout = (c, order) => {
      keys.push(order.idempotencyKey);
      return original(c, order);
    };
    const body = createBody();
    d.provider.faults.push({ op: 'create', failure: 'validation' });
    expect((await d.answer(body)).status).toBe(422);
    await d.pagos({ ...body, first_name: 'andrés' }); // the corrected request
    expect(keys).toHaveLength(2);
    expect(keys[0]).not.toBe(keys[1]);
  });
});

describe('create: a lost answer is recovered, never made twice', () => {
  it('finds the order made before the answer was lost, and answers it (one order)', async () => {
    const d = createDomain();
    const body = createBody();
    d.provider.faults.push({ op: 'create', failure: 'unavailable', when: 'after' });
    expect(await d.answer(body)).toMatchObject({ status: 502 });
    const recovered = await d.pagos(body);
    expect(recovered).toMatchObject({ orderId: 'ord_fake_1' });
    expect(d.provider.calls.create).toBe(1);
    expect(d.provider.calls.find).toBe(1);
  });

  it('does not make a new order before the lost call settled; after it, a complete search proves none exists', async () => {
    const d = createDomain();
    const body = createBody();
    // The provider made nothing, but the answer was lost: Pagos cannot tell that from a made order.
    d.provider.faults.push({ op: 'create', failure: 'timeout', when: 'lost' });
    expect(await d.answer(body)).toMatchObject({ status: 504, code: 'provider_timeout' });
    const early = await d.answer(body);
    expect(early).toMatchObject({ status: 502, code: 'provider_unavailable' });
    expect(d.provider.calls.create).toBe(1);
    d.clock.advance(20_001);
    const made = await d.pagos(body);
    expect(made).toMatchObject({ replayed: false, orderId: 'ord_fake_1' });
    expect(d.provider.calls.create).toBe(2);
  });

  it('keeps looking while a search cannot see the whole window', async () => {
    const d = createDomain();
    const body = createBody();
    d.provider.faults.push({ op: 'create', failure: 'unavailable', when: 'after' });
    await d.answer(body);
    d.provider.incompleteSearch = true;
    d.clock.advance(60_000);
    expect(await d.answer(body)).toMatchObject({ status: 502 });
    expect(d.provider.calls.create).toBe(1);
    d.provider.incompleteSearch = false;
    expect(await d.pagos(body)).toMatchObject({ orderId: 'ord_fake_1' });
  });

  it('treats a create answer that does not fit (amount, no link, not our metadata) as a lost answer', async () => {
    for (const misfit of ['amount', 'no_link', 'no_tag'] as const) {
      const d = createDomain();
      const body = createBody();
      d.provider.faults.push({ op: 'create', failure: 'misfit', misfit });
      expect(await d.answer(body)).toMatchObject({ status: 502, code: 'provider_unavailable' });
      const recovered = await d.pagos(body);
      expect(recovered.orderId).toBe('ord_fake_1');
      expect(d.provider.calls.create).toBe(1);
    }
  });

  it('never adopts another attempt’s order of the same reference, nor one of another amount', async () => {
    const d = createDomain();
    const body = createBody({ amount: 1 });
    await d.pagos(body);
    d.provider.setStatus('ord_fake_1', 'expired');
    await d.pagos({ action: 'status', secret: SECRET, reference_id: body.reference_id });
    d.provider.faults.push({ op: 'create', failure: 'unavailable', when: 'lost' });
    const bigger = { ...body, amount: 1000 };
    expect((await d.answer(bigger)).status).toBe(502);
    d.clock.advance(20_001);
    const made = await d.pagos(bigger);
    expect(made.orderId).toBe('ord_fake_2');
    expect(d.provider.orders.map((o) => o.amountCents)).toEqual([100, 100_000]);
  });

  it('waits for a request in flight, then answers 409 request_in_progress', async () => {
    const d = createDomain({ waitForInFlightMs: 50 });
    const body = createBody();
    const record = await (async () => {
      // A first request that claimed the attempt and is still calling the provider.
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
      const second = await d.answer(body);
      release();
      await first;
      return second;
    })();
    expect(record).toMatchObject({ status: 409, code: 'request_in_progress' });
    expect(d.provider.calls.create).toBe(1);
  });
});

/** Holds the provider's next create until `release()`: a first request still in flight. */
function holdNextCreate(d: ReturnType<typeof createDomain>) {
  let release: () => void = () => {};
  const gate = new Promise<void>((r) => {
    release = r;
  });
  const original = d.provider.createHostedCheckout;
  d.provider.createHostedCheckout = async (c, o) => {
    d.provider.createHostedCheckout = original;
    await gate;
    return original(c, o);
  };
  return { release: () => release() };
}

/** A first request for `body`, held at the provider; `land()` lets it finish and waits for it. */
async function firstInFlight(d: ReturnType<typeof createDomain>, body: Record<string, unknown>) {
  const held = holdNextCreate(d);
  const first = d.pagos(body);
  await new Promise((r) => setTimeout(r, 5));
  return {
    land: async () => {
      held.release();
      await first;
    },
  };
}

/** A clock that sleeps by moving itself, counting polls, and lands the first request on poll `landOn`. */
function pollsUntil(d: ReturnType<typeof createDomain>, landOn: number, land: () => Promise<unknown>) {
  const polls: number[] = [];
  d.services.sleep = async (ms) => {
    polls.push(ms);
    d.clock.advance(ms);
    if (polls.length === landOn) await land();
  };
  return polls;
}

describe('create: a duplicate waits for the request in flight', () => {
  it('answers the first request’s order once it lands, without a second provider call', async () => {
    const d = createDomain({ waitForInFlightMs: 50, pollIntervalMs: 10 });
    const body = createBody();
    const first = await firstInFlight(d, body);
    const polls = pollsUntil(d, 2, first.land);
    const second = await d.pagos(body);
    expect(second).toMatchObject({ replayed: true, orderId: 'ord_fake_1' });
    expect(polls).toEqual([10, 10]);
    expect(d.provider.calls.create).toBe(1);
  });

  it('waits the whole IN_FLIGHT_WAIT_MS, however many polls that takes, then answers 409', async () => {
    const d = createDomain({ waitForInFlightMs: 3_000, pollIntervalMs: 100 });
    const body = createBody();
    const first = await firstInFlight(d, body);
    const polls = pollsUntil(d, Number.POSITIVE_INFINITY, async () => {});
    const second = await d.answer(body);
    expect(second).toMatchObject({ status: 409, code: 'request_in_progress' });
    expect((second.body as { message: string }).message).toMatch(/still being processed/);
    // Polls at 0, 100, ... 2,900 ms; at 3,000 ms it answers.
    expect(polls).toHaveLength(30);
    await first.land();
  });

  it('lands a first request that took more polls than a payment may change', async () => {
    const d = createDomain({ waitForInFlightMs: 3_000, pollIntervalMs: 100 });
    const body = createBody();
    const first = await firstInFlight(d, body);
    pollsUntil(d, 20, first.land);
    expect(await d.pagos(body)).toMatchObject({ replayed: true, orderId: 'ord_fake_1' });
  });

  it('holds a duplicate behind a call made again after a search proved nothing was made', async () => {
    const d = createDomain({ waitForInFlightMs: 50, pollIntervalMs: 10 });
    const body = createBody();
    d.provider.faults.push({ op: 'create', failure: 'timeout', when: 'lost' });
    expect(await d.answer(body)).toMatchObject({ status: 504 });
    d.clock.advance(20_001);
    // This request proves no order exists, claims the attempt again and calls; it is held there.
    const again = await firstInFlight(d, body);
    const findsBefore = d.provider.calls.find;
    pollsUntil(d, 1, again.land);
    // The duplicate sees the fresh claim's lease: it waits instead of searching again.
    expect(await d.pagos(body)).toMatchObject({ replayed: true, orderId: 'ord_fake_1' });
    expect(d.provider.calls.find).toBe(findsBefore);
    expect(d.provider.calls.create).toBe(2);
  });
});

describe('charge', () => {
  it('charges once and replays the paid charge', async () => {
    const d = createDomain();
    const body = chargeBody();
    expect(await d.pagos(body)).toMatchObject({ replayed: false, orderId: 'ord_fake_1' });
    expect(await d.pagos(body)).toMatchObject({ replayed: true, orderId: 'ord_fake_1' });
    expect(d.provider.calls.charge).toBe(1);
  });

  it('answers 402 for a decline and for its every replay; a new token makes a new attempt that pays', async () => {
    const d = createDomain();
    const body = chargeBody({ token_id: 'tok_test_insufficient_funds' });
    expect(await d.answer(body)).toMatchObject({ status: 402, code: 'payment_declined' });
    expect(await d.answer(body)).toMatchObject({ status: 402, code: 'payment_declined' });
    const paid = await d.pagos({ ...body, token_id: 'tok_test_visa_4242' });
    expect(paid).toMatchObject({ orderId: 'ord_fake_2', replayed: false });
    expect(d.provider.calls.charge).toBe(2);
  });

  it('answers 402, never 200, for a decline whose answer was lost', async () => {
    const d = createDomain();
    const body = chargeBody({ token_id: 'tok_test_insufficient_funds' });
    // Declined at the provider, then the answer lost: the retry recovers the declined order.
    const original = d.provider.chargeCard;
    d.provider.chargeCard = async (c, o) => {
      await original(c, o).catch(() => undefined);
      throw new (await import('../../lib/payments/provider-errors.js')).ProviderError({
        provider: 'fake',
        failure: 'timeout',
        outcome: 'unknown',
        message: 'lost',
      });
    };
    expect((await d.answer(body)).status).toBe(504);
    d.provider.chargeCard = original;
    expect(await d.answer(body)).toMatchObject({ status: 402, code: 'payment_declined' });
    expect(await d.answer(body)).toMatchObject({ status: 402, code: 'payment_declined' });
  });

  it('treats "token already used" on a retry as "may have charged": recovers the charge, never charges again', async () => {
    const d = createDomain();
    const body = chargeBody();
    d.provider.faults.push({ op: 'charge', failure: 'unavailable', when: 'after' });
    expect((await d.answer(body)).status).toBe(502);
    // The storefront's next attempt with a new token must not charge before the first is known.
    expect(await d.pagos(body)).toMatchObject({ orderId: 'ord_fake_1' });
    expect(await d.answer({ ...body, token_id: 'tok_test_mastercard_4444' })).toMatchObject({
      status: 409,
      code: 'already_paid',
    });
    expect(d.provider.orders).toHaveLength(1);
  });

  it('a token another payment used is refused with 422 "tokenize again": neither a decline nor a retry', async () => {
    const d = createDomain();
    await d.pagos(chargeBody({ token_id: 'tok_test_visa_4242' }));
    const other = await d.answer(chargeBody({ token_id: 'tok_test_visa_4242' }));
    expect(other).toMatchObject({ status: 422, code: 'provider_validation_error' });
    expect((other.body as { message: string }).message).toMatch(/already used/);
    expect(d.provider.orders).toHaveLength(1);
  });

  it('refuses a new token while an earlier attempt’s outcome is unknown', async () => {
    const d = createDomain();
    const body = chargeBody();
    d.provider.faults.push({ op: 'charge', failure: 'timeout', when: 'after' });
    expect((await d.answer(body)).status).toBe(504);
    d.provider.incompleteSearch = true;
    expect((await d.answer({ ...body, token_id: 'tok_test_mastercard_4444' })).status).toBe(502);
    expect(d.provider.calls.charge).toBe(1);
  });
});

describe('answers that do not fit', () => {
  it('a create answer whose own parts name another order is a lost answer, never recorded', async () => {
    const d = createDomain();
    const body = createBody();
    const original = d.provider.createHostedCheckout;
    d.provider.createHostedCheckout = async (c, o) => ({
      ...(await original(c, o)),
      selfReferences: ['ord_someone_else'],
    });
    expect(await d.answer(body)).toMatchObject({ status: 502, code: 'provider_unavailable' });
    d.provider.createHostedCheckout = original;
    // The retry finds the order the misfit answer was about, by the attempt's tag.
    expect(await d.pagos(body)).toMatchObject({ orderId: 'ord_fake_1' });
  });
});
