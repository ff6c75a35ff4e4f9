/**
 * lib/providers/conekta/mapping.ts: every Conekta payment status and order event type to Pagos's
 * status model, exhaustively (a status whose money did not move must never read as paid), and
 * what Pagos sends, reads and keeps of Conekta's orders and events.
 */
import type { CardChargeOrder, HostedCheckoutOrder } from '../../lib/payments/ports.js';
import type { PaymentStatus } from '../../lib/payments/status.js';
import { isMoneyStatus } from '../../lib/payments/status.js';
import {
  CONEKTA_ORDER_EVENTS,
  CONEKTA_PAYMENT_STATUSES,
  type ConektaOrder,
  cardChargeRequest,
  chargeDetails,
  checkoutReturnUrl,
  eventStatus,
  hostedCheckoutRequest,
  isReservedMetadataKey,
  publicOrderBody,
  readConektaEvent,
  readTag,
  refundsOf,
  STATUS_MAP,
  selfReferencesOf,
  toPaymentStatus,
  toProviderOrder,
} from '../../lib/providers/conekta/mapping.js';

/**
 * What each Conekta payment_status means for Pagos (notes/conekta-api.md 1.5, docs/design.md 4):
 * money moved only for paid and what follows it; fraud stops and voids are no payment.
 */
const EXPECTED_STATUS: Record<string, PaymentStatus> = {
  pending_payment: 'pending_payment',
  paid: 'paid',
  declined: 'declined',
  expired: 'expired',
  canceled: 'canceled',
  refunded: 'refunded',
  partially_refunded: 'partially_refunded',
  charged_back: 'charged_back',
  // Pagos never pre-authorizes: the money is not the merchant's yet.
  pre_authorized: 'pending_payment',
  // A voided authorization is an order closed without money.
  voided: 'canceled',
  // Conekta stopped the charge as fraud: no money moved, the buyer may try another card.
  fraudulent: 'declined',
  // Still being looked at: not paid until Conekta says so.
  under_fraud_review: 'pending_payment',
};

/** The status an order event implies when the order it embeds has no payment_status yet. */
const EXPECTED_EVENT_STATUS: Record<string, PaymentStatus | undefined> = {
  'order.created': 'created',
  'order.pending_payment': 'pending_payment',
  'order.paid': 'paid',
  'order.declined': 'declined',
  'order.expired': 'expired',
  'order.canceled': 'canceled',
  'order.refunded': 'refunded',
  'order.partially_refunded': 'partially_refunded',
  'order.charged_back': 'charged_back',
  'order.voided': 'canceled',
  'order.pre_authorized': 'pending_payment',
  'order.fraudulent': 'declined',
  'order.under_fraud_review': 'pending_payment',
  // Says nothing about the status by its type.
  'order.updated': undefined,
};

const MONEY_MOVED = new Set(['paid', 'refunded', 'partially_refunded', 'charged_back']);

describe('Conekta payment_status -> Pagos status', () => {
  it('knows exactly the statuses this table specifies', () => {
    expect([...CONEKTA_PAYMENT_STATUSES].sort()).toEqual(Object.keys(EXPECTED_STATUS).sort());
    expect(Object.keys(STATUS_MAP).sort()).toEqual(Object.keys(EXPECTED_STATUS).sort());
  });

  it.each(Object.entries(EXPECTED_STATUS))('%s -> %s', (conekta, ours) => {
    expect(STATUS_MAP[conekta as keyof typeof STATUS_MAP]).toBe(ours);
    expect(toPaymentStatus(conekta)).toBe(ours);
  });

  it.each(CONEKTA_PAYMENT_STATUSES.map((s) => [s]))('%s reads as money moved only when it did', (conekta) => {
    expect(isMoneyStatus(toPaymentStatus(conekta)!)).toBe(MONEY_MOVED.has(conekta));
  });

  it.each([null, undefined, ''])(
    'a fresh hosted checkout without payment_status (%p) is created',
    (value) => {
      expect(toPaymentStatus(value)).toBe('created');
    },
  );

  it.each(['authorized', 'PAID', 'Paid', ' paid', 'toString', '__proto__', 'constructor'])(
    'an unknown status %p is unknown (kept raw), never guessed',
    (value) => {
      expect(toPaymentStatus(value)).toBeUndefined();
    },
  );
});

const orderObject = (overrides: Record<string, unknown> = {}) => ({
  id: 'ord_2abc',
  object: 'order',
  amount: 10_000,
  currency: 'MXN',
  livemode: false,
  payment_status: null as string | null,
  created_at: 1_800_000_000,
  updated_at: 1_800_000_100,
  metadata: { reference_id: 'pedido-1', pagos_merchant: 'conekta:co_1:test', pagos_attempt: 'att_1' },
  ...overrides,
});

