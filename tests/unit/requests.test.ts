/**
 * lib/payments/requests.ts: each action's body read, checked and normalized in one pass, with
 * the defaults docs/design.md section 3 gives, every bad field named at once.
 */
import {
  CURRENCIES,
  ENVELOPE_FIELDS,
  invalidCursor,
  PAYMENT_METHODS,
  type ParseContext,
  parseCharge,
  parseCreateLink,
  parseList,
  parseReference,
  parseRefund,
  parseSigningSecret,
} from '../../lib/payments/requests.js';
import { createFakeProvider } from '../support/fake-provider.js';

const ctx: ParseContext = {
  provider: createFakeProvider('fake'),
  urlPolicy: (url) => (url.includes('10.0.0.') ? 'must be a public address' : undefined),
};

const envelope = { provider: 'fake', action: 'x', secret: 'key_shop' };
const order = {
  ...envelope,
  reference_id: 'pedido-1',
  amount: 1000,
  first_name: 'Ana',
  last_name: 'López',
  email: 'ana@example.com',
};
const link = { ...order, return_url: 'https://shop.example.com/back' };

/** The field issues a parse throws, or the parse's result. */
const issues = (parse: () => unknown) => {
  try {
    parse();
  } catch (error) {
    return (error as { details?: unknown }).details;
  }
  throw new Error('expected the parse to refuse the body');
};

describe('the envelope', () => {
  it('is provider, action and secret; the methods and currencies are the documented ones', () => {
    expect(ENVELOPE_FIELDS).toEqual(['provider', 'action', 'secret']);
    expect(PAYMENT_METHODS).toEqual(['card', 'cash', 'bank_transfer']);
    expect(CURRENCIES).toEqual(['MXN', 'USD']);
  });
});

describe('parseCreateLink', () => {
  it('reads the minimal request with the documented defaults', () => {
    expect(parseCreateLink(link, ctx)).toEqual({
      secret: 'key_shop',
      request: {
        referenceId: 'pedido-1',
        amountCents: 100_000,
        firstName: 'Ana',
        lastName: 'López',
        email: 'ana@example.com',
        phone: undefined,
        currency: 'MXN',
        notificationUrl: undefined,
        metadata: undefined,
        lineItems: undefined,
        replace: false,
        returnUrl: 'https://shop.example.com/back',
        expiresInDays: 3,
        allowedPaymentMethods: ['card', 'cash', 'bank_transfer'],
        monthlyInstallments: false,
      },
    });
  });

  it('reads every optional field', () => {
    const parsed = parseCreateLink(
      {
        ...link,
        amount: '1000.50',
        phone: '55 1234 5678',
        currency: 'USD',
        notification_url: 'https://shop.example.com/n',
        metadata: { canal: 'web' },
        line_items: [{ name: 'Taza', unit_price: 500.25, quantity: 2 }],
        replace: true,
        expires_in_days: 30,
        allowed_payment_methods: ['card'],
        monthly_installments: true,
      },
      ctx,
    );
    expect(parsed.request).toEqual({
      referenceId: 'pedido-1',
      amountCents: 100_050,
      firstName: 'Ana',
      lastName: 'López',
      email: 'ana@example.com',
      phone: '5512345678',
      currency: 'USD',
      notificationUrl: 'https://shop.example.com/n',
      metadata: { canal: 'web' },
      lineItems: [{ name: 'Taza', unitPriceCents: 50_025, quantity: 2 }],
      replace: true,
      returnUrl: 'https://shop.example.com/back',
      expiresInDays: 30,
      allowedPaymentMethods: ['card'],
      monthlyInstallments: true,
    });
  });

  it('names every bad field at once', () => {
    expect(
      issues(() =>
        parseCreateLink(
          {
            provider: 'fake',
            action: 'create',
            secret: 'nope',
            amount: 0,
            email: 'x',
            colour: 'red',
            expires_in_days: 31,
            currency: 'EUR',
            notification_url: 'http://10.0.0.1/n',
            metadata: { pagos_attempt: 'x' },
          },
          ctx,
        ),
      ),
    ).toEqual([
      { field: 'colour', message: 'is not a field of this action' },
      { field: 'secret', message: "must start with 'key_'" },
      { field: 'reference_id', message: 'is required' },
      { field: 'amount', message: 'must be greater than zero' },
      { field: 'first_name', message: 'is required' },
      { field: 'last_name', message: 'is required' },
      { field: 'email', message: 'must be an email address like name@example.com' },
      { field: 'currency', message: 'must be one of MXN, USD' },
      { field: 'notification_url', message: 'must be a public address' },
      { field: 'metadata.pagos_attempt', message: 'is a key Pagos writes itself; use another name' },
      { field: 'return_url', message: 'is required' },
      { field: 'expires_in_days', message: 'must be a whole number from 1 to 30' },
    ]);
  });

  it('refuses line items that do not add up to the amount, on both fields', () => {
    const message = 'line_items add up to 1000.49 but amount is 1000.00';
    expect(
      issues(() =>
        parseCreateLink({ ...link, line_items: [{ name: 'Taza', unit_price: 1000.49, quantity: 1 }] }, ctx),
      ),
    ).toEqual([
      { field: 'line_items', message },
      { field: 'amount', message },
    ]);
    expect(
      parseCreateLink(
        {
          ...link,
          line_items: [
            { name: 'Taza', unit_price: 250, quantity: 3 },
            { name: 'Plato', unit_price: 250, quantity: 1 },
          ],
        },
        ctx,
      ).request.lineItems,
    ).toHaveLength(2);
  });

  it('does not compare line items with an amount that is itself wrong', () => {
    expect(
      issues(() =>
        parseCreateLink(
          { ...link, amount: -1, line_items: [{ name: 'Taza', unit_price: 1, quantity: 1 }] },
          ctx,
        ),
      ),
    ).toEqual([
      {
        field: 'amount',
        message: 'must be a positive amount of pesos with at most two decimals, e.g. 1000 or "1000.50"',
      },
    ]);
  });

  it('needs card among the methods for monthly installments', () => {
    expect(
      issues(() =>
        parseCreateLink({ ...link, monthly_installments: true, allowed_payment_methods: ['cash'] }, ctx),
      ),
    ).toEqual([{ field: 'monthly_installments', message: 'needs card among allowed_payment_methods' }]);
    expect(parseCreateLink({ ...link, monthly_installments: true }, ctx).request.monthlyInstallments).toBe(
      true,
    );
  });

  it('refuses a token_id: a link is no charge', () => {
    expect(issues(() => parseCreateLink({ ...link, token_id: 'tok_1' }, ctx))).toEqual([
      { field: 'token_id', message: 'is not a field of this action' },
    ]);
  });
});

