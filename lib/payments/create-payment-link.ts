/**
 * Use case `create`: one hosted payment link per (merchant, reference_id), exactly once.
 *
 * The record is claimed with a conditional write before the provider is called and completed
 * after, so a provider order never exists without its record. A replay is answered from the
 * record. When the provider's answer was lost (timeout, dropped connection, 5xx), the record
 * says so, and the next attempt looks for the order before creating another one.
 */
import { randomUUID } from 'node:crypto';
import type { CreatePaymentLinkRequest } from './create-request.js';
import { ErrorCode, PagosError } from './errors.js';
import { idempotencyKey, merchantFingerprint, requestHash } from './fingerprints.js';
import type { PaymentProvider, PaymentRecord, PaymentStore, PaymentTag, ProviderOrder } from './ports.js';
import { ProviderError, providerErrorToPagosError } from './provider-errors.js';
import { PaymentStatus } from './status.js';

export type CreatePaymentLinkConfig = {
  /** How long a claimer owns a create; longer than the provider timeout. */
  leaseMs: number;
  /** How long a concurrent duplicate waits for the first request before answering 409. */
  waitForInFlightMs: number;
  pollIntervalMs: number;
  /** Conekta requires a phone; used when the storefront sends none. */
  defaultPhone: string;
};

export type CreatePaymentLinkDeps = {
  provider: PaymentProvider;
  store: PaymentStore;
  config: CreatePaymentLinkConfig;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
};

export type CreatePaymentLinkResult = { order: unknown; orderId: string; replayed: boolean };

const DAY_SECONDS = 86_400;

export async function createPaymentLink(
  deps: CreatePaymentLinkDeps,
  secret: string,
  request: CreatePaymentLinkRequest,
): Promise<CreatePaymentLinkResult> {
  const now = deps.now ?? Date.now;
  const merchant = merchantFingerprint(secret);
  const hash = requestHash('create', request);
  const tag: PaymentTag = { merchant, referenceId: request.referenceId };
  const claimToken = randomUUID();

  const claim = await deps.store.claim({
    merchant,
    referenceId: request.referenceId,
    kind: 'link',
    provider: deps.provider.name,
    requestHash: hash,
    amountCents: request.amountCents,
    currency: request.currency,
    notificationUrl: request.notificationUrl,
    createdAt: new Date(now()).toISOString(),
    claimToken,
    leaseUntil: now() + deps.config.leaseMs,
  });
  if (claim.claimed) return createAndRecord(deps, secret, request, tag, claimToken, { lookFirst: false });

  const deadline = now() + deps.config.waitForInFlightMs;
  let existing: PaymentRecord | undefined = claim.existing;
  for (;;) {
    if (!existing) {
      // The first attempt was refused by the provider and released the reference: start over.
      return createPaymentLink(deps, secret, request);
    }
    if (existing.requestHash !== hash || existing.kind !== 'link')
      throw referenceConflict(request.referenceId);
    if (existing.status !== 'creating') return replay(existing);

    const ownerGone = existing.outcomeUnknown || (existing.leaseUntil ?? 0) <= now();
    if (ownerGone && existing.claimToken) {
      const next = { claimToken, leaseUntil: now() + deps.config.leaseMs };
      const won = await deps.store.takeOver(
        merchant,
        request.referenceId,
        { claimToken: existing.claimToken },
        next,
      );
      if (won) return createAndRecord(deps, secret, request, tag, claimToken, { lookFirst: true });
    } else if (now() >= deadline) {
      throw new PagosError(
        409,
        ErrorCode.requestInProgress,
        `A request for reference_id ${request.referenceId} is still being processed. Send it again in a moment.`,
        [],
        undefined,
        { 'Retry-After': '1' },
      );
    } else {
      await (deps.sleep ?? sleep)(deps.config.pollIntervalMs);
    }
    existing = await deps.store.get(merchant, request.referenceId);
  }
}

async function createAndRecord(
  deps: CreatePaymentLinkDeps,
  secret: string,
  request: CreatePaymentLinkRequest,
  tag: PaymentTag,
  claimToken: string,
  opts: { lookFirst: boolean },
): Promise<CreatePaymentLinkResult> {
  const credentials = { secret };
  const now = deps.now ?? Date.now;
  let order: ProviderOrder;
  try {
    const earlier = opts.lookFirst ? await deps.provider.findOrdersByTag(credentials, tag) : [];
    order =
      earlier[0] ??
      (await deps.provider.createHostedCheckout(credentials, {
        tag,
        amountCents: request.amountCents,
        currency: request.currency,
        customer: {
          name: `${request.firstName} ${request.lastName}`,
          email: request.email,
          phone: request.phone ?? deps.config.defaultPhone,
        },
        returnUrl: request.returnUrl,
        expiresAt: Math.floor(now() / 1000) + request.expiresInDays * DAY_SECONDS,
        allowedPaymentMethods: request.allowedPaymentMethods,
        monthlyInstallments: request.monthlyInstallments,
        idempotencyKey: idempotencyKey(tag.merchant, tag.referenceId),
      }));
  } catch (error) {
    if (!(error instanceof ProviderError)) {
      await deps.store.markOutcomeUnknown(tag.merchant, tag.referenceId, claimToken);
      throw error;
    }
    if (error.info.outcome === 'not_created') {
      await deps.store.release(tag.merchant, tag.referenceId, claimToken);
    } else {
      await deps.store.markOutcomeUnknown(tag.merchant, tag.referenceId, claimToken);
    }
    throw providerErrorToPagosError(error);
  }

  const completed = await deps.store.complete(tag.merchant, tag.referenceId, claimToken, {
    orderId: order.id,
    checkoutId: order.checkoutId,
    checkoutUrl: order.checkoutUrl,
    livemode: order.livemode,
    providerStatus: order.providerStatus,
    providerUpdatedAt: order.updatedAt,
    providerOrder: JSON.stringify(order.body),
    status: PaymentStatus.created,
    at: new Date(now()).toISOString(),
  });
  if (!completed) {
    // Our lease ran out mid-call and another attempt took over: answer with whatever it recorded.
    const current = await deps.store.get(tag.merchant, tag.referenceId);
    if (current && current.status !== 'creating' && current.orderId) return replay(current);
    throw new PagosError(
      409,
      ErrorCode.requestInProgress,
      'Another attempt for this reference_id is finishing. Send the request again.',
      [],
      undefined,
      { 'Retry-After': '1' },
    );
  }
  return { order: order.body, orderId: order.id, replayed: false };
}

function replay(record: PaymentRecord): CreatePaymentLinkResult {
  return { order: JSON.parse(record.providerOrder ?? 'null'), orderId: record.orderId ?? '', replayed: true };
}

function referenceConflict(referenceId: string): PagosError {
  return new PagosError(
    409,
    ErrorCode.referenceConflict,
    `reference_id ${referenceId} already names a different payment (amount, currency, email, URLs or ` +
      'another field differ). Use a new reference_id for a new payment, or resend the original request.',
  );
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
