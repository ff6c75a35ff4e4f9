/**
 * lib/payments/pagos-request.ts and list.ts through the whole domain: the envelope every POST
 * /pagos passes first, what `create` and `charge` send the provider, and the `list` and
 * `signing_secret` actions.
 */

import { lineItemName, requestLogKeys, SUPPORTED_ACTIONS } from '../../lib/payments/pagos-request.js';
import type { CardChargeOrder, HostedCheckoutOrder } from '../../lib/payments/ports.js';
import { InvalidCursorError } from '../../lib/payments/ports.js';
import { chargeBody, createBody, createDomain, SECRET } from '../support/domain.js';

describe('the envelope', () => {
  it.each([[null], ['text'], [[]], [42]])('refuses a body that is no JSON object (%p)', async (body) => {
    const d = createDomain();
    await expect(
      (await import('../../lib/payments/pagos-request.js')).handlePagosRequest(d.services, body, {
        sourceIp: 'x',
        deadline: Date.now() + 5_000,
      }),
    ).rejects.toMatchObject({
      status: 400,
      code: 'invalid_request',
      message: 'The request body must be a JSON object.',
    });
  });

  it('refuses an unknown provider, naming the supported ones', async () => {
    const d = createDomain();
    for (const provider of ['stripe', 'toString', 3]) {
      expect(await d.answer({ ...createBody(), provider })).toEqual({
        status: 400,
        code: 'unsupported_provider',
        body: {
          message: 'provider must be one of: fake.',
          details: [{ field: 'provider', message: 'must be one of: fake' }],
        },
      });
    }
  });

  it('refuses an unknown action, naming the supported ones', async () => {
    const d = createDomain();
    const supported = 'create, charge, status, refund, cancel, list, signing_secret';
    expect(SUPPORTED_ACTIONS.join(', ')).toBe(supported);
    for (const action of ['pay', undefined, 'CREATE']) {
      expect(await d.answer({ ...createBody(), action })).toEqual({
        status: 400,
        code: 'unsupported_action',
        body: {
          message: `action must be one of: ${supported}.`,
          details: [{ field: 'action', message: `must be one of: ${supported}` }],
        },
      });
    }
  });

  it('refuses raw card data and deep nesting before anything else', async () => {
    const d = createDomain();
    expect(await d.answer({ ...chargeBody(), card: { number: '4242424242424242' } })).toMatchObject({
      status: 400,
      code: 'raw_card_not_allowed',
    });
    let deep: unknown = 1;
    for (let i = 0; i < 40; i += 1) deep = { deep };
    expect(await d.answer({ ...createBody(), provider: 'stripe', metadata: deep })).toMatchObject({
      status: 400,
      code: 'invalid_request',
    });
    expect(d.provider.calls.resolve).toBe(0);
  });

  it('refuses a bad body before admitting the key: no provider call for a stranger', async () => {
    const d = createDomain();
    expect(await d.answer(createBody({ amount: 'lots' }))).toMatchObject({ status: 400 });
    expect(d.provider.calls.resolve).toBe(0);
  });
});

describe('requestLogKeys and lineItemName', () => {
  it('logs the action and reference when they are plausible', () => {
    expect(requestLogKeys({ action: 'create', reference_id: 'pedido-1' })).toEqual({
      action: 'create',
      reference_id: 'pedido-1',
    });
    expect(requestLogKeys({ action: 'a'.repeat(32), reference_id: 'r'.repeat(249) })).toEqual({
      action: 'a'.repeat(32),
      reference_id: 'r'.repeat(249),
    });
    expect(requestLogKeys({ action: 'a'.repeat(33), reference_id: 'r'.repeat(250) })).toEqual({});
    expect(requestLogKeys({ action: 1, reference_id: ['x'] })).toEqual({});
    expect(requestLogKeys('x')).toEqual({});
    expect(requestLogKeys(null)).toEqual({});
  });

  it('names a line item after the reference, "Pedido <ref>" under 3 characters', () => {
    expect(lineItemName('abc')).toBe('abc');
    expect(lineItemName('ab')).toBe('Pedido ab');
  });
});

