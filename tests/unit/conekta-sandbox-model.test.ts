// Pure parts of the sandbox: order transitions, tokens, search and paging, events, faults,
// options, HTTP parsing and the checkout page formatting.
import { generateKeyPairSync, verify } from 'node:crypto';
import {
  parseWebhookPublicKeys,
  verifyConektaDigest,
} from '../../lib/providers/conekta/webhook-signature.js';
import { availableActions, escapeHtml, formatPesos } from '../../local/conekta-sandbox/checkout-page.js';
import { getContract } from '../../local/conekta-sandbox/contract.js';
import { SandboxControlError } from '../../local/conekta-sandbox/errors.js';
import {
  applyFaultsPatch,
  DEFAULT_FAULTS,
  faultsFromEnv,
  matchedOperation,
  takeRequestFault,
} from '../../local/conekta-sandbox/faults.js';
import { acceptedVersion, matchPath, parseApiKey } from '../../local/conekta-sandbox/http.js';
import { misfitAnswer } from '../../local/conekta-sandbox/misfits.js';
import { resolveOptions } from '../../local/conekta-sandbox/options.js';
import {
  applyTransition,
  buildOrder,
  cancelOrder,
  lookupTestToken,
  type Order,
  type OrderRequest,
  orderAmount,
  payLate,
  refundOrder,
  type Transition,
} from '../../local/conekta-sandbox/orders.js';
import { matchesSearch, paginate } from '../../local/conekta-sandbox/paging.js';
import { orderForRelease } from '../../local/conekta-sandbox/webhook-delivery.js';
import {
  buildEvent,
  keyPairFromPem,
  previousAttributes,
  signBody,
  signConektaDigest,
} from '../../local/conekta-sandbox/webhooks.js';

const { contract } = getContract();
const NOW = 1_800_000_000;
const request: OrderRequest = {
  currency: 'MXN',
  customer_info: { name: 'Ana', email: 'ana@example.com', phone: '5512345678' },
  line_items: [
    { name: 'Taza', unit_price: 10_000, quantity: 2 },
    { name: 'Plato', unit_price: 5_000, quantity: 1 },
  ],
  shipping_lines: [{ amount: 1_500 }],
  tax_lines: [{ amount: 500, description: 'IVA' }],
  discount_lines: [{ amount: 2_000, code: 'X', type: 'coupon' }],
  metadata: { internal_order_id: 'A-9', attempt: 2 },
  checkout: { type: 'HostedPayment', name: 'Pedido', success_url: 'https://shop.example.com/ok' },
};
const newOrder = () => buildOrder(request, 'http://sandbox.test', { now: NOW, livemode: false });
const expectValidOrder = (order: Order) => expect(contract.checkSchema('order_response', order)).toEqual([]);