const event = (type: string, order: Record<string, unknown> = orderObject(), overrides = {}) => ({
  id: 'evt_123456789012345678901234',
  type,
  data: { object: order },
  ...overrides,
});

const statusOfEvent = (type: string, paymentStatus: string | null) => {
  const reading = readConektaEvent(event(type, orderObject({ payment_status: paymentStatus })));
  if (reading.kind !== 'order') throw new Error(`expected an order event, got ${reading.kind}`);
  return reading.order.status;
};

describe('Conekta order event type -> Pagos status', () => {
  it('knows exactly the event types this table specifies', () => {
    expect(Object.keys(CONEKTA_ORDER_EVENTS).sort()).toEqual(Object.keys(EXPECTED_EVENT_STATUS).sort());
  });

  it.each(Object.entries(EXPECTED_EVENT_STATUS))(
    '%s with no payment_status in its order -> %s',
    (type, ours) => {
      expect(statusOfEvent(type, null)).toBe(ours);
      expect(statusOfEvent(type, '')).toBe(ours);
    },
  );

  it.each(
    Object.keys(EXPECTED_EVENT_STATUS).filter(
      (t) => !['order.expired', 'order.canceled', 'order.voided'].includes(t),
    ),
  )('%s: the order’s own payment_status wins over the type', (type) => {
    for (const [conekta, ours] of Object.entries(EXPECTED_STATUS))
      expect(statusOfEvent(type, conekta)).toBe(ours);
  });

  describe.each([
    ['order.expired', 'expired'],
    ['order.canceled', 'canceled'],
    ['order.voided', 'canceled'],
  ] as const)('closing event %s', (type, closed) => {
    it.each(['pending_payment', 'declined', 'pre_authorized', 'under_fraud_review', 'fraudulent'])(
      `closes an order that still reads unpaid (%s) as ${closed}`,
      (conekta) => {
        expect(statusOfEvent(type, conekta)).toBe(closed);
      },
    );

    it(`closes a fresh order (no payment_status) as ${closed}`, () => {
      expect(eventStatus(type, null)).toBe(closed);
    });

    it.each(['paid', 'partially_refunded', 'refunded', 'charged_back'])(
      'never closes an order whose money moved (%s): the money wins',
      (conekta) => {
        expect(statusOfEvent(type, conekta)).toBe(EXPECTED_STATUS[conekta]);
      },
    );

    it.each(['expired', 'canceled', 'voided'])(
      'keeps an order that reads closed already (%s) as it reads',
      (conekta) => {
        expect(statusOfEvent(type, conekta)).toBe(EXPECTED_STATUS[conekta]);
      },
    );

    it('leaves an unknown payment_status unknown', () => {
      expect(statusOfEvent(type, 'mystery_status')).toBeUndefined();
    });
  });

  it('a fresh order created by an order.created event reads created', () => {
    expect(eventStatus('order.created', null)).toBe('created');
  });
});

