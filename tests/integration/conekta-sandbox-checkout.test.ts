// The hosted checkout page and the buyer transitions (page forms and /_sandbox/orders/{id}/…).
import { getContract } from '../../local/conekta-sandbox/contract.js';
import { type RunningSandbox, startConektaSandbox } from '../../local/conekta-sandbox/server.js';
import { conektaClient } from '../../local/conekta-sandbox/testing.js';

const { contract } = getContract();
const logs: string[] = [];
let sandbox: RunningSandbox;
let api: ReturnType<typeof conektaClient>;

beforeAll(async () => {
  sandbox = await startConektaSandbox({ env: {}, log: (message) => logs.push(message) });
  api = conektaClient(sandbox.url, `key_checkout_${Date.now()}`);
});

afterAll(async () => {
  await sandbox.stop();
  expect(logs.filter((line) => /CONTRACT VIOLATION|INTERNAL ERROR/.test(line))).toEqual([]);
});

async function createHostedOrder(checkout: Record<string, unknown> = {}) {
  const response = await api.post('/orders', {
    currency: 'MXN',
    customer_info: { name: 'Ana López', email: 'ana@example.com', phone: '5512345678' },
    line_items: [{ name: 'Taza <de> café', unit_price: 123_456, quantity: 1 }],
    checkout: {
      type: 'HostedPayment',
      name: 'Pedido <A-77>',
      success_url: 'https://shop.example.com/gracias?o=77',
      failure_url: 'https://shop.example.com/fallo?o=77',
      ...checkout,
    },
  });
  expect(response.status).toBe(200);
  return response.body;
}

const page = async (url: string) => {
  const response = await fetch(url);
  return { status: response.status, type: response.headers.get('content-type'), html: await response.text() };
};

