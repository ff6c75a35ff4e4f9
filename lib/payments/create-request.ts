/** The `create` action's request: read, checked and normalized in one pass. */
import {
  allowAnyUrl,
  type Buyer,
  FieldReader,
  type JsonObject,
  type NotificationUrlPolicy,
} from './fields.js';

export const PaymentMethod = { card: 'card', cash: 'cash', bankTransfer: 'bank_transfer' } as const;
export type PaymentMethod = (typeof PaymentMethod)[keyof typeof PaymentMethod];
export const PAYMENT_METHODS = Object.values(PaymentMethod);

export const CURRENCIES = ['MXN', 'USD'] as const;
export type Currency = (typeof CURRENCIES)[number];

/** Fields every action carries (design.md section 3). */
export const ENVELOPE_FIELDS = ['provider', 'action', 'secret', 'reference_id'] as const;

const CREATE_FIELDS = [
  ...ENVELOPE_FIELDS,
  'amount',
  'return_url',
  'notification_url',
  'first_name',
  'last_name',
  'email',
  'phone',
  'currency',
  'expires_in_days',
  'allowed_payment_methods',
  'monthly_installments',
] as const;

export type CreatePaymentLinkRequest = Buyer & {
  referenceId: string;
  amountCents: number;
  currency: Currency;
  returnUrl: string;
  notificationUrl: string;
  expiresInDays: number;
  allowedPaymentMethods: PaymentMethod[];
  monthlyInstallments: boolean;
};

/** Reads a `create` body; throws ValidationError listing every bad field. */
export function parseCreatePaymentLinkRequest(
  body: JsonObject,
  urlPolicy: NotificationUrlPolicy = allowAnyUrl,
): {
  secret: string;
  request: CreatePaymentLinkRequest;
} {
  const fields = new FieldReader(body);
  fields.rejectUnknown(CREATE_FIELDS);
  const secret = fields.secret('secret');
  // Conekta requires line item names of 3..249 characters and the line item is named after the reference.
  const referenceId = fields.string('reference_id', { required: true, min: 3, max: 249 });
  const amountCents = fields.centavos('amount', { required: true });
  const returnUrl = fields.httpUrl('return_url', { required: true });
  const notificationUrl = fields.notificationUrl('notification_url', { required: true, policy: urlPolicy });
  const buyer = fields.buyer();
  const currency = fields.oneOf('currency', CURRENCIES, 'MXN');
  const expiresInDays = fields.integer('expires_in_days', { min: 1, max: 30, fallback: 3 });
  const allowedPaymentMethods = fields.subset('allowed_payment_methods', PAYMENT_METHODS, PAYMENT_METHODS);
  const monthlyInstallments = fields.boolean('monthly_installments', false);
  if (monthlyInstallments && !allowedPaymentMethods.includes('card')) {
    fields.fail('monthly_installments', 'needs card among allowed_payment_methods');
  }
  fields.throwIfInvalid();
  return {
    secret: secret!,
    request: {
      referenceId: referenceId!,
      amountCents: amountCents!,
      currency,
      returnUrl: returnUrl!,
      notificationUrl: notificationUrl!,
      ...buyer!,
      expiresInDays,
      allowedPaymentMethods,
      monthlyInstallments,
    },
  };
}
