/**
 * Use cases on an existing payment: `status` (reconcile with the provider), `refund` and
 * `cancel`. Each moves the record with the same forward-only rules as the webhook handler.
 */
import { createHash, randomUUID } from 'node:crypto';
import { ErrorCode, PagosError } from './errors.js';
import { merchantFingerprint } from './fingerprints.js';
import { centavosToPesos } from './money.js';
import type { PaymentProvider, PaymentRecord, PaymentTag, ProviderOrder } from './ports.js';
import { ProviderError, providerErrorToPagosError } from './provider-errors.js';
import {
  buildNotification,
  notificationId,
  type PreclaimedNotification,
  type ReconcileOutcome,
  type ReconcileStore,
  reconcilePayment,
  snapshotOf,
} from './reconcile.js';
import type { PaymentReference, RefundRequest } from './refund-request.js';
import { PaymentStatus } from './status.js';

export type RefundWrite = {
  tag: PaymentTag;
  key: string;
  from: PaymentStatus;
  to: PaymentStatus;
  refundedCents: number;
  order: ProviderOrder;
  at: string;
  notification?: {
    payload: ReturnType<typeof buildNotification>;
    url: string;
    claim?: { claimId: string; leaseUntil: number };
  };
};

export interface LifecycleStore extends ReconcileStore {
  /** Takes the refund lock unless another live lock holds it or the key was already refunded. */
  lockRefund(tag: PaymentTag, key: string, lockUntil: number, now: number): Promise<boolean>;
  /** Records the refund and frees the lock; true when the outbox entry was written with it. */
  completeRefund(write: RefundWrite): Promise<boolean>;
  releaseRefund(tag: PaymentTag, key: string): Promise<void>;
}

export type LifecycleDeps = {
  provider: PaymentProvider;
  store: LifecycleStore;
  /** How long a refund sender owns the lock; longer than one provider call. */
  refundLockMs: number;
  /** Lease of a notification written claimed for the caller's immediate attempt. */
  notifyLeaseMs?: number;
  now?: () => number;
};

/** What a request queued for the storefront: an entry it claimed already, or an id to attempt. */
export type QueuedNotification = { firstAttempt?: PreclaimedNotification; notification?: string };

/** The record as a storefront sees it: no internals, no secrets. */
export type PaymentView = ReturnType<typeof paymentView>;

export function paymentView(record: PaymentRecord) {
  return {
    reference_id: record.referenceId,
    provider: record.provider,
    kind: record.kind,
    status: record.status,
    order_id: record.orderId ?? null,
    checkout_url: record.checkoutUrl ?? null,
    amount: centavosToPesos(record.amountCents),
    amount_cents: record.amountCents,
    currency: record.currency,
    amount_refunded_cents: record.amountRefundedCents ?? 0,
    paid_at: record.paidAt ?? null,
    payment_method: record.paymentMethod ?? null,
    ...(record.card && { card: record.card }),
    provider_status: record.providerStatus ?? null,
    livemode: record.livemode ?? false,
    notification_url: record.notificationUrl ?? null,
    history: record.history,
    created_at: record.createdAt,
    updated_at: record.updatedAt,
  };
}

async function findPayment(deps: LifecycleDeps, ref: PaymentReference) {
  const tag = { merchant: merchantFingerprint(ref.secret), referenceId: ref.referenceId };
  const record = await deps.store.get(tag.merchant, tag.referenceId);
  if (!record || record.status === 'creating' || !record.orderId) {
    throw new PagosError(
      404,
      ErrorCode.unknownReference,
      `No payment with reference_id ${ref.referenceId} for this merchant. Create it first with action "create" or "charge".`,
    );
  }
  return { tag, record, credentials: { secret: ref.secret }, orderId: record.orderId };
}

async function callProvider<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    throw error instanceof ProviderError ? providerErrorToPagosError(error) : error;
  }
}

/** `status`: the storefront's way to reconcile when a webhook was missed. */
export async function paymentStatus(deps: LifecycleDeps, ref: PaymentReference) {
  const { tag, record, credentials, orderId } = await findPayment(deps, ref);
  const order = await callProvider(() => deps.provider.getOrder(credentials, orderId));
  const outcome = await reconcilePayment(deps.store, tag, snapshotOf(order), {
    name: 'status',
    known: record,
    ...(deps.now && { now: deps.now }),
    ...(deps.notifyLeaseMs && { firstAttempt: { leaseMs: deps.notifyLeaseMs } }),
  });
  const current = outcome.result === 'applied' ? await deps.store.get(tag.merchant, tag.referenceId) : record;
  return {
    payment: paymentView(current ?? record),
    order: order.body,
    ...queuedBy(outcome, tag, record),
  };
}

/** The outbox entry a status change queued, for an immediate delivery attempt. */
function queuedBy(outcome: ReconcileOutcome, tag: PaymentTag, record: PaymentRecord): QueuedNotification {
  if (outcome.result !== 'applied' || !record.notificationUrl) return {};
  return outcome.firstAttempt
    ? { firstAttempt: outcome.firstAttempt }
    : { notification: notificationId(tag, outcome.to) };
}

