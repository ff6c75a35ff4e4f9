/**
 * The payment status model (docs/design.md section 4). A status moves forward by rank; within a
 * rank only a newer provider update moves it (a buyer may retry a declined card, a second
 * partial refund raises the refunded amount). Money that moved always wins: paid, refunded and
 * charged back outrank every unpaid status, so a cash payment after expiry is recorded.
 */

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
 * Forward order. Equal ranks are alternatives the provider may move between (pending and
 * declined while the buyer retries; expired and canceled both close an unpaid order).
 */
export const STATUS_RANK: Record<PaymentStatus, number> = {
  created: 0,
  pending_payment: 1,
  declined: 1,
  expired: 2,
  canceled: 2,
  paid: 3,
  partially_refunded: 4,
  refunded: 5,
  charged_back: 6,
};

/** What the provider says about an order at one moment, as far as ordering goes. */
export type StatusAt = { status: PaymentStatus; updatedAt: number };

/** Whether `next` supersedes `known`: a higher rank, or the same rank and a newer update. */
export function supersedes(known: StatusAt, next: StatusAt): boolean {
  const from = STATUS_RANK[known.status];
  const to = STATUS_RANK[next.status];
  return to > from || (to === from && next.updatedAt > known.updatedAt);
}

/** Money moved: the buyer paid (and maybe got some or all back, or disputed it). */
export function isMoneyStatus(status: PaymentStatus): boolean {
  return STATUS_RANK[status] >= STATUS_RANK.paid;
}

/** Closed without money: a new attempt may follow. */
export function isClosedUnpaid(status: PaymentStatus): boolean {
  return status === S.expired || status === S.canceled;
}

/** The buyer can still pay it: the same request replays it. */
export function isPayable(status: PaymentStatus): boolean {
  return status === S.created || status === S.pendingPayment;
}

export function isPaymentStatus(value: unknown): value is PaymentStatus {
  return typeof value === 'string' && Object.hasOwn(STATUS_RANK, value);
}
