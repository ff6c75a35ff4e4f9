/**
 * Conekta <-> Pagos mapping: requests we send, orders we read, statuses we understand.
 * Typed from Conekta's official OpenAPI spec (openapi.d.ts, generated).
 */
import type { HostedCheckoutOrder, PaymentTag, ProviderOrder } from '../../payments/ports.js';
import { PaymentStatus } from '../../payments/status.js';
import type { components } from './openapi.js';

export type ConektaOrderRequest = components['schemas']['order_request'];
export type ConektaOrder = components['schemas']['order_response'];
export type ConektaOrderList = components['schemas']['get_orders_response'];

/** Metadata keys Pagos writes on every order, so webhooks and searches can find the payment. */
export const METADATA = { referenceId: 'reference_id', merchant: 'pagos_merchant' } as const;

export const MONTHLY_INSTALLMENT_OPTIONS = [3, 6, 9, 12];

/**
 * Every Conekta `payment_status` we know (the spec has no enum: notes/conekta-api.md 1.5).
 * Adding one here without a mapping below fails type-checking.
 */
export const CONEKTA_PAYMENT_STATUSES = [
  'pending_payment',
  'paid',
  'declined',
  'expired',
  'canceled',
  'refunded',
  'partially_refunded',
  'charged_back',
  'pre_authorized',
  'voided',
  'fraudulent',
  'under_fraud_review',
] as const;
export type ConektaPaymentStatus = (typeof CONEKTA_PAYMENT_STATUSES)[number];

const STATUS_MAP: Record<ConektaPaymentStatus, PaymentStatus> = {
  pending_payment: PaymentStatus.pendingPayment,
  paid: PaymentStatus.paid,
  declined: PaymentStatus.declined,
  expired: PaymentStatus.expired,
  canceled: PaymentStatus.canceled,
  refunded: PaymentStatus.refunded,
  partially_refunded: PaymentStatus.partiallyRefunded,
  charged_back: PaymentStatus.chargedBack,
  // Pagos never pre-authorizes; if Conekta reports it, money is not yet ours.
  pre_authorized: PaymentStatus.pendingPayment,
  voided: PaymentStatus.canceled,
  fraudulent: PaymentStatus.declined,
  under_fraud_review: PaymentStatus.pendingPayment,
};

/** Our status for a Conekta order; undefined for a status we do not know (logged, stored raw). */
export function toPaymentStatus(paymentStatus: string | null | undefined): PaymentStatus | undefined {
  // A fresh hosted checkout has no payment_status yet.
  if (paymentStatus === null || paymentStatus === undefined || paymentStatus === '')
    return PaymentStatus.created;
  return Object.hasOwn(STATUS_MAP, paymentStatus)
    ? STATUS_MAP[paymentStatus as ConektaPaymentStatus]
    : undefined;
}

export type CheckoutUrls = { returnPath: string };

/** `return_url + "/conekta/conekta_order"`, keeping any query string of return_url in place. */
export function checkoutReturnUrl(returnUrl: string, returnPath: string): string {
  const url = new URL(returnUrl);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/${returnPath.replace(/^\/+/, '')}`;
  return url.toString();
}

export function hostedCheckoutRequest(order: HostedCheckoutOrder, urls: CheckoutUrls): ConektaOrderRequest {
  const back = checkoutReturnUrl(order.returnUrl, urls.returnPath);
  return {
    currency: order.currency,
    customer_info: order.customer,
    line_items: [{ name: order.tag.referenceId, unit_price: order.amountCents, quantity: 1 }],
    metadata: tagMetadata(order.tag),
    checkout: {
      type: 'HostedPayment',
      name: `Pago ${order.tag.referenceId}`,
      allowed_payment_methods: order.allowedPaymentMethods,
      success_url: back,
      failure_url: back,
      expires_at: order.expiresAt,
      monthly_installments_enabled: order.monthlyInstallments,
      ...(order.monthlyInstallments && { monthly_installments_options: MONTHLY_INSTALLMENT_OPTIONS }),
    },
  };
}

export function tagMetadata(tag: PaymentTag): Record<string, string> {
  return { [METADATA.referenceId]: tag.referenceId, [METADATA.merchant]: tag.merchant };
}

export function readTag(metadata: unknown): PaymentTag | undefined {
  if (!metadata || typeof metadata !== 'object') return undefined;
  const m = metadata as Record<string, unknown>;
  const referenceId = m[METADATA.referenceId];
  const merchant = m[METADATA.merchant];
  return typeof referenceId === 'string' && typeof merchant === 'string'
    ? { referenceId, merchant }
    : undefined;
}

/** Reads every optional field as possibly null: real Conekta bodies carry nulls the spec omits. */
export function toProviderOrder(order: ConektaOrder): ProviderOrder {
  const paymentStatus = (order.payment_status as string | null | undefined) ?? null;
  const checkout = order.checkout ?? undefined;
  const tag = readTag(order.metadata);
  return {
    id: order.id,
    status: toPaymentStatus(paymentStatus),
    providerStatus: paymentStatus,
    amountCents: order.amount,
    currency: order.currency,
    livemode: order.livemode,
    ...(checkout?.id && { checkoutId: checkout.id }),
    ...(checkout?.url && { checkoutUrl: checkout.url }),
    updatedAt: order.updated_at ?? order.created_at,
    ...(tag && { tag }),
    body: order,
  };
}
