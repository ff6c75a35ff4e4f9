/** POST /pagos: checks the envelope, admits the merchant, then hands the body to the action's use case. */
import { type CreateConfig, createPaymentOrder, type OrderRequest } from './create.js';
import { ErrorCode, PagosError } from './errors.js';
import {
  isJsonObject,
  type JsonObject,
  type NotificationUrlPolicy,
  refuseDeepNesting,
  refuseRawCardData,
} from './fields.js';
import { requestHash } from './fingerprints.js';
import { cancelPayment, paymentStatus } from './lifecycle.js';
import { listPayments } from './list.js';
import { type AdmissionConfig, admit, signingSecrets } from './merchants.js';
import type { Merchant } from './model.js';
import type {
  Customer,
  LineItem,
  MerchantStore,
  PaymentProvider,
  PaymentStore,
  SigningSecret,
} from './ports.js';
import { refundPayment } from './refunds.js';
import {
  type ChargeRequest,
  type CreateLinkRequest,
  type ParseContext,
  parseCharge,
  parseCreateLink,
  parseList,
  parseReference,
  parseRefund,
  parseSigningSecret,
} from './requests.js';

export const SUPPORTED_ACTIONS = [
  'create',
  'charge',
  'status',
  'refund',
  'cancel',
  'list',
  'signing_secret',
] as const;
export type PagosAction = (typeof SUPPORTED_ACTIONS)[number];

export type PagosConfig = CreateConfig & {
  /** The provider requires a phone; used when the storefront sends none. */
  defaultPhone: string;
  refundLockMs: number;
  admission: AdmissionConfig;
};

export type PagosServices = {
  /** Registered providers by name (lib/providers/registry.ts). */
  providers: Readonly<Record<string, PaymentProvider>>;
  store: PaymentStore;
  merchants: MerchantStore;
  config: PagosConfig;
  /** Refuses notification URLs that must never be called (SSRF): required, never defaulted. */
  urlPolicy: NotificationUrlPolicy;
  newSigningSecret: (now: number) => SigningSecret;
  /** The function instance's memory of resolved credentials. */
  memory: Map<string, { merchant: Merchant; until: number }>;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
};

/** Where the request comes from and by when it must be answered. */
export type RequestContext = { sourceIp: string; deadline: number };