describe('readConektaEvent', () => {
  it('reads an order event: id, type, tag and the order snapshot without personal data', () => {
    const order = orderObject({
      payment_status: 'paid',
      livemode: true,
      checkout: { url: 'https://pay.conekta.com/checkout/abc' },
      customer_info: { name: 'Ana', email: 'ana@example.com', phone: '5512345678' },
      amount_refunded: 0,
      charges: {
        data: [
          {
            status: 'paid',
            paid_at: 1_800_000_050,
            payment_method: { object: 'card_payment', brand: 'visa', last4: '4242', name: 'Ana' },
          },
        ],
      },
    });
    const reading = readConektaEvent(event('order.paid', order));
    expect(reading).toEqual({
      kind: 'order',
      eventId: 'evt_123456789012345678901234',
      type: 'order.paid',
      tag: { referenceId: 'pedido-1', merchant: 'conekta:co_1:test', attemptId: 'att_1' },
      order: {
        orderId: 'ord_2abc',
        status: 'paid',
        providerStatus: 'paid',
        updatedAt: 1_800_000_100,
        livemode: true,
        amountCents: 10_000,
        currency: 'MXN',
        checkoutUrl: 'https://pay.conekta.com/checkout/abc',
        paidAt: 1_800_000_050,
        paymentMethod: 'card',
        card: { brand: 'visa', last4: '4242' },
        amountRefundedCents: 0,
        publicBody: expect.any(Object),
      },
    });
    const kept = JSON.stringify(reading.kind === 'order' && reading.order.publicBody);
    expect(kept).not.toContain('ana@example.com');
    expect(kept).not.toContain('"Ana"');
  });

  it('answers a ping as a ping, with its id', () => {
    expect(readConektaEvent({ id: 'evt_ping', type: 'webhook_ping' })).toEqual({
      kind: 'ping',
      eventId: 'evt_ping',
    });
    expect(readConektaEvent({ type: 'webhook_ping' })).toEqual({ kind: 'ping', eventId: '' });
  });

  it('ignores events that are not about orders, naming them in bounded length', () => {
    expect(readConektaEvent({ id: 'evt_1', type: 'charge.paid', data: {} })).toEqual({
      kind: 'ignored',
      eventId: 'evt_1',
      type: 'charge.paid',
    });
    const long = readConektaEvent({ id: 'e'.repeat(500), type: `x.${'t'.repeat(500)}` });
    expect(long).toEqual({ kind: 'ignored', eventId: 'e'.repeat(128), type: `x.${'t'.repeat(62)}` });
    expect(readConektaEvent({ id: 7, type: 8 })).toEqual({ kind: 'ignored', eventId: '', type: '' });
    // A key of Object.prototype is no event type.
    expect(readConektaEvent({ id: 'evt_1', type: 'toString' })).toMatchObject({ kind: 'ignored' });
  });

  it.each([null, undefined, 'text', 42, [], [{ type: 'order.paid' }]])(
    'refuses %p as not a JSON object',
    (value) => {
      expect(readConektaEvent(value)).toEqual({
        kind: 'malformed',
        reason: 'The event is not a JSON object.',
      });
    },
  );

  it.each([
    ['no data', { id: 'evt_1', type: 'order.paid' }],
    ['no object', { id: 'evt_1', type: 'order.paid', data: {} }],
    ['an object that is not one', { id: 'evt_1', type: 'order.paid', data: { object: 'ord_1' } }],
    ['no order id', event('order.paid', orderObject({ id: undefined }))],
    ['an empty order id', event('order.paid', orderObject({ id: '' }))],
    ['an order id of 129 characters', event('order.paid', orderObject({ id: 'o'.repeat(129) }))],
    ['a numeric order id', event('order.paid', orderObject({ id: 12 }))],
  ])('refuses an order event with %s', (_what, value) => {
    expect(readConektaEvent(value)).toEqual({
      kind: 'malformed',
      reason: 'The event has no data.object.id.',
    });
  });

  it('accepts an order id of 128 characters', () => {
    expect(readConektaEvent(event('order.paid', orderObject({ id: 'o'.repeat(128) })))).toMatchObject({
      kind: 'order',
      order: { orderId: 'o'.repeat(128) },
    });
  });

  it.each([
    ['no id', { id: undefined }],
    ['an empty id', { id: '' }],
    ['an id of 129 characters', { id: 'e'.repeat(129) }],
    ['an id with a lone surrogate', { id: 'evt_\ud800' }],
  ])('refuses an order event with %s', (_what, overrides) => {
    expect(readConektaEvent(event('order.paid', orderObject(), overrides))).toEqual({
      kind: 'malformed',
      reason: 'The event has no usable id.',
    });
  });

  it('refuses a payment_status that no Conekta order could carry, and reads a non-string one as none', () => {
    const unusable = { kind: 'malformed', reason: 'The event has an unusable data.object.payment_status.' };
    expect(readConektaEvent(event('order.paid', orderObject({ payment_status: 'p'.repeat(65) })))).toEqual(
      unusable,
    );
    expect(readConektaEvent(event('order.paid', orderObject({ payment_status: 'paid\ud800' })))).toEqual(
      unusable,
    );
    const sixtyFour = readConektaEvent(event('order.paid', orderObject({ payment_status: 'p'.repeat(64) })));
    expect(sixtyFour).toMatchObject({
      kind: 'order',
      order: { status: undefined, providerStatus: 'p'.repeat(64) },
    });
    const numeric = readConektaEvent(event('order.paid', orderObject({ payment_status: 3 })));
    expect(numeric).toMatchObject({ kind: 'order', order: { status: 'paid', providerStatus: null } });
  });

  it.each([
    ['a negative amount', { amount: -1 }],
    ['a fractional amount', { amount: 0.5 }],
    ['an amount beyond safe integers', { amount: 1e300 }],
    ['an amount as text', { amount: '100' }],
    ['no amount', { amount: undefined }],
    ['no currency', { currency: undefined }],
    ['an empty currency', { currency: '' }],
    ['a currency of 9 characters', { currency: 'MXNMXNMXN' }],
  ])('refuses an order with %s', (_what, overrides) => {
    expect(readConektaEvent(event('order.paid', orderObject(overrides)))).toEqual({
      kind: 'malformed',
      reason: 'The event’s order has no usable amount or currency.',
    });
  });

  it('accepts a zero amount and an 8-character currency', () => {
    expect(
      readConektaEvent(event('order.paid', orderObject({ amount: 0, currency: 'ABCDEFGH' }))),
    ).toMatchObject({
      kind: 'order',
      order: { amountCents: 0, currency: 'ABCDEFGH' },
    });
  });

  it('dates the snapshot by updated_at, else created_at, else 0', () => {
    const dated = (overrides: Record<string, unknown>) => {
      const reading = readConektaEvent(event('order.paid', orderObject(overrides)));
      return reading.kind === 'order' ? reading.order.updatedAt : undefined;
    };
    expect(dated({})).toBe(1_800_000_100);
    expect(dated({ updated_at: undefined })).toBe(1_800_000_000);
    expect(dated({ updated_at: null })).toBe(1_800_000_000);
    expect(dated({ updated_at: undefined, created_at: undefined })).toBe(0);
    expect(dated({ updated_at: -5 })).toBe(0);
  });

  it('is live only when the order says livemode: true', () => {
    for (const [livemode, live] of [
      [true, true],
      [false, false],
      ['true', false],
      [1, false],
      [undefined, false],
    ] as const) {
      const reading = readConektaEvent(event('order.paid', orderObject({ livemode })));
      expect(reading).toMatchObject({ kind: 'order', order: { livemode: live } });
    }
  });

  it('keeps a checkout URL only when it is short, well-formed text', () => {
    const url = (checkout: unknown) => {
      const reading = readConektaEvent(event('order.created', orderObject({ checkout })));
      return reading.kind === 'order' ? reading.order.checkoutUrl : 'not an order';
    };
    expect(url({ url: 'https://pay.conekta.com/x' })).toBe('https://pay.conekta.com/x');
    expect(url({ url: `https://x/${'a'.repeat(2038)}` })).toHaveLength(2048);
    expect(url({ url: `https://x/${'a'.repeat(2039)}` })).toBeUndefined();
    expect(url({ url: '' })).toBeUndefined();
    expect(url({ url: 5 })).toBeUndefined();
    expect(url(undefined)).toBeUndefined();
  });

  it('has no tag for an order Pagos did not make', () => {
    const reading = readConektaEvent(event('order.paid', orderObject({ metadata: { pedido: '1' } })));
    expect(reading).toMatchObject({ kind: 'order', tag: undefined });
  });
});

