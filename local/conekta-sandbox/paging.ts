// Conekta's list pages (`limit`, `next`/`previous` cursors) and the GET /orders filters.
import { SearchMode } from './faults.js';
import { lastPaymentStatus, type Order } from './orders.js';

export interface Page<T> {
  object: 'list';
  has_more: boolean;
  data: T[];
  next_page_url?: string;
  previous_page_url?: string;
}

/**
 * Cursor pages over newest-first items: `next=<id>` is the page of items after (older than) that
 * id, `previous=<id>` the page before it. `sequence` is every id in list order before filtering,
 * so a cursor still works when its own item no longer passes the filters (its status changed
 * between two pages); an unknown cursor gives an empty page.
 */
export function paginate<T extends { id?: string }>(
  items: T[],
  query: Record<string, unknown>,
  baseUrl: string,
  sequence: readonly (string | undefined)[] = items.map((item) => item.id),
): Page<T> {
  const limit = typeof query.limit === 'number' ? query.limit : 20;
  const positionOf = (id: unknown) => sequence.indexOf(id as string);
  const positions = items.map((item) => positionOf(item.id));
  let start = 0;
  let end = Math.min(items.length, limit);
  if (typeof query.next === 'string' || typeof query.previous === 'string') {
    const cursor = positionOf(query.next ?? query.previous);
    if (cursor < 0) {
      start = items.length;
      end = items.length;
    } else if (typeof query.next === 'string') {
      start = positions.findIndex((position) => position > cursor);
      if (start < 0) start = items.length;
      end = Math.min(items.length, start + limit);
    } else {
      end = positions.findIndex((position) => position >= cursor);
      if (end < 0) end = items.length;
      start = Math.max(0, end - limit);
    }
  }
  const data = items.slice(start, end);
  const hasMore = end < items.length;
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
    ...(hasMore && data.length > 0 ? { next_page_url: link('next', data.at(-1)?.id) } : {}),
    ...(start > 0 && data.length > 0 ? { previous_page_url: link('previous', data[0]?.id) } : {}),
  };
}

const lower = (value: unknown) => String(value).toLowerCase();

/**
 * What `search` is compared with (exactly, case-insensitively), per search_mode:
 * - `metadata`: the order id, the buyer's email and every metadata value;
 * - `documented`: only what Conekta documents ("by mail, reference etc."): the order id, the
 *   buyer's email (`customer_info.email`), each charge's `reference_id` and cash `reference`,
 *   and each line item's `sku`.
 */
export function searchableValues(order: Order, mode: SearchMode): unknown[] {
  const info = order.customer_info as { email?: string } | undefined;
  if (mode === SearchMode.metadata) return [order.id, info?.email, ...Object.values(order.metadata ?? {})];
  const charges = order.charges?.data ?? [];
  return [
    order.id,
    info?.email,
    ...charges.flatMap((charge) => [
      charge.reference_id,
      (charge.payment_method as { reference?: string } | undefined)?.reference,
    ]),
    ...(order.line_items?.data ?? []).map((item) => item.sku),
  ];
}

/** `search` on orders; search_mode `ignored` matches everything (the parameter has no effect). */
export function matchesSearch(order: Order, term: string, mode: SearchMode = SearchMode.metadata): boolean {
  if (mode === SearchMode.ignored) return true;
  const wanted = term.toLowerCase();
  return searchableValues(order, mode).some(
    (value) => value !== undefined && value !== null && lower(value) === wanted,
  );
}

/** The GET /orders filters, as the spec declares them (all combined with AND). */
export function filterOrders(orders: Order[], query: Record<string, unknown>, mode: SearchMode): Order[] {
  const n = (key: string) => (typeof query[key] === 'number' ? (query[key] as number) : undefined);
  const createdAt = n('created_at');
  const lastStatus = query['last_payment_info.status'];
  return orders.filter(
    (order) =>
      (query.payment_status === undefined || order.payment_status === query.payment_status) &&
      (lastStatus === undefined || lastPaymentStatus(order) === lastStatus) &&
      (typeof query.search !== 'string' || matchesSearch(order, query.search, mode)) &&
      (createdAt === undefined || order.created_at === createdAt) &&
      order.created_at >= (n('created_at.gte') ?? -Infinity) &&
      order.created_at <= (n('created_at.lte') ?? Infinity) &&
      (order.updated_at ?? order.created_at) >= (n('updated_at.gte') ?? -Infinity) &&
      (order.updated_at ?? order.created_at) <= (n('updated_at.lte') ?? Infinity),
  );
}
