/**
 * Conekta <-> Pagos mapping: requests we send, orders and events we read, statuses we understand.
 * Typed from Conekta's official OpenAPI spec (openapi.d.ts, generated). Pure: no I/O.
 */
import type {
  CardChargeOrder,
  EventReading,
  HostedCheckoutOrder,
  OrderSnapshot,
  OrderTag,
  ProviderOrder,
  ProviderRefund,
} from '../../payments/ports.js';
import { PaymentStatus } from '../../payments/status.js';
import type { components } from './openapi.js';

export type ConektaOrderRequest = components['schemas']['order_request'];
export type ConektaOrder = components['schemas']['order_response'];
export type ConektaOrderList = components['schemas']['get_orders_response'];
export type ConektaEvent = components['schemas']['event_response'];

/** Metadata keys Pagos writes on every order, so webhooks and searches can find the attempt. */
export const METADATA = {
  referenceId: 'reference_id',
  merchant: 'pagos_merchant',
  attempt: 'pagos_attempt',
} as const;

/** Storefront metadata may not use our keys (nor anything we may add later under `pagos_`). */
export const isReservedMetadataKey = (key: string): boolean =>
  key === METADATA.referenceId || key.startsWith('pagos_');

export const MONTHLY_INSTALLMENT_OPTIONS = [3, 6, 9, 12];

/**
 * Every Conekta `payment_status` we know (the spec has no enum: docs/conekta-api.md 1.5).
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

export const STATUS_MAP: Record<ConektaPaymentStatus, PaymentStatus> = {
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
  // Conekta stopped the charge as fraud: no money moved.
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

export function tagMetadata(tag: OrderTag): Record<string, string> {
  return {
    [METADATA.referenceId]: tag.referenceId,
    [METADATA.merchant]: tag.merchant,
    [METADATA.attempt]: tag.attemptId,
  };
}

const lineItems = (order: HostedCheckoutOrder | CardChargeOrder) =>
  order.lineItems.map((i) => ({ name: i.name, unit_price: i.unitPriceCents, quantity: i.quantity }));

/** The storefront's metadata, then ours: ours always wins a name. */
const metadataOf = (order: HostedCheckoutOrder | CardChargeOrder) => ({
  ...order.metadata,
  ...tagMetadata(order.tag),
});

