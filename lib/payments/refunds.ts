/**
 * `refund`: all or part of a paid order, each refund request carried out at most once.
 *
 * A refund request has a key (its amount and reason, or the storefront's refund_id) and an
 * entry on the payment record, written `in_flight` before the provider is called. A lost answer
 * leaves it `unknown`; before any other refund of the payment is made, every unknown or stale
 * entry is resolved against the provider's order: a refund the order lists (by id when the order
 * lists refunds, else by the refunded total against the refunds Pagos already counted) makes it
 * `done`, and only once the call can no longer land does a missing one become `not_made`. The
 * refunded total a webhook raised never decides whether a refund happened.
 */
import { createHash } from 'node:crypto';
import { checkRefunded, checkSameOrder } from './answers.js';
import { ErrorCode, inProgress, PagosError } from './errors.js';
import { type LifecycleDeps, loadPayment, type PaymentRef, paymentView } from './lifecycle.js';
import type { Attempt, PaymentRecord, RefundEntry } from './model.js';
import { centavosToPesos } from './money.js';
import type { ProviderOrder, RefundReason } from './ports.js';
import { callProvider, mayHaveActed, ProviderError, providerErrorToPagosError } from './provider-errors.js';
import { applySnapshot } from './record.js';
import { snapshotOf } from './recovery.js';
import { PaymentStatus } from './status.js';
import { mutate, writeIfUnchanged } from './write.js';

export type RefundRequest = PaymentRef & {
  /** Undefined: the whole unrefunded rest. */
  amountCents: number | undefined;
  reason: RefundReason;
  /** The storefront's own id for this refund, when it wants two equal refunds. */
  refundId: string | undefined;
  /** Which paid order to refund, when a payment was paid twice; else the paid one. */
  orderId: string | undefined;
};

export type RefundDeps = LifecycleDeps & { refundLockMs: number };

/** The same refund request, sent again, has the same key and refunds once. */
export function refundKey(
  request: Pick<RefundRequest, 'amountCents' | 'reason' | 'refundId' | 'orderId'>,
): string {
  const what =
    request.refundId ?? `${request.amountCents ?? 'rest'}|${request.reason}|${request.orderId ?? ''}`;
  return `rf_${createHash('sha256').update(what).digest('hex').slice(0, 24)}`;
}

const iso = (ms: number) => new Date(ms).toISOString();
const REFUNDABLE: readonly string[] = [PaymentStatus.paid, PaymentStatus.partiallyRefunded];

const withRefund = (record: PaymentRecord, entry: RefundEntry, at: string): PaymentRecord => ({
  ...record,
  refunds: { ...record.refunds, [entry.key]: entry },
  updatedAt: at,
});

const withoutRefund = (record: PaymentRecord, key: string, at: string): PaymentRecord => {
  const { [key]: _gone, ...refunds } = record.refunds;
  return { ...record, refunds, updatedAt: at };
};

/** The refunds of this order Pagos counted as done, by amount and provider id. */
function doneFor(record: PaymentRecord, orderId: string): RefundEntry[] {
  return Object.values(record.refunds).filter((r) => r.orderId === orderId && r.state === 'done');
}

/** Records what the provider's order says, and the refund entry's new state, in one write. */
async function recordRefundOutcome(
  deps: RefundDeps,
  record: PaymentRecord,
  entry: RefundEntry,
  order: ProviderOrder | undefined,
  change: Partial<RefundEntry> | 'remove',
): Promise<PaymentRecord> {
  const at = iso(deps.now());
  return (
    await mutate(deps.store, record, (r) => {
      const current = r.refunds[entry.key];
      if (!current) return undefined;
      const withOrder = order
        ? (applySnapshot(r, entry.attemptId, snapshotOf(order), { name: 'refund', at }).record ?? r)
        : r;
      return change === 'remove'
        ? withoutRefund(withOrder, entry.key, at)
        : withRefund(withOrder, { ...current, ...change }, at);
    })
  ).record;
}

/** Whether the order shows this entry's refund, among the refunds Pagos has not counted yet. */
function refundSeen(
  record: PaymentRecord,
  entry: RefundEntry,
  order: ProviderOrder,
  skewSeconds: number,
): { seen: boolean; providerRefundId?: string } {
  const done = doneFor(record, entry.orderId);
  if (order.refunds) {
    // Stryker disable next-line ArrayDeclaration: a made-up id among the counted ones matches no provider refund id
    const counted = new Set(done.flatMap((r) => (r.providerRefundId ? [r.providerRefundId] : [])));
    const match = order.refunds.find(
      (r) =>
        !counted.has(r.id) &&
        r.amountCents === entry.amountCents &&
        r.createdAt >= entry.startedAt - skewSeconds,
    );
    return match ? { seen: true, providerRefundId: match.id } : { seen: false };
  }
  const countedCents = done.reduce((sum, r) => sum + r.amountCents, 0);
  return { seen: (order.amountRefundedCents ?? 0) >= countedCents + entry.amountCents };
}