const NOT_CANCELABLE: readonly string[] = [
  PaymentStatus.paid,
  PaymentStatus.partiallyRefunded,
  PaymentStatus.refunded,
  PaymentStatus.chargedBack,
];

/** `cancel`: only a payment not yet paid. */
export async function cancelPayment(deps: LifecycleDeps, ref: PaymentReference) {
  const { tag, record, credentials, orderId } = await findPayment(deps, ref);
  if (NOT_CANCELABLE.includes(record.status)) {
    throw new PagosError(
      409,
      ErrorCode.providerConflict,
      `The payment is ${record.status}; only unpaid payments can be canceled. Use action "refund" instead.`,
    );
  }
  const order =
    record.status === PaymentStatus.canceled
      ? await callProvider(() => deps.provider.getOrder(credentials, orderId))
      : await callProvider(() => deps.provider.cancelOrder(credentials, orderId));
  const outcome = await reconcilePayment(deps.store, tag, snapshotOf(order), {
    name: 'cancel',
    known: record,
    ...(deps.now && { now: deps.now }),
    ...(deps.notifyLeaseMs && { firstAttempt: { leaseMs: deps.notifyLeaseMs } }),
  });
  return { body: order.body, ...queuedBy(outcome, tag, record) };
}

const REFUNDABLE: readonly string[] = [PaymentStatus.paid, PaymentStatus.partiallyRefunded];

/** The same refund request, sent again, has the same key and refunds once. */
export function refundKey(request: RefundRequest): string {
  const what = request.refundId ?? `${request.amountCents ?? 'rest'}|${request.reason}`;
  return `rf_${createHash('sha256').update(what).digest('hex').slice(0, 24)}`;
}

/** `refund`: all or part of what is left, once per refund request. */
export async function refundPayment(deps: LifecycleDeps, request: RefundRequest) {
  const now = deps.now ?? Date.now;
  const { tag, record, credentials, orderId } = await findPayment(deps, request);
  const key = refundKey(request);
  if (record.refundKeys?.includes(key)) {
    return { body: (await callProvider(() => deps.provider.getOrder(credentials, orderId))).body };
  }
  if (!REFUNDABLE.includes(record.status)) {
    throw new PagosError(
      400,
      ErrorCode.invalidRequest,
      `The payment is ${record.status}; only paid payments can be refunded.`,
      [{ field: 'reference_id', message: `payment is ${record.status}` }],
    );
  }
  const refunded = record.amountRefundedCents ?? 0;
  const rest = record.amountCents - refunded;
  const amount = request.amountCents ?? rest;
  if (amount > rest || rest <= 0) {
    throw new PagosError(400, ErrorCode.invalidRequest, `Only ${centavosToPesos(rest)} is left to refund.`, [
      { field: 'amount', message: `must be at most ${centavosToPesos(rest)}` },
    ]);
  }

  const stale = record.refundLock !== undefined && (record.refundLockUntil ?? 0) <= now();
  if (!(await deps.store.lockRefund(tag, key, now() + deps.refundLockMs, now()))) {
    const current = await deps.store.get(tag.merchant, tag.referenceId);
    if (current?.refundKeys?.includes(key)) {
      return { body: (await callProvider(() => deps.provider.getOrder(credentials, orderId))).body };
    }
    throw new PagosError(
      409,
      ErrorCode.requestInProgress,
      'Another refund of this payment is in progress. Send it again in a moment.',
      [],
      undefined,
      {
        'Retry-After': '2',
      },
    );
  }

  let order: ProviderOrder;
  try {
    // A refund whose answer was lost may have happened: look before refunding again.
    const seen = stale ? await deps.provider.getOrder(credentials, orderId) : undefined;
    order =
      seen && (seen.amountRefundedCents ?? 0) > refunded
        ? seen
        : await deps.provider.refundOrder(credentials, orderId, {
            amountCents: amount,
            reason: request.reason,
          });
  } catch (error) {
    if (error instanceof ProviderError && error.info.outcome === 'not_created')
      await deps.store.releaseRefund(tag, key);
    throw error instanceof ProviderError ? providerErrorToPagosError(error) : error;
  }

  const refundedCents = order.amountRefundedCents ?? refunded + amount;
  const to = refundedCents >= record.amountCents ? PaymentStatus.refunded : PaymentStatus.partiallyRefunded;
  const at = new Date(now()).toISOString();
  const payload =
    record.notificationUrl && to !== record.status ? buildNotification(record, to, at) : undefined;
  const claim =
    payload && deps.notifyLeaseMs
      ? { claimId: randomUUID(), leaseUntil: now() + deps.notifyLeaseMs }
      : undefined;
  const notified = await deps.store.completeRefund({
    tag,
    key,
    from: record.status as PaymentStatus,
    to,
    refundedCents,
    order,
    at,
    ...(payload && { notification: { payload, url: record.notificationUrl!, ...(claim && { claim }) } }),
  });
  if (!notified || !payload) return { body: order.body };
  return {
    body: order.body,
    ...(claim
      ? {
          firstAttempt: {
            id: payload.id,
            url: record.notificationUrl!,
            payload: JSON.stringify(payload),
            claimId: claim.claimId,
          },
        }
      : { notification: payload.id }),
  };
}
