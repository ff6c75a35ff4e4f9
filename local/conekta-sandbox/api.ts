// The Conekta API operations. Bodies arrive already validated against the spec; handlers return
// the 200 body or throw ConektaApiError. Orders are here; webhooks and events in api-hooks.ts,
// the company and its keys in api-company.ts.
import type { IncomingHttpHeaders } from 'node:http';
import type { components } from '../../lib/providers/conekta/openapi.js';
import { getApiKeys, getCurrentCompany } from './api-company.js';
import {
  createWebhook,
  createWebhookKey,
  getEvent,
  getEvents,
  getWebhook,
  getWebhookKeys,
  getWebhooks,
  resendEvent,
  testWebhook,
} from './api-hooks.js';
import {
  cardDeclined,
  invalidParameter,
  nonexistentToken,
  notFound,
  preconditionRequired,
  tokenUsed,
  unsupported,
} from './errors.js';
import { DeclineBody } from './faults.js';
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
import { filterOrders, paginate } from './paging.js';
import type { Sandbox } from './sandbox.js';
import type { Account } from './store.js';

type Schemas = components['schemas'];

export interface ApiCall {
  sandbox: Sandbox;
  account: Account;
  params: Record<string, string>;
  query: Record<string, unknown>;
  body: unknown;
  headers: IncomingHttpHeaders;
}

export type ApiHandler = (call: ApiCall) => unknown | Promise<unknown>;

function findOrder({ sandbox, account, params }: ApiCall): Order {
  const id = params.id ?? '';
  const order = sandbox.store.order(account, id);
  if (!order) throw notFound('Order', id);
  return order;
}

type ChargeRequest = NonNullable<OrderRequest['charges']>[number];

/** What the single charge of a new order will be; throws before anything is created. */
function planCharge(charge: ChargeRequest, order: Order, account: Account, reuseStatus: number) {
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
  if (account.usedTokens.has(method.token_id)) throw tokenUsed(reuseStatus);
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
  const created = buildOrder(request, sandbox.publicUrl, { ...clock, livemode: account.livemode });
  const charge = request.charges?.[0];
  const plan = charge ? planCharge(charge, created, account, sandbox.faults.token_reuse_status) : undefined;
  sandbox.commit(account, undefined, created, OrderEvent.created);
  if (!plan || !charge) return created;
  const reference = charge.reference_id === undefined ? {} : { reference_id: charge.reference_id };
  if (plan.kind === 'cash') {
    const cash = { ...cashCharge(created, clock), ...reference };
    const pending = withCharge(created, cash, PaymentStatus.pendingPayment, clock);
    sandbox.commit(account, created, pending, OrderEvent.pendingPayment);
    return pending;
  }
  // single use, whatever the outcome
  sandbox.store.useToken(account, plan.tokenId);
  const paid = plan.card.outcome === 'paid';
  const charged = withCharge(
    created,
    { ...cardCharge(created, plan.card, clock), ...reference },
    paid ? PaymentStatus.paid : PaymentStatus.declined,
    clock,
  );
  sandbox.commit(account, created, charged, paid ? OrderEvent.paid : OrderEvent.declined);
  // Conekta keeps a declined order (docs/conekta-api.md §1.6); find it through metadata and GET /orders, or,
  // as the legacy error docs describe, read it from the error's `data` (decline_body: with_order)
  if (plan.card.outcome !== 'paid') {
    const withOrder = sandbox.faults.decline_body === DeclineBody.withOrder;
    throw cardDeclined(plan.card.outcome, withOrder ? charged : undefined);
  }
  return charged;
};

const getOrders: ApiHandler = ({ sandbox, account, query }) => {
  const all = sandbox.store.ordersOf(account);
  const matching = filterOrders(all, query, sandbox.faults.search_mode);
  const sequence = all.map((order) => order.id);
  return paginate(matching, query, `${sandbox.publicUrl}/orders`, sequence);
};

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
  getWebhook,
  testWebhook,
  getEvents,
  getEvent,
  resendEvent,
  getCurrentCompany,
  getApiKeys,
};
