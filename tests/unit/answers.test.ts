/**
 * lib/payments/answers.ts: a provider answer counts only when it fits the request. One that does
 * not (another order, amount, currency, no link, not our metadata, too little refunded) is a
 * misfit: an unknown outcome to recover, never a success.
 */
import { checkNewOrder, checkRefunded, checkSameOrder } from '../../lib/payments/answers.js';
import type { OrderTag, ProviderOrder } from '../../lib/payments/ports.js';
import { ProviderError } from '../../lib/payments/provider-errors.js';

const tag: OrderTag = { merchant: 'fake:acct_1:test', referenceId: 'pedido-1', attemptId: 'att_1' };

const order = (overrides: Partial<ProviderOrder> = {}): ProviderOrder => ({
  orderId: 'ord_1',
  status: 'created',
  providerStatus: null,
  updatedAt: 1_800_000_000,
  createdAt: 1_800_000_000,
  livemode: false,
  amountCents: 10_000,
  currency: 'MXN',
  tag,
  checkoutUrl: 'https://pay.example.test/1',
  publicBody: {},
  body: {},
  ...overrides,
});

const expected = { tag, amountCents: 10_000, currency: 'MXN', link: true };

const misfitOf = (call: () => unknown): ProviderError => {
  try {
    call();
  } catch (error) {
    if (error instanceof ProviderError) return error;
    throw error;
  }
  throw new Error('expected a misfit');
};

describe('checkNewOrder', () => {
  it('accepts the order made for the attempt, and returns it as it is', () => {
    const made = order();
    expect(checkNewOrder('fake', made, expected)).toBe(made);
    const { checkoutUrl: _link, ...charge } = order();
    expect(checkNewOrder('fake', charge, { ...expected, link: false })).toBe(charge);
  });

  it.each([
    ['no tag', { tag: undefined }, 'the order does not carry this attempt’s metadata'],
    [
      'another attempt’s tag',
      { tag: { ...tag, attemptId: 'att_2' } },
      'the order does not carry this attempt’s metadata',
    ],
    [
      'another reference’s tag',
      { tag: { ...tag, referenceId: 'pedido-2' } },
      'the order does not carry this attempt’s metadata',
    ],
    [
      'another merchant’s tag',
      { tag: { ...tag, merchant: 'fake:acct_2:test' } },
      'the order does not carry this attempt’s metadata',
    ],
    ['another amount', { amountCents: 10_001 }, 'amount 10001 instead of 10000 centavos'],
    ['another currency', { currency: 'USD' }, 'currency USD instead of MXN'],
    ['no payment link', { checkoutUrl: undefined }, 'no checkout URL (payment link) in the answer'],
    ['an empty payment link', { checkoutUrl: '' }, 'no checkout URL (payment link) in the answer'],
  ])('refuses an answer with %s as a misfit whose outcome is unknown', (_what, overrides, problem) => {
    const error = misfitOf(() => checkNewOrder('fake', order(overrides as Partial<ProviderOrder>), expected));
    expect(error).toMatchObject({
      provider: 'fake',
      failure: 'misfit',
      outcome: 'unknown',
      message: `The provider's answer does not fit the request: ${problem}.`,
      info: { details: [{ problem, order_id: 'ord_1' }] },
    });
  });

  it('accepts an order whose own parts (line items, charges) all name it', () => {
    // Conekta's line items and charges carry their order's id: naming this order is the normal case.
    const made = order({ selfReferences: ['ord_1', 'ord_1'] });
    expect(checkNewOrder('fake', made, expected)).toBe(made);
  });

  it('refuses an order one of whose parts names another order, naming that one', () => {
    const error = misfitOf(() =>
      checkNewOrder('fake', order({ selfReferences: ['ord_1', 'ord_2', 'ord_1'] }), expected),
    );
    expect(error.info.details).toEqual([
      { problem: 'the order ord_1 lists parts of order ord_2', order_id: 'ord_1' },
    ]);
  });

  it('names the first problem of an answer that has several', () => {
    const error = misfitOf(() => checkNewOrder('fake', order({ amountCents: 1, currency: 'USD' }), expected));
    expect(error.info.details).toEqual([
      { problem: 'amount 1 instead of 10000 centavos', order_id: 'ord_1' },
    ]);
  });
});

describe('checkSameOrder', () => {
  it('accepts an answer about the order asked for', () => {
    const same = order();
    expect(checkSameOrder('fake', same, 'ord_1')).toBe(same);
  });

  it('refuses an answer about another order', () => {
    expect(misfitOf(() => checkSameOrder('fake', order({ orderId: 'ord_2' }), 'ord_1'))).toMatchObject({
      failure: 'misfit',
      outcome: 'unknown',
      info: { details: [{ problem: 'order ord_2 instead of ord_1', order_id: 'ord_2' }] },
    });
  });
});

describe('checkRefunded', () => {
  it('accepts the order refunded by at least the amount expected', () => {
    const refunded = order({ amountRefundedCents: 3_000 });
    expect(checkRefunded('fake', refunded, { orderId: 'ord_1', atLeastCents: 3_000 })).toBe(refunded);
    expect(checkRefunded('fake', refunded, { orderId: 'ord_1', atLeastCents: 2_999 })).toBe(refunded);
  });

  it('refuses an order refunded by less, or that does not say (nothing refunded)', () => {
    expect(
      misfitOf(() =>
        checkRefunded('fake', order({ amountRefundedCents: 2_999 }), {
          orderId: 'ord_1',
          atLeastCents: 3_000,
        }),
      ),
    ).toMatchObject({
      failure: 'misfit',
      info: { details: [{ problem: 'refunded total 2999 is below 3000 centavos', order_id: 'ord_1' }] },
    });
    expect(
      misfitOf(() => checkRefunded('fake', order(), { orderId: 'ord_1', atLeastCents: 1 })).info.details,
    ).toEqual([{ problem: 'refunded total 0 is below 1 centavos', order_id: 'ord_1' }]);
  });

  it('refuses the refund answer of another order, however refunded', () => {
    expect(
      misfitOf(() =>
        checkRefunded('fake', order({ orderId: 'ord_9', amountRefundedCents: 10_000 }), {
          orderId: 'ord_1',
          atLeastCents: 1,
        }),
      ).info.details,
    ).toEqual([{ problem: 'order ord_9 instead of ord_1', order_id: 'ord_9' }]);
  });
});
