import { parseCreatePaymentLinkRequest } from '../../lib/payments/create-request.js';
import { PagosError, ValidationError } from '../../lib/payments/errors.js';
import { findRawCardFields, refuseRawCardData } from '../../lib/payments/fields.js';

const seed = {
  provider: 'conekta',
  action: 'create',
  secret: 'key_test_123',
  reference_id: '6588',
  amount: 1000,
  return_url: 'http://template.pow.la',
  notification_url: 'https://shop.example.com/pagos/notify',
  first_name: 'andres',
  last_name: 'jaro',
  email: 'andres@example.com',
};

function issuesOf(body: Record<string, unknown>) {
  try {
    parseCreatePaymentLinkRequest(body);
  } catch (error) {
    if (error instanceof ValidationError) return error.issues;
    throw error;
  }
  throw new Error('expected a ValidationError');
}
const fieldsOf = (body: Record<string, unknown>) => issuesOf(body).map((i) => i.field);

describe('parseCreatePaymentLinkRequest', () => {
  it('reads the seed request with its defaults', () => {
    const { secret, request } = parseCreatePaymentLinkRequest(seed);
    expect(secret).toBe('key_test_123');
    expect(request).toEqual({
      referenceId: '6588',
      amountCents: 100000,
      currency: 'MXN',
      returnUrl: 'http://template.pow.la',
      notificationUrl: 'https://shop.example.com/pagos/notify',
      firstName: 'andres',
      lastName: 'jaro',
      email: 'andres@example.com',
      phone: undefined,
      expiresInDays: 3,
      allowedPaymentMethods: ['card', 'cash', 'bank_transfer'],
      monthlyInstallments: false,
    });
  });

  it('reads every optional field', () => {
    const { request } = parseCreatePaymentLinkRequest({
      ...seed,
      amount: '10.07',
      phone: '+52 55 1234 5678',
      currency: 'USD',
      expires_in_days: 30,
      allowed_payment_methods: ['card'],
      monthly_installments: true,
    });
    expect(request).toMatchObject({
      amountCents: 1007,
      phone: '+525512345678',
      currency: 'USD',
      expiresInDays: 30,
      allowedPaymentMethods: ['card'],
      monthlyInstallments: true,
    });
  });

  it('lists every missing field at once', () => {
    const { amount: _a, email: _e, return_url: _r, ...body } = seed;
    expect(fieldsOf(body).sort()).toEqual(['amount', 'email', 'return_url']);
    expect(issuesOf(body).every((i) => i.message === 'is required')).toBe(true);
  });

  it.each<[string, unknown]>([
    ['secret', 'sk_live_123'],
    ['secret', 42],
    ['reference_id', ''],
    ['reference_id', 'ab'],
    ['reference_id', 'x'.repeat(250)],
    ['reference_id', 6588],
    ['amount', 0],
    ['amount', -10],
    ['amount', 10.075],
    ['amount', '1e3'],
    ['amount', 'NaN'],
    ['return_url', 'template.pow.la'],
    ['return_url', 'ftp://template.pow.la'],
    ['return_url', 'javascript:alert(1)'],
    ['return_url', 'https://user:pass@shop.example.com'],
    ['notification_url', '/relative'],
    ['notification_url', 'x'.repeat(2049)],
    ['first_name', ''],
    ['first_name', '   '],
    ['last_name', 'x'.repeat(101)],
    ['email', 'not-an-email'],
    ['email', 'a@b'],
    ['email', 'a b@example.com'],
    ['phone', '12'],
    ['phone', 'call me'],
    ['currency', 'EUR'],
    ['currency', 'mxn'],
    ['expires_in_days', 0],
    ['expires_in_days', 31],
    ['expires_in_days', 2.5],
    ['expires_in_days', '3'],
    ['allowed_payment_methods', []],
    ['allowed_payment_methods', ['card', 'card']],
    ['allowed_payment_methods', ['bitcoin']],
    ['allowed_payment_methods', 'card'],
    ['monthly_installments', 'yes'],
    ['unknown_field', 'x'],
  ])('refuses %s = %p, naming the field', (field, value) => {
    expect(fieldsOf({ ...seed, [field]: value })).toEqual([field]);
  });

  it('refuses monthly installments without card', () => {
    expect(fieldsOf({ ...seed, allowed_payment_methods: ['cash'], monthly_installments: true })).toEqual([
      'monthly_installments',
    ]);
  });

  it('says which fields are bad in the error message', () => {
    expect(() => parseCreatePaymentLinkRequest({ ...seed, email: 'x', amount: 0 })).toThrow(
      'The request has 2 invalid fields: amount, email.',
    );
  });
});

describe('raw card data', () => {
  it('finds card fields at any depth', () => {
    expect(findRawCardFields({ a: { card: { number: '4242' } }, list: [{ cvc: '123' }] })).toEqual([
      'a.card',
      'a.card.number',
      'list[0].cvc',
    ]);
  });
  it('is refused with raw_card_not_allowed', () => {
    try {
      refuseRawCardData({ ...seed, number: '4242424242424242' });
      throw new Error('expected refusal');
    } catch (error) {
      expect(error).toBeInstanceOf(PagosError);
      expect((error as PagosError).code).toBe('raw_card_not_allowed');
      expect((error as PagosError).message).toMatch(/token/i);
      expect(JSON.stringify((error as PagosError).details)).not.toContain('4242');
    }
  });
});
