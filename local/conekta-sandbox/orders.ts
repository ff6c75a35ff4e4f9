// Orders: building them from a request, and every state transition, as pure functions over the
// JSON the API returns. Responses carry only fields the spec declares, and omit would-be nulls.
import type { components } from '../../lib/providers/conekta/openapi.js';
import {
  CardDecline,
  type CardDeclineReason,
  invalidParameter,
  SandboxControlError,
  unsupported,
} from './errors.js';
import { newId } from './ids.js';

type Schemas = components['schemas'];
export type Order = Schemas['order_response'];
export type OrderRequest = Schemas['order_request'];
export type Checkout = Schemas['order_response_checkout'];
export type Charge = Schemas['charges_data_response'];
type CheckoutRequest = Schemas['order_checkout_request'];
type Refund = Schemas['charge_response_refunds_data'];

export const PaymentStatus = {
  pendingPayment: 'pending_payment',
  paid: 'paid',
  declined: 'declined',
  expired: 'expired',
  canceled: 'canceled',
  refunded: 'refunded',
  partiallyRefunded: 'partially_refunded',
} as const;
export type PaymentStatus = (typeof PaymentStatus)[keyof typeof PaymentStatus];

export const OrderEvent = {
  created: 'order.created',
  pendingPayment: 'order.pending_payment',
  paid: 'order.paid',
  declined: 'order.declined',
  expired: 'order.expired',
  canceled: 'order.canceled',
  refunded: 'order.refunded',
  partiallyRefunded: 'order.partially_refunded',
} as const;
export type OrderEvent = (typeof OrderEvent)[keyof typeof OrderEvent];

export const Transition = {
  payCard: 'pay_card',
  payCashPending: 'pay_cash_pending',
  confirmCash: 'confirm_cash',
  decline: 'decline',
  expire: 'expire',
} as const;
export type Transition = (typeof Transition)[keyof typeof Transition];
export const isTransition = (value: string): value is Transition =>
  (Object.values(Transition) as string[]).includes(value);

export interface TestCard {
  brand: string;
  last4: string;
  outcome: 'paid' | CardDeclineReason;
}

// Conekta's documented test tokens (docs/conekta-api.md §5) and the two decline tokens the service tests use.
export const TEST_CARDS = {
  tok_test_visa_4242: { brand: 'visa', last4: '4242', outcome: 'paid' },
  tok_test_mastercard_4444: { brand: 'mastercard', last4: '4444', outcome: 'paid' },
  tok_test_insufficient_funds: { brand: 'visa', last4: '0127', outcome: 'insufficient_funds' },
  tok_test_card_declined: { brand: 'visa', last4: '0002', outcome: 'card_declined' },
} as const satisfies Record<string, TestCard>;

/**
 * Tokens are single use per account, so `tok_test_visa_4242_<anything>` acts like
 * `tok_test_visa_4242` to give tests (and repeated local runs) fresh tokens.
 */
export function lookupTestToken(tokenId: string): TestCard | undefined {
  for (const [base, card] of Object.entries(TEST_CARDS)) {
    if (tokenId === base || new RegExp(`^${base}_[A-Za-z0-9_]+$`).test(tokenId)) return card;
  }
  return undefined;
}

export const DAY_SECONDS = 86_400;
// Spec: checkout.expires_at "valid range is from 5 minutes to 365 days from the creation date".
export const CHECKOUT_MIN_SECONDS = 5 * 60;
export const CHECKOUT_MAX_SECONDS = 365 * DAY_SECONDS;
// Not documented; a week is a common payment-link lifetime.
export const CHECKOUT_DEFAULT_SECONDS = 7 * DAY_SECONDS;
const CASH_EXPIRY_SECONDS = 3 * DAY_SECONDS;
const DEFAULT_METHODS = ['card', 'cash', 'bank_transfer'] as const;

export interface Clock {
  now: number;
}

const list = <T>(data: T[]) => ({ object: 'list', has_more: false, data });

/** T with null removed, and keys that may be undefined made optional (they are dropped). */
type WithoutNulls<T> = { [K in keyof T as undefined extends T[K] ? never : K]: Exclude<T[K], null> } & {
  [K in keyof T as undefined extends T[K] ? K : never]?: Exclude<T[K], null | undefined>;
};