describe('readTag', () => {
  const tag = { reference_id: 'pedido-1', pagos_merchant: 'conekta:co_1:test', pagos_attempt: 'att_1' };

  it('reads the three keys Pagos writes', () => {
    expect(readTag({ ...tag, other: 'x' })).toEqual({
      referenceId: 'pedido-1',
      merchant: 'conekta:co_1:test',
      attemptId: 'att_1',
    });
  });

  it.each([null, undefined, 'metadata', 3])('reads no tag from %p', (value) => {
    expect(readTag(value)).toBeUndefined();
  });

  it.each(['reference_id', 'pagos_merchant', 'pagos_attempt'])(
    'reads no tag without %s, or with it empty or not text',
    (key) => {
      const { [key as keyof typeof tag]: _gone, ...rest } = tag;
      expect(readTag(rest)).toBeUndefined();
      expect(readTag({ ...tag, [key]: '' })).toBeUndefined();
      expect(readTag({ ...tag, [key]: 12 })).toBeUndefined();
      expect(readTag({ ...tag, [key]: 'x\ud800' })).toBeUndefined();
    },
  );

  it.each([
    ['reference_id', 249],
    ['pagos_merchant', 128],
    ['pagos_attempt', 64],
  ] as const)('accepts %s up to %i characters, and no longer', (key, max) => {
    expect(readTag({ ...tag, [key]: 'a'.repeat(max) })).toBeDefined();
    expect(readTag({ ...tag, [key]: 'a'.repeat(max + 1) })).toBeUndefined();
  });
});

describe('isReservedMetadataKey', () => {
  it.each([
    ['reference_id', true],
    ['pagos_merchant', true],
    ['pagos_attempt', true],
    ['pagos_future', true],
    ['pagos', false],
    ['reference', false],
    ['my_pagos_key', false],
    ['pedido', false],
  ])('%s reserved: %p', (key, reserved) => {
    expect(isReservedMetadataKey(key)).toBe(reserved);
  });
});