/** Settles an entry whose outcome is not known, from the provider's order. */
async function resolveRefund(
  deps: RefundDeps,
  request: RefundRequest,
  record: PaymentRecord,
  entry: RefundEntry,
): Promise<PaymentRecord> {
  const order = await callProvider(async () =>
    checkSameOrder(
      deps.provider.name,
      await deps.provider.getOrder(request.credentials, entry.orderId, request.deadline),
      entry.orderId,
    ),
  );
  const seen = refundSeen(record, entry, order, deps.config.searchSkewSeconds);
  if (seen.seen) {
    return recordRefundOutcome(deps, record, entry, order, {
      state: 'done',
      ...(seen.providerRefundId && { providerRefundId: seen.providerRefundId }),
    });
  }
  const settled = deps.now() >= Math.max(entry.lockUntil, entry.startedAt * 1000 + deps.config.settleMs);
  if (settled) return recordRefundOutcome(deps, record, entry, order, { state: 'not_made' });
  throw inProgress(
    'An earlier refund of this payment may still be processed by the provider. Send this again in a moment.',
    Math.max(1, Math.ceil((entry.lockUntil - deps.now()) / 1000)),
  );
}

function refundTarget(record: PaymentRecord, orderId: string | undefined): Attempt {
  const attempt = orderId
    ? Object.values(record.attempts).find((a) => a.orderId === orderId)
    : record.paidAttempt
      ? record.attempts[record.paidAttempt]
      : undefined;
  if (orderId && !attempt) {
    throw new PagosError({
      status: 400,
      code: ErrorCode.invalidRequest,
      message: `order_id ${orderId} is not an order of this payment.`,
      details: [{ field: 'order_id', message: 'is not an order of this payment' }],
    });
  }
  const status = attempt?.status ?? record.status;
  if (!attempt || !REFUNDABLE.includes(status)) {
    throw new PagosError({
      status: 400,
      code: ErrorCode.invalidRequest,
      message: `The payment is ${status}; only paid payments can be refunded.`,
      details: [{ field: 'reference_id', message: `payment is ${status}` }],
    });
  }
  return attempt;
}

export async function refundPayment(deps: RefundDeps, request: RefundRequest) {
  let record = await loadPayment(deps, request);
  const key = refundKey(request);
  for (let round = 0; round < 8; round += 1) {
    const mine = record.refunds[key];
    if (mine?.state === 'done') {
      const order = await callProvider(async () =>
        checkSameOrder(
          deps.provider.name,
          await deps.provider.getOrder(request.credentials, mine.orderId, request.deadline),
          mine.orderId,
        ),
      );
      return { body: order.body, payment: paymentView(record), replayed: true };
    }
    // Every refund whose outcome is open is settled before another one is made.
    const open = Object.values(record.refunds).find(
      (r) => r.state === 'unknown' || (r.state === 'in_flight' && r.lockUntil <= deps.now()),
    );
    if (open) {
      record = await resolveRefund(deps, request, record, open);
      continue;
    }
    if (Object.values(record.refunds).some((r) => r.state === 'in_flight')) {
      throw inProgress('Another refund of this payment is in progress. Send it again in a moment.', 2);
    }
    const attempt = refundTarget(record, request.orderId ?? mine?.orderId);
    const counted = doneFor(record, attempt.orderId!).reduce((sum, r) => sum + r.amountCents, 0);
    const rest = attempt.amountCents - Math.max(counted, attempt.amountRefundedCents ?? 0);
    const amount = mine?.state === 'not_made' ? mine.amountCents : (request.amountCents ?? rest);
    if (rest <= 0 || amount > rest) {
      throw new PagosError({
        status: 400,
        code: ErrorCode.invalidRequest,
        message: `Only ${centavosToPesos(Math.max(rest, 0))} is left to refund.`,
        details: [{ field: 'amount', message: `must be at most ${centavosToPesos(Math.max(rest, 0))}` }],
      });
    }
    const now = deps.now();
    const entry: RefundEntry = {
      key,
      attemptId: attempt.id,
      orderId: attempt.orderId!,
      amountCents: amount,
      reason: request.reason,
      state: 'in_flight',
      startedAt: Math.floor(now / 1000),
      lockUntil: now + deps.refundLockMs,
    };
    const locked = await writeIfUnchanged(deps.store, record, withRefund(record, entry, iso(now)));
    if (!locked.ok) {
      if (!locked.record) throw new Error(`payment ${request.referenceId} disappeared during a refund`);
      record = locked.record;
      continue;
    }
    return makeRefund(deps, request, locked.record, entry, counted);
  }
  throw inProgress('The payment is changing under this refund. Send it again in a moment.');
}

async function makeRefund(
  deps: RefundDeps,
  request: RefundRequest,
  record: PaymentRecord,
  entry: RefundEntry,
  countedBefore: number,
) {
  let order: ProviderOrder;
  try {
    order = await deps.provider.refundOrder(request.credentials, entry.orderId, {
      amountCents: entry.amountCents,
      reason: request.reason,
      idempotencyKey: `pagos-${entry.key}-${createHash('sha256').update(`${record.merchant}\n${record.referenceId}`).digest('hex').slice(0, 16)}`,
      deadline: request.deadline,
    });
    checkRefunded(deps.provider.name, order, {
      orderId: entry.orderId,
      atLeastCents: countedBefore + entry.amountCents,
    });
  } catch (error) {
    if (mayHaveActed(error)) {
      await recordRefundOutcome(deps, record, entry, undefined, { state: 'unknown' });
    } else {
      await recordRefundOutcome(deps, record, entry, undefined, 'remove');
    }
    throw error instanceof ProviderError ? providerErrorToPagosError(error) : error;
  }
  const seen = refundSeen(record, entry, order, deps.config.searchSkewSeconds);
  const updated = await recordRefundOutcome(deps, record, entry, order, {
    state: 'done',
    ...(seen.providerRefundId && { providerRefundId: seen.providerRefundId }),
  });
  return { body: order.body, payment: paymentView(updated), replayed: false };
}
