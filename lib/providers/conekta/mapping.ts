/**
 * Conekta <-> Pagos mapping: requests we send, orders we read, statuses we understand.
 * Typed from Conekta's official OpenAPI spec (openapi.d.ts, generated).
 */
import type {
  CardChargeOrder,
  HostedCheckoutOrder,
  PaymentTag,
  ProviderOrder,
} from '../../payments/ports.js';
import type { OrderSnapshot } from '../../payments/reconcile.js';
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

// What Pagos writes: a merchant fingerprint (lib/payments/fingerprints.ts) and a reference of
// 1..249 characters. Anything longer cannot name one of our payments (nor fit a DynamoDB key).
const LONE_SURROGATE = /\p{Cs}/u;

/** A count or a Unix time as Conekta sends them; anything else (1e300, -1, 0.5) is not one. */
const wholeNumber = (value: unknown): number | undefined =>
  Number.isSafeInteger(value) && (value as number) >= 0 ? (value as number) : undefined;

/** An id or status Conekta could have sent: short, well-formed text. */
const isShortText = (value: unknown, max: number): value is string =>
  typeof value === 'string' && value.length > 0 && value.length <= max && !LONE_SURROGATE.test(value);

export function readTag(metadata: unknown): PaymentTag | undefined {
  if (!metadata || typeof metadata !== 'object') return undefined;
  const m = metadata as Record<string, unknown>;
  const referenceId = m[METADATA.referenceId];
  const merchant = m[METADATA.merchant];
  return isShortText(referenceId, 249) && isShortText(merchant, 64) ? { referenceId, merchant } : undefined;
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
    ...chargeDetails(order),
    body: order,
  };
}

/** Card charge ("Cargo único"): the order carries the charge with the browser-made token. */
export function cardChargeRequest(order: CardChargeOrder): ConektaOrderRequest {
  return {
    currency: order.currency,
    customer_info: order.customer,
    line_items: [{ name: order.tag.referenceId, unit_price: order.amountCents, quantity: 1 }],
    metadata: tagMetadata(order.tag),
    charges: [{ amount: order.amountCents, payment_method: { type: 'card', token_id: order.tokenId } }],
  };
}

/** Charge payment_method objects as Conekta names them -> the method Pagos records. */
const PAYMENT_METHOD_OBJECTS: Record<string, string> = {
  card_payment: 'card',
  cash_payment: 'cash',
  bank_transfer_payment: 'bank_transfer',
};

type ChargeDetails = Pick<ProviderOrder, 'paidAt' | 'paymentMethod' | 'card' | 'amountRefundedCents'>;

/** What Pagos keeps of an order's charges: when, how, and for cards only brand and last4. */
export function chargeDetails(order: Partial<ConektaOrder>): ChargeDetails {
  const charges = order.charges?.data ?? [];
  const charge = Array.isArray(charges)
    ? (charges.find((c) => c?.status === 'paid' || typeof c?.paid_at === 'number') ?? charges[0])
    : undefined;
  const method = (charge?.payment_method ?? {}) as { object?: unknown; brand?: unknown; last4?: unknown };
  const paymentMethod = typeof method.object === 'string' ? PAYMENT_METHOD_OBJECTS[method.object] : undefined;
  const card =
    paymentMethod === 'card'
      ? {
          ...(typeof method.brand === 'string' && { brand: method.brand }),
          ...(typeof method.last4 === 'string' && { last4: method.last4 }),
        }
      : undefined;
  const paidAt = wholeNumber(charge?.paid_at);
  const amountRefundedCents = wholeNumber(order.amount_refunded);
  return {
    ...(paidAt !== undefined && { paidAt }),
    ...(paymentMethod && { paymentMethod }),
    ...(card && { card }),
    ...(amountRefundedCents !== undefined && { amountRefundedCents }),
  };
}

export type ConektaEvent = components['schemas']['event_response'];

/**
 * Every order event type we know, and the status it implies when the embedded order carries no
 * payment_status. Adding a type without a status fails type-checking.
 */
export const CONEKTA_ORDER_EVENTS = {
  'order.created': PaymentStatus.created,
  'order.pending_payment': PaymentStatus.pendingPayment,
  'order.paid': PaymentStatus.paid,
  'order.declined': PaymentStatus.declined,
  'order.expired': PaymentStatus.expired,
  'order.canceled': PaymentStatus.canceled,
  'order.refunded': PaymentStatus.refunded,
  'order.partially_refunded': PaymentStatus.partiallyRefunded,
  'order.charged_back': PaymentStatus.chargedBack,
  'order.voided': PaymentStatus.canceled,
  'order.pre_authorized': PaymentStatus.pendingPayment,
  'order.fraudulent': PaymentStatus.declined,
  'order.under_fraud_review': PaymentStatus.pendingPayment,
  'order.updated': undefined,
} as const satisfies Record<`order.${string}`, PaymentStatus | undefined>;
export type ConektaOrderEventType = keyof typeof CONEKTA_ORDER_EVENTS;

const isOrderEventType = (type: string): type is ConektaOrderEventType =>
  Object.hasOwn(CONEKTA_ORDER_EVENTS, type);

export type ConektaEventReading =
  | { kind: 'ping'; eventId: string }
  | { kind: 'ignored'; eventId: string; type: string }
  | {
      kind: 'order';
      eventId: string;
      type: ConektaOrderEventType;
      tag: PaymentTag | undefined;
      snapshot: OrderSnapshot;
    }
  | { kind: 'malformed'; reason: string };

/** Reads a verified, parsed Conekta event. Pure: no I/O. */
export function readConektaEvent(event: unknown): ConektaEventReading {
  if (!event || typeof event !== 'object' || Array.isArray(event)) {
    return { kind: 'malformed', reason: 'The event is not a JSON object.' };
  }
  const e = event as ConektaEvent;
  const eventId = typeof e.id === 'string' ? e.id : '';
  const type = typeof e.type === 'string' ? e.type : '';
  if (type === 'webhook_ping') return { kind: 'ping', eventId };
  if (!isOrderEventType(type)) return { kind: 'ignored', eventId, type };
  const order = (e.data as { object?: Partial<ConektaOrder> } | undefined)?.object;
  if (!order || typeof order !== 'object' || !isShortText(order.id, 128)) {
    return { kind: 'malformed', reason: 'The event has no data.object.id.' };
  }
  // The id names the event's receipt in DynamoDB: Conekta's are 24 characters.
  if (!isShortText(eventId, 128)) return { kind: 'malformed', reason: 'The event has no usable id.' };
  const paymentStatus = typeof order.payment_status === 'string' ? order.payment_status : null;
  if (paymentStatus !== null && paymentStatus !== '' && !isShortText(paymentStatus, 64))
    return { kind: 'malformed', reason: 'The event has an unusable data.object.payment_status.' };
  const status = paymentStatus === null ? CONEKTA_ORDER_EVENTS[type] : toPaymentStatus(paymentStatus);
  const details = chargeDetails(order);
  const updatedAt = wholeNumber(order.updated_at ?? order.created_at) ?? 0;
  return {
    kind: 'order',
    eventId,
    type,
    tag: readTag(order.metadata),
    snapshot: {
      orderId: order.id,
      status,
      providerStatus: paymentStatus,
      updatedAt,
      livemode: order.livemode === true,
      ...(details.paidAt !== undefined && { paidAt: details.paidAt }),
      ...(details.paymentMethod && { paymentMethod: details.paymentMethod }),
      ...(details.amountRefundedCents !== undefined && { amountRefundedCents: details.amountRefundedCents }),
    },
  };
}