describe('orders', () => {
  test('amount = items + shipping + tax - discounts', () => {
    expect(orderAmount(request)).toBe(25_000 + 1_500 + 500 - 2_000);
  });

  test('a new hosted order is spec-valid, unpaid and links to the sandbox checkout page', () => {
    const order = newOrder();
    expectValidOrder(order);
    expect(order.payment_status).toBeUndefined();
    expect(order.checkout).toMatchObject({ status: 'Issued', expires_at: NOW + 7 * 86_400, starts_at: NOW });
    expect(order.checkout?.url).toBe(`http://sandbox.test/checkout/${order.checkout?.slug}`);
    expect(order.tax_lines?.data?.[0]).toMatchObject({
      amount: 500,
      description: 'IVA',
      parent_id: order.id,
    });
  });

  test('exclude_card_networks visa_master_card maps to the response enum', () => {
    const order = buildOrder(
      {
        ...request,
        checkout: { type: 'HostedPayment', exclude_card_networks: ['visa_master_card', 'amex'] },
      },
      'http://sandbox.test',
      { now: NOW, livemode: false },
    );
    expect(order.checkout?.exclude_card_networks).toEqual(['visa', 'mastercard', 'amex']);
    expectValidOrder(order);
  });

  test('checkout without type, or with both allowed and excluded methods, is a 422', () => {
    expect(() =>
      buildOrder({ ...request, checkout: { name: 'x' } }, 'http://s', { now: NOW, livemode: false }),
    ).toThrow(/checkout.type/);
    expect(() =>
      buildOrder(
        {
          ...request,
          checkout: {
            type: 'HostedPayment',
            allowed_payment_methods: ['card'],
            excluded_payment_methods: ['cash'],
          },
        },
        'http://s',
        { now: NOW, livemode: false },
      ),
    ).toThrow(/mutually exclusive/);
  });

  const run = (steps: Transition[]) => {
    let order = newOrder();
    const events: string[] = [];
    steps.forEach((step, i) => {
      const result = applyTransition(order, step, { now: NOW + i });
      order = result.order;
      events.push(result.event);
      expectValidOrder(order);
    });
    return { order, events };
  };

  test.each([
    [['pay_card'], 'paid', ['order.paid']],
    [['pay_cash_pending', 'confirm_cash'], 'paid', ['order.pending_payment', 'order.paid']],
    [['decline', 'pay_card'], 'paid', ['order.declined', 'order.paid']],
    [['decline', 'pay_cash_pending'], 'pending_payment', ['order.declined', 'order.pending_payment']],
    [['pay_cash_pending', 'expire'], 'expired', ['order.pending_payment', 'order.expired']],
  ] as [Transition[], string, string[]][])('%j -> %s', (steps, status, events) => {
    const result = run(steps);
    expect(result.order.payment_status).toBe(status);
    expect(result.events).toEqual(events);
  });

  test.each([
    [['pay_card'], 'pay_card'],
    [['pay_card'], 'expire'],
    [['expire'], 'pay_card'],
    [[], 'confirm_cash'],
    [['pay_cash_pending'], 'decline'],
  ] as [Transition[], Transition][])('after %j, %s is refused with 409', (steps, impossible) => {
    const { order } = run(steps);
    expect(() => applyTransition(order, impossible, { now: NOW })).toThrow(SandboxControlError);
    try {
      applyTransition(order, impossible, { now: NOW });
    } catch (error) {
      expect((error as SandboxControlError).status).toBe(409);
    }
  });

  test('updated_at never goes backwards, even if the clock does', () => {
    const order = newOrder();
    const paid = applyTransition(order, 'pay_card', { now: NOW + 100 }).order;
    const refunded = refundOrder(paid, 100, { now: NOW - 1_000 }).order;
    expect(paid.updated_at).toBe(NOW + 100);
    expect(refunded.updated_at).toBe(NOW + 100);
  });

  test('cancel: unpaid, declined and expired orders only', () => {
    expect(cancelOrder(newOrder(), { now: NOW })).toMatchObject({
      order: { payment_status: 'canceled' },
      event: 'order.canceled',
    });
    expect(cancelOrder(run(['decline']).order, { now: NOW })).toMatchObject({ event: 'order.canceled' });
    expect(cancelOrder(run(['expire']).order, { now: NOW })).toMatchObject({ event: 'order.canceled' });
    expect(cancelOrder(run(['pay_card']).order, { now: NOW })).toEqual({ refused: 'hasCharge' });
    expect(cancelOrder(run(['pay_cash_pending']).order, { now: NOW })).toEqual({ refused: 'hasCharge' });
    const canceled = cancelOrder(newOrder(), { now: NOW });
    if ('refused' in canceled) throw new Error('expected a cancel');
    expect(cancelOrder(canceled.order, { now: NOW })).toEqual({ refused: 'alreadyCanceled' });
  });

  test('refunds accumulate on the paid charge', () => {
    const paid = run(['decline', 'pay_card']).order;
    const partial = refundOrder(paid, 1_000, { now: NOW });
    expect(partial.event).toBe('order.partially_refunded');
    expect(partial.order.charges?.data?.map((c) => c.status)).toEqual(['declined', 'partially_refunded']);
    const full = refundOrder(partial.order, paid.amount - 1_000, { now: NOW });
    expect(full.event).toBe('order.refunded');
    expect(full.order).toMatchObject({
      payment_status: 'refunded',
      amount_refunded: paid.amount,
      is_refundable: false,
    });
    expect(full.order.charges?.data?.[1]?.refunds?.data?.map((r) => r.amount)).toEqual([
      1_000,
      paid.amount - 1_000,
    ]);
    expectValidOrder(full.order);
  });

  test('test tokens, with optional suffix', () => {
    expect(lookupTestToken('tok_test_visa_4242')).toMatchObject({ last4: '4242', outcome: 'paid' });
    expect(lookupTestToken('tok_test_visa_4242_run7')).toMatchObject({ last4: '4242' });
    expect(lookupTestToken('tok_test_card_declined')).toMatchObject({ outcome: 'card_declined' });
    expect(lookupTestToken('tok_test_visa_42420')).toBeUndefined();
    expect(lookupTestToken('tok_live_123')).toBeUndefined();
  });
});

