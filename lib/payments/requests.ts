/**
 * Each action's request body: read, checked and normalized in one pass, every bad field named
 * at once (ValidationError). Provider formats (key and token shapes) come from the provider.
 */
import { ErrorCode, PagosError } from './errors.js';
import {
  type Buyer,
  FieldReader,
  type JsonObject,
  type LineItemRequest,
  type NotificationUrlPolicy,
} from './fields.js';
import { centavosToPesos } from './money.js';
import { PaymentMethod, type PaymentProvider, RefundReason } from './ports.js';
import { isPaymentStatus, type PaymentStatus } from './status.js';

export const PAYMENT_METHODS = Object.values(PaymentMethod);
export const CURRENCIES = ['MXN', 'USD'] as const;
export type Currency = (typeof CURRENCIES)[number];
const REFUND_REASONS = Object.values(RefundReason);

/** Fields every action carries (docs/design.md section 3). */
export const ENVELOPE_FIELDS = ['provider', 'action', 'secret'] as const;

/** What a parser needs to know beyond the body. */
export type ParseContext = {
  provider: PaymentProvider;
  /** Refuses notification URLs that must never be called (SSRF): the problem, or undefined. */
  urlPolicy: NotificationUrlPolicy;
};

type OrderFields = Buyer & {
  referenceId: string;
  amountCents: number;
  currency: Currency;
  notificationUrl: string | undefined;
  metadata: Record<string, string> | undefined;
  lineItems: LineItemRequest[] | undefined;
  /** Not part of the request's identity: it only says what to do with a payable attempt. */
  replace: boolean;
};

export type CreateLinkRequest = OrderFields & {
  returnUrl: string;
  expiresInDays: number;
  allowedPaymentMethods: PaymentMethod[];
  monthlyInstallments: boolean;
};

export type ChargeRequest = OrderFields & { tokenId: string };

const ORDER_FIELDS = [
  ...ENVELOPE_FIELDS,
  'reference_id',
  'amount',
  'first_name',
  'last_name',
  'email',
  'phone',
  'currency',
  'notification_url',
  'metadata',
  'line_items',
  'replace',
] as const;

function secretOf(fields: FieldReader, ctx: ParseContext) {
  return fields.secret('secret', (s) => ctx.provider.credentialProblem(s));
}

function orderFields(fields: FieldReader, ctx: ParseContext): Partial<OrderFields> {
  const referenceId = fields.reference('reference_id');
  const amountCents = fields.centavos('amount', { required: true });
  const buyer = fields.buyer();
  const currency = fields.oneOf('currency', CURRENCIES, 'MXN');
  const notificationUrl = fields.notificationUrl('notification_url', {
    required: false,
    policy: ctx.urlPolicy,
  });
  const metadata = fields.metadata('metadata', (key) => ctx.provider.isReservedMetadataKey(key));
  const lineItems = fields.lineItems('line_items');
  const replace = fields.boolean('replace', false);
  if (lineItems && amountCents !== undefined) {
    const total = lineItems.reduce((sum, i) => sum + i.unitPriceCents * i.quantity, 0);
    if (total !== amountCents) {
      const message = `line_items add up to ${centavosToPesos(total)} but amount is ${centavosToPesos(amountCents)}`;
      fields.fail('line_items', message);
      fields.fail('amount', message);
    }
  }
  return {
    ...(referenceId !== undefined && { referenceId }),
    ...(amountCents !== undefined && { amountCents }),
    ...buyer,
    currency,
    notificationUrl,
    metadata,
    lineItems,
    replace,
  };
}

/** Reads a `create` body (a hosted payment link). The legacy request has no notification_url. */
export function parseCreateLink(
  body: JsonObject,
  ctx: ParseContext,
): { secret: string; request: CreateLinkRequest } {
  const fields = new FieldReader(body);
  fields.rejectUnknown([
    ...ORDER_FIELDS,
    'return_url',
    'expires_in_days',
    'allowed_payment_methods',
    'monthly_installments',
  ]);
  const secret = secretOf(fields, ctx);
  const order = orderFields(fields, ctx);
  const returnUrl = fields.httpUrl('return_url', { required: true });
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
      ...(order as OrderFields),
      returnUrl: returnUrl!,
      expiresInDays,
      allowedPaymentMethods,
      monthlyInstallments,
    },
  };
}