/** Drops undefined and null fields: the spec forbids most nulls, so optional keys are left out. */
function defined<T extends object>(value: T): WithoutNulls<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, v]) => v !== undefined && v !== null),
  ) as WithoutNulls<T>;
}

export function orderAmount(request: OrderRequest): number {
  const sum = (items: { amount: number }[] | undefined) =>
    (items ?? []).reduce((total, x) => total + x.amount, 0);
  const products = request.line_items.reduce((total, item) => total + item.unit_price * item.quantity, 0);
  return Math.max(
    0,
    products + sum(request.shipping_lines) + sum(request.tax_lines) - sum(request.discount_lines),
  );
}

function buildCheckout(
  request: CheckoutRequest,
  order: OrderRequest,
  publicUrl: string,
  { now, livemode }: OrderContext,
): Checkout {
  if (!request.type) {
    throw invalidParameter(
      'checkout.type',
      'missing',
      'El parámetro "checkout.type" es requerido.',
      'The parameter "checkout.type" is required.',
    );
  }
  if (request.allowed_payment_methods && request.excluded_payment_methods) {
    throw invalidParameter(
      'checkout.excluded_payment_methods',
      'invalid',
      'allowed_payment_methods y excluded_payment_methods son mutuamente excluyentes.',
      'allowed_payment_methods and excluded_payment_methods are mutually exclusive.',
    );
  }
  const expiresAt = request.expires_at ?? now + CHECKOUT_DEFAULT_SECONDS;
  if (expiresAt < now + CHECKOUT_MIN_SECONDS || expiresAt > now + CHECKOUT_MAX_SECONDS) {
    throw invalidParameter(
      'checkout.expires_at',
      'invalid',
      'La fecha de expiración debe estar entre 5 minutos y 365 días a partir de la creación.',
      'The expiration date must be between 5 minutes and 365 days from the creation date.',
    );
  }
  const id = newId.uuid();
  const slug = id.replace(/-/g, '');
  const excluded = request.excluded_payment_methods;
  const allowed = request.allowed_payment_methods ?? DEFAULT_METHODS.filter((m) => !excluded?.includes(m));
  return defined({
    id,
    object: 'checkout',
    type: request.type,
    // the response requires a name; Conekta's link shows the reason for payment
    name: request.name ?? order.line_items[0]?.name ?? 'Pago',
    livemode,
    url: `${publicUrl}/checkout/${slug}`,
    slug,
    status: 'Issued',
    expires_at: expiresAt,
    starts_at: now,
    success_url: request.success_url,
    failure_url: request.failure_url,
    is_redirect_on_failure: request.failure_url !== undefined,
    redirection_time: request.redirection_time,
    allowed_payment_methods: [...allowed],
    excluded_payment_methods: excluded,
    // the request's `visa_master_card` token is two networks in the response enum
    exclude_card_networks: request.exclude_card_networks?.flatMap((n) =>
      n === 'visa_master_card' ? (['visa', 'mastercard'] as const) : ([n] as const),
    ),
    monthly_installments_enabled: request.monthly_installments_enabled ?? false,
    monthly_installments_options: request.monthly_installments_options ?? [],
    max_failed_retries: request.max_failed_retries,
    force_save_card: request.force_save_card,
    on_demand_enabled: request.on_demand_enabled,
    needs_shipping_contact: order.needs_shipping_contact ?? false,
    paid_payments_count: 0,
    emails_sent: 0,
    sms_sent: 0,
    recurrent: (request.plan_ids?.length ?? 0) > 0,
    can_not_expire: false,
    force_3ds_flow: false,
  });
}

function customerInfo(request: OrderRequest): Order['customer_info'] {
  const info = request.customer_info;
  if ('customer_id' in info) {
    throw unsupported('customer_info.customer_id', 'customers (customer_id); send name, email and phone');
  }
  return defined({
    object: 'customer_info',
    name: info.name,
    email: info.email,
    phone: info.phone,
    corporate: info.corporate ?? false,
  });
}

/** The clock plus the mode of the key the order is made with (each order's livemode is its key's). */
export interface OrderContext extends Clock {
  livemode: boolean;
}

