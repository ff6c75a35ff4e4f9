// The Conekta API operations. Bodies arrive already validated against the spec; handlers return
// the 200 body or throw ConektaApiError.
import type { components } from '../../lib/providers/conekta/openapi.js';
import {
  cardDeclined,
  invalidParameter,
  nonexistentToken,
  notFound,
  preconditionRequired,
  tokenUsed,
  unsupported,
} from './errors.js';
import { newId } from './ids.js';
import type { OperationId } from './operations.js';
import {
  buildOrder,
  CancelError,
  cancelOrder,
  cardCharge,
  cashCharge,
  lookupTestToken,
  type Order,
  OrderEvent,
  type OrderRequest,
  PaymentStatus,
  refundOrder,
  remainingRefundable,
  statusOf,
  withCharge,
} from './orders.js';
import type { Sandbox } from './sandbox.js';
import type { Account, WebhookKeyRecord, WebhookRecord } from './store.js';
import { generateKeyPairRsa } from './webhooks.js';

type Schemas = components['schemas'];

export interface ApiCall {
  sandbox: Sandbox;
  account: Account;
  params: Record<string, string>;
  query: Record<string, unknown>;
  body: unknown;
}

export type ApiHandler = (call: ApiCall) => unknown | Promise<unknown>;

// Conekta's limit per environment (spec, POST /webhooks).
export const MAX_WEBHOOKS = 10;

interface Page<T> {
  object: 'list';
  has_more: boolean;
  data: T[];
  next_page_url?: string;
  previous_page_url?: string;
}

/** Cursor pages over newest-first items: `next`/`previous` name the id at the page edge. */
export function paginate<T extends { id?: string }>(
  items: T[],
  query: Record<string, unknown>,
  baseUrl: string,
): Page<T> {
  const limit = typeof query.limit === 'number' ? query.limit : 20;
  const indexOf = (id: unknown) => items.findIndex((item) => item.id === id);
  let start = 0;
  if (typeof query.next === 'string') start = indexOf(query.next) + 1 || items.length;
  else if (typeof query.previous === 'string') start = Math.max(0, indexOf(query.previous) - limit);
  const data = items.slice(start, start + limit);
  const hasMore = start + limit < items.length;
  const link = (cursor: 'next' | 'previous', id: string | undefined) => {
    const params = new URLSearchParams();
    for (const [key, value] of Object.entries(query)) {
      if (key !== 'next' && key !== 'previous' && value !== undefined) params.set(key, String(value));
    }
    params.set('limit', String(limit));
    params.set(cursor, id ?? '');
    return `${baseUrl}?${params}`;
  };
  return {
    object: 'list',
    has_more: hasMore,
    data,
    ...(hasMore ? { next_page_url: link('next', data.at(-1)?.id) } : {}),
    ...(start > 0 && data.length > 0 ? { previous_page_url: link('previous', data[0]?.id) } : {}),
  };
}

const lower = (value: unknown) => String(value).toLowerCase();

/** `search`: exact (case-insensitive) match on the order id, a metadata value or the buyer's email. */
export function matchesSearch(order: Order, term: string): boolean {
  const wanted = term.toLowerCase();
  const info = order.customer_info as { email?: string } | undefined;
  const values = [order.id, info?.email, ...Object.values(order.metadata ?? {})];
  return values.some((value) => value !== undefined && lower(value) === wanted);
}

function filterOrders(orders: Order[], query: Record<string, unknown>): Order[] {
  const n = (key: string) => (typeof query[key] === 'number' ? (query[key] as number) : undefined);
  const createdAt = n('created_at');
  return orders.filter(
    (order) =>
      (query.payment_status === undefined || order.payment_status === query.payment_status) &&
      (typeof query.search !== 'string' || matchesSearch(order, query.search)) &&
      (createdAt === undefined || order.created_at === createdAt) &&
      order.created_at >= (n('created_at.gte') ?? -Infinity) &&
      order.created_at <= (n('created_at.lte') ?? Infinity) &&
      (order.updated_at ?? order.created_at) >= (n('updated_at.gte') ?? -Infinity) &&
      (order.updated_at ?? order.created_at) <= (n('updated_at.lte') ?? Infinity),
  );
}