describe('what create and charge send the provider', () => {
  it('a link: the buyer as one name, the default phone, one line item, the metadata, the expiry in days', async () => {
    const d = createDomain();
    let sent: HostedCheckoutOrder | undefined;
    const original = d.provider.createHostedCheckout;
    d.provider.createHostedCheckout = (c, order) => {
      sent = order;
      return original(c, order);
    };
    const body = createBody({
      reference_id: 'pedido-9',
      amount: 10.5,
      expires_in_days: 2,
      metadata: { canal: 'web' },
    });
    const now = d.clock.now;
    const result = await d.pagos(body);
    expect(sent).toMatchObject({
      amountCents: 1_050,
      currency: 'MXN',
      customer: { name: 'andres jaro', email: 'andres@example.com', phone: '5555555555' },
      lineItems: [{ name: 'pedido-9', unitPriceCents: 1_050, quantity: 1 }],
      metadata: { canal: 'web' },
      returnUrl: 'https://shop.example.com/back',
      expiresAt: Math.floor(now / 1000) + 2 * 86_400,
      allowedPaymentMethods: ['card', 'cash', 'bank_transfer'],
      monthlyInstallments: false,
      idempotencyKey: expect.stringMatching(/^pagos-/),
      deadline: now + 20_000,
    });
    expect(sent!.tag).toMatchObject({ referenceId: 'pedido-9', merchant: 'fake:acct_key_merchant_one:test' });
    expect(result).toMatchObject({
      action: 'create',
      referenceId: 'pedido-9',
      orderId: 'ord_fake_1',
      replayed: false,
    });
  });

  it('a charge: the token, the buyer’s own phone and line items, no metadata but the tag', async () => {
    const d = createDomain();
    let sent: CardChargeOrder | undefined;
    const original = d.provider.chargeCard;
    d.provider.chargeCard = (c, order) => {
      sent = order;
      return original(c, order);
    };
    await d.pagos(
      chargeBody({
        amount: 300,
        phone: '5512345678',
        line_items: [{ name: 'Taza', unit_price: 100, quantity: 3 }],
      }),
    );
    expect(sent).toMatchObject({
      tokenId: 'tok_test_visa_4242',
      amountCents: 30_000,
      customer: { phone: '5512345678' },
      lineItems: [{ name: 'Taza', unitPriceCents: 10_000, quantity: 3 }],
      metadata: {},
    });
    expect(sent).not.toHaveProperty('expiresAt');
    expect(sent).not.toHaveProperty('returnUrl');
  });

  it('keeps the link’s expiry on its attempt, so an unstarted link past it is closed', async () => {
    const d = createDomain();
    const body = createBody({ expires_in_days: 1 });
    const now = d.clock.now;
    await d.pagos(body);
    const merchant = [...d.services.memory.values()][0]!.merchant.id;
    const record = (await d.store.get(merchant, body.reference_id as string))!;
    expect(Object.values(record.attempts)[0]!.expiresAt).toBe(Math.floor(now / 1000) + 86_400);
    expect(record.notificationUrl).toBe('https://shop.example.com/notify');
  });

  it('sends the same request identity whatever "replace" says, so replace alone is no new request', async () => {
    const d = createDomain();
    const body = createBody();
    await d.pagos(body);
    expect(await d.pagos({ ...body, replace: true })).toMatchObject({
      replayed: true,
      orderId: 'ord_fake_1',
    });
    expect(d.provider.calls.create).toBe(1);
  });

  it('a charge is no link: the same fields as a link make another request', async () => {
    const d = createDomain();
    const body = chargeBody();
    await d.pagos(body);
    const merchant = [...d.services.memory.values()][0]!.merchant.id;
    expect(Object.values((await d.store.get(merchant, body.reference_id as string))!.attempts)[0]!.kind).toBe(
      'charge',
    );
  });
});

describe('status and cancel: what they answer', () => {
  it('status answers the payment and the order, and names the order', async () => {
    const d = createDomain();
    const body = createBody();
    await d.pagos(body);
    const answer = await d.pagos({ action: 'status', secret: SECRET, reference_id: body.reference_id });
    expect(answer).toMatchObject({ action: 'status', referenceId: body.reference_id, orderId: 'ord_fake_1' });
    expect(answer.body).toEqual({
      payment: expect.objectContaining({ order_id: 'ord_fake_1' }),
      order: expect.objectContaining({ id: 'ord_fake_1' }),
    });
  });

  it('cancel answers the canceled order', async () => {
    const d = createDomain();
    const body = createBody();
    await d.pagos(body);
    const answer = await d.pagos({ action: 'cancel', secret: SECRET, reference_id: body.reference_id });
    expect(answer).toMatchObject({
      action: 'cancel',
      referenceId: body.reference_id,
      orderId: 'ord_fake_1',
      body: { payment_status: 'canceled' },
    });
  });
});

