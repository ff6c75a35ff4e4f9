/**
 * Actions on an existing payment: `status` (reconcile with the provider) and `cancel`, plus the
 * loading every action shares: a payment whose outcome is unknown is recovered first, never
 * answered 404.
 */
import { checkSameOrder } from './answers.js';
import { ErrorCode, inProgress, PagosError, unknownReference } from './errors.js';
import {
  type Attempt,
  attemptsInOrder,
  type Merchant,
  type PaymentRecord,
  relevantAttempt,
} from './model.js';
import { centavosToPesos } from './money.js';
import type { Credentials, PaymentProvider, ProviderOrder } from './ports.js';
import { callProvider, ProviderError } from './provider-errors.js';
import { type RecoveryDeps, recordOrders, recoverAttempt } from './recovery.js';
import { isMoneyStatus } from './status.js';

export type LifecycleDeps = RecoveryDeps;

export type PaymentRef = {
  merchant: Merchant;
  credentials: Credentials;
  referenceId: string;
  deadline: number;
};

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The payment, with its relevant attempt's outcome known: an attempt whose provider answer was
 * lost is recovered here first. 404 only when no payment exists, or none of its attempts made an order.
 */
export async function loadPayment(deps: LifecycleDeps, ref: PaymentRef): Promise<PaymentRecord> {
  let record = await deps.store.get(ref.merchant.id, ref.referenceId);
  for (let round = 0; round < 4; round += 1) {
    if (!record) throw unknownReference(ref.referenceId);
    const attempt = relevantAttempt(record);
    if (!attempt || attempt.phase === 'refused' || attempt.phase === 'not_created') {
      throw new PagosError({
        status: 404,
        code: ErrorCode.unknownReference,
        message: `reference_id ${ref.referenceId} has no order at the provider: its attempts were refused or never made.`,
      });
    }
    if (attempt.phase === 'recorded') return record;
    if (!attempt.outcomeUnknown && (attempt.leaseUntil ?? 0) > deps.now()) {
      throw inProgress(
        `The payment ${ref.referenceId} is being created right now. Send this again in a moment.`,
      );
    }
    record = await recoverAttempt(deps, {
      credentials: ref.credentials,
      record,
      attemptId: attempt.id,
      deadline: ref.deadline,
    });
  }
  throw inProgress(`The payment ${ref.referenceId} is changing under this request. Send it again.`);
}

/** The record as a storefront sees it: no internals, no secrets. */
export function paymentView(record: PaymentRecord) {
  const relevant = relevantAttempt(record);
  return {
    reference_id: record.referenceId,
    merchant: record.merchant,
    provider: record.provider,
    livemode: record.livemode,
    status: record.status,
    order_id: relevant?.orderId ?? null,
    kind: relevant?.kind ?? null,
    checkout_url: relevant?.checkoutUrl ?? null,
    amount: centavosToPesos(relevant?.amountCents ?? 0),
    amount_cents: relevant?.amountCents ?? 0,
    currency: relevant?.currency ?? null,
    amount_refunded_cents: relevant?.amountRefundedCents ?? 0,
    paid_at: relevant?.paidAt ?? null,
    payment_method: relevant?.paymentMethod ?? null,
    ...(relevant?.card && { card: relevant.card }),
    ...(relevant?.late && { late: true }),
    ...(record.paidTwice && { paid_twice: true }),
    provider_status: relevant?.providerStatus ?? null,
    notification_url: record.notificationUrl ?? null,
    ...(record.metadata && { metadata: record.metadata }),
    attempts: attemptsInOrder(record).map(attemptView),
    refunds: Object.values(record.refunds).map((r) => ({
      amount_cents: r.amountCents,
      reason: r.reason,
      state: r.state,
      order_id: r.orderId,
    })),
    history: record.history.map((h) => ({
      status: h.status,
      at: h.at,
      source: h.source,
      ...(h.orderId && { order_id: h.orderId }),
    })),
    created_at: record.createdAt,
    updated_at: record.updatedAt,
  };
}

