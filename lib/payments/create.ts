/**
 * `create` and `charge`: one provider order per attempt, exactly once, and attempts under one
 * payment per (merchant, reference_id) by the rules of lib/payments/decide.ts.
 *
 * The attempt is written (claimed) before the provider is called, so no order exists without its
 * record; the answer is checked, then recorded. When the answer is lost the attempt says so, and
 * the next request recovers it (lib/payments/recovery.ts) before anything new is made.
 */
import { randomUUID } from 'node:crypto';
import { checkNewOrder, checkSameOrder } from './answers.js';
import { decide } from './decide.js';
import { ErrorCode, inProgress, PagosError } from './errors.js';
import { idempotencyKey } from './fingerprints.js';
import { cancelOrderOf } from './lifecycle.js';
import type { Attempt, Merchant, PaymentKind, PaymentRecord } from './model.js';
import type { Credentials, OrderTag, PaymentStore, ProviderOrder } from './ports.js';
import { callProvider, ProviderError, providerErrorToPagosError } from './provider-errors.js';
import {
  claimed,
  type NewAttempt,
  newPayment,
  type PaymentDetails,
  withDecline,
  withNewAttempt,
  withOutcomeUnknown,
  withoutOrder,
} from './record.js';
import {
  type RecoveryConfig,
  type RecoveryDeps,
  recordOrders,
  recoverAttempt,
  searchAttemptOrders,
} from './recovery.js';
import { mutate, writeIfUnchanged } from './write.js';

export type CreateConfig = RecoveryConfig & {
  /** How long a concurrent duplicate waits for the first request before answering 409. */
  waitForInFlightMs: number;
  pollIntervalMs: number;
  /** Attempts one payment may have: beyond it, the storefront needs a new reference_id. */
  maxAttempts: number;
};

/** Recovery's, with create's settings and a clock to wait on. */
export type CreateDeps = Omit<RecoveryDeps, 'config'> & {
  config: CreateConfig;
  sleep: (ms: number) => Promise<void>;
};

export type OrderRequest = {
  merchant: Merchant;
  credentials: Credentials;
  referenceId: string;
  kind: PaymentKind;
  requestHash: string;
  amountCents: number;
  currency: string;
  details: PaymentDetails;
  replace: boolean;
  /** The buyer's email: narrows a recovery search where the provider supports it. */
  email: string;
  /** Unix seconds a link stops being payable. */
  expiresAt?: number;
  /** Epoch ms by which this request must have answered. */
  deadline: number;
  /** Makes the provider order for one attempt. */
  makeOrder: (attempt: { tag: OrderTag; idempotencyKey: string }, deadline: number) => Promise<ProviderOrder>;
};

export type CreateResult = {
  /** The order as the provider answered it, or as stored for a replay (without personal data). */
  order: unknown;
  orderId: string;
  replayed: boolean;
};

const iso = (ms: number) => new Date(ms).toISOString();

/** Times one request may find its payment changed under it (a lost write race) before it gives up. */
const MAX_CHANGES = 12;

export async function createPaymentOrder(deps: CreateDeps, request: OrderRequest): Promise<CreateResult> {
  const first = attemptSpec(deps, request);
  const fresh = newPayment({
    merchant: request.merchant,
    referenceId: request.referenceId,
    attempt: first,
    details: request.details,
    at: iso(deps.now()),
  });
  const inserted = await deps.store.insert(fresh);
  if (inserted.ok) return makeOrderFor(deps, request, fresh, first.id);

  let record: PaymentRecord | undefined = inserted.current;
  const waitUntil = deps.now() + deps.config.waitForInFlightMs;
  let refreshed = false;
  let changes = 0;
  while (changes < MAX_CHANGES) {
    // The first request was refused by the provider and left nothing: start over.
    if (!record) return createPaymentOrder(deps, request);
    const decision = decide(record, request, deps.now());
    // Waiting is bounded by waitUntil; every other round finds the payment changed.
    if (decision.do !== 'wait') changes += 1;
    switch (decision.do) {
      case 'replay':
        return replay(record, decision.attempt);
      case 'replay_declined':
        throw declined(decision.attempt);
      case 'conflict':
        throw referenceConflict(request.referenceId);
      case 'already_paid':
        throw alreadyPaid(request.referenceId, decision.attempt);
      case 'wait':
        if (deps.now() >= waitUntil) {
          throw inProgress(
            `A request for reference_id ${request.referenceId} is still being processed. Send it again in a moment.`,
          );
        }
        await deps.sleep(deps.config.pollIntervalMs);
        record = await deps.store.get(record.merchant, record.referenceId);
        break;
      case 'recover':
        record = await recoverAttempt(deps, {
          credentials: request.credentials,
          record,
          attemptId: decision.attempt.id,
          email: request.email,
          deadline: request.deadline,
        });
        break;
      case 'refresh': {
        if (refreshed) {
          throw inProgress(
            `The charge for reference_id ${request.referenceId} has not ended yet. Send it again in a moment.`,
          );
        }
        refreshed = true;
        const attempt = decision.attempt;
        const order = await callProvider(() =>
          deps.provider.getOrder(request.credentials, attempt.orderId!, request.deadline),
        );
        record = await recordOrders(
          deps.store,
          record,
          attempt.id,
          [checkSameOrder(deps.provider.name, order, attempt.orderId!)],
          {
            name: 'status',
            at: iso(deps.now()),
          },
        );
        break;
      }
      case 'call_again': {
        const claimToken = randomUUID();
        const now = deps.now();
        const next = claimed(
          record,
          decision.attempt.id,
          { claimToken, leaseUntil: now + deps.config.leaseMs, callAt: now },
          iso(now),
        );
        const written = await writeIfUnchanged(deps.store, record, next);
        if (!written.ok) {
          record = written.record;
          break;
        }
        return makeOrderFor(deps, request, written.record, decision.attempt.id);
      }
      case 'new_attempt': {
        if (decision.cancelFirst) {
          // At most one payable attempt: the old order is closed at the provider before a new one exists.
          record = await closeAttempt(deps, request, record, decision.cancelFirst);
          break;
        }
        if (Object.keys(record.attempts).length >= deps.config.maxAttempts) {
          throw new PagosError({
            status: 409,
            code: ErrorCode.tooManyAttempts,
            message: `reference_id ${request.referenceId} has had ${deps.config.maxAttempts} attempts; use a new reference_id.`,
          });
        }
        const spec = attemptSpec(deps, request);
        const written = await writeIfUnchanged(
          deps.store,
          record,
          withNewAttempt(record, spec, request.details, iso(deps.now())),
        );
        if (!written.ok) {
          record = written.record;
          break;
        }
        return makeOrderFor(deps, request, written.record, spec.id);
      }
    }
  }
  throw inProgress(`reference_id ${request.referenceId} is changing under this request. Send it again.`);
}

