/** The payment status model (design.md section 4): statuses only ever move forward. */

export const PaymentStatus = {
  created: 'created',
  pendingPayment: 'pending_payment',
  paid: 'paid',
  partiallyRefunded: 'partially_refunded',
  refunded: 'refunded',
  declined: 'declined',
  expired: 'expired',
  canceled: 'canceled',
  chargedBack: 'charged_back',
} as const;
export type PaymentStatus = (typeof PaymentStatus)[keyof typeof PaymentStatus];

const S = PaymentStatus;

/**
 * Where each status may go next. Webhooks arrive out of order and some never arrive, so a
 * status may skip the ones between (created -> refunded means we missed paid). A declined buyer
 * may retry on the hosted page, so declined is not final.
 */
const NEXT: Record<PaymentStatus, readonly PaymentStatus[]> = {
  created: [
    S.pendingPayment,
    S.declined,
    S.paid,
    S.partiallyRefunded,
    S.refunded,
    S.chargedBack,
    S.expired,
    S.canceled,
  ],
  pending_payment: [
    S.declined,
    S.paid,
    S.partiallyRefunded,
    S.refunded,
    S.chargedBack,
    S.expired,
    S.canceled,
  ],
  declined: [S.pendingPayment, S.paid, S.partiallyRefunded, S.refunded, S.chargedBack, S.expired, S.canceled],
  paid: [S.partiallyRefunded, S.refunded, S.chargedBack],
  partially_refunded: [S.refunded, S.chargedBack],
  refunded: [],
  expired: [],
  canceled: [],
  charged_back: [],
};

export function canTransition(from: PaymentStatus, to: PaymentStatus): boolean {
  return NEXT[from].includes(to);
}

export function isPaymentStatus(value: unknown): value is PaymentStatus {
  return typeof value === 'string' && Object.hasOwn(NEXT, value);
}