describe('search and paging', () => {
  test('search matches order id, metadata values and email exactly, case-insensitively', () => {
    const order = newOrder();
    expect(matchesSearch(order, 'a-9')).toBe(true);
    expect(matchesSearch(order, '2')).toBe(true);
    expect(matchesSearch(order, order.id)).toBe(true);
    expect(matchesSearch(order, 'ANA@example.com')).toBe(true);
    expect(matchesSearch(order, 'A-')).toBe(false);
  });

  test('search modes: documented ignores metadata, ignored matches anything', () => {
    const order = newOrder();
    const withSku = {
      ...order,
      line_items: { ...order.line_items, data: [{ ...order.line_items?.data?.[0], sku: 'SKU-1' }] },
    } as Order;
    expect(matchesSearch(order, 'a-9', 'documented')).toBe(false);
    expect(matchesSearch(order, 'ana@example.com', 'documented')).toBe(true);
    expect(matchesSearch(order, order.id, 'documented')).toBe(true);
    expect(matchesSearch(withSku, 'sku-1', 'documented')).toBe(true);
    expect(matchesSearch(withSku, 'sku-1', 'metadata')).toBe(false);
    expect(matchesSearch(order, 'anything at all', 'ignored')).toBe(true);
  });

  test('paginate: limit, next and previous cursors', () => {
    const items = ['e', 'd', 'c', 'b', 'a'].map((id) => ({ id }));
    const first = paginate(items, { limit: 2 }, 'http://s/orders');
    expect(first).toEqual({
      object: 'list',
      has_more: true,
      data: [{ id: 'e' }, { id: 'd' }],
      next_page_url: 'http://s/orders?limit=2&next=d',
    });
    const second = paginate(items, { limit: 2, next: 'd' }, 'http://s/orders');
    expect(second.data).toEqual([{ id: 'c' }, { id: 'b' }]);
    expect(second.previous_page_url).toBe('http://s/orders?limit=2&previous=c');
    expect(paginate(items, { limit: 2, previous: 'c' }, 'http://s/orders').data).toEqual([
      { id: 'e' },
      { id: 'd' },
    ]);
    expect(paginate(items, { limit: 2, next: 'b' }, 'http://s/orders')).toMatchObject({
      has_more: false,
      data: [{ id: 'a' }],
    });
    expect(paginate(items, { limit: 2, next: 'zz' }, 'http://s/orders').data).toEqual([]);
  });

  test('paginate: a cursor outside the filtered items is placed by the full sequence', () => {
    const sequence = ['e', 'd', 'c', 'b', 'a'];
    const filtered = [{ id: 'e' }, { id: 'b' }, { id: 'a' }];
    expect(paginate(filtered, { limit: 5, next: 'd' }, 'u', sequence).data).toEqual([
      { id: 'b' },
      { id: 'a' },
    ]);
    expect(paginate(filtered, { limit: 5, previous: 'c' }, 'u', sequence).data).toEqual([{ id: 'e' }]);
    expect(paginate(filtered, { limit: 1, previous: 'a' }, 'u', sequence).data).toEqual([{ id: 'b' }]);
  });
});

