// Answers that do not fit the request (misfit_next): the work is done right, the answer that
// reports it is not. The service must treat such an answer as an unknown outcome and recover.
import { MisfitKind } from './faults.js';
import type { Order } from './orders.js';

const isOrder = (body: unknown): body is Order =>
  typeof body === 'object' && body !== null && (body as { object?: unknown }).object === 'order';

/**
 * The order answer altered by `kind`, or undefined when this answer cannot carry it (not a
 * single order, or it lacks the field), so the knob waits for an answer that can.
 * `otherOrderId`: another order of the account, or a fresh id.
 */
export function misfitAnswer(body: unknown, kind: MisfitKind, otherOrderId: string): Order | undefined {
  if (!isOrder(body)) return undefined;
  switch (kind) {
    case MisfitKind.otherOrderId:
      return { ...body, id: otherOrderId };
    case MisfitKind.otherAmount:
      return { ...body, amount: body.amount === 10_000 ? 20_000 : 10_000 };
    case MisfitKind.otherCurrency:
      return { ...body, currency: body.currency === 'MXN' ? 'USD' : 'MXN' };
    case MisfitKind.noCheckoutUrl: {
      if (!body.checkout?.url) return undefined;
      const { url: _url, ...checkout } = body.checkout;
      return { ...body, checkout };
    }
    case MisfitKind.noMetadata: {
      if (body.metadata === undefined) return undefined;
      const { metadata: _metadata, ...rest } = body;
      return rest;
    }
  }
}