describe('chargeDetails', () => {
  it('reads when and how the order was paid, and of a card only brand and last four', () => {
    const details = chargeDetails({
      amount_refunded: 2_500,
      charges: {
        data: [
          {
            status: 'paid',
            paid_at: 1_800_000_050,
            payment_method: {
              object: 'card_payment',
              brand: 'mastercard',
              last4: '4444',
              name: 'Ana',
              exp_month: '12',
            },
          },
        ],
      },
    } as unknown as ConektaOrder);
    expect(details).toEqual({
      paidAt: 1_800_000_050,
      paymentMethod: 'card',
      card: { brand: 'mastercard', last4: '4444' },
      amountRefundedCents: 2_500,
    });
  });

  it.each([
    ['cash_payment', 'cash'],
    ['bank_transfer_payment', 'bank_transfer'],
  ])('names a %s as %s, with no card', (object, method) => {
    const details = chargeDetails({
      charges: { data: [{ status: 'paid', payment_method: { object, brand: 'oxxo', last4: '1234' } }] },
    } as unknown as ConektaOrder);
    expect(details).toEqual({ paymentMethod: method });
  });

  it('reads the paid charge among several, else one with a payment time, else the first', () => {
    const method = (object: string) => ({ object });
    const read = (data: unknown[]) =>
      chargeDetails({ charges: { data } } as unknown as ConektaOrder).paymentMethod;
    expect(
      read([
        { status: 'declined', payment_method: method('card_payment') },
        { status: 'paid', payment_method: method('cash_payment') },
      ]),
    ).toBe('cash');
    expect(
      read([
        { status: 'declined', payment_method: method('card_payment') },
        {
          status: 'pending_payment',
          paid_at: 1_800_000_000,
          payment_method: method('bank_transfer_payment'),
        },
      ]),
    ).toBe('bank_transfer');
    expect(
      read([
        { status: 'pending_payment', payment_method: method('cash_payment') },
        { status: 'declined', payment_method: method('card_payment') },
      ]),
    ).toBe('cash');
  });

  it('skips a charge that is no object: the lone real charge after it is the one read', () => {
    // Not paid and no payment time: the "else the first" rule applies, and the first is the real one.
    const details = chargeDetails({
      charges: {
        data: ['ch_1', 7, true, { status: 'pending_payment', payment_method: { object: 'cash_payment' } }],
      },
    } as unknown as ConektaOrder);
    expect(details).toEqual({ paymentMethod: 'cash' });
  });

  it('reads nothing from an order without usable charges', () => {
    for (const charges of [undefined, null, {}, { data: null }, { data: 'x' }, { data: [null, 3] }]) {
      expect(chargeDetails({ charges } as unknown as ConektaOrder)).toEqual({});
    }
  });

  it('leaves out what is not a whole number, an unknown method, and card fields of the wrong shape', () => {
    const details = chargeDetails({
      amount_refunded: -10,
      charges: {
        data: [{ status: 'paid', paid_at: 1.5, payment_method: { object: 'crypto_payment', brand: 'x' } }],
      },
    } as unknown as ConektaOrder);
    expect(details).toEqual({});
    const odd = chargeDetails({
      charges: {
        data: [
          {
            status: 'paid',
            payment_method: { object: 'card_payment', brand: 'b'.repeat(33), last4: '42a4' },
          },
        ],
      },
    } as unknown as ConektaOrder);
    expect(odd).toEqual({ paymentMethod: 'card', card: {} });
    const short = chargeDetails({
      charges: {
        data: [{ payment_method: { object: 'card_payment', brand: 'b'.repeat(32), last4: '12345' } }],
      },
    } as unknown as ConektaOrder);
    expect(short).toEqual({ paymentMethod: 'card', card: { brand: 'b'.repeat(32) } });
    expect(
      chargeDetails({ charges: { data: [{ payment_method: { object: 7 } }] } } as unknown as ConektaOrder),
    ).toEqual({});
  });
});

