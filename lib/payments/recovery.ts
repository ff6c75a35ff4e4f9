/**
 * Recovery of an attempt whose provider answer was lost (timeout, 5xx, dropped connection, an
 * answer that did not fit, or a claimer that died mid-call). Before anything new is made, the
 * attempt's order is looked for through documented list filters only: the `created_at` window
 * around the attempt, narrowed by the buyer's email where given, every page up to a bound, matched
 * on the attempt id in the order's metadata and on its amount and currency. Only a complete search
 * made after the last call had time to settle proves that no order exists.
 */
import { randomUUID } from 'node:crypto';
import { outcomeUnknown } from './errors.js';
import type { Attempt, PaymentRecord } from './model.js';
import type { Credentials, OrderSnapshot, PaymentProvider, PaymentStore, ProviderOrder } from './ports.js';
import { ProviderError, providerErrorToPagosError } from './provider-errors.js';
import { applySnapshot, claimed, withOutcomeUnknown, withoutOrder } from './record.js';
import { mutate, writeIfUnchanged } from './write.js';

export type RecoveryConfig = {
  /** How long a claimer owns an attempt's provider call: longer than any request can run. */
  leaseMs: number;
  /** How long after the last provider call a missing order counts as never made. */
  settleMs: number;
  /** Clock difference tolerated between Pagos and the provider, in seconds. */
  searchSkewSeconds: number;
};

export type RecoveryDeps = {
  provider: PaymentProvider;
  store: PaymentStore;
  config: RecoveryConfig;
  now: () => number;
};

const iso = (ms: number) => new Date(ms).toISOString();

/** The order's snapshot, for recording (everything but the caller-only body). */
export function snapshotOf(order: ProviderOrder): OrderSnapshot {
  const { createdAt: _c, refunds: _r, body: _b, ...snapshot } = order;
  return snapshot;
}

/** Records provider orders of an attempt (oldest first: a second one becomes a sibling attempt). */
export async function recordOrders(
  store: PaymentStore,
  record: PaymentRecord,
  attemptId: string,
  orders: readonly ProviderOrder[],
  source: { name: string; at: string; declineError?: string },
): Promise<PaymentRecord> {
  let current = record;
  for (const order of [...orders].sort((a, b) => a.createdAt - b.createdAt)) {
    ({ record: current } = await mutate(
      store,
      current,
      (r) => applySnapshot(r, attemptId, snapshotOf(order), source).record,
    ));
  }
  return current;
}

/**
 * The attempt's orders at the provider: searched by its tag over the attempt's time window (a
 * little wider each side, whole seconds outwards), and only those of its tag, amount and currency.
 */
export async function searchAttemptOrders(
  deps: RecoveryDeps,
  args: {
    credentials: Credentials;
    record: PaymentRecord;
    attempt: Attempt;
    email?: string;
    deadline: number;
  },
): Promise<{ orders: ProviderOrder[]; complete: boolean }> {
  const { record, attempt } = args;
  const tag = { merchant: record.merchant, referenceId: record.referenceId, attemptId: attempt.id };
  const skew = deps.config.searchSkewSeconds;
  const { orders, complete } = await deps.provider.findAttemptOrders(args.credentials, {
    tag,
    createdFrom: Math.floor(attempt.claimedAt / 1000) - skew,
    createdTo: Math.ceil(deps.now() / 1000) + skew,
    ...(args.email !== undefined && { email: args.email }),
    deadline: args.deadline,
  });
  const fitting = orders.filter(
    (o) =>
      o.tag?.attemptId === attempt.id &&
      o.tag.merchant === tag.merchant &&
      o.tag.referenceId === tag.referenceId &&
      o.amountCents === attempt.amountCents &&
      o.currency === attempt.currency,
  );
  return { orders: fitting, complete };
}

/**
 * Takes over the attempt and looks for its order. Returns the record with what was found (or
 * the attempt marked `not_created`); the caller decides again from it. Throws a retry-safe 502
 * when it cannot tell yet. Returns the stored record untouched when another request took the
 * attempt over first.
 */
export async function recoverAttempt(
  deps: RecoveryDeps,
  args: {
    credentials: Credentials;
    record: PaymentRecord;
    attemptId: string;
    email?: string;
    deadline: number;
  },
): Promise<PaymentRecord> {
  const now = deps.now();
  const claimToken = randomUUID();
  const taken = await writeIfUnchanged(
    deps.store,
    args.record,
    claimed(args.record, args.attemptId, { claimToken, leaseUntil: now + deps.config.leaseMs }, iso(now)),
  );
  if (!taken.ok) {
    if (!taken.record) throw new Error(`payment ${args.record.referenceId} disappeared during recovery`);
    return taken.record;
  }
  const record = taken.record;
  const attempt = record.attempts[args.attemptId]!;
  const giveUp = async (error: unknown, retryAfterSeconds?: number): Promise<never> => {
    await mutate(deps.store, record, (r) => withOutcomeUnknown(r, attempt.id, iso(deps.now())));
    if (error instanceof ProviderError) throw providerErrorToPagosError(error);
    throw outcomeUnknown({
      provider: deps.provider.name,
      message: String((error as Error).message ?? error),
      cause: error,
      ...(retryAfterSeconds !== undefined && { retryAfterSeconds }),
    });
  };

  let fitting: ProviderOrder[];
  let complete: boolean;
  try {
    ({ orders: fitting, complete } = await searchAttemptOrders(deps, {
      credentials: args.credentials,
      record,
      attempt,
      ...(args.email !== undefined && { email: args.email }),
      deadline: args.deadline,
    }));
  } catch (error) {
    return giveUp(error);
  }
  if (fitting.length > 0) {
    return recordOrders(deps.store, record, attempt.id, fitting, { name: 'recovery', at: iso(deps.now()) });
  }
  const settlesAt = attempt.lastCallAt + deps.config.settleMs;
  if (complete && deps.now() >= settlesAt) {
    return (
      await mutate(deps.store, record, (r) => withoutOrder(r, attempt.id, 'not_created', iso(deps.now())))
    ).record;
  }
  const wait = Math.max(1, Math.ceil((settlesAt - deps.now()) / 1000));
  return giveUp(
    new Error(
      complete
        ? `An earlier attempt of this payment may still be processed by the provider; Pagos confirms in about ${wait} s. Send the same request again then.`
        : 'Pagos could not search every order of the earlier attempt’s time window yet. Send the same request again in a moment.',
    ),
    wait,
  );
}
