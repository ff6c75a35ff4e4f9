/**
 * One provider order per (merchant, reference_id), exactly once, shared by `create` and `charge`.
 *
 * The record is claimed with a conditional write before the provider is called and completed
 * after, so a provider order never exists without its record. A replay is answered from the
 * record. When the provider's answer was lost (timeout, dropped connection, 5xx), the record
 * says so, and the next attempt looks for the order before creating another one.
 */
import { randomUUID } from 'node:crypto';
import { ErrorCode, PagosError } from './errors.js';
import type {
  MerchantCredentials,
  PaymentKind,
  PaymentProvider,
  PaymentRecord,
  PaymentStore,
  PaymentTag,
  ProviderOrder,
} from './ports.js';
import { ProviderError, providerErrorToPagosError } from './provider-errors.js';
import { PaymentStatus } from './status.js';

export type ExactlyOnceConfig = {
  /** How long a claimer owns a create; longer than the provider timeout. */
  leaseMs: number;
  /** How long a concurrent duplicate waits for the first request before answering 409. */
  waitForInFlightMs: number;
  pollIntervalMs: number;
};

export type ExactlyOnceDeps = {
  provider: PaymentProvider;
  store: PaymentStore;
  config: ExactlyOnceConfig;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
};

export type OncePayment = {
  kind: PaymentKind;
  tag: PaymentTag;
  credentials: MerchantCredentials;
  requestHash: string;
  amountCents: number;
  currency: string;
  notificationUrl: string | undefined;
  /** Makes the provider order; called at most once per attempt. */
  createOrder: () => Promise<ProviderOrder>;
  /** A declined charge still leaves a declined order at the provider: record it and replay the refusal. */
  recordDeclined?: boolean;
};

export type OnceResult = { order: unknown; orderId: string; status: PaymentStatus; replayed: boolean };

export async function createExactlyOnce(deps: ExactlyOnceDeps, payment: OncePayment): Promise<OnceResult> {
  const now = deps.now ?? Date.now;
  const { tag } = payment;
  const claimToken = randomUUID();
  const claim = await deps.store.claim({
    merchant: tag.merchant,
    referenceId: tag.referenceId,
    kind: payment.kind,
    provider: deps.provider.name,
    requestHash: payment.requestHash,
    amountCents: payment.amountCents,
    currency: payment.currency,
    notificationUrl: payment.notificationUrl,
    createdAt: new Date(now()).toISOString(),
    claimToken,
    leaseUntil: now() + deps.config.leaseMs,
  });
  if (claim.claimed) return createAndRecord(deps, payment, claimToken, { lookFirst: false });

  const deadline = now() + deps.config.waitForInFlightMs;
  let existing: PaymentRecord | undefined = claim.existing;
  for (;;) {
    // The first attempt was refused by the provider and released the reference: start over.
    if (!existing) return createExactlyOnce(deps, payment);
    if (existing.requestHash !== payment.requestHash || existing.kind !== payment.kind) {
      throw referenceConflict(tag.referenceId);
    }
    if (existing.status !== 'creating') return replay(existing);

    const ownerGone = existing.outcomeUnknown || (existing.leaseUntil ?? 0) <= now();
    if (ownerGone && existing.claimToken) {
      const next = { claimToken, leaseUntil: now() + deps.config.leaseMs };
      const won = await deps.store.takeOver(
        tag.merchant,
        tag.referenceId,
        { claimToken: existing.claimToken },
        next,
      );
      if (won) return createAndRecord(deps, payment, claimToken, { lookFirst: true });
    } else if (now() >= deadline) {
      throw requestInProgress(tag.referenceId);
    } else {
      await (deps.sleep ?? sleep)(deps.config.pollIntervalMs);
    }
    existing = await deps.store.get(tag.merchant, tag.referenceId);
  }
}

