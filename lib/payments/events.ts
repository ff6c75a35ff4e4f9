/**
 * A verified provider event applied to its payment. The ordinary case (the attempt money follows
 * moves forward to a new status) is one conditional write with no read before it; anything else
 * (a late payment, a second order paid, an attempt still being created, a same-status update)
 * reads the record and applies lib/payments/record.ts's rules, which the one-write path agrees
 * with by construction (the store contract, tests/support/store-contract.ts, checks it).
 */
import type { PaymentRecord } from './model.js';
import type { AttemptAdvance, OrderSnapshot, OrderTag, PaymentStore } from './ports.js';
import { applySnapshot } from './record.js';
import { isMoneyStatus, PaymentStatus, type PaymentStatus as Status } from './status.js';
import { writeIfUnchanged } from './write.js';

const S = PaymentStatus;

/** The statuses from which a move to `to` is ordinary: no late payment, no going back. */
export const ORDINARY_FROM: Record<Status, readonly Status[]> = {
  created: [],
  pending_payment: [S.created, S.declined],
  declined: [S.created, S.pendingPayment],
  expired: [S.created, S.pendingPayment, S.declined, S.canceled],
  canceled: [S.created, S.pendingPayment, S.declined, S.expired],
  paid: [S.created, S.pendingPayment, S.declined],
  partially_refunded: [S.paid],
  refunded: [S.paid, S.partiallyRefunded],
  charged_back: [S.paid, S.partiallyRefunded, S.refunded],
};

export type EventOutcome =
  | { result: 'applied'; before: PaymentRecord | undefined; after: PaymentRecord | undefined; fast: boolean }
  | { result: 'stale' | 'unknown_status' | 'unknown_attempt' | 'mismatch' | 'no_payment' };

/** The one-write form of an ordinary move, or undefined when the event is not one. */
export function ordinaryAdvance(
  tag: OrderTag,
  snapshot: OrderSnapshot,
  change: { source: string; at: string },
): AttemptAdvance | undefined {
  const to = snapshot.status;
  if (to === undefined || ORDINARY_FROM[to].length === 0) return undefined;
  return {
    merchant: tag.merchant,
    referenceId: tag.referenceId,
    attemptId: tag.attemptId,
    orderId: snapshot.orderId,
    amountCents: snapshot.amountCents,
    currency: snapshot.currency,
    replayOrder: JSON.stringify(snapshot.publicBody),
    expected: ORDINARY_FROM[to],
    attempt: {
      status: to,
      providerStatus: snapshot.providerStatus,
      providerUpdatedAt: snapshot.updatedAt,
      ...(snapshot.checkoutUrl !== undefined && { checkoutUrl: snapshot.checkoutUrl }),
      ...(snapshot.paidAt !== undefined && { paidAt: snapshot.paidAt }),
      ...(snapshot.paymentMethod !== undefined && { paymentMethod: snapshot.paymentMethod }),
      ...(snapshot.card !== undefined && { card: snapshot.card }),
      ...(snapshot.amountRefundedCents !== undefined && {
        amountRefundedCents: snapshot.amountRefundedCents,
      }),
    },
    setsPaidAttempt: isMoneyStatus(to),
    change: { status: to, at: change.at, source: change.source, orderId: snapshot.orderId },
    updatedAt: change.at,
  };
}

const MAX_TRIES = 6;

export async function applyOrderEvent(
  store: PaymentStore,
  tag: OrderTag,
  snapshot: OrderSnapshot,
  source: { name: string; at: string },
): Promise<EventOutcome> {
  const fast = ordinaryAdvance(tag, snapshot, { source: source.name, at: source.at });
  let current: PaymentRecord | undefined;
  if (fast) {
    const advanced = await store.advanceAttempt(fast);
    if (advanced.ok) return { result: 'applied', before: undefined, after: undefined, fast: true };
    current = advanced.current;
  } else {
    current = await store.get(tag.merchant, tag.referenceId);
  }
  for (let tries = 1; ; tries += 1) {
    if (!current) return { result: 'no_payment' };
    const applied = applySnapshot(current, tag.attemptId, snapshot, source);
    if (!applied.record) return { result: applied.applied ? 'stale' : applied.reason };
    const written = await writeIfUnchanged(store, current, applied.record);
    if (written.ok) {
      return applied.applied
        ? { result: 'applied', before: current, after: written.record, fast: false }
        : { result: applied.reason };
    }
    if (tries >= MAX_TRIES)
      throw new Error(`payment ${tag.referenceId}: gave up after ${tries} conflicting writes`);
    current = written.record;
  }
}