function attemptSpec(deps: CreateDeps, request: OrderRequest): NewAttempt {
  const now = deps.now();
  return {
    id: `att_${randomUUID().replace(/-/g, '')}`,
    kind: request.kind,
    requestHash: request.requestHash,
    amountCents: request.amountCents,
    currency: request.currency,
    claimToken: randomUUID(),
    claimedAt: now,
    leaseUntil: now + deps.config.leaseMs,
    ...(request.expiresAt !== undefined && { expiresAt: request.expiresAt }),
  };
}

/**
 * Cancels the attempt's order (or learns why it cannot be: paid, already closed) and records the
 * answer. An order the provider will not cancel and that stays payable (a cash payment already
 * issued) keeps the reference: replacing it would leave two payable orders.
 */
async function closeAttempt(
  deps: CreateDeps,
  request: OrderRequest,
  record: PaymentRecord,
  attempt: Attempt,
): Promise<PaymentRecord> {
  const order = await callProvider(() =>
    cancelOrderOf(deps.provider, request.credentials, attempt.orderId!, request.deadline),
  );
  const updated = await recordOrders(deps.store, record, attempt.id, [order], {
    name: 'cancel',
    at: iso(deps.now()),
  });
  const after = updated.attempts[attempt.id]?.status;
  if (after === 'created' || after === 'pending_payment') {
    throw new PagosError({
      status: 409,
      code: ErrorCode.providerConflict,
      message:
        `The current order of reference_id ${request.referenceId} is ${after} and the provider will not cancel it ` +
        '(a cash or bank payment may be under way). Wait until it is paid or expires, then send the request again.',
      details: [{ order_id: attempt.orderId, status: after }],
    });
  }
  return updated;
}

/** Calls the provider for a claimed attempt and records the outcome. */
async function makeOrderFor(
  deps: CreateDeps,
  request: OrderRequest,
  record: PaymentRecord,
  attemptId: string,
): Promise<CreateResult> {
  const attempt = record.attempts[attemptId]!;
  const tag: OrderTag = { merchant: record.merchant, referenceId: record.referenceId, attemptId };
  let order: ProviderOrder;
  try {
    order = checkNewOrder(
      deps.provider.name,
      await request.makeOrder(
        { tag, idempotencyKey: idempotencyKey(tag, attempt.requestHash) },
        request.deadline,
      ),
      { tag, amountCents: attempt.amountCents, currency: attempt.currency, link: attempt.kind === 'link' },
    );
  } catch (error) {
    return failed(deps, request, record, attempt, error);
  }
  await recordOrders(deps.store, record, attemptId, [order], {
    name: 'create',
    at: iso(deps.now()),
  });
  return resultOf(order);
}

/** The answer for an order this request made (or found made), as the provider answered it. */
function resultOf(order: ProviderOrder): CreateResult {
  return { order: order.body, orderId: order.orderId, replayed: false };
}

