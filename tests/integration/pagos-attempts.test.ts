import { eventually, freshToken, type PagosStack, startPagosStack } from '../support/pagos-stack.js';
import { charge, link, newSecret } from '../support/requests.js';

let stack: PagosStack;
beforeAll(async () => {
  stack = await startPagosStack('attempts');
});
afterAll(() => stack.stop());
afterEach(async () => {
  await stack.sandboxControl('DELETE', '/_sandbox/faults');
  await stack.sandboxControl('DELETE', '/_sandbox/requests');
});

const token = freshToken;
const act = (action: string, secret: string, reference: string) => ({
  provider: 'conekta',
  action,
  secret,
  reference_id: reference,
});
const buyer = (orderId: string, move: string, body?: unknown) =>
  stack.sandboxControl('POST', `/_sandbox/orders/${orderId}/${move}`, body);
const statusOf = async (secret: string, reference: string) => (await stack.record(secret, reference))?.status;
const until = (what: string, secret: string, reference: string, status: string) =>
  eventually(what, async () => ((await statusOf(secret, reference)) === status ? true : undefined));

describe('the legacy request, byte for byte', () => {
  it('answers 200 with the payment link; the page pays; the webhook makes it paid; status and list show it', async () => {
    // The legacy documentation's example, as integrations copy it: no notification_url.
    const secret = 'key_xxjg4bsD9nohnMjwaTGytA';
    const raw =
      '{"provider": "conekta", "action": "create", "reference_id": "6588",\n' +
      ' "secret": "key_xxjg4bsD9nohnMjwaTGytA", "first_name": "andres", "last_name": "jaro",\n' +
      ' "amount": 1000, "return_url": "http://template.pow.la", "email": "andres.jaromezuk@gmail.com"}';
    const res = await stack.pagos(undefined, { raw });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      object: 'order',
      amount: 100000,
      checkout: {
        url: expect.stringMatching(/^http/),
        success_url: 'http://template.pow.la/conekta/conekta_order',
      },
    });
    const page = await fetch(res.json.checkout.url);
    expect(page.status).toBe(200);
    await buyer(res.json.id, 'pay_card');
    await until('the webhook to record the payment', secret, '6588', 'paid');
    const status = await stack.pagos(act('status', secret, '6588'));
    expect(status.json.payment).toMatchObject({ status: 'paid', notification_url: null });
    const list = await stack.pagos({ provider: 'conekta', action: 'list', secret });
    expect(list.json.payments).toEqual([expect.objectContaining({ reference_id: '6588', status: 'paid' })]);
  });
});

describe('references, metadata and line items', () => {
  it.each(['4', '42'])('reference_id "%s" works for create and charge', async (reference) => {
    const secret = newSecret();
    const created = await stack.pagos(link(secret, reference));
    expect(created.status).toBe(200);
    expect(created.json.line_items.data[0].name).toBe(`Pedido ${reference}`);
    const charged = await stack.pagos(charge(newSecret(), reference, token('tok_test_visa_4242')));
    expect(charged).toMatchObject({ status: 200, json: { payment_status: 'paid' } });
  });

  it('the storefront’s metadata goes to Conekta and comes back in the answer, status and list', async () => {
    const secret = newSecret();
    const metadata = { pedido: 'A-6588', canal: 'web' };
    const created = await stack.pagos(link(secret, 'meta-1', { metadata }));
    expect(created.json.metadata).toMatchObject({ ...metadata, reference_id: 'meta-1' });
    const status = await stack.pagos(act('status', secret, 'meta-1'));
    expect(status.json.payment.metadata).toEqual(metadata);
    const list = await stack.pagos({ provider: 'conekta', action: 'list', secret });
    expect(list.json.payments[0].metadata).toEqual(metadata);
  });

  it('line items that add up to the amount are sent; a mismatch is 400 naming both fields', async () => {
    const items = [
      { name: 'Playera', unit_price: 250.5, quantity: 2 },
      { name: 'Envío', unit_price: '499', quantity: 1 },
    ];
    const ok = await stack.pagos(link(newSecret(), 'li-1', { line_items: items }));
    expect(ok.status).toBe(200);
    expect(
      ok.json.line_items.data.map((i: { name: string; unit_price: number }) => [i.name, i.unit_price]),
    ).toEqual([
      ['Playera', 25050],
      ['Envío', 49900],
    ]);
    const bad = await stack.pagos(link(newSecret(), 'li-2', { line_items: items, amount: 999 }));
    expect(bad.status).toBe(400);
    expect(bad.json.error.details.map((d: { field: string }) => d.field).sort()).toEqual([
      'amount',
      'line_items',
    ]);
  });
});