describe('refundsOf', () => {
  const withRefunds = (...lists: unknown[]) =>
    ({
      charges: { data: lists.map((data) => ({ status: 'paid', refunds: { data } })) },
    }) as unknown as ConektaOrder;

  it('lists every refund of every charge, amounts positive (Conekta writes them negative)', () => {
    expect(
      refundsOf(
        withRefunds(
          [{ id: 'rfd_1', amount: -3_000, created_at: 1_800_000_200 }],
          [{ id: 'rfd_2', amount: 2_000, created_at: 1_800_000_300 }],
        ),
      ),
    ).toEqual([
      { id: 'rfd_1', amountCents: 3_000, createdAt: 1_800_000_200 },
      { id: 'rfd_2', amountCents: 2_000, createdAt: 1_800_000_300 },
    ]);
  });

  it('is undefined when no charge lists refunds, and empty when the lists are empty', () => {
    expect(refundsOf({} as ConektaOrder)).toBeUndefined();
    expect(refundsOf({ charges: { data: [{ status: 'paid' }] } } as unknown as ConektaOrder)).toBeUndefined();
    expect(
      refundsOf({
        charges: { data: [{ status: 'paid', refunds: { data: null } }] },
      } as unknown as ConektaOrder),
    ).toBeUndefined();
    expect(refundsOf(withRefunds([]))).toEqual([]);
  });

  it('skips refunds without a usable id or amount, and dates an undated one 0', () => {
    expect(
      refundsOf(
        withRefunds([
          { id: '', amount: -1 },
          { id: 'r'.repeat(65), amount: -1 },
          { id: 5, amount: -1 },
          { id: 'rfd_text', amount: '-1' },
          { id: 'rfd_half', amount: -0.5 },
          null,
          { id: 'r'.repeat(64), amount: -7 },
          { id: 'rfd_undated', amount: -9, created_at: 'yesterday' },
        ]),
      ),
    ).toEqual([
      { id: 'r'.repeat(64), amountCents: 7, createdAt: 0 },
      { id: 'rfd_undated', amountCents: 9, createdAt: 0 },
    ]);
  });
});

describe('selfReferencesOf', () => {
  it('lists the order ids its line items (parent_id) and charges (order_id) name, items first', () => {
    const order = {
      line_items: { data: [{ parent_id: 'ord_1' }, { parent_id: 'ord_2' }] },
      charges: { data: [{ order_id: 'ord_3' }] },
    } as unknown as ConektaOrder;
    expect(selfReferencesOf(order)).toEqual(['ord_1', 'ord_2', 'ord_3']);
  });

  it('skips parts that name no order id as text, and parts that are no objects', () => {
    // A malformed answer must not throw here: the parts it cannot read just name nothing.
    const order = {
      line_items: { data: [null, 'item', { parent_id: 5 }, {}, { parent_id: 'ord_1' }] },
      charges: { data: [null, 'ch_1', { order_id: null }, { order_id: 'ord_1' }] },
    } as unknown as ConektaOrder;
    expect(selfReferencesOf(order)).toEqual(['ord_1', 'ord_1']);
  });

  it('is empty for an order without line items or charges lists', () => {
    expect(selfReferencesOf({} as ConektaOrder)).toEqual([]);
    expect(
      selfReferencesOf({ line_items: { data: 'x' }, charges: { data: null } } as unknown as ConektaOrder),
    ).toEqual([]);
  });
});

describe('publicOrderBody', () => {
  const full = {
    id: 'ord_1',
    amount: 100,
    customer_info: { name: 'Ana', email: 'ana@example.com', phone: '5512345678' },
    shipping_contact: { address: { street1: 'Calle 1' } },
    fiscal_entity: { tax_id: 'XAXX010101000' },
    metadata: { pedido: '1' },
    charges: {
      data: [
        {
          id: 'ch_1',
          payment_method: {
            object: 'card_payment',
            type: 'credit',
            brand: 'visa',
            last4: '4242',
            country: 'MX',
            issuer: 'BANAMEX',
            account_type: 'credit',
            name: 'Ana López',
            exp_month: '12',
            exp_year: '30',
            auth_code: '123456',
          },
          refunds: { object: 'list', data: [{ id: 'rfd_1', amount: -50, auth_code: '654321' }, null] },
        },
        {
          id: 'ch_2',
          payment_method: {
            object: 'cash_payment',
            reference: '9300',
            barcode_url: 'https://b',
            expires_at: 1,
            service_name: 'OXXO',
            store_name: 'OXXO',
          },
        },
        {
          id: 'ch_3',
          payment_method: { object: 'bank_transfer_payment', bank: 'STP', clabe: '646180111812345678' },
        },
        null,
        'text',
      ],
      has_more: false,
    },
  };

  it('drops the buyer’s personal data and keeps how the order was paid', () => {
    type Charge = { payment_method?: unknown; refunds: { data: unknown[] } };
    const kept = publicOrderBody(full) as Omit<typeof full, 'charges'> & { charges: { data: Charge[] } };
    expect(kept).not.toHaveProperty('customer_info');
    expect(kept).not.toHaveProperty('shipping_contact');
    expect(kept).not.toHaveProperty('fiscal_entity');
    expect(kept.metadata).toEqual({ pedido: '1' });
    expect(kept.charges.data[0]!.payment_method).toEqual({
      object: 'card_payment',
      type: 'credit',
      brand: 'visa',
      last4: '4242',
      country: 'MX',
      issuer: 'BANAMEX',
      account_type: 'credit',
    });
    expect(kept.charges.data[0]!.refunds).toEqual({
      object: 'list',
      data: [{ id: 'rfd_1', amount: -50 }, null],
    });
    expect(kept.charges).toHaveProperty('has_more', false);
    expect(kept.charges.data.map((c) => (c as { id?: string } | null)?.id)).toEqual([
      'ch_1',
      'ch_2',
      'ch_3',
      undefined,
      undefined,
    ]);
    expect(kept.charges.data[1]!.payment_method).toEqual((full.charges.data[1] as Charge).payment_method);
    expect(kept.charges.data[2]!.payment_method).toEqual((full.charges.data[2] as Charge).payment_method);
    expect(kept.charges.data.slice(3)).toEqual([null, 'text']);
  });

  it('leaves the order it was given untouched, and its copy shares nothing it changed', () => {
    const before = structuredClone(full);
    const kept = publicOrderBody(full) as typeof full;
    expect(full).toEqual(before);
    const [card] = full.charges.data as { payment_method: object; refunds: { data: unknown[] } }[];
    const [keptCard] = kept.charges.data as (typeof card)[];
    expect(kept.charges).not.toBe(full.charges);
    expect(keptCard).not.toBe(card);
    expect(keptCard!.refunds).not.toBe(card!.refunds);
    expect(keptCard!.refunds.data[0]).not.toBe(card!.refunds.data[0]);
  });

  it('passes through what is not an object, and orders without charges', () => {
    expect(publicOrderBody(null)).toBeNull();
    expect(publicOrderBody('x')).toBe('x');
    expect(publicOrderBody({ id: 'o', charges: null, customer_info: {} })).toEqual({
      id: 'o',
      charges: null,
    });
    expect(publicOrderBody({ id: 'o', charges: { data: [{ id: 'c', payment_method: 'card' }] } })).toEqual({
      id: 'o',
      charges: { data: [{ id: 'c', payment_method: 'card' }] },
    });
  });
});