describe('parseCharge', () => {
  const charge = { ...order, token_id: 'tok_abc' };

  it('reads a card charge with its provider token', () => {
    expect(parseCharge(charge, ctx)).toEqual({
      secret: 'key_shop',
      request: expect.objectContaining({
        referenceId: 'pedido-1',
        amountCents: 100_000,
        tokenId: 'tok_abc',
        replace: false,
      }),
    });
  });

  it('needs a token of the provider’s shape, and refuses link-only fields', () => {
    expect(issues(() => parseCharge(order, ctx))).toEqual([{ field: 'token_id', message: 'is required' }]);
    expect(issues(() => parseCharge({ ...charge, token_id: 'card_1' }, ctx))).toEqual([
      { field: 'token_id', message: "must start with 'tok_'" },
    ]);
    expect(issues(() => parseCharge({ ...charge, token_id: `tok_${'a'.repeat(97)}` }, ctx))).toEqual([
      { field: 'token_id', message: 'must be at most 100 characters' },
    ]);
    expect(issues(() => parseCharge({ ...charge, return_url: 'https://x.example.com' }, ctx))).toEqual([
      { field: 'return_url', message: 'is not a field of this action' },
    ]);
  });
});

describe('parseReference', () => {
  it('reads the secret and the reference, nothing else', () => {
    expect(parseReference({ ...envelope, reference_id: 'pedido-e\u0301' }, ctx)).toEqual({
      secret: 'key_shop',
      referenceId: 'pedido-\u00e9',
    });
    expect(issues(() => parseReference({ ...envelope, amount: 1 }, ctx))).toEqual([
      { field: 'amount', message: 'is not a field of this action' },
      { field: 'reference_id', message: 'is required' },
    ]);
  });
});

describe('parseRefund', () => {
  it('reads a refund of the rest, requested by the client, by default', () => {
    expect(parseRefund({ ...envelope, reference_id: 'pedido-1' }, ctx)).toEqual({
      secret: 'key_shop',
      request: {
        referenceId: 'pedido-1',
        amountCents: undefined,
        reason: 'requested_by_client',
        refundId: undefined,
        orderId: undefined,
      },
    });
  });

  it('reads an amount, a reason, a refund_id and an order_id', () => {
    expect(
      parseRefund(
        {
          ...envelope,
          reference_id: 'p',
          amount: '10.5',
          reason: 'suspected_fraud',
          refund_id: 'rf-1',
          order_id: 'ord_1',
        },
        ctx,
      ).request,
    ).toEqual({
      referenceId: 'p',
      amountCents: 1_050,
      reason: 'suspected_fraud',
      refundId: 'rf-1',
      orderId: 'ord_1',
    });
  });

  it('refuses an unknown reason and overlong ids', () => {
    expect(
      issues(() =>
        parseRefund(
          {
            ...envelope,
            reference_id: 'p',
            reason: 'whim',
            refund_id: 'r'.repeat(101),
            order_id: 'o'.repeat(129),
          },
          ctx,
        ),
      ),
    ).toEqual([
      {
        field: 'reason',
        message:
          'must be one of requested_by_client, cannot_be_fulfilled, duplicated_transaction, suspected_fraud, other',
      },
      { field: 'refund_id', message: 'must be at most 100 characters' },
      { field: 'order_id', message: 'must be at most 128 characters' },
    ]);
    expect(
      parseRefund(
        { ...envelope, reference_id: 'p', refund_id: 'r'.repeat(100), order_id: 'o'.repeat(128) },
        ctx,
      ).request.refundId,
    ).toHaveLength(100);
  });
});

