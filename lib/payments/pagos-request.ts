/** POST /pagos: checks the envelope, then hands the body to the action's use case. */

import { type CreatePaymentLinkConfig, createPaymentLink } from './create-payment-link.js';
import { parseCreatePaymentLinkRequest } from './create-request.js';
import { ErrorCode, PagosError } from './errors.js';
import { isJsonObject, refuseRawCardData } from './fields.js';
import type { PaymentProvider, PaymentStore } from './ports.js';

export const SUPPORTED_ACTIONS = ['create'] as const;
export type PagosAction = (typeof SUPPORTED_ACTIONS)[number];

export type PagosServices = {
  /** Registered providers by name; a new provider is one more entry here. */
  providers: Readonly<Record<string, PaymentProvider>>;
  store: PaymentStore;
  create: CreatePaymentLinkConfig;
};

export type PagosOutcome = {
  action: PagosAction;
  referenceId: string;
  orderId: string;
  replayed: boolean;
  body: unknown;
};

export async function handlePagosRequest(services: PagosServices, body: unknown): Promise<PagosOutcome> {
  if (!isJsonObject(body)) {
    throw new PagosError(400, ErrorCode.invalidRequest, 'The request body must be a JSON object.');
  }
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
  switch (action) {
    case 'create': {
      const { secret, request } = parseCreatePaymentLinkRequest(body);
      const result = await createPaymentLink(
        { provider, store: services.store, config: services.create },
        secret,
        request,
      );
      return {
        action,
        referenceId: request.referenceId,
        orderId: result.orderId,
        replayed: result.replayed,
        body: result.order,
      };
    }
    default:
      throw new PagosError(
        400,
        ErrorCode.unsupportedAction,
        `action must be one of: ${SUPPORTED_ACTIONS.join(', ')}.`,
        [{ field: 'action', message: `must be one of: ${SUPPORTED_ACTIONS.join(', ')}` }],
      );
  }
}
