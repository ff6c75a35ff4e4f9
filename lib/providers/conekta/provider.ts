/** Conekta as a PaymentProvider: the client and the mapping, wired to the domain's port. */
import type { PaymentProvider, ProviderOrder } from '../../payments/ports.js';
import { ConektaClient, type ConektaClientConfig } from './client.js';
import {
  type CheckoutUrls,
  type ConektaOrder,
  type ConektaOrderList,
  cardChargeRequest,
  hostedCheckoutRequest,
  readTag,
  toProviderOrder,
} from './mapping.js';

export type ConektaProviderConfig = ConektaClientConfig & CheckoutUrls;

export function createConektaProvider(config: ConektaProviderConfig): PaymentProvider {
  const client = new ConektaClient(config);
  const order = async (
    secret: string,
    request: Parameters<ConektaClient['send']>[1],
  ): Promise<ProviderOrder> => toProviderOrder(await client.send<ConektaOrder>(secret, request));
  const path = (orderId: string, action = '') => `/orders/${encodeURIComponent(orderId)}${action}`;

  return {
    name: 'conekta',

    createHostedCheckout: (credentials, hosted) =>
      order(credentials.secret, {
        method: 'POST',
        path: '/orders',
        body: hostedCheckoutRequest(hosted, config),
        idempotencyKey: hosted.idempotencyKey,
      }),

    chargeCard: (credentials, charge) =>
      order(credentials.secret, {
        method: 'POST',
        path: '/orders',
        body: cardChargeRequest(charge),
        idempotencyKey: charge.idempotencyKey,
      }),

    async findOrdersByTag(credentials, tag) {
      const list = await client.send<ConektaOrderList>(credentials.secret, {
        method: 'GET',
        path: '/orders',
        query: { search: tag.referenceId, limit: 250 },
      });
      return (list.data ?? [])
        .filter((o) => {
          const found = readTag(o.metadata);
          return found?.merchant === tag.merchant && found.referenceId === tag.referenceId;
        })
        .sort((a, b) => a.created_at - b.created_at)
        .map(toProviderOrder);
    },

    getOrder: (credentials, orderId) => order(credentials.secret, { method: 'GET', path: path(orderId) }),

    refundOrder: (credentials, orderId, refund) =>
      order(credentials.secret, {
        method: 'POST',
        path: path(orderId, '/refunds'),
        body: { amount: refund.amountCents, reason: refund.reason },
      }),

    cancelOrder: (credentials, orderId) =>
      order(credentials.secret, { method: 'POST', path: path(orderId, '/cancel') }),
  };
}