export type PagosOutcome = {
  action: PagosAction;
  referenceId?: string;
  orderId?: string | undefined;
  replayed?: boolean;
  body: unknown;
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

function envelope(
  services: PagosServices,
  body: unknown,
): { provider: PaymentProvider; action: PagosAction; body: JsonObject } {
  if (!isJsonObject(body)) {
    throw new PagosError({
      status: 400,
      code: ErrorCode.invalidRequest,
      message: 'The request body must be a JSON object.',
    });
  }
  refuseDeepNesting(body);
  refuseRawCardData(body);
  const name = body.provider;
  const provider =
    typeof name === 'string' && Object.hasOwn(services.providers, name)
      ? services.providers[name]
      : undefined;
  if (!provider) {
    const supported = Object.keys(services.providers).join(', ');
    throw new PagosError({
      status: 400,
      code: ErrorCode.unsupportedProvider,
      message: `provider must be one of: ${supported}.`,
      details: [{ field: 'provider', message: `must be one of: ${supported}` }],
    });
  }
  if (!isAction(body.action)) {
    const supported = SUPPORTED_ACTIONS.join(', ');
    throw new PagosError({
      status: 400,
      code: ErrorCode.unsupportedAction,
      message: `action must be one of: ${supported}.`,
      details: [{ field: 'action', message: `must be one of: ${supported}` }],
    });
  }
  return { provider, action: body.action, body };
}

/** Conekta (like most providers) wants line item names of at least 3 characters. */
export function lineItemName(referenceId: string): string {
  return referenceId.length >= 3 ? referenceId : `Pedido ${referenceId}`;
}

function orderParts(request: CreateLinkRequest | ChargeRequest, defaultPhone: string) {
  const customer: Customer = {
    name: `${request.firstName} ${request.lastName}`,
    email: request.email,
    phone: request.phone ?? defaultPhone,
  };
  const lineItems: LineItem[] = request.lineItems ?? [
    { name: lineItemName(request.referenceId), unitPriceCents: request.amountCents, quantity: 1 },
  ];
  return { customer, lineItems, metadata: request.metadata ?? {} };
}

/** The request's identity: every field but the secret and `replace`. */
function identity(action: string, request: CreateLinkRequest | ChargeRequest) {
  const { replace: _replace, ...rest } = request;
  return requestHash(action, rest);
}

const DAY_SECONDS = 86_400;

export async function handlePagosRequest(
  services: PagosServices,
  rawBody: unknown,
  context: RequestContext,
): Promise<PagosOutcome> {
  const { provider, action, body } = envelope(services, rawBody);
  const ctx: ParseContext = { provider, urlPolicy: services.urlPolicy };
  const { now, sleep, config, store } = services;
  const admitted = (secret: string) =>
    admit({ store: services.merchants, config: config.admission, now, memory: services.memory }, provider, {
      secret,
      sourceIp: context.sourceIp,
      deadline: context.deadline,
    });
  const lifecycle = { provider, store, config, now };

  switch (action) {
    case 'create':
    case 'charge': {
      const parsed = action === 'create' ? parseCreateLink(body, ctx) : parseCharge(body, ctx);
      const merchant = await admitted(parsed.secret);
      const credentials = { secret: parsed.secret };
      const request = parsed.request;
      const parts = orderParts(request, config.defaultPhone);
      const expiresAt =
        'returnUrl' in request ? Math.floor(now() / 1000) + request.expiresInDays * DAY_SECONDS : undefined;
      const makeOrder: OrderRequest['makeOrder'] = ({ tag, idempotencyKey }, deadline) => {
        const common = {
          tag,
          amountCents: request.amountCents,
          currency: request.currency,
          ...parts,
          idempotencyKey,
          deadline,
        };
        return 'returnUrl' in request
          ? provider.createHostedCheckout(credentials, {
              ...common,
              returnUrl: request.returnUrl,
              expiresAt: expiresAt!,
              allowedPaymentMethods: request.allowedPaymentMethods,
              monthlyInstallments: request.monthlyInstallments,
            })
          : provider.chargeCard(credentials, { ...common, tokenId: (request as ChargeRequest).tokenId });
      };
      const result = await createPaymentOrder(
        { provider, store, config, now, sleep },
        {
          merchant,
          credentials,
          referenceId: request.referenceId,
          kind: action === 'create' ? 'link' : 'charge',
          requestHash: identity(action, request),
          amountCents: request.amountCents,
          currency: request.currency,
          details: {
            ...(request.notificationUrl !== undefined && { notificationUrl: request.notificationUrl }),
            ...(request.metadata !== undefined && { metadata: request.metadata }),
          },
          replace: request.replace,
          email: request.email,
          ...(expiresAt !== undefined && { expiresAt }),
          deadline: context.deadline,
          makeOrder,
        },
      );
      return {
        action,
        referenceId: request.referenceId,
        orderId: result.orderId,
        replayed: result.replayed,
        body: result.order,
      };
    }
    case 'status':
    case 'cancel': {
      const { secret, referenceId } = parseReference(body, ctx);
      const merchant = await admitted(secret);
      const ref = { merchant, credentials: { secret }, referenceId, deadline: context.deadline };
      if (action === 'status') {
        const { payment, order } = await paymentStatus(lifecycle, ref);
        return { action, referenceId, orderId: payment.order_id ?? undefined, body: { payment, order } };
      }
      const { body: order, payment } = await cancelPayment(lifecycle, ref);
      return { action, referenceId, orderId: payment.order_id ?? undefined, body: order };
    }
    case 'refund': {
      const { secret, request } = parseRefund(body, ctx);
      const merchant = await admitted(secret);
      const result = await refundPayment(
        { ...lifecycle, refundLockMs: config.refundLockMs },
        { ...request, merchant, credentials: { secret }, deadline: context.deadline },
      );
      return {
        action,
        referenceId: request.referenceId,
        orderId: result.payment.order_id ?? undefined,
        replayed: result.replayed,
        body: result.body,
      };
    }
    case 'list': {
      const { secret, request } = parseList(body, ctx);
      const merchant = await admitted(secret);
      return { action, body: await listPayments(store, merchant, request) };
    }
    case 'signing_secret': {
      const { secret, request } = parseSigningSecret(body, ctx);
      const merchant = await admitted(secret);
      return {
        action,
        body: await signingSecrets(
          { store: services.merchants, now, newSecret: services.newSigningSecret },
          merchant,
          request,
        ),
      };
    }
  }
}
