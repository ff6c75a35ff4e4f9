/** Conekta as a PaymentProvider: the client and the mapping, wired to the domain's port. */
import type {
  HostedCheckoutOrder,
  MerchantCredentials,
  PaymentProvider,
  PaymentTag,
  ProviderOrder,
} from '../../payments/ports.js';
import { ConektaClient, type ConektaClientConfig } from './client.js';
import {
  type CheckoutUrls,
  type ConektaOrder,
  type ConektaOrderList,
  hostedCheckoutRequest,
  readTag,
  toProviderOrder,
} from './mapping.js';

export type ConektaProviderConfig = ConektaClientConfig & CheckoutUrls;

export function createConektaProvider(config: ConektaProviderConfig): PaymentProvider {
  const client = new ConektaClient(config);
  return {
    name: 'conekta',

    async createHostedCheckout(
      credentials: MerchantCredentials,
      order: HostedCheckoutOrder,
    ): Promise<ProviderOrder> {
      const created = await client.send<ConektaOrder>(credentials.secret, {
        method: 'POST',
        path: '/orders',
        body: hostedCheckoutRequest(order, config),
        idempotencyKey: order.idempotencyKey,
      });
      return toProviderOrder(created);
    },

    async findOrdersByTag(credentials: MerchantCredentials, tag: PaymentTag): Promise<ProviderOrder[]> {
      const list = await client.send<ConektaOrderList>(credentials.secret, {
        method: 'GET',
        path: '/orders',
        query: { search: tag.referenceId, limit: 250 },
      });
      return (list.data ?? [])
        .filter((order) => {
          const found = readTag(order.metadata);
          return found?.merchant === tag.merchant && found.referenceId === tag.referenceId;
        })
        .sort((a, b) => a.created_at - b.created_at)
        .map(toProviderOrder);
    },
  };
}
