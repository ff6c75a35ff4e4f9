// The Conekta operations our service uses; the sandbox serves exactly these, and the type
// generator prunes the spec to them.
export const SANDBOX_OPERATIONS = [
  { id: 'createOrder', method: 'post', path: '/orders' },
  { id: 'getOrders', method: 'get', path: '/orders' },
  { id: 'getOrderById', method: 'get', path: '/orders/{id}' },
  { id: 'CancelOrder', method: 'post', path: '/orders/{id}/cancel' },
  { id: 'orderRefund', method: 'post', path: '/orders/{id}/refunds' },
  { id: 'createWebhookKey', method: 'post', path: '/webhook_keys' },
  { id: 'getWebhookKeys', method: 'get', path: '/webhook_keys' },
  { id: 'createWebhook', method: 'post', path: '/webhooks' },
  { id: 'getWebhooks', method: 'get', path: '/webhooks' },
] as const;

export type OperationId = (typeof SANDBOX_OPERATIONS)[number]['id'];

/** Schemas the service needs that no operation above references (the webhook event payload). */
export const EXTRA_SCHEMAS = ['event_response'] as const;
