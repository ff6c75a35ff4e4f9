/**
 * What the storefront is told, decided from a payment record before and after a change: pure,
 * so the table's change stream (lib/notify) can run it on the old and new images. The domain
 * never writes notifications itself; a status that changed is reason enough.
 */
import { createHash } from 'node:crypto';
import {
  type Attempt,
  attemptsInOrder,
  isPaidAttempt,
  type MerchantId,
  type PaymentRecord,
  relevantAttempt,
} from './model.js';
import { centavosToPesos } from './money.js';
import type { PaymentStatus } from './status.js';

export type StorefrontNotification = {
  /** Stable per (payment, order, status): storefronts dedupe on it. */
  id: string;
  type: `payment.${PaymentStatus}`;
  /** The merchant whose signing secret signs it: a storefront checks it is its own. */
  merchant: MerchantId;
  livemode: boolean;
  provider: string;
  reference_id: string;
  order_id: string;
  status: PaymentStatus;
  amount: string;
  amount_cents: number;
  amount_refunded_cents: number;
  currency: string;
  occurred_at: string;
  metadata?: Record<string, string>;
  /** Paid after its order expired or was canceled. */
  late?: true;
  /** Two orders of this payment were paid: refund one of them. */
  paid_twice?: { order_ids: string[] };
};

export type OutgoingNotification = { url: string; notification: StorefrontNotification };

/** Stable per (merchant, reference, order, status). */
export function notificationId(
  record: Pick<PaymentRecord, 'merchant' | 'referenceId'>,
  orderId: string,
  status: PaymentStatus,
): string {
  const digest = createHash('sha256')
    .update(`${record.merchant}\n${record.referenceId}\n${orderId}\n${status}`)
    .digest('hex');
  return `ntf_${digest.slice(0, 32)}`;
}

function payload(record: PaymentRecord, attempt: Attempt, status: PaymentStatus): StorefrontNotification {
  // Stryker disable next-line StringLiteral: both callers pass an attempt that has an order id
  const orderId = attempt.orderId ?? '';
  return {
    id: notificationId(record, orderId, status),
    type: `payment.${status}`,
    merchant: record.merchant,
    livemode: record.livemode,
    provider: record.provider,
    reference_id: record.referenceId,
    order_id: orderId,
    status,
    amount: centavosToPesos(attempt.amountCents),
    amount_cents: attempt.amountCents,
    amount_refunded_cents: attempt.amountRefundedCents ?? 0,
    currency: attempt.currency,
    occurred_at: record.updatedAt,
    ...(record.metadata && Object.keys(record.metadata).length > 0 && { metadata: record.metadata }),
    ...(attempt.late && status === 'paid' && { late: true as const }),
  };
}

/**
 * The notifications a change owes the storefront: one when the payment's status changed, and one
 * when a second order of the payment was paid. None without a notification_url.
 */
export function notificationsFor(
  before: PaymentRecord | undefined,
  after: PaymentRecord,
): OutgoingNotification[] {
  const url = after.notificationUrl;
  if (!url || after.status === 'creating') return [];
  const out: OutgoingNotification[] = [];
  const relevant = relevantAttempt(after);
  if (relevant?.orderId && after.status !== before?.status) {
    out.push({ url, notification: payload(after, relevant, after.status) });
  }
  if (after.paidTwice && !before?.paidTwice) {
    // The paid attempts derive() set paidTwice from, in the order they were made (each recorded
    // with its order and status).
    const paid = attemptsInOrder(after).filter(isPaidAttempt);
    const second = paid[1];
    if (second?.status) {
      const orderIds = paid.map((a) => a.orderId!);
      out.push({
        url,
        notification: { ...payload(after, second, second.status), paid_twice: { order_ids: orderIds } },
      });
    }
  }
  return out;
}