/** Reads a `charge` body: a single card charge with a provider token, never card data. */
export function parseCharge(body: JsonObject, ctx: ParseContext): { secret: string; request: ChargeRequest } {
  const fields = new FieldReader(body);
  fields.rejectUnknown([...ORDER_FIELDS, 'token_id']);
  const secret = secretOf(fields, ctx);
  const order = orderFields(fields, ctx);
  const tokenId = fields.string('token_id', { required: true, max: 100 });
  const tokenProblem = tokenId === undefined ? undefined : ctx.provider.cardTokenProblem(tokenId);
  if (tokenProblem) fields.fail('token_id', tokenProblem);
  fields.throwIfInvalid();
  return { secret: secret!, request: { ...(order as OrderFields), tokenId: tokenId! } };
}

/** `status` and `cancel`: just the payment's reference. */
export function parseReference(body: JsonObject, ctx: ParseContext): { secret: string; referenceId: string } {
  const fields = new FieldReader(body);
  fields.rejectUnknown([...ENVELOPE_FIELDS, 'reference_id']);
  const secret = secretOf(fields, ctx);
  const referenceId = fields.reference('reference_id');
  fields.throwIfInvalid();
  return { secret: secret!, referenceId: referenceId! };
}

export type RefundBody = {
  referenceId: string;
  amountCents: number | undefined;
  reason: RefundReason;
  refundId: string | undefined;
  orderId: string | undefined;
};

export function parseRefund(body: JsonObject, ctx: ParseContext): { secret: string; request: RefundBody } {
  const fields = new FieldReader(body);
  fields.rejectUnknown([...ENVELOPE_FIELDS, 'reference_id', 'amount', 'reason', 'refund_id', 'order_id']);
  const secret = secretOf(fields, ctx);
  const referenceId = fields.reference('reference_id');
  const amountCents = fields.centavos('amount', { required: false });
  const reason = fields.oneOf('reason', REFUND_REASONS, RefundReason.requestedByClient);
  const refundId = fields.string('refund_id', { required: false, max: 100 });
  // A key made from the amount has '|' in it (payments/refunds.ts refundKey): a refund_id never does.
  if (refundId?.includes('|')) fields.fail('refund_id', 'must not contain "|"');
  const orderId = fields.string('order_id', { required: false, max: 128 });
  fields.throwIfInvalid();
  return { secret: secret!, request: { referenceId: referenceId!, amountCents, reason, refundId, orderId } };
}

export type ListBody = {
  since: number | undefined;
  status: PaymentStatus | undefined;
  limit: number;
  cursor?: string;
};

export function parseList(body: JsonObject, ctx: ParseContext): { secret: string; request: ListBody } {
  const fields = new FieldReader(body);
  fields.rejectUnknown([...ENVELOPE_FIELDS, 'since', 'status', 'limit', 'cursor']);
  const secret = secretOf(fields, ctx);
  const sinceText = fields.string('since', { required: false, max: 40 });
  const since = sinceText === undefined ? undefined : Date.parse(sinceText);
  if (since !== undefined && (!/^\d{4}-\d{2}-\d{2}T/.test(sinceText!) || Number.isNaN(since))) {
    fields.fail('since', 'must be an ISO 8601 time, e.g. 2026-12-01T00:00:00Z');
  }
  const statusText = fields.string('status', { required: false, max: 40 });
  if (statusText !== undefined && !isPaymentStatus(statusText))
    fields.fail('status', 'must be a payment status');
  const limit = fields.integer('limit', { min: 1, max: 100, fallback: 50 });
  const cursor = fields.string('cursor', { required: false, max: 2048 });
  fields.throwIfInvalid();
  return {
    secret: secret!,
    request: {
      since,
      status: statusText as PaymentStatus | undefined,
      limit,
      ...(cursor !== undefined && { cursor }),
    },
  };
}

export type SigningSecretBody = { rotate: boolean; graceHours: number };

export function parseSigningSecret(
  body: JsonObject,
  ctx: ParseContext,
): { secret: string; request: SigningSecretBody } {
  const fields = new FieldReader(body);
  fields.rejectUnknown([...ENVELOPE_FIELDS, 'rotate', 'grace_hours']);
  const secret = secretOf(fields, ctx);
  const rotate = fields.boolean('rotate', false);
  const graceHours = fields.integer('grace_hours', { min: 0, max: 168, fallback: 24 });
  fields.throwIfInvalid();
  return { secret: secret!, request: { rotate, graceHours } };
}

export function invalidCursor(): PagosError {
  return new PagosError({
    status: 400,
    code: ErrorCode.invalidRequest,
    message: 'cursor is not one this API gave out; send the next_cursor of the previous page as it was.',
    details: [{ field: 'cursor', message: 'is not a cursor of this list' }],
  });
}