export function hostedCheckoutRequest(order: HostedCheckoutOrder, urls: CheckoutUrls): ConektaOrderRequest {
  const back = checkoutReturnUrl(order.returnUrl, urls.returnPath);
  return {
    currency: order.currency,
    customer_info: order.customer,
    line_items: lineItems(order),
    metadata: metadataOf(order),
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

/** Card charge ("Cargo único"): the order carries the charge with the browser-made token. */
export function cardChargeRequest(order: CardChargeOrder): ConektaOrderRequest {
  return {
    currency: order.currency,
    customer_info: order.customer,
    line_items: lineItems(order),
    metadata: metadataOf(order),
    charges: [{ amount: order.amountCents, payment_method: { type: 'card', token_id: order.tokenId } }],
  };
}

const LONE_SURROGATE = /\p{Cs}/u;

/** A count or a Unix time as Conekta sends them; anything else (1e300, -1, 0.5) is not one. */
const wholeNumber = (value: unknown): number | undefined =>
  Number.isSafeInteger(value) && (value as number) >= 0 ? (value as number) : undefined;

/** A JSON object or array: a value that can have fields (text, numbers and true have none we read). */
const isObject = (value: unknown): value is Record<string, unknown> => !!value && typeof value === 'object';

/** An id or status Conekta could have sent: short, well-formed text. */
const isShortText = (value: unknown, max: number): value is string =>
  typeof value === 'string' && value.length > 0 && value.length <= max && !LONE_SURROGATE.test(value);

/** Our tag, when the metadata carries all of it (merchant ids are short, references at most 249). */
export function readTag(metadata: unknown): OrderTag | undefined {
  if (!isObject(metadata)) return undefined;
  const referenceId = metadata[METADATA.referenceId];
  const merchant = metadata[METADATA.merchant];
  const attemptId = metadata[METADATA.attempt];
  return isShortText(referenceId, 249) && isShortText(merchant, 128) && isShortText(attemptId, 64)
    ? { referenceId, merchant, attemptId }
    : undefined;
}

/** Charge payment_method objects as Conekta names them -> the method Pagos records. */
const PAYMENT_METHOD_OBJECTS: Record<string, string> = {
  card_payment: 'card',
  cash_payment: 'cash',
  bank_transfer_payment: 'bank_transfer',
};

type Charge = NonNullable<NonNullable<ConektaOrder['charges']>['data']>[number];

const chargesOf = (order: Partial<ConektaOrder>): Charge[] => {
  const data = order.charges?.data;
  return Array.isArray(data) ? data.filter((c): c is Charge => isObject(c)) : [];
};

/** What Pagos keeps of an order's charges: when, how, and for cards only brand and last four. */
export function chargeDetails(
  order: Partial<ConektaOrder>,
): Pick<OrderSnapshot, 'paidAt' | 'paymentMethod' | 'card' | 'amountRefundedCents'> {
  const charges = chargesOf(order);
  const charge = charges.find((c) => c.status === 'paid' || typeof c.paid_at === 'number') ?? charges[0];
  const method = (charge?.payment_method ?? {}) as { object?: unknown; brand?: unknown; last4?: unknown };
  const paymentMethod = typeof method.object === 'string' ? PAYMENT_METHOD_OBJECTS[method.object] : undefined;
  const card =
    paymentMethod === 'card'
      ? {
          ...(isShortText(method.brand, 32) && { brand: method.brand }),
          ...(typeof method.last4 === 'string' && /^\d{4}$/.test(method.last4) && { last4: method.last4 }),
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

/** The refunds the order lists (Conekta writes refund amounts as negative numbers); undefined when it lists none. */
export function refundsOf(order: Partial<ConektaOrder>): ProviderRefund[] | undefined {
  const lists = chargesOf(order).flatMap((c) =>
    c.refunds && Array.isArray(c.refunds.data) ? [c.refunds.data] : [],
  );
  if (lists.length === 0) return undefined;
  return lists.flat().flatMap((r) => {
    const amount =
      typeof r?.amount === 'number' && Number.isSafeInteger(r.amount) ? Math.abs(r.amount) : undefined;
    return isShortText(r?.id, 64) && amount !== undefined
      ? [{ id: r.id, amountCents: amount, createdAt: wholeNumber(r.created_at) ?? 0 }]
      : [];
  });
}

/** The order ids its line items (`parent_id`) and charges (`order_id`) name. */
export function selfReferencesOf(order: Partial<ConektaOrder>): string[] {
  const items = (order.line_items as { data?: unknown } | undefined)?.data;
  const fromItems = Array.isArray(items) ? items.map((i) => (i as { parent_id?: unknown })?.parent_id) : [];
  const fromCharges = chargesOf(order).map((c) => (c as { order_id?: unknown }).order_id);
  return [...fromItems, ...fromCharges].filter((id): id is string => typeof id === 'string');
}

/** What a payment method may keep in the stored copy: how to pay and what card, never whose. */
const PUBLIC_METHOD_FIELDS = new Set([
  'object',
  'type',
  'brand',
  'last4',
  'country',
  'issuer',
  'account_type',
  'reference',
  'barcode_url',
  'expires_at',
  'service_name',
  'store_name',
  'bank',
  'clabe',
]);
const PERSONAL_ORDER_FIELDS = ['customer_info', 'shipping_contact', 'fiscal_entity'];

/**
 * The order without personal data: no buyer name, email or phone, no shipping or fiscal data,
 * and of a card only brand and last four (no holder name, expiry or authorization code).
 * Copied only along the paths it changes: the rest is shared with `order`, which stays untouched
 * (a whole deep copy was a tenth of a webhook's own CPU time, bench/README.md).
 */
export function publicOrderBody(order: unknown): unknown {
  if (!isObject(order)) return order;
  const copy: Record<string, unknown> = { ...order };
  for (const field of PERSONAL_ORDER_FIELDS) delete copy[field];
  const charges = copy.charges;
  if (isObject(charges) && Array.isArray(charges.data))
    copy.charges = { ...charges, data: charges.data.map(publicCharge) };
  return copy;
}

function publicCharge(charge: unknown): unknown {
  if (!isObject(charge)) return charge;
  const copy: Record<string, unknown> = { ...charge };
  const method = charge.payment_method;
  if (isObject(method))
    copy.payment_method = Object.fromEntries(
      Object.entries(method).filter(([k]) => PUBLIC_METHOD_FIELDS.has(k)),
    );
  const refunds = charge.refunds;
  if (isObject(refunds) && Array.isArray(refunds.data))
    copy.refunds = { ...refunds, data: refunds.data.map(withoutAuthCode) };
  return copy;
}

function withoutAuthCode(refund: unknown): unknown {
  if (!isObject(refund)) return refund;
  const { auth_code: _authCode, ...rest } = refund;
  return rest;
}

/** Reads every optional field as possibly null: real Conekta bodies carry nulls the spec omits. */
export function toProviderOrder(order: ConektaOrder): ProviderOrder {
  const paymentStatus = (order.payment_status as string | null | undefined) ?? null;
  const tag = readTag(order.metadata);
  const refunds = refundsOf(order);
  const selfReferences = selfReferencesOf(order);
  return {
    orderId: order.id,
    status: toPaymentStatus(paymentStatus),
    providerStatus: paymentStatus,
    amountCents: order.amount,
    currency: order.currency,
    livemode: order.livemode === true,
    ...(order.checkout?.url && { checkoutUrl: order.checkout.url }),
    updatedAt: wholeNumber(order.updated_at) ?? wholeNumber(order.created_at) ?? 0,
    createdAt: wholeNumber(order.created_at) ?? 0,
    ...(tag && { tag }),
    ...chargeDetails(order),
    ...(refunds && { refunds }),
    ...(selfReferences.length > 0 && { selfReferences }),
    publicBody: publicOrderBody(order),
    body: order,
  };
}

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

/** Events that close an unpaid order: their type wins over an order that still reads unpaid. */
const CLOSING_EVENTS: Partial<Record<ConektaOrderEventType, PaymentStatus>> = {
  'order.expired': PaymentStatus.expired,
  'order.canceled': PaymentStatus.canceled,
  'order.voided': PaymentStatus.canceled,
};
const UNPAID: readonly (PaymentStatus | undefined)[] = [
  PaymentStatus.created,
  PaymentStatus.pendingPayment,
  PaymentStatus.declined,
];

const isOrderEventType = (type: string): type is ConektaOrderEventType =>
  Object.hasOwn(CONEKTA_ORDER_EVENTS, type);

/** The status an event says, from its type and the order it embeds. */
export function eventStatus(
  type: ConektaOrderEventType,
  paymentStatus: string | null,
): PaymentStatus | undefined {
  const fromOrder =
    paymentStatus === null || paymentStatus === ''
      ? CONEKTA_ORDER_EVENTS[type]
      : toPaymentStatus(paymentStatus);
  const closing = CLOSING_EVENTS[type];
  return closing && UNPAID.includes(fromOrder) ? closing : fromOrder;
}

/** Reads a verified, parsed Conekta event. Pure: no I/O. */
export function readConektaEvent(event: unknown): EventReading {
  if (!event || typeof event !== 'object' || Array.isArray(event)) {
    return { kind: 'malformed', reason: 'The event is not a JSON object.' };
  }
  const e = event as ConektaEvent;
  const eventId = typeof e.id === 'string' ? e.id : '';
  const type = typeof e.type === 'string' ? e.type : '';
  if (type === 'webhook_ping') return { kind: 'ping', eventId };
  if (!isOrderEventType(type))
    return { kind: 'ignored', eventId: eventId.slice(0, 128), type: type.slice(0, 64) };
  const order = (e.data as { object?: Partial<ConektaOrder> } | undefined)?.object;
  // Stryker disable next-line LogicalOperator,ConditionalExpression: a non-object order has no string id either: isShortText(order.id) refuses it all the same
  if (!order || typeof order !== 'object' || !isShortText(order.id, 128)) {
    return { kind: 'malformed', reason: 'The event has no data.object.id.' };
  }
  // The id names the event in logs and history: Conekta's are 24 characters.
  if (!isShortText(eventId, 128)) return { kind: 'malformed', reason: 'The event has no usable id.' };
  const paymentStatus = typeof order.payment_status === 'string' ? order.payment_status : null;
  if (paymentStatus !== null && paymentStatus !== '' && !isShortText(paymentStatus, 64)) {
    return { kind: 'malformed', reason: 'The event has an unusable data.object.payment_status.' };
  }
  const amountCents = wholeNumber(order.amount);
  if (amountCents === undefined || !isShortText(order.currency, 8)) {
    return { kind: 'malformed', reason: 'The event’s order has no usable amount or currency.' };
  }
  const checkoutUrl = order.checkout?.url;
  return {
    kind: 'order',
    eventId,
    type,
    tag: readTag(order.metadata),
    order: {
      orderId: order.id,
      status: eventStatus(type, paymentStatus),
      providerStatus: paymentStatus,
      updatedAt: wholeNumber(order.updated_at ?? order.created_at) ?? 0,
      livemode: order.livemode === true,
      amountCents,
      currency: order.currency,
      ...(isShortText(checkoutUrl, 2048) && { checkoutUrl }),
      ...chargeDetails(order),
      publicBody: publicOrderBody(order),
    },
  };
}
