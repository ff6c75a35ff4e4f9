/**
 * Pure changes of a payment record: a new payment or attempt, an attempt's order recorded, a
 * provider snapshot applied. Every function returns a new record (or says why nothing changes);
 * the callers write it with the record's version as the condition. The payment-level fields are
 * re-derived from the attempts after every change, so they cannot disagree with them.
 */
import {
  type Attempt,
  attemptsInOrder,
  isPaidAttempt,
  type Merchant,
  type PaymentKind,
  type PaymentRecord,
  relevantAttempt,
  type StatusChange,
} from './model.js';
import type { OrderSnapshot } from './ports.js';
import { isClosedUnpaid, isMoneyStatus, type PaymentStatus, supersedes } from './status.js';

export type NewAttempt = {
  id: string;
  kind: PaymentKind;
  requestHash: string;
  amountCents: number;
  currency: string;
  claimToken: string;
  claimedAt: number;
  leaseUntil: number;
  expiresAt?: number;
};

function attemptOf(spec: NewAttempt, n: number): Attempt {
  return { ...spec, n, lastCallAt: spec.claimedAt, phase: 'creating' };
}

export type PaymentDetails = { notificationUrl?: string; metadata?: Record<string, string> };

export function newPayment(args: {
  merchant: Merchant;
  referenceId: string;
  attempt: NewAttempt;
  details: PaymentDetails;
  at: string;
}): PaymentRecord {
  const attempt = attemptOf(args.attempt, 1);
  return derive({
    merchant: args.merchant.id,
    referenceId: args.referenceId,
    provider: args.merchant.provider,
    livemode: args.merchant.livemode,
    status: 'creating',
    currentAttempt: attempt.id,
    attempts: { [attempt.id]: attempt },
    ...withDetails(args.details),
    refunds: {},
    history: [],
    version: 1,
    createdAt: args.at,
    updatedAt: args.at,
  });
}

const withDetails = (details: PaymentDetails) => ({
  ...(details.notificationUrl !== undefined && { notificationUrl: details.notificationUrl }),
  ...(details.metadata !== undefined && { metadata: details.metadata }),
});

/** The next attempt becomes current; the request's notification_url and metadata go with it. */
export function withNewAttempt(
  record: PaymentRecord,
  spec: NewAttempt,
  details: PaymentDetails,
  at: string,
): PaymentRecord {
  const n = Math.max(0, ...Object.values(record.attempts).map((a) => a.n)) + 1;
  const { notificationUrl: _url, metadata: _meta, replayOrder: _replay, ...rest } = record;
  return derive({
    ...rest,
    ...withDetails(details),
    currentAttempt: spec.id,
    attempts: { ...record.attempts, [spec.id]: attemptOf(spec, n) },
    updatedAt: at,
  });
}

function withAttempt(record: PaymentRecord, attempt: Attempt, at: string, change?: StatusChange) {
  return derive({
    ...record,
    attempts: { ...record.attempts, [attempt.id]: attempt },
    history: change ? [...record.history, change] : record.history,
    updatedAt: at,
  });
}

/**
 * This caller owns the attempt's provider call now (taking over a dead or failed claimer, or
 * calling again for an attempt proven never created). `call`: it is about to call the provider.
 */
export function claimed(
  record: PaymentRecord,
  attemptId: string,
  claim: { claimToken: string; leaseUntil: number; callAt?: number },
  at: string,
): PaymentRecord {
  const { outcomeUnknown: _unknown, ...rest } = record.attempts[attemptId]!;
  const { callAt, ...owner } = claim;
  return withAttempt(
    record,
    { ...rest, phase: 'creating', ...owner, ...(callAt !== undefined && { lastCallAt: callAt }) },
    at,
  );
}

/** The claimer saw its call fail without learning whether the provider acted. */
export function withOutcomeUnknown(record: PaymentRecord, attemptId: string, at: string): PaymentRecord {
  const attempt = record.attempts[attemptId]!;
  return withAttempt(record, { ...attempt, outcomeUnknown: true, leaseUntil: 0 }, at);
}

/** No order exists for the attempt: the provider refused it, or a complete search found none. */
export function withoutOrder(
  record: PaymentRecord,
  attemptId: string,
  phase: 'refused' | 'not_created',
  at: string,
): PaymentRecord {
  const { claimToken: _t, leaseUntil: _l, outcomeUnknown: _u, ...attempt } = record.attempts[attemptId]!;
  return withAttempt(record, { ...attempt, phase }, at);
}

/** A declined charge whose order could not be found: no order to record, the refusal to replay. */
export function withDecline(
  record: PaymentRecord,
  attemptId: string,
  declineError: string,
  at: string,
): PaymentRecord {
  const refused = withoutOrder(record, attemptId, 'refused', at);
  return withAttempt(refused, { ...refused.attempts[attemptId]!, declineError }, at);
}

/** The attempt a snapshot of this order belongs to: its own, or (an order made twice) a sibling. */
export function attemptForOrder(
  record: PaymentRecord,
  attemptId: string,
  orderId: string,
): Attempt | undefined {
  const byOrder = Object.values(record.attempts).find((a) => a.orderId === orderId);
  return byOrder ?? record.attempts[attemptId];
}

export type Applied = { applied: true; record: PaymentRecord };
export type NotApplied = {
  applied: false;
  /**
   * `unknown_attempt`: no attempt of this payment carries that id; `mismatch`: the order's amount
   * or currency is not the attempt's (never adopted); `stale`: older than what is recorded;
   * `unknown_status`: a provider status Pagos does not know (kept for the operator when newer).
   */
  reason: 'unknown_attempt' | 'mismatch' | 'stale' | 'unknown_status';
  record?: PaymentRecord;
};