/** A new order with no payment yet (no payment_status, no charges). */
export function buildOrder(request: OrderRequest, publicUrl: string, context: OrderContext): Order {
  const { now, livemode } = context;
  const id = newId.order();
  const child = <T extends object>(prefix: () => string, objectName: string, item: T) =>
    defined({ ...item, id: prefix(), object: objectName, parent_id: id });
  const checkout = request.checkout
    ? buildCheckout(request.checkout, request, publicUrl, context)
    : undefined;
  const contact = request.shipping_contact;
  const fiscal = request.fiscal_entity;
  return defined({
    id,
    object: 'order',
    livemode,
    amount: orderAmount(request),
    amount_refunded: 0,
    currency: request.currency,
    customer_info: customerInfo(request),
    metadata: request.metadata ?? {},
    is_refundable: false,
    processing_mode: request.processing_mode,
    line_items: list(
      request.line_items.map((item) => child(newId.lineItem, 'line_item', { metadata: {}, ...item })),
    ),
    shipping_lines: request.shipping_lines
      ? list(request.shipping_lines.map((line) => child(newId.shippingLine, 'shipping_line', line)))
      : undefined,
    tax_lines: request.tax_lines
      ? list(request.tax_lines.map((line) => child(newId.taxLine, 'tax_line', line)))
      : undefined,
    discount_lines: request.discount_lines
      ? list(request.discount_lines.map((line) => child(newId.discountLine, 'discount_line', line)))
      : undefined,
    shipping_contact: contact
      ? defined({
          ...contact,
          id: newId.shippingContact(),
          object: 'shipping_contact',
          created_at: now,
          address: defined({ ...contact.address, object: 'shipping_address' }),
        })
      : undefined,
    fiscal_entity: fiscal
      ? defined({
          ...fiscal,
          id: newId.fiscalEntity(),
          object: 'order_fiscal_entity',
          created_at: now,
          address: defined({ ...fiscal.address, object: 'address' }),
        })
      : undefined,
    checkout,
    channel: checkout
      ? {
          segment: 'Checkout',
          checkout_request_id: checkout.id,
          checkout_request_type: checkout.type,
          id: newId.channel(),
        }
      : undefined,
    created_at: now,
    updated_at: now,
  });
}

export function cardCharge(order: Order, card: TestCard, { now }: Clock): Charge {
  const paid = card.outcome === 'paid';
  const failure = card.outcome === 'paid' ? undefined : CardDecline[card.outcome];
  const name = order.customer_info && 'name' in order.customer_info ? order.customer_info.name : undefined;
  return defined({
    id: newId.mongo(),
    object: 'charge',
    livemode: order.livemode,
    amount: order.amount,
    currency: order.currency,
    status: paid ? PaymentStatus.paid : PaymentStatus.declined,
    order_id: order.id,
    created_at: now,
    paid_at: paid ? now : undefined,
    failure_code: card.outcome === 'paid' ? undefined : card.outcome,
    failure_message: failure?.es,
    payment_method: defined({
      object: 'card_payment' as const,
      type: 'credit',
      brand: card.brand,
      last4: card.last4,
      name: name ?? 'Sandbox Buyer',
      exp_month: '12',
      exp_year: '30',
      auth_code: paid ? String(100000 + Math.floor(Math.random() * 900000)) : undefined,
      account_type: 'Credit',
      issuer: 'BANAMEX',
      country: 'MX',
      fraud_indicators: [],
    }),
  });
}

export function cashCharge(order: Order, { now }: Clock): Charge {
  const reference = Array.from({ length: 14 }, () => Math.floor(Math.random() * 10)).join('');
  return {
    id: newId.mongo(),
    object: 'charge',
    livemode: order.livemode,
    amount: order.amount,
    currency: order.currency,
    status: PaymentStatus.pendingPayment,
    order_id: order.id,
    created_at: now,
    payment_method: {
      object: 'cash_payment' as const,
      type: 'cash',
      service_name: 'Cash',
      product_type: 'cash_in',
      reference,
      expires_at: now + CASH_EXPIRY_SECONDS,
    },
  };
}

const charges = (order: Order): Charge[] => order.charges?.data ?? [];

/** updated_at is in seconds: never let it go backwards, even if the clock does. */
const touched = (order: Order, now: number): number => Math.max(order.updated_at ?? order.created_at, now);

