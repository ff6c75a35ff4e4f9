/** Use case `create`: one hosted payment link per (merchant, reference_id), exactly once. */
import type { CreatePaymentLinkRequest } from './create-request.js';
import {
  createExactlyOnce,
  type ExactlyOnceConfig,
  type ExactlyOnceDeps,
  type OnceResult,
} from './exactly-once.js';
import { customerOf } from './fields.js';
import { idempotencyKey, merchantFingerprint, requestHash } from './fingerprints.js';

export type CreatePaymentLinkConfig = ExactlyOnceConfig & {
  /** Conekta requires a phone; used when the storefront sends none. */
  defaultPhone: string;
};

export type CreatePaymentLinkDeps = Omit<ExactlyOnceDeps, 'config'> & { config: CreatePaymentLinkConfig };

const DAY_SECONDS = 86_400;

export async function createPaymentLink(
  deps: CreatePaymentLinkDeps,
  secret: string,
  request: CreatePaymentLinkRequest,
): Promise<OnceResult> {
  const now = deps.now ?? Date.now;
  const tag = { merchant: merchantFingerprint(secret), referenceId: request.referenceId };
  const credentials = { secret };
  return createExactlyOnce(deps, {
    kind: 'link',
    tag,
    credentials,
    requestHash: requestHash('create', request),
    amountCents: request.amountCents,
    currency: request.currency,
    notificationUrl: request.notificationUrl,
    createOrder: () =>
      deps.provider.createHostedCheckout(credentials, {
        tag,
        amountCents: request.amountCents,
        currency: request.currency,
        customer: customerOf(request, deps.config.defaultPhone),
        returnUrl: request.returnUrl,
        expiresAt: Math.floor(now() / 1000) + request.expiresInDays * DAY_SECONDS,
        allowedPaymentMethods: request.allowedPaymentMethods,
        monthlyInstallments: request.monthlyInstallments,
        idempotencyKey: idempotencyKey(tag.merchant, tag.referenceId),
      }),
  });
}
