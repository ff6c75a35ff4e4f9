/**
 * Moves a stored payment toward the provider's view of its order. Shared by the webhook
 * handler and the `status` action: one set of rules, forward only, conditional writes.
 */
import { createHash, randomUUID } from 'node:crypto';
import { centavosToPesos } from './money.js';
import type { PaymentRecord, PaymentStore, PaymentTag, ProviderOrder, StatusChange } from './ports.js';
import { canTransition, type PaymentStatus } from './status.js';

/** The snapshot of a provider order, as reconciliation reads it. */
export function snapshotOf(order: ProviderOrder): OrderSnapshot {
  return {
    orderId: order.id,
    status: order.status,
    providerStatus: order.providerStatus,
    updatedAt: order.updatedAt,
    livemode: order.livemode,
    ...(order.paidAt !== undefined && { paidAt: order.paidAt }),
    ...(order.paymentMethod !== undefined && { paymentMethod: order.paymentMethod }),
    ...(order.amountRefundedCents !== undefined && { amountRefundedCents: order.amountRefundedCents }),
  };
}

/** What the provider says about an order at one moment. */
export type OrderSnapshot = {
  orderId: string;
  /** Our status for it; undefined when the provider's status is one we do not know. */
  status: PaymentStatus | undefined;
  providerStatus: string | null;
  /** Unix seconds of the provider's last change. */
  updatedAt: number;
  livemode: boolean;
  paidAt?: number;
  paymentMethod?: string;
  amountRefundedCents?: number;
};

export type StorefrontNotification = {
  id: string;
  type: `payment.${PaymentStatus}`;
  provider: string;
  reference_id: string;
  order_id: string;
  status: PaymentStatus;
  amount: string;
  amount_cents: number;
  currency: string;
  livemode: boolean;
  occurred_at: string;
};

export type TransitionWrite = {
  tag: PaymentTag;
  from: PaymentStatus;
  to: PaymentStatus;
  /** Written only if the stored provider_updated_at is not newer than this. */
  providerUpdatedAt: number;
  snapshot: OrderSnapshot;
  change: StatusChange;
  /** The outbox entry, one per (payment, status); absent when the record has no notification_url. */
  notification?: {
    payload: StorefrontNotification;
    url: string;
    /** Written already claimed for the caller's immediate first attempt, saving a round trip. */
    claim?: { claimId: string; leaseUntil: number };
  };
  /** Dedupe receipt of the webhook event that caused this, kept at least 7 days. */
  eventId?: string;
};

/** `applied_without_notification`: this status was notified before, so no outbox entry was written. */
export type TransitionResult = 'applied' | 'applied_without_notification' | 'duplicate_event' | 'conflict';

/** An outbox entry this write created already claimed: the caller owes it one attempt now. */
export type PreclaimedNotification = { id: string; url: string; payload: string; claimId: string };

export type ReconcileOutcome =
  | {
      result: 'applied';
      from: PaymentStatus;
      to: PaymentStatus;
      record: PaymentRecord;
      firstAttempt?: PreclaimedNotification;
    }
  | { result: 'duplicate_event' }
  | { result: 'stale' | 'not_forward' | 'unknown_status'; record: PaymentRecord }
  | { result: 'no_record' | 'other_order' };

export interface ReconcileStore {
  get: PaymentStore['get'];
  applyTransition(write: TransitionWrite): Promise<TransitionResult>;
  /** Keeps a status we do not understand for the operator, without moving ours. */
  recordProviderStatus(
    tag: PaymentTag,
    providerStatus: string | null,
    providerUpdatedAt: number,
  ): Promise<void>;
}

/** Stable per (payment, status), so storefronts can dedupe. */
export function notificationId(tag: PaymentTag, status: PaymentStatus): string {
  const digest = createHash('sha256').update(`${tag.merchant}\n${tag.referenceId}\n${status}`).digest('hex');
  return `ntf_${digest.slice(0, 32)}`;
}

export function buildNotification(
  record: PaymentRecord,
  to: PaymentStatus,
  at: string,
): StorefrontNotification {
  const tag = { merchant: record.merchant, referenceId: record.referenceId };
  return {
    id: notificationId(tag, to),
    type: `payment.${to}`,
    provider: record.provider,
    reference_id: record.referenceId,
    order_id: record.orderId ?? '',
    status: to,
    amount: centavosToPesos(record.amountCents),
    amount_cents: record.amountCents,
    currency: record.currency,
    livemode: record.livemode ?? false,
    occurred_at: at,
  };
}

const MAX_ATTEMPTS = 5;

/**
 * Applies the snapshot if it moves the payment forward and is not older than what is stored.
 * A concurrent writer makes the conditional write fail; then the record is read again and the
 * decision made anew.
 */
export async function reconcilePayment(
  store: ReconcileStore,
  tag: PaymentTag,
  snapshot: OrderSnapshot,
  source: {
    name: string;
    eventId?: string;
    now?: () => number;
    known?: PaymentRecord;
    /** Claim the outbox entry in the same write, for an attempt the caller makes right after. */
    firstAttempt?: { leaseMs: number };
  },
): Promise<ReconcileOutcome> {
  const now = source.now ?? Date.now;
  for (let attempt = 1; ; attempt += 1) {
    // The caller may already hold a fresh record: saves a read on the first try.
    const record =
      attempt === 1 && source.known ? source.known : await store.get(tag.merchant, tag.referenceId);
    if (!record || record.status === 'creating') return { result: 'no_record' };
    if (record.orderId !== snapshot.orderId) return { result: 'other_order' };
    if ((record.providerUpdatedAt ?? 0) > snapshot.updatedAt) return { result: 'stale', record };
    if (snapshot.status === undefined) {
      await store.recordProviderStatus(tag, snapshot.providerStatus, snapshot.updatedAt);
      return { result: 'unknown_status', record };
    }
    const from = record.status;
    const to = snapshot.status;
    if (!canTransition(from, to)) return { result: 'not_forward', record };

    const at = new Date(now()).toISOString();
    const payload = record.notificationUrl ? buildNotification(record, to, at) : undefined;
    const claim = payload &&
      source.firstAttempt && { claimId: randomUUID(), leaseUntil: now() + source.firstAttempt.leaseMs };
    const result = await store.applyTransition({
      tag,
      from,
      to,
      providerUpdatedAt: snapshot.updatedAt,
      snapshot,
      change: {
        status: to,
        previous: from,
        at,
        source: source.eventId ? `${source.name}:${source.eventId}` : source.name,
      },
      ...(payload && { notification: { payload, url: record.notificationUrl!, ...(claim && { claim }) } }),
      ...(source.eventId && { eventId: source.eventId }),
    });
    if (result === 'applied_without_notification') return { result: 'applied', from, to, record };
    if (result === 'applied') {
      const firstAttempt =
        payload && claim
          ? {
              id: payload.id,
              url: record.notificationUrl!,
              payload: JSON.stringify(payload),
              claimId: claim.claimId,
            }
          : undefined;
      return { result, from, to, record, ...(firstAttempt && { firstAttempt }) };
    }
    if (result === 'duplicate_event') return { result };
    if (attempt >= MAX_ATTEMPTS)
      throw new Error(`payment ${tag.referenceId}: gave up after ${attempt} conflicting writes`);
  }
}
