// The Conekta operations the sandbox serves, each validated against the spec both ways.

/**
 * The operations the service itself calls. The type generator (scripts/generate-conekta-types.mjs)
 * imports this list under this name and prunes lib/providers/conekta/openapi.d.ts to it.
 */
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

/**
 * Also served, for what an integration and an operator call around the service: Conekta's own
 * SDK, `npm run conekta:check`, webhook tooling. Not in openapi.d.ts (the sandbox types their
 * bodies in api-types.ts); move an entry up when the service starts calling it, and regenerate.
 */
export const INTEGRATION_OPERATIONS = [
  { id: 'getCurrentCompany', method: 'get', path: '/companies/current' },
  { id: 'getApiKeys', method: 'get', path: '/api_keys' },
  { id: 'getWebhook', method: 'get', path: '/webhooks/{id}' },
  { id: 'testWebhook', method: 'post', path: '/webhooks/{id}/test' },
  { id: 'getEvents', method: 'get', path: '/events' },
  { id: 'getEvent', method: 'get', path: '/events/{id}' },
  { id: 'resendEvent', method: 'post', path: '/events/{event_id}/resend' },
] as const;

export const SERVED_OPERATIONS = [...SANDBOX_OPERATIONS, ...INTEGRATION_OPERATIONS] as const;

export type OperationId = (typeof SERVED_OPERATIONS)[number]['id'];

/** Schemas the service needs that no operation above references (the webhook event payload). */
export const EXTRA_SCHEMAS = ['event_response'] as const;

/** `METHOD /path/template`, the other way to name an operation (e.g. in fault_match). */
export const operationLabel = (operation: { method: string; path: string }): string =>
  `${operation.method.toUpperCase()} ${operation.path}`;
