import { setLogSink } from '../../lib/http/logger.js';
import { eventually, freshToken, type PagosStack, startPagosStack } from '../support/pagos-stack.js';
import { action, charge, link, newSecret } from '../support/requests.js';

let stack: PagosStack;
const logs: string[] = [];
beforeAll(async () => {
  process.env.LOG_LEVEL = 'debug';
  setLogSink((line) => logs.push(line));
  stack = await startPagosStack('lifecycle');
});
afterAll(() => stack.stop());
afterEach(async () => {
  await stack.sandboxControl('DELETE', '/_sandbox/faults');
  await stack.sandboxControl('DELETE', '/_sandbox/requests');
});

const token = freshToken;
const buyer = (orderId: string, move: string) =>
  stack.sandboxControl('POST', `/_sandbox/orders/${orderId}/${move}`);
const calls = async (operation: string) =>
  (await stack.sandboxControl('GET', `/_sandbox/requests?operation=${operation}`)).json.data as unknown[];

describe('charge', () => {
  it('a good token pays: 200 with the paid order; the record keeps brand and last4 only', async () => {
    const secret = newSecret();
    const res = await stack.pagos(charge(secret, 'chg-1', token('tok_test_visa_4242')));
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ object: 'order', payment_status: 'paid', amount: 100000 });
    const record = await stack.record(secret, 'chg-1');
    expect(record?.status).toBe('paid');
    expect(Object.values(record!.attempts)[0]).toMatchObject({
      kind: 'charge',
      status: 'paid',
      paymentMethod: 'card',
      card: { last4: '4242' },
      paidAt: expect.any(Number),
    });
    expect(record?.history.map((h) => h.status)).toEqual(['paid']);
  });

  it('insufficient funds: 402 with Conekta’s details, every replay the same; a new token pays', async () => {
    const secret = newSecret();
    const declined = charge(secret, 'chg-2', token('tok_test_insufficient_funds'));
    const first = await stack.pagos(declined);
    expect(first).toMatchObject({
      status: 402,
      json: { error: { code: 'payment_declined', provider: { status: 402 } } },
    });
    expect(first.json.error.details.length).toBeGreaterThan(0);
    expect((await stack.pagos(declined)).json).toEqual(first.json);
    expect((await stack.record(secret, 'chg-2'))?.status).toBe('declined');
    const paid = await stack.pagos({ ...declined, token_id: token('tok_test_visa_4242') });
    expect(paid).toMatchObject({ status: 200, json: { payment_status: 'paid' } });
    const attempts = Object.values((await stack.record(secret, 'chg-2'))!.attempts).sort((a, b) => a.n - b.n);
    expect(attempts.map((a) => [a.n, a.status])).toEqual([
      [1, 'declined'],
      [2, 'paid'],
    ]);
  });

  it('a card number anywhere is refused with raw_card_not_allowed, and appears in no log line', async () => {
    const number = '4242424242424242';
    const res = await stack.pagos({
      ...charge(newSecret(), 'chg-3', token('tok_test_visa_4242')),
      card: { number },
    });
    expect(res).toMatchObject({ status: 400, json: { error: { code: 'raw_card_not_allowed' } } });
    const inMetadata = await stack.pagos({
      ...charge(newSecret(), 'chg-4', token('tok_test_visa_4242')),
      metadata: { nota: number },
    });
    expect(inMetadata).toMatchObject({
      status: 400,
      json: { error: { code: 'raw_card_not_allowed', details: [{ field: 'metadata.nota' }] } },
    });
    expect(logs.join('\n')).not.toContain(number);
  });
});

describe('status', () => {
  it('answers 404 unknown_reference for a payment this merchant never made', async () => {
    const res = await stack.pagos(action('status', newSecret(), 'nobody'));
    expect(res).toMatchObject({ status: 404, json: { error: { code: 'unknown_reference' } } });
  });

  it('after a lost webhook, brings the record to paid and shows the attempts', async () => {
    const secret = newSecret();
    await stack.sandboxControl('POST', '/_sandbox/faults', { webhooks_enabled: false });
    const created = await stack.pagos(link(secret, 'st-1'));
    await buyer(created.json.id, 'pay_card');
    expect((await stack.record(secret, 'st-1'))?.status).toBe('created');
    const res = await stack.pagos(action('status', secret, 'st-1'));
    expect(res.status).toBe(200);
    expect(res.json.payment).toMatchObject({
      reference_id: 'st-1',
      status: 'paid',
      order_id: created.json.id,
      amount: '1000.00',
      amount_cents: 100000,
      attempts: [{ attempt: 1, order_id: created.json.id, status: 'paid' }],
    });
    expect(res.json.payment.merchant).toBe(await stack.merchant(secret));
    expect(res.json.order).toMatchObject({ id: created.json.id, payment_status: 'paid' });
    expect(JSON.stringify(res.json.payment)).not.toMatch(/request_hash|claim|version|andres@example/);
  });
});