describe('a payment has attempts', () => {
  it('expired, then the same request: a new link for the same reference; the old order is left as it was', async () => {
    const secret = newSecret();
    const first = await stack.pagos(link(secret, 'at-1'));
    await buyer(first.json.id, 'expire');
    await until('expired', secret, 'at-1', 'expired');
    const second = await stack.pagos(link(secret, 'at-1'));
    expect(second.status).toBe(200);
    expect(second.json.id).not.toBe(first.json.id);
    const orders = await stack.sandboxOrders(secret, 'at-1');
    expect(orders.map((o) => o.payment_status ?? null).sort()).toEqual(['expired', null]);
    const status = await stack.pagos(act('status', secret, 'at-1'));
    expect(status.json.payment.attempts.map((a: { status: string }) => a.status)).toEqual([
      'expired',
      'created',
    ]);
  });

  it('declined card, then another card on the same order: a new attempt that pays', async () => {
    const secret = newSecret();
    const declined = await stack.pagos(charge(secret, 'at-2', token('tok_test_insufficient_funds')));
    expect(declined.status).toBe(402);
    const paid = await stack.pagos(charge(secret, 'at-2', token('tok_test_visa_4242')));
    expect(paid).toMatchObject({ status: 200, json: { payment_status: 'paid' } });
    expect(await statusOf(secret, 'at-2')).toBe('paid');
  });

  it('replace while payable: the old order is canceled at Conekta before the new one exists', async () => {
    const secret = newSecret();
    const first = await stack.pagos(link(secret, 'at-3'));
    const changed = link(secret, 'at-3', { amount: 1200 });
    expect((await stack.pagos(changed)).json.error.code).toBe('reference_conflict');
    await stack.sandboxControl('DELETE', '/_sandbox/requests');
    const replaced = await stack.pagos({ ...changed, replace: true });
    expect(replaced).toMatchObject({ status: 200, json: { amount: 120000 } });
    const log = (await stack.sandboxControl('GET', '/_sandbox/requests')).json.data as Array<{
      operation_id: string;
    }>;
    const ops = log.map((r) => r.operation_id).filter((op) => op === 'CancelOrder' || op === 'createOrder');
    expect(ops).toEqual(['CancelOrder', 'createOrder']);
    const orders = await stack.sandboxOrders(secret, 'at-3');
    expect(orders.find((o) => o.id === first.json.id)?.payment_status).toBe('canceled');
    expect((await buyer(first.json.id, 'pay_card')).status).toBe(409);
  });

  it('paid, then create again: 409 already_paid with the paid order; never paid twice through Pagos', async () => {
    const secret = newSecret();
    const first = await stack.pagos(link(secret, 'at-4'));
    await buyer(first.json.id, 'pay_card');
    await until('paid', secret, 'at-4', 'paid');
    for (const again of [
      link(secret, 'at-4', { amount: 5 }),
      { ...link(secret, 'at-4', { amount: 5 }), replace: true },
      charge(secret, 'at-4', token('tok_test_visa_4242')),
    ]) {
      const res = await stack.pagos(again);
      expect(res).toMatchObject({
        status: 409,
        json: { error: { code: 'already_paid', details: [{ order_id: first.json.id }] } },
      });
    }
    expect(await stack.sandboxOrders(secret, 'at-4')).toHaveLength(1);
  });

  it('a pending cash payment is not replaced: Conekta will not cancel it, so Pagos answers 409', async () => {
    const secret = newSecret();
    const first = await stack.pagos(link(secret, 'at-5'));
    await buyer(first.json.id, 'pay_cash_pending');
    await until('pending', secret, 'at-5', 'pending_payment');
    const replaced = await stack.pagos({ ...link(secret, 'at-5', { amount: 1001 }), replace: true });
    expect(replaced).toMatchObject({ status: 409, json: { error: { code: 'provider_conflict' } } });
    expect(await stack.sandboxOrders(secret, 'at-5')).toHaveLength(1);
  });

  it('a superseded cash attempt paid late: recorded, the payment paid twice', async () => {
    const secret = newSecret();
    const first = await stack.pagos(link(secret, 'at-5b'));
    // The buyer printed the OXXO slip; the link expired; a new link was paid by card; then the slip was paid.
    await buyer(first.json.id, 'pay_cash_pending');
    await until('pending', secret, 'at-5b', 'pending_payment');
    await buyer(first.json.id, 'expire');
    await until('expired', secret, 'at-5b', 'expired');
    const second = await stack.pagos(link(secret, 'at-5b'));
    expect(second.status).toBe(200);
    await buyer(second.json.id, 'pay_card');
    await until('paid', secret, 'at-5b', 'paid');
    await buyer(first.json.id, 'pay_late', { method: 'cash' });
    await eventually('paid twice', async () =>
      (await stack.record(secret, 'at-5b'))?.paidTwice ? true : undefined,
    );
    const status = await stack.pagos(act('status', secret, 'at-5b'));
    expect(status.json.payment).toMatchObject({ status: 'paid', paid_twice: true, order_id: second.json.id });
    expect(
      status.json.payment.attempts.map((a: { status: string; late?: boolean }) => [
        a.status,
        a.late ?? false,
      ]),
    ).toEqual([
      ['paid', true],
      ['paid', false],
    ]);
  });

  it('concurrent new-attempt requests after expiry make one new attempt', async () => {
    const secret = newSecret();
    const first = await stack.pagos(link(secret, 'at-6'));
    await buyer(first.json.id, 'expire');
    await until('expired', secret, 'at-6', 'expired');
    await stack.sandboxControl('POST', '/_sandbox/faults', { latency_ms: 200 });
    const answers = await Promise.all(Array.from({ length: 6 }, () => stack.pagos(link(secret, 'at-6'))));
    expect(answers.filter((a) => a.status >= 500)).toEqual([]);
    const made = new Set(answers.filter((a) => a.status === 200).map((a) => a.json.id));
    expect(made.size).toBe(1);
    expect(await stack.sandboxOrders(secret, 'at-6')).toHaveLength(2);
  });
});