describe('parseList', () => {
  it('reads the defaults: everything, 50 a page', () => {
    expect(parseList(envelope, ctx)).toEqual({
      secret: 'key_shop',
      request: { since: undefined, status: undefined, limit: 50 },
    });
  });

  it('reads since as an ISO time, a status, a limit and a cursor', () => {
    expect(
      parseList(
        { ...envelope, since: '2026-12-01T00:00:00Z', status: 'paid', limit: 100, cursor: 'abc' },
        ctx,
      ).request,
    ).toEqual({
      since: Date.parse('2026-12-01T00:00:00Z'),
      status: 'paid',
      limit: 100,
      cursor: 'abc',
    });
    expect(parseList({ ...envelope, limit: 1 }, ctx).request.limit).toBe(1);
  });

  it.each(['yesterday', '2026-12-01', '2026-13-01T00:00:00Z', '1764547200000', 'x2026-12-01T00:00:00Z'])(
    'refuses since %p',
    (since) => {
      expect(issues(() => parseList({ ...envelope, since }, ctx))).toEqual([
        { field: 'since', message: 'must be an ISO 8601 time, e.g. 2026-12-01T00:00:00Z' },
      ]);
    },
  );

  it('refuses a status Pagos does not have, a limit out of 1..100 and an overlong cursor', () => {
    expect(
      issues(() => parseList({ ...envelope, status: 'creating', limit: 101, cursor: 'c'.repeat(2049) }, ctx)),
    ).toEqual([
      { field: 'status', message: 'must be a payment status' },
      { field: 'limit', message: 'must be a whole number from 1 to 100' },
      { field: 'cursor', message: 'must be at most 2048 characters' },
    ]);
    expect(issues(() => parseList({ ...envelope, limit: 0, reference_id: 'x' }, ctx))).toEqual([
      { field: 'reference_id', message: 'is not a field of this action' },
      { field: 'limit', message: 'must be a whole number from 1 to 100' },
    ]);
  });
});

describe('parseSigningSecret', () => {
  it('reads no rotation and a day of grace by default', () => {
    expect(parseSigningSecret(envelope, ctx)).toEqual({
      secret: 'key_shop',
      request: { rotate: false, graceHours: 24 },
    });
  });

  it('reads a rotation with 0 to 168 hours of grace', () => {
    expect(parseSigningSecret({ ...envelope, rotate: true, grace_hours: 0 }, ctx).request).toEqual({
      rotate: true,
      graceHours: 0,
    });
    expect(parseSigningSecret({ ...envelope, rotate: true, grace_hours: 168 }, ctx).request.graceHours).toBe(
      168,
    );
    expect(issues(() => parseSigningSecret({ ...envelope, rotate: 'yes', grace_hours: 169 }, ctx))).toEqual([
      { field: 'rotate', message: 'must be true or false' },
      { field: 'grace_hours', message: 'must be a whole number from 0 to 168' },
    ]);
  });
});

describe('invalidCursor', () => {
  it('is a 400 naming the cursor', () => {
    expect(invalidCursor()).toMatchObject({
      status: 400,
      code: 'invalid_request',
      message: 'cursor is not one this API gave out; send the next_cursor of the previous page as it was.',
      details: [{ field: 'cursor', message: 'is not a cursor of this list' }],
    });
  });
});

describe('required fields and odd times', () => {
  it('needs an amount for a link and a charge', () => {
    const { amount: _a, ...withoutAmount } = link;
    expect(issues(() => parseCreateLink(withoutAmount, ctx))).toEqual([
      { field: 'amount', message: 'is required' },
    ]);
    const { amount: _b, ...chargeWithoutAmount } = order;
    expect(issues(() => parseCharge({ ...chargeWithoutAmount, token_id: 'tok_1' }, ctx))).toEqual([
      { field: 'amount', message: 'is required' },
    ]);
  });

  it('refuses a since that only contains an ISO time (an extended year)', () => {
    expect(issues(() => parseList({ ...envelope, since: '-002026-12-01T00:00:00Z' }, ctx))).toEqual([
      { field: 'since', message: 'must be an ISO 8601 time, e.g. 2026-12-01T00:00:00Z' },
    ]);
  });
});
