/** `list`: the merchant's payments changed since a time, newest change first, for nightly reconciliation. */

import type { Merchant } from './model.js';
import { centavosToPesos } from './money.js';
import { InvalidCursorError, type PaymentStore, type PaymentSummary } from './ports.js';
import { invalidCursor, type ListBody } from './requests.js';

const summaryView = (p: PaymentSummary) => ({
  reference_id: p.referenceId,
  status: p.status,
  order_id: p.orderId,
  order_ids: p.orderIds,
  amount: centavosToPesos(p.amountCents),
  amount_cents: p.amountCents,
  amount_refunded_cents: p.amountRefundedCents,
  currency: p.currency,
  livemode: p.livemode,
  paid_at: p.paidAt,
  ...(p.metadata && { metadata: p.metadata }),
  ...(p.paidTwice && { paid_twice: true }),
  ...(p.late && { late: true }),
  created_at: p.createdAt,
  updated_at: p.updatedAt,
});

export async function listPayments(store: PaymentStore, merchant: Merchant, request: ListBody) {
  const page = await store
    .listChanged(merchant.id, {
      limit: request.limit,
      ...(request.since !== undefined && { since: request.since }),
      ...(request.status !== undefined && { status: request.status }),
      ...(request.cursor !== undefined && { cursor: request.cursor }),
    })
    .catch((error: unknown) => {
      throw error instanceof InvalidCursorError ? invalidCursor() : error;
    });
  return {
    merchant: merchant.id,
    livemode: merchant.livemode,
    payments: page.payments.map(summaryView),
    next_cursor: page.cursor ?? null,
  };
}