describe('toProviderOrder', () => {
  it('reads an API order: status, tag, link, charge details, refunds, the kept copy and the full answer', () => {
    const order = orderObject({
      payment_status: 'partially_refunded',
      livemode: true,
      checkout: { url: 'https://pay.conekta.com/checkout/abc' },
      customer_info: { email: 'ana@example.com' },
      amount_refunded: 3_000,
      charges: {
        data: [
          {
            status: 'paid',
            paid_at: 1_800_000_050,
            payment_method: { object: 'cash_payment' },
            refunds: { data: [{ id: 'rfd_1', amount: -3_000, created_at: 1_800_000_090 }] },
          },
        ],
      },
    }) as unknown as ConektaOrder;
    const read = toProviderOrder(order);
    expect(read).toEqual({
      orderId: 'ord_2abc',
      status: 'partially_refunded',
      providerStatus: 'partially_refunded',
      amountCents: 10_000,
      currency: 'MXN',
      livemode: true,
      checkoutUrl: 'https://pay.conekta.com/checkout/abc',
      updatedAt: 1_800_000_100,
      createdAt: 1_800_000_000,
      tag: { referenceId: 'pedido-1', merchant: 'conekta:co_1:test', attemptId: 'att_1' },
      paidAt: 1_800_000_050,
      paymentMethod: 'cash',
      amountRefundedCents: 3_000,
      refunds: [{ id: 'rfd_1', amountCents: 3_000, createdAt: 1_800_000_090 }],
      publicBody: expect.not.objectContaining({ customer_info: expect.anything() }),
      body: order,
    });
  });

  it('reads a fresh order: created, no link unless given, dates falling back to creation, then 0', () => {
    const fresh = toProviderOrder(
      orderObject({
        payment_status: undefined,
        updated_at: undefined,
        metadata: undefined,
      }) as unknown as ConektaOrder,
    );
    expect(fresh).toMatchObject({
      status: 'created',
      providerStatus: null,
      updatedAt: 1_800_000_000,
      livemode: false,
    });
    expect(fresh).not.toHaveProperty('checkoutUrl');
    expect(fresh).not.toHaveProperty('tag');
    expect(fresh).not.toHaveProperty('refunds');
    const undated = toProviderOrder(
      orderObject({ updated_at: null, created_at: null, checkout: { url: '' } }) as unknown as ConektaOrder,
    );
    expect(undated).toMatchObject({ updatedAt: 0, createdAt: 0 });
    expect(undated).not.toHaveProperty('checkoutUrl');
  });

  it('names the order ids its parts carry, so answers.ts can refuse an order listing another’s parts', () => {
    const read = toProviderOrder(
      orderObject({
        line_items: { data: [{ parent_id: 'ord_2abc' }, null] },
        charges: { data: [{ status: 'paid', order_id: 'ord_other' }] },
      }) as unknown as ConektaOrder,
    );
    expect(read.selfReferences).toEqual(['ord_2abc', 'ord_other']);
    // No parts naming an order: no list at all (the first test's exact match says the same).
    expect(toProviderOrder(orderObject() as unknown as ConektaOrder)).not.toHaveProperty('selfReferences');
  });

  it('keeps an unknown status raw for the operator, with no status of ours', () => {
    const read = toProviderOrder(orderObject({ payment_status: 'in_review_v2' }) as unknown as ConektaOrder);
    expect(read.status).toBeUndefined();
    expect(read.providerStatus).toBe('in_review_v2');
  });
});