describe('list', () => {
  it('answers the merchant’s payments newest change first, page by page', async () => {
    const d = createDomain();
    const made: string[] = [];
    for (let i = 0; i < 3; i += 1) {
      const body = createBody({ metadata: { n: String(i) } });
      await d.pagos(body);
      made.push(body.reference_id as string);
      d.clock.advance(1_000);
    }
    const first = await d.pagos({ action: 'list', secret: SECRET, limit: 2 });
    const page = first.body as {
      merchant: string;
      livemode: boolean;
      payments: Record<string, unknown>[];
      next_cursor: string | null;
    };
    expect(page.merchant).toBe('fake:acct_key_merchant_one:test');
    expect(page.livemode).toBe(false);
    expect(page.payments.map((p) => p.reference_id)).toEqual([made[2], made[1]]);
    expect(page.payments[0]).toEqual({
      reference_id: made[2],
      status: 'created',
      order_id: 'ord_fake_3',
      order_ids: ['ord_fake_3'],
      amount: '1000.00',
      amount_cents: 100_000,
      amount_refunded_cents: 0,
      currency: 'MXN',
      livemode: false,
      paid_at: null,
      metadata: { n: '2' },
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });
    const second = await d.pagos({ action: 'list', secret: SECRET, limit: 2, cursor: page.next_cursor });
    const rest = second.body as typeof page;
    expect(rest.payments.map((p) => p.reference_id)).toEqual([made[0]]);
    expect(rest.next_cursor).toBeNull();
  });

  it('filters by status and since, and flags payments paid twice or late', async () => {
    const d = createDomain();
    const body = createBody();
    await d.pagos(body);
    await d.pagos(createBody());
    d.provider.setStatus('ord_fake_1', 'expired');
    await d.pagos({ action: 'status', secret: SECRET, reference_id: body.reference_id });
    d.provider.setStatus('ord_fake_1', 'paid');
    const since = new Date(d.clock.now).toISOString();
    await d.pagos({ action: 'status', secret: SECRET, reference_id: body.reference_id });
    const paid = (await d.pagos({ action: 'list', secret: SECRET, status: 'paid', since })).body as {
      payments: Record<string, unknown>[];
    };
    expect(paid.payments).toEqual([
      expect.objectContaining({
        reference_id: body.reference_id,
        status: 'paid',
        late: true,
        paid_at: expect.any(Number),
      }),
    ]);
    expect(paid.payments[0]).not.toHaveProperty('paid_twice');
    const future = new Date(d.clock.now + 60_000).toISOString();
    expect(
      ((await d.pagos({ action: 'list', secret: SECRET, since: future })).body as { payments: unknown[] })
        .payments,
    ).toEqual([]);
  });

  it('answers 400 for a cursor it did not give out, and passes on other store failures', async () => {
    const d = createDomain();
    await d.pagos(createBody());
    expect(await d.answer({ action: 'list', secret: SECRET, cursor: 'bm90LWEtbnVtYmVy' })).toMatchObject({
      status: 400,
      code: 'invalid_request',
      body: { details: [{ field: 'cursor', message: 'is not a cursor of this list' }] },
    });
    d.store.listChanged = async () => {
      throw new InvalidCursorError('x');
    };
    expect((await d.answer({ action: 'list', secret: SECRET })).status).toBe(400);
    d.store.listChanged = async () => {
      throw new RangeError('table gone');
    };
    await expect(d.pagos({ action: 'list', secret: SECRET })).rejects.toThrow('table gone');
  });

  it('passes only the filters asked for to the store', async () => {
    const d = createDomain();
    const queries: unknown[] = [];
    const original = d.store.listChanged;
    d.store.listChanged = (merchant, query) => {
      queries.push(query);
      return original(merchant, query);
    };
    await d.pagos({ action: 'list', secret: SECRET });
    await d.pagos({
      action: 'list',
      secret: SECRET,
      limit: 5,
      status: 'paid',
      since: '2026-12-01T00:00:00Z',
      cursor: 'MA',
    });
    expect(queries).toEqual([
      { limit: 50 },
      { limit: 5, since: Date.parse('2026-12-01T00:00:00Z'), status: 'paid', cursor: 'MA' },
    ]);
  });
});

describe('signing_secret', () => {
  it('answers the merchant’s secrets, and rotates on request', async () => {
    const d = createDomain();
    const first = (await d.pagos({ action: 'signing_secret', secret: SECRET })).body as {
      merchant: string;
      signing_secrets: { id: string }[];
    };
    expect(first.merchant).toBe('fake:acct_key_merchant_one:test');
    expect(first.signing_secrets).toHaveLength(1);
    const rotated = (
      await d.pagos({ action: 'signing_secret', secret: SECRET, rotate: true, grace_hours: 1 })
    ).body as {
      signing_secrets: { id: string; expires_at: string | null }[];
    };
    expect(rotated.signing_secrets.map((s) => s.id)[1]).toBe(first.signing_secrets[0]!.id);
    expect(rotated.signing_secrets[1]!.expires_at).toBe(new Date(d.clock.now + 3_600_000).toISOString());
  });
});

describe('more than one provider, and payments paid twice', () => {
  it('names every registered provider when the one asked for is not', async () => {
    const d = createDomain();
    d.services.providers = { ...d.services.providers, other: { ...d.provider, name: 'other' } };
    expect(await d.answer({ ...createBody(), provider: 'stripe' })).toMatchObject({
      status: 400,
      body: { message: 'provider must be one of: fake, other.' },
    });
  });

  it('flags a payment paid twice in the list', async () => {
    const d = createDomain();
    const body = createBody();
    await d.pagos(body);
    await d.pagos({ ...body, amount: 2, replace: true });
    d.provider.setStatus('ord_fake_2', 'paid');
    d.provider.setStatus('ord_fake_1', 'paid');
    await d.pagos({ action: 'status', secret: SECRET, reference_id: body.reference_id });
    const page = (await d.pagos({ action: 'list', secret: SECRET })).body as {
      payments: Record<string, unknown>[];
    };
    expect(page.payments[0]).toMatchObject({ reference_id: body.reference_id, paid_twice: true });
  });
});
