/**
 * What Pagos keeps of a payment: one record per (merchant, reference_id), holding its attempts
 * (provider orders) and its refunds. The record is the unit of every conditional write; the
 * payment-level fields (status, amounts, order id) are derived from the attempts by
 * `lib/payments/attempts.ts` and stored so the list index and notifications can read them.
 * Never the provider secret, never card data beyond brand and last four, never buyer contact data.
 */
import { type PaymentStatus, STATUS_RANK } from './status.js';

/** `<provider>:<account id at the provider>:<live|test>`: stable across key rotations. */
export type MerchantId = string;

export type Merchant = {
  id: MerchantId;
  provider: string;
  /** The provider's own id of the account (Conekta's company id). */
  accountId: string;
  livemode: boolean;
};

export const PaymentKind = { link: 'link', charge: 'charge' } as const;
export type PaymentKind = (typeof PaymentKind)[keyof typeof PaymentKind];

/**
 * Where an attempt's provider order stands, as far as Pagos knows:
 * - `creating`: claimed; the provider call is in flight (until `leaseUntil`), or its outcome is
 *   unknown (`outcomeUnknown`, or the lease ran out: the claimer died);
 * - `recorded`: the provider order is known (`orderId`, `status`);
 * - `refused`: the provider refused the request before making anything (4xx): no order exists;
 * - `not_created`: a complete search of the attempt's window found no order: none exists.
 */
export type AttemptPhase = 'creating' | 'recorded' | 'refused' | 'not_created';

export type CardSummary = { brand?: string; last4?: string };

export type Attempt = {
  /** `att_…`, written into the provider order's metadata: how an order is matched to its attempt. */
  id: string;
  /** 1, 2, …: the order attempts were made in. */
  n: number;
  kind: PaymentKind;
  /** Hash of the request that made this attempt (never the secret): same request, same attempt. */
  requestHash: string;
  amountCents: number;
  currency: string;
  /** Epoch ms the attempt was first claimed: the recovery search window starts a little before it. */
  claimedAt: number;
  /** Epoch ms the latest provider call for it started: no order is presumed missing before it settles. */
  lastCallAt: number;
  phase: AttemptPhase;
  claimToken?: string;
  /** Epoch ms until which the claimer owns the provider call. */
  leaseUntil?: number;
  /** The claimer saw the call fail without knowing whether the provider acted. */
  outcomeUnknown?: boolean;
  /** Unix seconds a link stops being payable (links only). */
  expiresAt?: number;
  orderId?: string;
  checkoutUrl?: string;
  status?: PaymentStatus;
  /** The provider's own status string, kept for the operator. */
  providerStatus?: string | null;
  /** Unix seconds of the provider's last change to the order: events older than this are stale. */
  providerUpdatedAt?: number;
  /** Unix seconds the order was paid. */
  paidAt?: number;
  paymentMethod?: string;
  card?: CardSummary;
  amountRefundedCents?: number;
  /** A declined charge's refusal (JSON of message, details, provider), replayed as a 402. */
  declineError?: string;
  /** Paid after it expired or was canceled (cash paid at the store late). */
  late?: boolean;
};

/**
 * One refund request (by its key), carried out at most once:
 * - `in_flight`: the provider call is being made, until `lockUntil`;
 * - `unknown`: the call failed without an answer that says whether the provider refunded;
 * - `done`: the provider refunded (`providerRefundId` when its answer lists the refund);
 * - `not_made`: Pagos proved the refund never happened: a retry makes it.
 */
export type RefundState = 'in_flight' | 'unknown' | 'done' | 'not_made';

export type RefundEntry = {
  key: string;
  attemptId: string;
  orderId: string;
  amountCents: number;
  reason: string;
  state: RefundState;
  /** Unix seconds the provider call started: a refund the provider lists before this is another one. */
  startedAt: number;
  lockUntil: number;
  providerRefundId?: string;
};

/** One applied change of an attempt's status (the previous one is the entry before it). */
export type StatusChange = {
  status: PaymentStatus;
  at: string;
  /** `create`, `webhook:<event id>`, `status`, `refund`, `cancel`, `recovery`. */
  source: string;
  orderId?: string;
};

export type PaymentRecord = {
  merchant: MerchantId;
  referenceId: string;
  provider: string;
  livemode: boolean;
  /** The payment's status: its paid attempt's, else its current attempt's (`creating` before any). */
  status: PaymentStatus | 'creating';
  /** The attempt new requests are compared with; the newest. */
  currentAttempt: string;
  /** The first attempt that was paid: money follows it. */
  paidAttempt?: string;
  /** Another attempt was paid too: one of them must be refunded (metric and alarm). */
  paidTwice?: boolean;
  attempts: Record<string, Attempt>;
  notificationUrl?: string;
  /** The storefront's own metadata of the current attempt, sent to the provider and back. */
  metadata?: Record<string, string>;
  /** The current attempt's provider order as answered, with personal data removed: what a replay answers. */
  replayOrder?: string;
  refunds: Record<string, RefundEntry>;
  history: StatusChange[];
  /** Incremented by every write: the condition of every read-modify-write. */
  version: number;
  createdAt: string;
  updatedAt: string;
};

export const isPaidAttempt = (a: Attempt): boolean =>
  a.phase === 'recorded' && a.status !== undefined && STATUS_RANK[a.status] >= STATUS_RANK.paid;

/**
 * The attempt the payment's status, amounts and order id come from: the paid one; else the
 * current one while it has (or may have) an order; else the newest attempt that has one.
 */
export function relevantAttempt(record: PaymentRecord): Attempt | undefined {
  if (record.paidAttempt !== undefined) return record.attempts[record.paidAttempt];
  const current = record.attempts[record.currentAttempt];
  if (current && (current.phase === 'creating' || current.phase === 'recorded')) return current;
  return (
    attemptsInOrder(record)
      .filter((a) => a.phase === 'recorded')
      .at(-1) ?? current
  );
}

export function currentAttempt(record: PaymentRecord): Attempt | undefined {
  return record.attempts[record.currentAttempt];
}

export function attemptsInOrder(record: PaymentRecord): Attempt[] {
  return Object.values(record.attempts).sort((a, b) => a.n - b.n);
}