function findOrder({ sandbox, account, params }: ApiCall): Order {
  const id = params.id ?? '';
  const order = sandbox.store.order(account, id);
  if (!order) throw notFound('Order', id);
  return order;
}

type ChargeRequest = NonNullable<OrderRequest['charges']>[number];

/** What the single charge of a new order will be; throws before anything is created. */
function planCharge(charge: ChargeRequest, order: Order, account: Account) {
  const method = charge.payment_method as {
    type: string;
    token_id?: string;
    payment_source_id?: string;
    number?: string;
  };
  const param = 'charges.0.payment_method';
  if (charge.amount !== undefined && charge.amount !== order.amount) {
    throw invalidParameter(
      'charges.0.amount',
      'invalid',
      'El monto del cargo debe ser igual al total de la orden.',
      'The charge amount must equal the order total.',
    );
  }
  if (method.type === 'cash') return { kind: 'cash' } as const;
  if (method.type !== 'card')
    throw unsupported(`${param}.type`, `payment method type "${method.type}" (card and cash only)`);
  if (method.token_id === undefined) {
    if (method.payment_source_id !== undefined)
      throw unsupported(`${param}.payment_source_id`, 'saved payment sources');
    if (method.number !== undefined) throw unsupported(`${param}.number`, 'raw card numbers (PCI merchants)');
    throw invalidParameter(
      `${param}.token_id`,
      'missing',
      'El token es requerido.',
      'The token_id is required.',
    );
  }
  const card = lookupTestToken(method.token_id);
  if (!card) throw nonexistentToken();
  if (account.usedTokens.has(method.token_id)) throw tokenUsed();
  return { kind: 'card', card, tokenId: method.token_id } as const;
}

const createOrder: ApiHandler = (call) => {
  const { sandbox, account } = call;
  const request = call.body as OrderRequest;
  if (request.checkout && request.charges)
    throw unsupported('charges', 'an order with both checkout and charges');
  if (request.pre_authorize) throw unsupported('pre_authorize', 'pre-authorized orders (capture)');
  if ((request.charges?.length ?? 0) > 1) throw unsupported('charges', 'more than one charge per order');
  const clock = sandbox.clock();
  const created = buildOrder(request, sandbox.publicUrl, clock);
  const charge = request.charges?.[0];
  const plan = charge ? planCharge(charge, created, account) : undefined;
  sandbox.commit(account, undefined, created, OrderEvent.created);
  if (!plan) return created;
  if (plan.kind === 'cash') {
    const pending = withCharge(created, cashCharge(created, clock), PaymentStatus.pendingPayment, clock);
    sandbox.commit(account, created, pending, OrderEvent.pendingPayment);
    return pending;
  }
  // single use, whatever the outcome
  account.usedTokens.add(plan.tokenId);
  const paid = plan.card.outcome === 'paid';
  const charged = withCharge(
    created,
    cardCharge(created, plan.card, clock),
    paid ? PaymentStatus.paid : PaymentStatus.declined,
    clock,
  );
  sandbox.commit(account, created, charged, paid ? OrderEvent.paid : OrderEvent.declined);
  // Conekta keeps a declined order (notes §1.6); find it through metadata and GET /orders
  if (plan.card.outcome !== 'paid') throw cardDeclined(plan.card.outcome);
  return charged;
};

const getOrders: ApiHandler = ({ sandbox, account, query }) =>
  paginate(filterOrders(sandbox.store.ordersOf(account), query), query, `${sandbox.publicUrl}/orders`);

const getOrderById: ApiHandler = (call) => findOrder(call);