async function failed(
  deps: CreateDeps,
  request: OrderRequest,
  record: PaymentRecord,
  attempt: Attempt,
  error: unknown,
): Promise<CreateResult> {
  const at = () => iso(deps.now());
  if (!(error instanceof ProviderError)) {
    await mutate(deps.store, record, (r) => withOutcomeUnknown(r, attempt.id, at()));
    throw error;
  }
  const refusal = providerErrorToPagosError(error);
  /** The attempt's own orders, found by its tag: what a refusal may still have made. */
  const attemptOrders = () =>
    searchAttemptOrders(deps, {
      credentials: request.credentials,
      record,
      attempt,
      // Stryker disable next-line ConditionalExpression: only charges search here, and a charge request requires the email
      ...(request.email !== undefined && { email: request.email }),
      deadline: request.deadline,
    }).then(
      (r) => r.orders,
      () => [],
    );

  if (error.failure === 'declined') {
    const declineError = JSON.stringify({
      message: refusal.message,
      details: refusal.details,
      provider: refusal.provider,
    });
    // The provider keeps a declined order: record it (from the 402 itself, or found by its tag).
    const fitting = error.info.order ? [error.info.order] : await attemptOrders();
    if (fitting.length > 0) {
      await recordOrders(deps.store, record, attempt.id, fitting, { name: 'create', at: at(), declineError });
    } else {
      await mutate(deps.store, record, (r) => withDecline(r, attempt.id, declineError, at()));
    }
    throw refusal;
  }
  if (error.failure === 'token_used') {
    // A used token is never a decline: whatever used it may have charged. This attempt is called
    // only once its earlier calls are proven to have made nothing, so what charged is elsewhere,
    // unless the provider says otherwise: look once.
    const fitting = await attemptOrders();
    if (fitting.length > 0) {
      await recordOrders(deps.store, record, attempt.id, fitting, { name: 'create', at: at() });
      return resultOf(fitting[0]!);
    }
    await leaveRefused(deps.store, record, attempt.id, at());
    throw new PagosError({
      status: 422,
      code: ErrorCode.providerValidation,
      message: 'The card token was already used. Tokenize the card again and send the new token.',
      details: refusal.details,
      ...(refusal.provider && { provider: { ...refusal.provider, retry_safe: false } }),
      cause: error,
    });
  }
  if (error.outcome === 'not_processed') {
    await leaveRefused(deps.store, record, attempt.id, at());
    throw refusal;
  }
  await mutate(deps.store, record, (r) => withOutcomeUnknown(r, attempt.id, at()));
  throw refusal;
}

/**
 * Refused before anything was made: a payment that has nothing else leaves nothing behind, and
 * an attempt whose order an event recorded meanwhile stays recorded (the order exists).
 */
async function leaveRefused(
  store: PaymentStore,
  record: PaymentRecord,
  attemptId: string,
  at: string,
): Promise<void> {
  let current: PaymentRecord | undefined = record;
  while (current) {
    if (Object.keys(current.attempts).length !== 1 || current.attempts[attemptId]?.phase === 'recorded') {
      // A webhook recorded the order meanwhile, or another attempt exists: keep what is there.
      await mutate(store, current, (r) =>
        r.attempts[attemptId]?.phase === 'recorded' ? undefined : withoutOrder(r, attemptId, 'refused', at),
      );
      return;
    }
    const removed = await store.remove(current, current.version);
    if (removed.ok) return;
    current = removed.current;
  }
}

function replay(record: PaymentRecord, attempt: Attempt): CreateResult {
  // Only an attempt that is not current has no stored copy: its facts, in the order's shape.
  const fallback = {
    id: attempt.orderId,
    object: 'order',
    amount: attempt.amountCents,
    currency: attempt.currency,
    livemode: record.livemode,
    payment_status: attempt.providerStatus ?? null,
    metadata: { ...record.metadata, reference_id: record.referenceId },
    ...(attempt.checkoutUrl && { checkout: { url: attempt.checkoutUrl } }),
  };
  return {
    order:
      // Stryker disable next-line ConditionalExpression: decide() replays only the current attempt today; the check keeps another attempt from answering the current one's copy
      attempt.id === record.currentAttempt && record.replayOrder ? JSON.parse(record.replayOrder) : fallback,
    // decide() replays only recorded attempts: they have an order.
    orderId: attempt.orderId!,
    replayed: true,
  };
}

function declined(attempt: Attempt): PagosError {
  const stored = attempt.declineError
    ? (JSON.parse(attempt.declineError) as Pick<PagosError, 'message' | 'details' | 'provider'>)
    : { message: 'The payment was declined.', details: [], provider: undefined };
  return new PagosError({
    status: 402,
    code: ErrorCode.providerDeclined,
    message: stored.message,
    details: stored.details,
    ...(stored.provider && { provider: stored.provider }),
  });
}

function referenceConflict(referenceId: string): PagosError {
  return new PagosError({
    status: 409,
    code: ErrorCode.referenceConflict,
    message:
      `reference_id ${referenceId} has a payable order made from a different request (amount, buyer, URLs or ` +
      'another field differ). Resend the original request, or send "replace": true to cancel that order and make a new one.',
  });
}

function alreadyPaid(referenceId: string, paid: Attempt): PagosError {
  return new PagosError({
    status: 409,
    code: ErrorCode.alreadyPaid,
    message: `reference_id ${referenceId} is already paid (order ${paid.orderId}); it is never paid twice through Pagos.`,
    details: [{ order_id: paid.orderId ?? null, status: paid.status ?? null, attempt: paid.n }],
  });
}