describe('webhook events and signatures', () => {
  test('previous_attributes lists the changed fields with their old values', () => {
    const order = newOrder();
    const paid = applyTransition(order, 'pay_card', { now: NOW + 5 }).order;
    const previous = previousAttributes(order, paid);
    expect(previous).toMatchObject({ payment_status: null, is_refundable: false, updated_at: NOW });
    expect(previous).not.toHaveProperty('id');
    expect(previousAttributes(undefined, order)).toEqual({});
  });

  test('events are spec-valid', () => {
    const order = newOrder();
    const event = buildEvent('order.created', order, undefined, NOW);
    expect(contract.checkSchema('event_response', event)).toEqual([]);
  });

  test('signBody is RSA-SHA256 PKCS#1 v1.5 in base64; PEMs with escaped newlines load', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    const pair = keyPairFromPem(pem.replace(/\n/g, '\\n'));
    const body = Buffer.from('{"a":1}');
    const digest = signBody(body, pair.privateKey);
    expect(verify('sha256', body, pair.publicKeyPem, Buffer.from(digest, 'base64'))).toBe(true);
    expect(verify('sha256', Buffer.from('{"a":2}'), pair.publicKeyPem, Buffer.from(digest, 'base64'))).toBe(
      false,
    );
    expect(() => keyPairFromPem('not a key')).toThrow(/not a usable RSA PEM/);
  });

  test('signConektaDigest: every form and encoding verifies with the service, as that form', () => {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const keys = parseWebhookPublicKeys(publicKey.export({ type: 'spki', format: 'pem' }).toString());
    const body = Buffer.from('{"type":"order.paid","id":"e1"}');
    for (const form of ['pkcs1-sha256', 'rsa-encrypted-hex-sha256', 'rsa-encrypted-raw-sha256'] as const) {
      for (const encoding of ['base64', 'base64url', 'url-encoded-base64'] as const) {
        const digest = signConektaDigest(body, pem, { form, encoding });
        expect(verifyConektaDigest(body, digest, keys)).toEqual({ ok: true, form, encoding });
        expect(verifyConektaDigest(Buffer.from('{}'), digest, keys).ok).toBe(false);
      }
    }
    expect(signConektaDigest(body.toString(), privateKey)).toBe(signBody(body, privateKey));
  });

  test('release orders', () => {
    expect(orderForRelease([1, 2, 3], 'fifo')).toEqual([1, 2, 3]);
    expect(orderForRelease([1, 2, 3], 'reverse')).toEqual([3, 2, 1]);
    expect(orderForRelease([1, 2, 3, 4, 5], 'shuffled').sort()).toEqual([1, 2, 3, 4, 5]);
  });
});