export function withCharge(order: Order, charge: Charge, status: PaymentStatus, clock: Clock): Order {
  const paid = status === PaymentStatus.paid;
  return {
    ...order,
    payment_status: status,
    is_refundable: paid,
    charges: list([...charges(order), charge]),
    ...(order.checkout && paid
      ? {
          checkout: { ...order.checkout, paid_payments_count: (order.checkout.paid_payments_count ?? 0) + 1 },
        }
      : {}),
    updated_at: touched(order, clock.now),
  };
}

export interface TransitionResult {
  order: Order;
  event: OrderEvent;
}

type Status = PaymentStatus | undefined;

// Which payment_status each sandbox transition starts from (undefined: nothing paid yet).
// After a decline the buyer may retry; a pending cash voucher can only be paid or expire.
const TRANSITION_FROM: Record<Transition, Status[]> = {
  pay_card: [undefined, PaymentStatus.declined],
  pay_cash_pending: [undefined, PaymentStatus.declined],
  confirm_cash: [PaymentStatus.pendingPayment],
  decline: [undefined, PaymentStatus.declined],
  expire: [undefined, PaymentStatus.declined, PaymentStatus.pendingPayment],
};

const METHOD_FOR: Partial<Record<Transition, string>> = {
  pay_card: 'card',
  decline: 'card',
  pay_cash_pending: 'cash',
};

export const statusOf = (order: Order): Status => order.payment_status as Status;

/** `last_payment_info.status` (a GET /orders filter): the status of the order's newest charge. */
export const lastPaymentStatus = (order: Order): string | undefined => charges(order).at(-1)?.status;

const describe = (status: Status) => status ?? 'new (unpaid)';

export function applyTransition(order: Order, transition: Transition, clock: Clock): TransitionResult {
  const status = statusOf(order);
  if (!TRANSITION_FROM[transition].includes(status)) {
    throw new SandboxControlError(
      409,
      `Cannot ${transition} order ${order.id}: its payment_status is ${describe(status)}; ${transition} needs ${TRANSITION_FROM[transition].map(describe).join(' or ')}.`,
    );
  }
  const method = METHOD_FOR[transition];
  const allowed = order.checkout?.allowed_payment_methods;
  if (method && allowed && !allowed.includes(method)) {
    throw new SandboxControlError(
      409,
      `Cannot ${transition} order ${order.id}: its checkout does not allow ${method}.`,
    );
  }
  switch (transition) {
    case Transition.payCard:
      return {
        order: withCharge(
          order,
          cardCharge(order, TEST_CARDS.tok_test_visa_4242, clock),
          PaymentStatus.paid,
          clock,
        ),
        event: OrderEvent.paid,
      };
    case Transition.decline:
      return {
        order: withCharge(
          order,
          cardCharge(order, TEST_CARDS.tok_test_card_declined, clock),
          PaymentStatus.declined,
          clock,
        ),
        event: OrderEvent.declined,
      };
    case Transition.payCashPending:
      return {
        order: withCharge(order, cashCharge(order, clock), PaymentStatus.pendingPayment, clock),
        event: OrderEvent.pendingPayment,
      };
    case Transition.confirmCash: {
      const data = charges(order).map((charge) =>
        charge.status === PaymentStatus.pendingPayment
          ? { ...charge, status: PaymentStatus.paid, paid_at: clock.now }
          : charge,
      );
      const checkout = order.checkout
        ? { ...order.checkout, paid_payments_count: (order.checkout.paid_payments_count ?? 0) + 1 }
        : undefined;
      return {
        order: defined({
          ...order,
          payment_status: PaymentStatus.paid,
          is_refundable: true,
          charges: list(data),
          checkout,
          updated_at: touched(order, clock.now),
        }),
        event: OrderEvent.paid,
      };
    }
    case Transition.expire: {
      const data = charges(order).map((charge) =>
        charge.status === PaymentStatus.pendingPayment
          ? { ...charge, status: PaymentStatus.expired }
          : charge,
      );
      return {
        order: defined({
          ...order,
          payment_status: PaymentStatus.expired,
          charges: data.length > 0 ? list(data) : undefined,
          checkout: order.checkout ? { ...order.checkout, status: 'Expired' } : undefined,
          updated_at: touched(order, clock.now),
        }),
        event: OrderEvent.expired,
      };
    }
  }
}