export type PaymentView = ReturnType<typeof paymentView>;

const attemptView = (a: Attempt) => ({
  attempt: a.n,
  kind: a.kind,
  order_id: a.orderId ?? null,
  status: a.phase === 'recorded' ? (a.status ?? null) : a.phase,
  amount_cents: a.amountCents,
  currency: a.currency,
  ...(a.checkoutUrl && { checkout_url: a.checkoutUrl }),
  ...(a.late && { late: true }),
});

/** Orders worth asking the provider about: the relevant one, and others money could still reach. */
function ordersToRefresh(record: PaymentRecord): Attempt[] {
  const relevant = relevantAttempt(record);
  const others = attemptsInOrder(record)
    // An attempt has an order id only once recorded, and then a status.
    .filter((a) => a.orderId && a.id !== relevant?.id && !isMoneyStatus(a.status!))
    .slice(-4);
  return [...(relevant?.orderId ? [relevant] : []), ...others];
}

/** `status`: the storefront's way to reconcile when a webhook was missed. */
export async function paymentStatus(deps: LifecycleDeps, ref: PaymentRef) {
  let record = await loadPayment(deps, ref);
  const attempts = ordersToRefresh(record);
  const orders = await callProvider(() =>
    Promise.all(
      attempts.map(async (a) =>
        checkSameOrder(
          deps.provider.name,
          await deps.provider.getOrder(ref.credentials, a.orderId!, ref.deadline),
          a.orderId!,
        ),
      ),
    ),
  );
  for (const [i, order] of orders.entries()) {
    record = await recordOrders(deps.store, record, attempts[i]!.id, [order], {
      name: 'status',
      at: iso(deps.now()),
    });
  }
  return { payment: paymentView(record), order: orders[0]?.body ?? null };
}

/** Cancels an order, or learns why it cannot be (paid, already closed) from the order itself. */
export async function cancelOrderOf(
  provider: PaymentProvider,
  credentials: Credentials,
  orderId: string,
  deadline: number,
): Promise<ProviderOrder> {
  try {
    return checkSameOrder(provider.name, await provider.cancelOrder(credentials, orderId, deadline), orderId);
  } catch (error) {
    if (!(error instanceof ProviderError) || error.failure !== 'precondition') throw error;
    return checkSameOrder(provider.name, await provider.getOrder(credentials, orderId, deadline), orderId);
  }
}

/** `cancel`: only a payment not yet paid; the provider is never asked to cancel a paid one. */
export async function cancelPayment(deps: LifecycleDeps, ref: PaymentRef) {
  const record = await loadPayment(deps, ref);
  const attempt = relevantAttempt(record)!;
  if (isMoneyStatus(attempt.status!)) {
    throw new PagosError({
      status: 409,
      code: ErrorCode.providerConflict,
      message: `The payment is ${attempt.status}; only unpaid payments can be canceled. Use action "refund" instead.`,
      details: [{ field: 'reference_id', message: `payment is ${attempt.status}` }],
    });
  }
  const order = await callProvider(() =>
    cancelOrderOf(deps.provider, ref.credentials, attempt.orderId!, ref.deadline),
  );
  const updated = await recordOrders(deps.store, record, attempt.id, [order], {
    name: 'cancel',
    at: iso(deps.now()),
  });
  if (updated.status !== 'canceled' && updated.status !== 'expired') {
    // The provider would not cancel: it was paid meanwhile (recorded above), or it says why in its status.
    throw new PagosError({
      status: 409,
      code: ErrorCode.providerConflict,
      message: `The provider did not cancel the payment: it is ${updated.status}.`,
      details: [{ field: 'reference_id', message: `payment is ${updated.status}` }],
    });
  }
  return { body: order.body, payment: paymentView(updated) };
}