const cancel: ApiHandler = (call) => {
  const order = findOrder(call);
  const result = cancelOrder(order, call.sandbox.clock());
  if ('refused' in result) {
    throw result.refused === 'alreadyCanceled'
      ? preconditionRequired(
          CancelError.alreadyCanceled,
          'The order has already been canceled.',
          'La orden ya fue cancelada.',
        )
      : preconditionRequired(
          CancelError.hasCharge,
          `The order cannot be canceled because it has a charge (payment_status ${statusOf(order)}).`,
          'La orden no puede ser cancelada porque ya tiene un cargo.',
        );
  }
  call.sandbox.commit(call.account, order, result.order, result.event);
  return result.order;
};

// A refund of an unpaid order is a 422 (the spec declares 422, not 428, for this operation).
const refund: ApiHandler = (call) => {
  const order = findOrder(call);
  const { amount } = call.body as Schemas['orderRefund_request'];
  const status = statusOf(order);
  if (status !== PaymentStatus.paid && status !== PaymentStatus.partiallyRefunded) {
    throw invalidParameter(
      'order_id',
      'not_refundable',
      'La orden no tiene un pago que reembolsar.',
      `The order has no payment to refund (payment_status ${status ?? 'none'}).`,
    );
  }
  const remaining = remainingRefundable(order);
  if (amount <= 0 || amount > remaining) {
    throw invalidParameter(
      'amount',
      'invalid',
      `El monto a reembolsar debe estar entre 1 y ${remaining}.`,
      `The refund amount must be between 1 and ${remaining} (cents not yet refunded).`,
    );
  }
  const result = refundOrder(order, amount, call.sandbox.clock());
  call.sandbox.commit(call.account, order, result.order, result.event);
  return result.order;
};

const keyResponse = (key: WebhookKeyRecord): Schemas['webhook_key_response'] => ({
  id: key.id,
  object: 'webhook_key',
  active: key.active,
  livemode: false,
  created_at: key.createdAt,
  public_key: key.publicKeyPem,
});

const createWebhookKey: ApiHandler = async ({ sandbox, account, body }) => {
  const { active = true } = body as Schemas['webhook_key_request'];
  const pair = await generateKeyPairRsa();
  const record: WebhookKeyRecord = { ...pair, id: newId.mongo(), createdAt: sandbox.clock().now, active };
  account.webhookKeys.push(record);
  return keyResponse(record);
};

const getWebhookKeys: ApiHandler = ({ sandbox, account, query }) =>
  paginate([...account.webhookKeys].reverse().map(keyResponse), query, `${sandbox.publicUrl}/webhook_keys`);

const webhookResponse = (hook: WebhookRecord): Schemas['webhook_response'] => ({
  id: hook.id,
  object: 'webhook',
  url: hook.url,
  status: 'listening',
  active: true,
  livemode: false,
  subscribed_events: hook.subscribedEvents.length > 0 ? hook.subscribedEvents : Object.values(OrderEvent),
});

const createWebhook: ApiHandler = ({ sandbox, account, body }) => {
  const { url, subscribed_events = [] } = body as Schemas['webhook_request'];
  if (account.webhooks.length >= MAX_WEBHOOKS) {
    throw invalidParameter(
      'url',
      'limit_exceeded',
      `Cada ambiente admite ${MAX_WEBHOOKS} webhooks.`,
      `Each environment supports ${MAX_WEBHOOKS} webhooks.`,
    );
  }
  const hook: WebhookRecord = {
    id: newId.mongo(),
    url,
    subscribedEvents: subscribed_events,
    createdAt: sandbox.clock().now,
  };
  account.webhooks.push(hook);
  return webhookResponse(hook);
};

const getWebhooks: ApiHandler = ({ sandbox, account, query }) => {
  const hooks = [...account.webhooks]
    .reverse()
    .filter((hook) => query.url === undefined || hook.url === query.url);
  return paginate(hooks.map(webhookResponse), query, `${sandbox.publicUrl}/webhooks`);
};

export const API_HANDLERS: Record<OperationId, ApiHandler> = {
  createOrder,
  getOrders,
  getOrderById,
  CancelOrder: cancel,
  orderRefund: refund,
  createWebhookKey,
  getWebhookKeys,
  createWebhook,
  getWebhooks,
};
