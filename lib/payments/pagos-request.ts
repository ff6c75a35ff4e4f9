/** POST /pagos: checks the envelope, then hands the body to the action's use case. */
import { chargeCard } from './charge-card.js';
import { parseChargeCardRequest } from './charge-request.js';
import { type CreatePaymentLinkConfig, createPaymentLink } from './create-payment-link.js';
import { parseCreatePaymentLinkRequest } from './create-request.js';
import { ErrorCode, PagosError } from './errors.js';
import type { NotificationUrlPolicy } from './fields.js';
import { isJsonObject, refuseDeepNesting, refuseRawCardData } from './fields.js';
import { cancelPayment, type LifecycleStore, paymentStatus, refundPayment } from './payment-lifecycle.js';
import type { PaymentProvider, PaymentStore } from './ports.js';
import type { PreclaimedNotification } from './reconcile.js';
import { parsePaymentReference, parseRefundRequest } from './refund-request.js';

export const SUPPORTED_ACTIONS = ['create', 'charge', 'status', 'refund', 'cancel'] as const;
export type PagosAction = (typeof SUPPORTED_ACTIONS)[number];

export type PagosServices = {
  /** Registered providers by name; a new provider is one more entry here. */
  providers: Readonly<Record<string, PaymentProvider>>;
  store: LifecycleStore & PaymentStore;
  create: CreatePaymentLinkConfig;
  refundLockMs: number;
  /** Refuses notification URLs that must never be called (SSRF); the problem, or undefined. */
  urlPolicy: NotificationUrlPolicy;
  /** Set when the caller makes the first notification attempt itself (see reconcilePayment). */
  notifyLeaseMs?: number;
};

export type PagosOutcome = {
  action: PagosAction;
  referenceId: string;
  orderId?: string;
  replayed?: boolean;
  body: unknown;
  /** An outbox entry this request queued: worth one delivery attempt right away. */
  notification?: string | undefined;
  /** An outbox entry this request wrote already claimed: owed one attempt now. */
  firstAttempt?: PreclaimedNotification | undefined;
};

/** Action and reference_id for the request's log lines, when plausible (never a 16 KiB string). */
export function requestLogKeys(body: unknown): { action?: string; reference_id?: string } {
  if (!isJsonObject(body)) return {};
  const { action, reference_id: referenceId } = body;
  return {
    ...(typeof action === 'string' && action.length <= 32 && { action }),
    ...(typeof referenceId === 'string' && referenceId.length <= 249 && { reference_id: referenceId }),
  };
}

const isAction = (value: unknown): value is PagosAction => SUPPORTED_ACTIONS.includes(value as PagosAction);

export async function handlePagosRequest(services: PagosServices, body: unknown): Promise<PagosOutcome> {
  if (!isJsonObject(body)) {
    throw new PagosError(400, ErrorCode.invalidRequest, 'The request body must be a JSON object.');
  }
  refuseDeepNesting(body);
  refuseRawCardData(body);

  const providerName = body.provider;
  const provider =
    typeof providerName === 'string' && Object.hasOwn(services.providers, providerName)
      ? services.providers[providerName]
      : undefined;
  if (!provider) {
    const supported = Object.keys(services.providers).join(', ');
    throw new PagosError(400, ErrorCode.unsupportedProvider, `provider must be one of: ${supported}.`, [
      { field: 'provider', message: `must be one of: ${supported}` },
    ]);
  }
  const action = body.action;
  if (!isAction(action)) {
    const supported = SUPPORTED_ACTIONS.join(', ');
    throw new PagosError(400, ErrorCode.unsupportedAction, `action must be one of: ${supported}.`, [
      { field: 'action', message: `must be one of: ${supported}` },
    ]);
  }

  const once = { provider, store: services.store, config: services.create };
  const lifecycle = {
    provider,
    store: services.store,
    refundLockMs: services.refundLockMs,
    ...(services.notifyLeaseMs && { notifyLeaseMs: services.notifyLeaseMs }),
  };
  switch (action) {
    case 'create': {
      const { secret, request } = parseCreatePaymentLinkRequest(body, services.urlPolicy);
      const result = await createPaymentLink(once, secret, request);
      return {
        action,
        referenceId: request.referenceId,
        orderId: result.orderId,
        replayed: result.replayed,
        body: result.order,
      };
    }
    case 'charge': {
      const { secret, request } = parseChargeCardRequest(body, services.urlPolicy);
      const result = await chargeCard(once, secret, request);
      return {
        action,
        referenceId: request.referenceId,
        orderId: result.orderId,
        replayed: result.replayed,
        body: result.order,
      };
    }
    case 'status': {
      const ref = parsePaymentReference(body);
      const { payment, order, ...queued } = await paymentStatus(lifecycle, ref);
      return {
        action,
        referenceId: ref.referenceId,
        orderId: payment.order_id ?? undefined,
        body: { payment, order },
        ...queued,
      };
    }
    case 'refund': {
      const request = parseRefundRequest(body);
      return { action, referenceId: request.referenceId, ...(await refundPayment(lifecycle, request)) };
    }
    case 'cancel': {
      const ref = parsePaymentReference(body);
      return { action, referenceId: ref.referenceId, ...(await cancelPayment(lifecycle, ref)) };
    }
  }
}