describe('faults and options', () => {
  test('request faults are taken one at a time: drop, then hang, then fail', () => {
    let faults = { ...DEFAULT_FAULTS, fail_next: 1, hang_next: 1, drop_next: 1 };
    const taken: (string | undefined)[] = [];
    for (let i = 0; i < 4; i++) {
      const { fault, next } = takeRequestFault(faults);
      taken.push(fault);
      faults = next;
    }
    expect(taken).toEqual(['drop', 'hang', 'fail', undefined]);
  });

  test('fault_match: only the named operation takes request faults', () => {
    const faults = { ...DEFAULT_FAULTS, fail_next: 1, fault_match: 'POST /orders/{id}/refunds' };
    expect(takeRequestFault(faults, 'getOrderById')).toEqual({ next: faults });
    expect(takeRequestFault(faults, undefined)).toEqual({ next: faults });
    expect(takeRequestFault(faults, 'orderRefund')).toMatchObject({ fault: 'fail', next: { fail_next: 0 } });
    expect(matchedOperation('orderRefund')).toBe('orderRefund');
    expect(matchedOperation('get /orders/{id}')).toBe('getOrderById');
    expect(matchedOperation('GET /companies/current')).toBe('getCurrentCompany');
    expect(matchedOperation('GET /orders/ord_1')).toBeUndefined();
    expect(matchedOperation('orderrefund')).toBeUndefined();
  });

  test('faults from env', () => {
    expect(
      faultsFromEnv({
        CONEKTA_SANDBOX_LATENCY_MS: '250',
        CONEKTA_SANDBOX_WEBHOOKS_ENABLED: 'false',
        CONEKTA_SANDBOX_HOLD_WEBHOOKS: '1',
      }),
    ).toEqual({ latency_ms: 250, webhooks_enabled: false, hold_webhooks: true });
    expect(() => faultsFromEnv({ CONEKTA_SANDBOX_FAIL_NEXT: 'many' })).toThrow(/fail_next/);
    expect(
      faultsFromEnv({ CONEKTA_SANDBOX_FAIL_NEXT: '2', CONEKTA_SANDBOX_FAIL_NEXT_STATUS: '422' }),
    ).toEqual({
      fail_next: 2,
      fail_next_status: 422,
    });
    expect(
      faultsFromEnv({
        CONEKTA_SANDBOX_MISFIT_NEXT: 'other_amount, no_metadata',
        CONEKTA_SANDBOX_SEARCH_MODE: 'documented',
        CONEKTA_SANDBOX_TOKEN_REUSE_STATUS: '422',
        CONEKTA_SANDBOX_FAULT_MATCH: 'createOrder',
        CONEKTA_SANDBOX_WEBHOOK_SIGNATURE_FORM: 'rsa-encrypted-hex-sha256',
      }),
    ).toEqual({
      misfit_next: ['other_amount', 'no_metadata'],
      search_mode: 'documented',
      token_reuse_status: 422,
      fault_match: 'createOrder',
      webhook_signature_form: 'rsa-encrypted-hex-sha256',
    });
    expect(() => faultsFromEnv({ CONEKTA_SANDBOX_IDEMPOTENCY: 'yes' })).toThrow(/idempotency must be one of/);
    expect(applyFaultsPatch(DEFAULT_FAULTS, { misfit_next: 'no_metadata' }).misfit_next).toEqual([
      'no_metadata',
    ]);
    expect(applyFaultsPatch(DEFAULT_FAULTS, { latency_ms: 10 })).toEqual({
      ...DEFAULT_FAULTS,
      latency_ms: 10,
    });
  });

  test('options: explicit > env > default', () => {
    const defaults = resolveOptions({ env: {} });
    expect(defaults).toMatchObject({
      port: 0,
      host: '127.0.0.1',
      revokedKeys: ['key_revoked'],
      webhookTimeoutMs: 5000,
      defaultWebhookUrls: [],
      validateResponses: true,
      hostAliases: {},
      faults: DEFAULT_FAULTS,
    });
    expect(defaults.webhookRetryScheduleMs).toHaveLength(13);
    const total = defaults.webhookRetryScheduleMs.reduce((a, b) => a + b, 0);
    expect(total / 3_600_000).toBeGreaterThan(20);
    expect(total / 3_600_000).toBeLessThan(26);

    const env = {
      CONEKTA_SANDBOX_WEBHOOK_URLS: 'http://localhost:3000/webhooks/conekta, http://localhost:4000/x',
      CONEKTA_SANDBOX_WEBHOOK_RETRY_MS: '50,100,200',
      CONEKTA_SANDBOX_WEBHOOK_TIMEOUT_MS: '900',
      CONEKTA_SANDBOX_VALIDATE_RESPONSES: 'false',
      CONEKTA_SANDBOX_HOST_ALIASES: 'hooks.pagos.test=127.0.0.1',
      CONEKTA_SANDBOX_PUBLIC_URL: 'http://localhost:4010/',
    };
    expect(resolveOptions({ env })).toMatchObject({
      defaultWebhookUrls: ['http://localhost:3000/webhooks/conekta', 'http://localhost:4000/x'],
      webhookRetryScheduleMs: [50, 100, 200],
      webhookTimeoutMs: 900,
      validateResponses: false,
      hostAliases: { 'hooks.pagos.test': '127.0.0.1' },
      publicUrl: 'http://localhost:4010',
    });
    expect(resolveOptions({ env, webhookRetryScheduleMs: [1], validateResponses: true })).toMatchObject({
      webhookRetryScheduleMs: [1],
      validateResponses: true,
    });
    expect(() => resolveOptions({ env: { CONEKTA_SANDBOX_WEBHOOK_RETRY_MS: '5,x' } })).toThrow(
      /not a number/,
    );
  });
});

describe('http parsing', () => {
  test('API keys: Bearer or Basic key:, well-formed key_ only', () => {
    expect(parseApiKey('Bearer key_abc_123')).toEqual({ key: 'key_abc_123' });
    expect(parseApiKey(`Basic ${Buffer.from('key_abc:').toString('base64')}`)).toEqual({ key: 'key_abc' });
    expect(parseApiKey(undefined)).toEqual({ problem: 'missing' });
    expect(parseApiKey('Bearer ')).toEqual({ problem: 'malformed' });
    expect(parseApiKey('Bearer key_a-b')).toEqual({ problem: 'malformed' });
    expect(parseApiKey('Bearer pk_test_1')).toEqual({ problem: 'malformed' });
  });

  test('Accept versions', () => {
    expect(acceptedVersion('application/vnd.conekta-v2.3.0+json')).toBe(3);
    expect(acceptedVersion('application/json, application/vnd.conekta-v2.2.0+json;q=0.9')).toBe(2);
    expect(acceptedVersion('application/vnd.conekta-v2.3.1+json')).toBeUndefined();
    expect(acceptedVersion(undefined)).toBeUndefined();
  });

  test('path templates', () => {
    expect(matchPath('/orders/{id}/cancel', '/orders/ord_1/cancel')).toEqual({ id: 'ord_1' });
    expect(matchPath('/orders/{id}', '/orders/ord_1/cancel')).toBeUndefined();
  });
});