describe('refund', () => {
  const paidLink = async (secret: string, reference: string) => {
    const created = await stack.pagos(link(secret, reference));
    await buyer(created.json.id, 'pay_card');
    await eventually('paid', async () =>
      (await stack.record(secret, reference))?.status === 'paid' ? true : undefined,
    );
    return created.json.id as string;
  };

  it('300.00 of 1000.00, then the rest; then nothing is left', async () => {
    const secret = newSecret();
    const orderId = await paidLink(secret, 'rf-1');
    const part = await stack.pagos(action('refund', secret, 'rf-1', { amount: 300 }));
    expect(part).toMatchObject({
      status: 200,
      json: { id: orderId, payment_status: 'partially_refunded', amount_refunded: 30000 },
    });
    const rest = await stack.pagos(action('refund', secret, 'rf-1'));
    expect(rest).toMatchObject({
      status: 200,
      json: { payment_status: 'refunded', amount_refunded: 100000 },
    });
    const none = await stack.pagos(action('refund', secret, 'rf-1', { amount: 1 }));
    expect(none).toMatchObject({ status: 400, json: { error: { details: [{ field: 'reference_id' }] } } });
    const record = await stack.record(secret, 'rf-1');
    expect(Object.values(record!.refunds).map((r) => [r.amountCents, r.state])).toEqual([
      [30000, 'done'],
      [70000, 'done'],
    ]);
  });

  it('the same refund request sent twice refunds once; a refund_id makes two equal refunds', async () => {
    const secret = newSecret();
    await paidLink(secret, 'rf-2');
    const once = action('refund', secret, 'rf-2', { amount: 100 });
    expect((await stack.pagos(once)).status).toBe(200);
    expect((await stack.pagos(once)).status).toBe(200);
    expect((await calls('orderRefund')).length).toBe(1);
    expect((await stack.pagos({ ...once, refund_id: 'second' })).status).toBe(200);
    expect((await stack.pagos({ ...once, refund_id: 'second' })).status).toBe(200);
    expect((await calls('orderRefund')).length).toBe(2);
    const status = await stack.pagos(action('status', secret, 'rf-2'));
    expect(status.json.order.amount_refunded).toBe(20000);
  });

  it('refuses an unpaid payment and more than the rest, without asking Conekta', async () => {
    const secret = newSecret();
    await stack.pagos(link(secret, 'rf-3'));
    const unpaid = await stack.pagos(action('refund', secret, 'rf-3'));
    expect(unpaid).toMatchObject({ status: 400, json: { error: { details: [{ field: 'reference_id' }] } } });
    await paidLink(secret, 'rf-4');
    const tooMuch = await stack.pagos(action('refund', secret, 'rf-4', { amount: 1000.01 }));
    expect(tooMuch).toMatchObject({ status: 400, json: { error: { details: [{ field: 'amount' }] } } });
    expect(await calls('orderRefund')).toEqual([]);
  });

  it('two different refunds at once: one is made, the other answers 409 with Retry-After', async () => {
    const secret = newSecret();
    await paidLink(secret, 'rf-5');
    await stack.sandboxControl('POST', '/_sandbox/faults', { latency_ms: 300 });
    const answers = await Promise.all([
      stack.pagos(action('refund', secret, 'rf-5', { amount: 100 })),
      stack.pagos(action('refund', secret, 'rf-5', { amount: 200 })),
    ]);
    expect(answers.map((a) => a.status).sort()).toEqual([200, 409]);
    const refused = answers.find((a) => a.status === 409)!;
    expect(refused.json.error.code).toBe('request_in_progress');
    expect(refused.headers.get('retry-after')).toEqual(expect.any(String));
    expect((await calls('orderRefund')).length).toBe(1);
  });
});