async function createAndRecord(
  deps: ExactlyOnceDeps,
  payment: OncePayment,
  claimToken: string,
  opts: { lookFirst: boolean },
): Promise<OnceResult> {
  const now = deps.now ?? Date.now;
  const { tag } = payment;
  let order: ProviderOrder;
  try {
    const earlier = opts.lookFirst ? await deps.provider.findOrdersByTag(payment.credentials, tag) : [];
    order = earlier[0] ?? (await payment.createOrder());
  } catch (error) {
    if (error instanceof ProviderError && error.failure === 'declined' && payment.recordDeclined) {
      return recordDeclined(deps, payment, claimToken, error);
    }
    // After a lost answer, a refusal proves nothing about the first attempt: keep looking next time.
    if (error instanceof ProviderError && error.info.outcome === 'not_created' && !opts.lookFirst) {
      await deps.store.release(tag.merchant, tag.referenceId, claimToken);
    } else {
      await deps.store.markOutcomeUnknown(tag.merchant, tag.referenceId, claimToken);
    }
    throw error instanceof ProviderError ? providerErrorToPagosError(error) : error;
  }

  const status = order.status ?? PaymentStatus.created;
  const completed = await deps.store.complete(tag.merchant, tag.referenceId, claimToken, {
    orderId: order.id,
    checkoutId: order.checkoutId,
    checkoutUrl: order.checkoutUrl,
    livemode: order.livemode,
    providerStatus: order.providerStatus,
    providerUpdatedAt: order.updatedAt,
    providerOrder: JSON.stringify(order.body),
    ...(order.paidAt !== undefined && { paidAt: order.paidAt }),
    ...(order.paymentMethod !== undefined && { paymentMethod: order.paymentMethod }),
    ...(order.card !== undefined && { card: order.card }),
    status,
    at: new Date(now()).toISOString(),
  });
  if (!completed) {
    // Our lease ran out mid-call and another attempt took over: answer with whatever it recorded.
    const current = await deps.store.get(tag.merchant, tag.referenceId);
    if (current && current.status !== 'creating' && current.orderId) return replay(current);
    throw requestInProgress(tag.referenceId);
  }
  return { order: order.body, orderId: order.id, status, replayed: false };
}

/** Records the declined order the provider kept, then refuses like the provider did. */
async function recordDeclined(
  deps: ExactlyOnceDeps,
  payment: OncePayment,
  claimToken: string,
  error: ProviderError,
): Promise<never> {
  const { tag } = payment;
  const refusal = providerErrorToPagosError(error);
  const [declined] = await deps.provider.findOrdersByTag(payment.credentials, tag).catch(() => []);
  if (!declined) {
    await deps.store.release(tag.merchant, tag.referenceId, claimToken);
    throw refusal;
  }
  await deps.store.complete(tag.merchant, tag.referenceId, claimToken, {
    orderId: declined.id,
    checkoutId: declined.checkoutId,
    checkoutUrl: declined.checkoutUrl,
    livemode: declined.livemode,
    providerStatus: declined.providerStatus,
    providerUpdatedAt: declined.updatedAt,
    providerOrder: JSON.stringify(declined.body),
    providerError: JSON.stringify({
      message: refusal.message,
      details: refusal.details,
      provider: refusal.provider,
    }),
    status: PaymentStatus.declined,
    at: new Date((deps.now ?? Date.now)()).toISOString(),
  });
  throw refusal;
}

function replay(record: PaymentRecord): OnceResult {
  if (record.kind === 'charge' && record.status === PaymentStatus.declined && record.providerError) {
    const stored = JSON.parse(record.providerError) as Pick<PagosError, 'message' | 'details' | 'provider'>;
    throw new PagosError(402, ErrorCode.providerDeclined, stored.message, stored.details, stored.provider);
  }
  return {
    order: JSON.parse(record.providerOrder ?? 'null'),
    orderId: record.orderId ?? '',
    status: record.status === 'creating' ? PaymentStatus.created : record.status,
    replayed: true,
  };
}

function referenceConflict(referenceId: string): PagosError {
  return new PagosError(
    409,
    ErrorCode.referenceConflict,
    `reference_id ${referenceId} already names a different payment (amount, currency, email, URLs or ` +
      'another field differ). Use a new reference_id for a new payment, or resend the original request.',
  );
}

function requestInProgress(referenceId: string): PagosError {
  return new PagosError(
    409,
    ErrorCode.requestInProgress,
    `A request for reference_id ${referenceId} is still being processed. Send it again in a moment.`,
    [],
    undefined,
    { 'Retry-After': '1' },
  );
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