/** Submits a page form the way a browser would (urlencoded POST), without following redirects. */
const submit = (checkoutUrl: string, action: string) =>
  fetch(`${checkoutUrl}/${action}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: '',
    redirect: 'manual',
  });

const control = async (orderId: string, transition: string) => {
  const response = await fetch(`${sandbox.url}/_sandbox/orders/${orderId}/${transition}`, { method: 'POST' });
  return { status: response.status, body: await response.json() };
};

const getOrder = async (id: string) => {
  const response = await api.get(`/orders/${id}`);
  expect(contract.checkResponse('getOrderById', response.status, response.body)).toEqual([]);
  return response.body;
};

const buttonIds = (html: string) => [...html.matchAll(/<button[^>]*data-testid="([^"]+)"/g)].map((m) => m[1]);

describe('checkout page', () => {
  test('shows amount in pesos with 2 decimals, currency, name, line item and the pay buttons (escaped HTML)', async () => {
    const order = await createHostedOrder();
    const { status, type, html } = await page(order.checkout.url);
    expect(status).toBe(200);
    expect(type).toContain('text/html');
    expect(html).toContain('<span data-testid="amount">$1,234.56</span>');
    expect(html).toContain('<span data-testid="currency">MXN</span>');
    expect(html).toContain('Pedido &lt;A-77&gt;');
    expect(html).toContain('Taza &lt;de&gt; café');
    expect(html).not.toContain('<A-77>');
    expect(buttonIds(html)).toEqual(['pay-card', 'decline-card', 'pay-cash', 'expire']);
    for (const label of ['Pay by card', 'Card declined', 'Pay cash', 'Expire'])
      expect(html).toContain(`>${label}</button>`);
    expect(html).toContain(`action="/checkout/${order.checkout.slug}/pay_card"`);
    // self-contained: no external scripts, styles or images
    expect(html).not.toMatch(/<(script|link|img)\b/);
  });

  test("the page offers only the checkout's allowed methods", async () => {
    const order = await createHostedOrder({ allowed_payment_methods: ['card'] });
    expect(buttonIds((await page(order.checkout.url)).html)).toEqual(['pay-card', 'decline-card', 'expire']);
    const refused = await control(order.id, 'pay_cash_pending');
    expect(refused.status).toBe(409);
  });

  test('an unknown slug is a 404 page', async () => {
    const { status, html } = await page(`${sandbox.url}/checkout/nope`);
    expect(status).toBe(404);
    expect(html).toContain('Checkout not found');
  });

  test('Pay by card: 303 to success_url, order paid with a card charge', async () => {
    const order = await createHostedOrder();
    const response = await submit(order.checkout.url, 'pay_card');
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('https://shop.example.com/gracias?o=77');
    const paid = await getOrder(order.id);
    expect(paid).toMatchObject({ payment_status: 'paid', is_refundable: true });
    expect(paid.charges.data[0]).toMatchObject({
      status: 'paid',
      payment_method: { object: 'card_payment', last4: '4242' },
    });
    expect(paid.checkout.paid_payments_count).toBe(1);
    const after = await page(order.checkout.url);
    expect(after.html).toContain('This order has been paid.');
    expect(buttonIds(after.html)).toEqual([]);
  });

  test('Card declined: 303 to failure_url; the buyer may retry and pay', async () => {
    const order = await createHostedOrder();
    const declined = await submit(order.checkout.url, 'decline');
    expect(declined.status).toBe(303);
    expect(declined.headers.get('location')).toBe('https://shop.example.com/fallo?o=77');
    expect((await getOrder(order.id)).payment_status).toBe('declined');
    const retry = await page(order.checkout.url);
    expect(retry.html).toContain('Your card was declined');
    expect(buttonIds(retry.html)).toContain('pay-card');
    expect((await submit(order.checkout.url, 'pay_card')).status).toBe(303);
    const paid = await getOrder(order.id);
    expect(paid.payment_status).toBe('paid');
    expect(paid.charges.data.map((c: { status: string }) => c.status)).toEqual(['declined', 'paid']);
  });

  test('Pay cash: pending_payment with a reference, then Confirm cash payment pays', async () => {
    const order = await createHostedOrder();
    const pending = await submit(order.checkout.url, 'pay_cash_pending');
    expect(pending.status).toBe(303);
    expect(pending.headers.get('location')).toBe(order.checkout.url);
    const pendingOrder = await getOrder(order.id);
    expect(pendingOrder.payment_status).toBe('pending_payment');
    expect(pendingOrder.charges.data[0]).toMatchObject({
      status: 'pending_payment',
      payment_method: { object: 'cash_payment' },
    });
    const { html } = await page(order.checkout.url);
    expect(buttonIds(html)).toEqual(['confirm-cash', 'expire']);
    expect(html).toContain('>Confirm cash payment</button>');
    expect(html).toContain(pendingOrder.charges.data[0].payment_method.reference);
    const confirmed = await submit(order.checkout.url, 'confirm_cash');
    expect(confirmed.headers.get('location')).toBe('https://shop.example.com/gracias?o=77');
    const paid = await getOrder(order.id);
    expect(paid.payment_status).toBe('paid');
    expect(paid.charges.data[0]).toMatchObject({ status: 'paid', paid_at: expect.any(Number) });
  });

  test('Expire: the page says so and offers no pay buttons; paying it is refused', async () => {
    const order = await createHostedOrder();
    const expired = await submit(order.checkout.url, 'expire');
    expect(expired.status).toBe(303);
    const body = await getOrder(order.id);
    expect(body.payment_status).toBe('expired');
    expect(body.checkout.status).toBe('Expired');
    const { html } = await page(order.checkout.url);
    expect(html).toContain('This payment link has expired.');
    expect(buttonIds(html)).toEqual([]);
    const refused = await submit(order.checkout.url, 'pay_card');
    expect(refused.status).toBe(409);
    expect(await refused.text()).toContain('Cannot pay_card');
    expect((await getOrder(order.id)).payment_status).toBe('expired');
  });

  test('a canceled order refuses payment, on the page and through the control API', async () => {
    const order = await createHostedOrder();
    expect((await api.post(`/orders/${order.id}/cancel`)).status).toBe(200);
    const { html } = await page(order.checkout.url);
    expect(html).toContain('This order was canceled.');
    expect(buttonIds(html)).toEqual([]);
    expect((await submit(order.checkout.url, 'pay_card')).status).toBe(409);
    const refused = await control(order.id, 'pay_card');
    expect(refused.status).toBe(409);
    expect(refused.body.message).toMatch(/Cannot pay_card order .*canceled/);
    expect((await getOrder(order.id)).payment_status).toBe('canceled');
  });
});

describe('/_sandbox/orders/{id}/{transition}', () => {
  test('each transition answers 200 with the spec-valid order', async () => {
    const cases: [string[], string][] = [
      [['pay_card'], 'paid'],
      [['pay_cash_pending'], 'pending_payment'],
      [['pay_cash_pending', 'confirm_cash'], 'paid'],
      [['decline'], 'declined'],
      [['decline', 'decline', 'pay_card'], 'paid'],
      [['expire'], 'expired'],
      [['pay_cash_pending', 'expire'], 'expired'],
    ];
    for (const [steps, expected] of cases) {
      const order = await createHostedOrder();
      let last: { status: number; body: { payment_status: string; updated_at: number } } | undefined;
      let updatedAt = order.updated_at;
      for (const step of steps) {
        last = await control(order.id, step);
        expect({ step, status: last.status }).toEqual({ step, status: 200 });
        expect(contract.checkSchema('order_response', last.body)).toEqual([]);
        expect(last.body.updated_at).toBeGreaterThanOrEqual(updatedAt);
        updatedAt = last.body.updated_at;
      }
      expect({ steps, status: last?.body.payment_status }).toEqual({ steps, status: expected });
      expect(await getOrder(order.id)).toEqual(last?.body);
    }
  });

  test('impossible transitions are 409 with a clear message, and change nothing', async () => {
    const cases: [string[], string][] = [
      [['pay_card'], 'pay_card'],
      [['pay_card'], 'decline'],
      [['pay_card'], 'expire'],
      [[], 'confirm_cash'],
      [['pay_cash_pending'], 'pay_card'],
      [['expire'], 'pay_cash_pending'],
    ];
    for (const [steps, impossible] of cases) {
      const order = await createHostedOrder();
      for (const step of steps) expect((await control(order.id, step)).status).toBe(200);
      const before = await getOrder(order.id);
      const refused = await control(order.id, impossible);
      expect({ impossible, status: refused.status }).toEqual({ impossible, status: 409 });
      expect(refused.body).toMatchObject({
        object: 'sandbox_error',
        message: expect.stringContaining(`Cannot ${impossible}`),
      });
      expect(await getOrder(order.id)).toEqual(before);
    }
  });

  test('refunds after paying through the checkout', async () => {
    const order = await createHostedOrder();
    await control(order.id, 'pay_card');
    const refunded = await api.post(`/orders/${order.id}/refunds`, { amount: 123_456, reason: 'other' });
    expect(refunded.status).toBe(200);
    expect(refunded.body).toMatchObject({ payment_status: 'refunded', amount_refunded: 123_456 });
    expect((await page(order.checkout.url)).html).toContain('refunded');
  });

  test('unknown order 404, unknown transition 404', async () => {
    expect((await control('ord_nope', 'pay_card')).status).toBe(404);
    const order = await createHostedOrder();
    expect((await control(order.id, 'teleport')).status).toBe(404);
  });
});
