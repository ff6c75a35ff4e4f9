/**
 * A payment item as Pagos wrote it before `advance_key` (commit be1c33f): every attempt's moving
 * fields in its own map with a `rank` beside its status, the payment level holding mirrors only.
 * Tests read and advance such items to show they need no migration.
 */
import { isPaymentStatus, STATUS_RANK } from '../../lib/payments/status.js';
import { compact, type Item, num } from '../../lib/store/item.js';

export function legacyItem(item: Item): Item {
  const id = item.current_attempt?.S;
  const attempt = id === undefined ? undefined : item.attempts?.M?.[id]?.M;
  if (item.advance_key === undefined || id === undefined || !attempt) return item;
  const {
    advance_key: _key,
    advance_position: _position,
    provider_status,
    provider_updated_at,
    checkout_url,
    ...rest
  } = item;
  const status = item.status?.S;
  const moving = compact({
    status: item.status,
    rank: isPaymentStatus(status) ? num(STATUS_RANK[status]) : undefined,
    provider_status,
    provider_updated_at,
    checkout_url,
    paid_at: item.paid_at,
    payment_method: item.payment_method,
    card: item.card,
    amount_refunded_cents: item.amount_refunded_cents,
  });
  return { ...rest, attempts: { M: { ...item.attempts!.M, [id]: { M: { ...attempt, ...moving } } } } };
}
