/**
 * Every provider answer is checked against the request before it counts. An answer that does
 * not fit (another order, another amount, no payment link) proves nothing about what the
 * provider did: it is an unknown outcome, recovered like a lost answer, never a success.
 */
import type { OrderTag, ProviderOrder } from './ports.js';
import { ProviderError } from './provider-errors.js';

const misfit = (provider: string, problem: string, order: ProviderOrder) =>
  new ProviderError({
    provider,
    failure: 'misfit',
    outcome: 'unknown',
    message: `The provider's answer does not fit the request: ${problem}.`,
    details: [{ problem, order_id: order.orderId }],
  });

/** An order whose own parts name another order is not one order: another's id was put on it. */
const strayReference = (order: ProviderOrder) => order.selfReferences?.find((id) => id !== order.orderId);

const sameTag = (a: OrderTag | undefined, b: OrderTag) =>
  a !== undefined &&
  a.merchant === b.merchant &&
  a.referenceId === b.referenceId &&
  a.attemptId === b.attemptId;

/** The order made for an attempt: its tag, amount and currency, and a payment link when one was asked for. */
export function checkNewOrder(
  provider: string,
  order: ProviderOrder,
  expected: { tag: OrderTag; amountCents: number; currency: string; link: boolean },
): ProviderOrder {
  const stray = strayReference(order);
  const problem = !sameTag(order.tag, expected.tag)
    ? 'the order does not carry this attempt’s metadata'
    : stray !== undefined
      ? `the order ${order.orderId} lists parts of order ${stray}`
      : order.amountCents !== expected.amountCents
        ? `amount ${order.amountCents} instead of ${expected.amountCents} centavos`
        : order.currency !== expected.currency
          ? `currency ${order.currency} instead of ${expected.currency}`
          : expected.link && !order.checkoutUrl
            ? 'no checkout URL (payment link) in the answer'
            : undefined;
  if (problem) throw misfit(provider, problem, order);
  return order;
}

/** An answer about an existing order must be about that order. */
export function checkSameOrder(provider: string, order: ProviderOrder, orderId: string): ProviderOrder {
  if (order.orderId !== orderId)
    throw misfit(provider, `order ${order.orderId} instead of ${orderId}`, order);
  return order;
}

/** A refund's answer: the same order, refunded by at least this much more than before. */
export function checkRefunded(
  provider: string,
  order: ProviderOrder,
  expected: { orderId: string; atLeastCents: number },
): ProviderOrder {
  checkSameOrder(provider, order, expected.orderId);
  const refunded = order.amountRefundedCents ?? 0;
  if (refunded < expected.atLeastCents) {
    throw misfit(provider, `refunded total ${refunded} is below ${expected.atLeastCents} centavos`, order);
  }
  return order;
}