const tag = { merchant: 'conekta:co_1:test', referenceId: 'pedido-7', attemptId: 'att_7' };
const common = {
  tag,
  amountCents: 25_000,
  currency: 'MXN',
  customer: { name: 'Ana López', email: 'ana@example.com', phone: '5512345678' },
  lineItems: [
    { name: 'Taza', unitPriceCents: 10_000, quantity: 2 },
    { name: 'Plato', unitPriceCents: 5_000, quantity: 1 },
  ],
  // A storefront key that collides with ours loses to ours.
  metadata: { canal: 'web', reference_id: 'spoofed' },
  idempotencyKey: 'idem-1',
  deadline: 0,
};

describe('the orders Pagos sends', () => {
  const hosted = (overrides: Partial<HostedCheckoutOrder> = {}): HostedCheckoutOrder => ({
    ...common,
    returnUrl: 'https://shop.example.com/back/?from=pagos',
    expiresAt: 1_800_086_400,
    allowedPaymentMethods: ['card', 'cash'],
    monthlyInstallments: false,
    ...overrides,
  });

  it('a hosted checkout: buyer, line items, tagged metadata, and the checkout page settings', () => {
    expect(hostedCheckoutRequest(hosted(), { returnPath: '/conekta/conekta_order' })).toEqual({
      currency: 'MXN',
      customer_info: { name: 'Ana López', email: 'ana@example.com', phone: '5512345678' },
      line_items: [
        { name: 'Taza', unit_price: 10_000, quantity: 2 },
        { name: 'Plato', unit_price: 5_000, quantity: 1 },
      ],
      metadata: {
        canal: 'web',
        reference_id: 'pedido-7',
        pagos_merchant: 'conekta:co_1:test',
        pagos_attempt: 'att_7',
      },
      checkout: {
        type: 'HostedPayment',
        name: 'Pago pedido-7',
        allowed_payment_methods: ['card', 'cash'],
        success_url: 'https://shop.example.com/back/conekta/conekta_order?from=pagos',
        failure_url: 'https://shop.example.com/back/conekta/conekta_order?from=pagos',
        expires_at: 1_800_086_400,
        monthly_installments_enabled: false,
      },
    });
  });

  it('offers 3, 6, 9 and 12 monthly installments only when asked for', () => {
    const request = hostedCheckoutRequest(hosted({ monthlyInstallments: true }), { returnPath: 'r' });
    expect(request.checkout).toMatchObject({
      monthly_installments_enabled: true,
      monthly_installments_options: [3, 6, 9, 12],
    });
  });

  it('a card charge: the order carries one card charge with the browser-made token', () => {
    const charge: CardChargeOrder = { ...common, tokenId: 'tok_2xyz' };
    expect(cardChargeRequest(charge)).toEqual({
      currency: 'MXN',
      customer_info: { name: 'Ana López', email: 'ana@example.com', phone: '5512345678' },
      line_items: [
        { name: 'Taza', unit_price: 10_000, quantity: 2 },
        { name: 'Plato', unit_price: 5_000, quantity: 1 },
      ],
      metadata: {
        canal: 'web',
        reference_id: 'pedido-7',
        pagos_merchant: 'conekta:co_1:test',
        pagos_attempt: 'att_7',
      },
      charges: [{ amount: 25_000, payment_method: { type: 'card', token_id: 'tok_2xyz' } }],
    });
  });

  it.each([
    ['https://shop.example.com', '/conekta/conekta_order', 'https://shop.example.com/conekta/conekta_order'],
    ['https://shop.example.com/', 'conekta/conekta_order', 'https://shop.example.com/conekta/conekta_order'],
    ['https://shop.example.com/back//', '//done', 'https://shop.example.com/back/done'],
    ['https://shop.example.com/a?x=1&y=2#top', '/r', 'https://shop.example.com/a/r?x=1&y=2#top'],
  ])('return URL %s + %s -> %s', (returnUrl, path, expected) => {
    expect(checkoutReturnUrl(returnUrl, path)).toBe(expected);
  });
});