describe('checkout page helpers', () => {
  test('pesos with 2 decimals and thousands separators', () => {
    expect(formatPesos(123_456_789)).toBe('$1,234,567.89');
    expect(formatPesos(5)).toBe('$0.05');
    expect(formatPesos(100)).toBe('$1.00');
  });

  test('escapeHtml', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  test('buttons per state', () => {
    const order = newOrder();
    expect(availableActions(order)).toEqual(['pay_card', 'decline', 'pay_cash_pending', 'expire']);
    expect(availableActions(applyTransition(order, 'pay_cash_pending', { now: NOW }).order)).toEqual([
      'confirm_cash',
      'expire',
    ]);
    expect(availableActions(applyTransition(order, 'pay_card', { now: NOW }).order)).toEqual([]);
  });
});

describe('misfits and late payments', () => {
  test('each misfit kind alters only the answer, and only when it can', () => {
    const order = newOrder();
    expect(misfitAnswer(order, 'other_order_id', 'ord_other')).toMatchObject({
      id: 'ord_other',
      amount: order.amount,
    });
    expect(misfitAnswer(order, 'other_amount', 'x')?.amount).toBe(order.amount === 10_000 ? 20_000 : 10_000);
    expect(misfitAnswer({ ...order, amount: 10_000 }, 'other_amount', 'x')?.amount).toBe(20_000);
    expect(misfitAnswer(order, 'other_currency', 'x')?.currency).toBe('USD');
    expect(misfitAnswer({ ...order, currency: 'USD' }, 'other_currency', 'x')?.currency).toBe('MXN');
    expect(misfitAnswer(order, 'no_checkout_url', 'x')?.checkout).not.toHaveProperty('url');
    expect(misfitAnswer(order, 'no_metadata', 'x')).not.toHaveProperty('metadata');
    const { checkout: _checkout, ...noCheckout } = order;
    expect(misfitAnswer(noCheckout, 'no_checkout_url', 'x')).toBeUndefined();
    expect(misfitAnswer({ object: 'list', data: [order] }, 'other_amount', 'x')).toBeUndefined();
    expect(misfitAnswer({ object: 'error' }, 'other_amount', 'x')).toBeUndefined();
    for (const kind of [
      'other_order_id',
      'other_amount',
      'other_currency',
      'no_checkout_url',
      'no_metadata',
    ] as const) {
      const altered = misfitAnswer(order, kind, 'ord_2zbhesToa1DAgNbP6');
      if (altered) expectValidOrder(altered);
    }
    expect(order.metadata).toEqual(request.metadata); // the input is untouched
  });

  test('payLate: expired or canceled only; a cash voucher is paid in place', () => {
    const clock = { now: NOW + 10 };
    const pending = applyTransition(newOrder(), 'pay_cash_pending', { now: NOW }).order;
    const expired = applyTransition(pending, 'expire', { now: NOW + 1 }).order;
    const late = payLate(expired, 'cash', clock);
    expect(late.event).toBe('order.paid');
    expectValidOrder(late.order);
    expect(late.order.charges?.data).toHaveLength(1);
    expect(late.order.charges?.data?.[0]).toMatchObject({ status: 'paid', paid_at: NOW + 10 });
    const canceled = cancelOrder(newOrder(), clock);
    if (!('order' in canceled)) throw new Error('not canceled');
    expect(payLate(canceled.order, 'card', clock).order.charges?.data?.[0]).toMatchObject({
      status: 'paid',
      payment_method: expect.objectContaining({ object: 'card_payment' }),
    });
    expect(() => payLate(newOrder(), 'cash', clock)).toThrow(SandboxControlError);
    expect(() => payLate(late.order, 'cash', clock)).toThrow(/needs expired or canceled/);
  });
});
