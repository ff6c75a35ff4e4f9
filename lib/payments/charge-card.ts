/** Use case `charge`: one card charge per (merchant, reference_id), exactly once. */
import type { ChargeCardRequest } from './charge-request.js';
import type { CreatePaymentLinkDeps } from './create-payment-link.js';
import { createExactlyOnce, type OnceResult } from './exactly-once.js';
import { customerOf } from './fields.js';
import { idempotencyKey, merchantFingerprint, requestHash } from './fingerprints.js';

export async function chargeCard(
  deps: CreatePaymentLinkDeps,
  secret: string,
  request: ChargeCardRequest,
): Promise<OnceResult> {
  const tag = { merchant: merchantFingerprint(secret), referenceId: request.referenceId };
  const credentials = { secret };
  return createExactlyOnce(deps, {
    kind: 'charge',
    tag,
    credentials,
    // The token is part of the request: the same token again is the same charge.
    requestHash: requestHash('charge', request),
    amountCents: request.amountCents,
    currency: request.currency,
    notificationUrl: request.notificationUrl,
    recordDeclined: true,
    createOrder: () =>
      deps.provider.chargeCard(credentials, {
        tag,
        amountCents: request.amountCents,
        currency: request.currency,
        customer: customerOf(request, deps.config.defaultPhone),
        tokenId: request.tokenId,
        idempotencyKey: idempotencyKey(tag.merchant, tag.referenceId),
      }),
  });
}