describe('cancel', () => {
  it('cancels an unpaid link; the sandbox then refuses to pay it', async () => {
    const secret = newSecret();
    const created = await stack.pagos(link(secret, 'cn-1'));
    const res = await stack.pagos(action('cancel', secret, 'cn-1'));
    expect(res).toMatchObject({ status: 200, json: { id: created.json.id, payment_status: 'canceled' } });
    expect((await buyer(created.json.id, 'pay_card')).status).toBe(409);
    expect((await stack.record(secret, 'cn-1'))?.status).toBe('canceled');
  });

  it('refuses to cancel a paid payment with 409, without asking Conekta to cancel it', async () => {
    const secret = newSecret();
    await stack.pagos(charge(secret, 'cn-2', token('tok_test_visa_4242')));
    const res = await stack.pagos(action('cancel', secret, 'cn-2'));
    expect(res).toMatchObject({
      status: 409,
      json: { error: { code: 'provider_conflict', details: [{ field: 'reference_id' }] } },
    });
    expect(await calls('CancelOrder')).toEqual([]);
  });

  it('a link paid before Pagos heard of it: Conekta’s refusal (428) shows the payment paid', async () => {
    const secret = newSecret();
    await stack.sandboxControl('POST', '/_sandbox/faults', { webhooks_enabled: false });
    const created = await stack.pagos(link(secret, 'cn-3'));
    await buyer(created.json.id, 'pay_card');
    const res = await stack.pagos(action('cancel', secret, 'cn-3'));
    expect(res).toMatchObject({ status: 409, json: { error: { code: 'provider_conflict' } } });
    expect(res.json.error.message).toMatch(/paid/);
    expect((await stack.record(secret, 'cn-3'))?.status).toBe('paid');
  });
});

describe('list', () => {
  it('lists this merchant’s payments changed since a time, newest first, by status, page by page', async () => {
    const secret = newSecret();
    const since = new Date(Date.now() - 1000).toISOString();
    for (const ref of ['l-1', 'l-2', 'l-3'])
      await stack.pagos(link(secret, ref, { metadata: { pedido: ref } }));
    await stack.pagos(charge(secret, 'l-4', token('tok_test_visa_4242')));
    await stack.pagos(link(newSecret(), 'l-other'));
    const first = await stack.pagos({ provider: 'conekta', action: 'list', secret, since, limit: 3 });
    expect(first.status).toBe(200);
    expect(first.json.payments.map((p: { reference_id: string }) => p.reference_id)).toEqual([
      'l-4',
      'l-3',
      'l-2',
    ]);
    expect(first.json.payments[1]).toMatchObject({
      reference_id: 'l-3',
      status: 'created',
      amount: '1000.00',
      amount_cents: 100000,
      currency: 'MXN',
      metadata: { pedido: 'l-3' },
      order_ids: [expect.stringMatching(/^ord_/)],
    });
    const second = await stack.pagos({
      provider: 'conekta',
      action: 'list',
      secret,
      since,
      limit: 3,
      cursor: first.json.next_cursor,
    });
    expect(second.json.payments.map((p: { reference_id: string }) => p.reference_id)).toEqual(['l-1']);
    expect(second.json.next_cursor).toBeNull();
    const paid = await stack.pagos({ provider: 'conekta', action: 'list', secret, status: 'paid' });
    expect(paid.json.payments.map((p: { reference_id: string }) => p.reference_id)).toEqual(['l-4']);
    const bad = await stack.pagos({ provider: 'conekta', action: 'list', secret, cursor: 'nope' });
    expect(bad).toMatchObject({ status: 400, json: { error: { details: [{ field: 'cursor' }] } } });
  });
});

describe('signing_secret', () => {
  it('gives the merchant its own secret, the same each time, and rotates it with a grace period', async () => {
    const secret = newSecret();
    const ask = (extra: Record<string, unknown> = {}) =>
      stack.pagos({ provider: 'conekta', action: 'signing_secret', secret, ...extra });
    const first = await ask();
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ merchant: await stack.merchant(secret), livemode: false });
    expect(first.json.signing_secrets).toHaveLength(1);
    expect((await ask()).json).toEqual(first.json);
    const rotated = await ask({ rotate: true, grace_hours: 2 });
    expect(rotated.json.signing_secrets).toHaveLength(2);
    expect(rotated.json.signing_secrets[1]).toMatchObject({
      id: first.json.signing_secrets[0].id,
      expires_at: expect.any(String),
    });
    const other = await stack.pagos({ provider: 'conekta', action: 'signing_secret', secret: newSecret() });
    expect(other.json.signing_secrets[0].secret).not.toBe(first.json.signing_secrets[0].secret);
  });
});