export const CancelError = {
  hasCharge: 'conekta.errors.precondition_required.combo.order.cannot_be_updated_because_has_charge',
  alreadyCanceled: 'conekta.errors.precondition_required.order.already_canceled',
} as const;

/** Returns the 428 reason, or the canceled order. Paid, refunded or pending orders keep a charge. */
export function cancelOrder(
  order: Order,
  clock: Clock,
): TransitionResult | { refused: keyof typeof CancelError } {
  const status = statusOf(order);
  if (status === PaymentStatus.canceled) return { refused: 'alreadyCanceled' };
  if (status !== undefined && status !== PaymentStatus.declined && status !== PaymentStatus.expired) {
    return { refused: 'hasCharge' };
  }
  return {
    order: {
      ...order,
      payment_status: PaymentStatus.canceled,
      is_refundable: false,
      updated_at: touched(order, clock.now),
    },
    event: OrderEvent.canceled,
  };
}

export const remainingRefundable = (order: Order): number => order.amount - (order.amount_refunded ?? 0);

/** Refunds `amount` cents of the paid charge (validated by the caller). */
export function refundOrder(order: Order, amount: number, clock: Clock): TransitionResult {
  const refunded = (order.amount_refunded ?? 0) + amount;
  const full = refunded >= order.amount;
  const status = full ? PaymentStatus.refunded : PaymentStatus.partiallyRefunded;
  const refund: Refund = {
    id: newId.mongo(),
    object: 'refund',
    amount,
    created_at: clock.now,
    status: 'refunded',
  };
  let target = false;
  const data = charges(order).map((charge) => {
    const refundable =
      charge.status === PaymentStatus.paid || charge.status === PaymentStatus.partiallyRefunded;
    if (target || !refundable) return charge;
    target = true;
    return { ...charge, status, refunds: list([...(charge.refunds?.data ?? []), refund]) };
  });
  return {
    order: {
      ...order,
      amount_refunded: refunded,
      payment_status: status,
      is_refundable: !full,
      charges: list(data),
      updated_at: touched(order, clock.now),
    },
    event: full ? OrderEvent.refunded : OrderEvent.partiallyRefunded,
  };
}

export const LateMethod = { cash: 'cash', card: 'card' } as const;
export type LateMethod = (typeof LateMethod)[keyof typeof LateMethod];

// A cash voucher paid at the store hours after the order expired or was canceled: nothing in
// Conekta's docs rules it out (cash notifications arrive "en un máximo de 10 minutos", docs/conekta-api.md §4.4,
// and payment_status has no documented state machine, §1.5), so the service must cope with it.
const LATE_FROM: Status[] = [PaymentStatus.expired, PaymentStatus.canceled];

/** Pays an expired or canceled order after the fact: its expired cash charge, or a new charge. */
export function payLate(order: Order, method: LateMethod, clock: Clock): TransitionResult {
  const status = statusOf(order);
  if (!LATE_FROM.includes(status)) {
    throw new SandboxControlError(
      409,
      `Cannot pay_late order ${order.id}: its payment_status is ${describe(status)}; pay_late needs expired or canceled.`,
    );
  }
  const existing = charges(order);
  const voucher =
    method === LateMethod.cash ? existing.findLastIndex((c) => c.status === PaymentStatus.expired) : -1;
  const paidCharge =
    voucher >= 0
      ? { ...(existing[voucher] as Charge), status: PaymentStatus.paid, paid_at: clock.now }
      : method === LateMethod.cash
        ? { ...cashCharge(order, clock), status: PaymentStatus.paid, paid_at: clock.now }
        : cardCharge(order, TEST_CARDS.tok_test_visa_4242, clock);
  const data =
    voucher >= 0 ? existing.map((c, i) => (i === voucher ? paidCharge : c)) : [...existing, paidCharge];
  const checkout = order.checkout
    ? { ...order.checkout, paid_payments_count: (order.checkout.paid_payments_count ?? 0) + 1 }
    : undefined;
  return {
    order: defined({
      ...order,
      payment_status: PaymentStatus.paid,
      is_refundable: true,
      charges: list(data),
      checkout,
      updated_at: touched(order, clock.now),
    }),
    event: OrderEvent.paid,
  };
}