/** The snapshot's fields onto the attempt (what the snapshot does not say stays as it was). */
function withSnapshot(attempt: Attempt, snapshot: OrderSnapshot, status: PaymentStatus): Attempt {
  const { claimToken: _t, leaseUntil: _l, outcomeUnknown: _u, ...rest } = attempt;
  const late = isMoneyStatus(status) && attempt.status !== undefined && isClosedUnpaid(attempt.status);
  return {
    ...rest,
    phase: 'recorded',
    orderId: snapshot.orderId,
    status,
    providerStatus: snapshot.providerStatus,
    providerUpdatedAt: snapshot.updatedAt,
    ...(snapshot.checkoutUrl !== undefined && { checkoutUrl: snapshot.checkoutUrl }),
    ...(snapshot.paidAt !== undefined && { paidAt: attempt.paidAt ?? snapshot.paidAt }),
    ...(snapshot.paymentMethod !== undefined && { paymentMethod: snapshot.paymentMethod }),
    ...(snapshot.card !== undefined && { card: snapshot.card }),
    ...(snapshot.amountRefundedCents !== undefined && { amountRefundedCents: snapshot.amountRefundedCents }),
    ...((late || attempt.late) && { late: true }),
  };
}

/**
 * Applies what the provider says about one of the payment's orders. An order that carries the
 * attempt's tag and the attempt's amount and currency is proof of that attempt, whatever Pagos
 * believed (still creating, outcome unknown, even "not created"): money always wins.
 */
export function applySnapshot(
  record: PaymentRecord,
  attemptId: string,
  snapshot: OrderSnapshot,
  source: { name: string; at: string; declineError?: string },
): Applied | NotApplied {
  let attempt = attemptForOrder(record, attemptId, snapshot.orderId);
  if (!attempt) return { applied: false, reason: 'unknown_attempt' };
  if (snapshot.amountCents !== attempt.amountCents || snapshot.currency !== attempt.currency) {
    return { applied: false, reason: 'mismatch' };
  }
  if (attempt.orderId !== undefined && attempt.orderId !== snapshot.orderId) {
    // The provider made a second order for one attempt: it is tracked as an attempt of its own.
    const siblings = Object.values(record.attempts).filter((a) => a.id.startsWith(`${attempt!.id}.`));
    const { status: _s, providerStatus: _p, providerUpdatedAt: _u, checkoutUrl: _c, ...base } = attempt;
    attempt = {
      ...base,
      id: `${attempt.id}.${siblings.length + 2}`,
      n: Math.max(...Object.values(record.attempts).map((a) => a.n)) + 1,
      phase: 'creating',
    };
  }
  const status = snapshot.status;
  // Stryker disable next-line LogicalOperator,ConditionalExpression: record.ts writes phase 'recorded' and a status together: either one says the other
  const known = attempt.phase === 'recorded' && attempt.status !== undefined;
  if (status === undefined) {
    const newer = !known || (attempt.providerUpdatedAt ?? 0) < snapshot.updatedAt;
    if (!known || !newer) return { applied: false, reason: 'unknown_status' };
    const next = {
      ...attempt,
      providerStatus: snapshot.providerStatus,
      providerUpdatedAt: snapshot.updatedAt,
    };
    return { applied: false, reason: 'unknown_status', record: withAttempt(record, next, source.at) };
  }
  if (
    known &&
    !supersedes(
      { status: attempt.status!, updatedAt: attempt.providerUpdatedAt ?? 0 },
      { status, updatedAt: snapshot.updatedAt },
    )
  ) {
    return { applied: false, reason: 'stale' };
  }
  const next = withSnapshot(attempt, snapshot, status);
  const change: StatusChange | undefined =
    attempt.status === status && known
      ? undefined
      : { status, at: source.at, source: source.name, orderId: snapshot.orderId };
  let updated = withAttempt(record, next, source.at, change);
  if (next.id === record.currentAttempt) {
    updated = { ...updated, replayOrder: JSON.stringify(snapshot.publicBody) };
  }
  if (source.declineError !== undefined) {
    updated = withAttempt(
      updated,
      { ...updated.attempts[next.id]!, declineError: source.declineError },
      source.at,
    );
  }
  return { applied: true, record: updated };
}

/**
 * The record without anything that could identify its buyer (an operator's erasure): card brand
 * and last four, the storefront's metadata, the stored order copy. The money facts stay.
 */
export function withoutBuyerData(record: PaymentRecord, at: string): PaymentRecord {
  const { metadata: _m, replayOrder: _r, ...rest } = record;
  const attempts = Object.fromEntries(
    Object.entries(record.attempts).map(([id, { card: _card, ...attempt }]) => [id, attempt]),
  );
  return { ...rest, attempts, updatedAt: at };
}

/** Re-derives the payment-level fields from the attempts. */
export function derive(record: PaymentRecord): PaymentRecord {
  const paid = attemptsInOrder(record).filter(isPaidAttempt);
  // Money follows the first attempt that was paid, for good.
  const paidAttempt = paid.some((a) => a.id === record.paidAttempt) ? record.paidAttempt : paid[0]?.id;
  const { paidAttempt: _p, paidTwice: _t, ...rest } = record;
  const next: PaymentRecord = {
    ...rest,
    ...(paidAttempt !== undefined && { paidAttempt }),
    ...(paid.length > 1 && { paidTwice: true }),
  };
  const relevant = relevantAttempt(next);
  next.status = relevant?.phase === 'recorded' && relevant.status ? relevant.status : 'creating';
  return next;
}
