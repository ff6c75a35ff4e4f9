// The hosted checkout page (Conekta's pay.conekta.com stand-in): plain HTML, no external assets,
// forms that post to the sandbox. Buttons carry stable ids and data-testid for browser tests.
import { type Order, PaymentStatus, statusOf, type Transition } from './orders.js';

export const escapeHtml = (text: string): string =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

/** Cents to "$1,234.50". */
export function formatPesos(cents: number): string {
  const [whole = '0', fraction = '00'] = (Math.abs(cents) / 100).toFixed(2).split('.');
  return `${cents < 0 ? '-' : ''}$${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${fraction}`;
}

export const CheckoutButton = {
  pay_card: { id: 'pay-card', label: 'Pay by card' },
  decline: { id: 'decline-card', label: 'Card declined' },
  pay_cash_pending: { id: 'pay-cash', label: 'Pay cash' },
  confirm_cash: { id: 'confirm-cash', label: 'Confirm cash payment' },
  expire: { id: 'expire', label: 'Expire' },
} as const satisfies Record<Transition, { id: string; label: string }>;

export const checkoutActionPath = (slug: string, transition: Transition) =>
  `/checkout/${encodeURIComponent(slug)}/${transition}`;

/** Which buttons the page offers for the order's state (and its allowed payment methods). */
export function availableActions(order: Order): Transition[] {
  const allowed = order.checkout?.allowed_payment_methods ?? ['card', 'cash'];
  const card = allowed.includes('card') ? (['pay_card', 'decline'] as const) : [];
  const cash = allowed.includes('cash') ? (['pay_cash_pending'] as const) : [];
  switch (statusOf(order)) {
    case undefined:
    case PaymentStatus.declined:
      return [...card, ...cash, 'expire'];
    case PaymentStatus.pendingPayment:
      return ['confirm_cash', 'expire'];
    default:
      return [];
  }
}

const STATUS_TEXT: Record<string, string> = {
  new: 'Waiting for payment.',
  [PaymentStatus.declined]: 'Your card was declined. You can try again.',
  [PaymentStatus.pendingPayment]: 'Cash payment pending: pay at the store with the reference below.',
  [PaymentStatus.paid]: 'This order has been paid.',
  [PaymentStatus.expired]: 'This payment link has expired.',
  [PaymentStatus.canceled]: 'This order was canceled.',
  [PaymentStatus.refunded]: 'This order was paid and then refunded.',
  [PaymentStatus.partiallyRefunded]: 'This order was paid and then partially refunded.',
};

function cashReference(order: Order): string | undefined {
  const charge = order.charges?.data?.find((c) => c.status === PaymentStatus.pendingPayment);
  const method = charge?.payment_method as { reference?: string } | undefined;
  return method?.reference;
}

export function renderCheckoutPage(order: Order, notice?: string): string {
  const checkout = order.checkout;
  const name = checkout?.name ?? order.line_items?.data?.[0]?.name ?? order.id;
  const status = statusOf(order) ?? 'new';
  const slug = checkout?.slug ?? '';
  const reference = status === PaymentStatus.pendingPayment ? cashReference(order) : undefined;
  const items = (order.line_items?.data ?? [])
    .map(
      (item) =>
        `<li data-testid="line-item">${escapeHtml(item.name)} × ${item.quantity} — ${formatPesos(item.unit_price * item.quantity)}</li>`,
    )
    .join('\n        ');
  const buttons = availableActions(order)
    .map((action) => {
      const { id, label } = CheckoutButton[action];
      return `<form method="post" action="${escapeHtml(checkoutActionPath(slug, action))}">
          <button type="submit" id="${id}" data-testid="${id}">${label}</button>
        </form>`;
    })
    .join('\n        ');
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>${escapeHtml(name)} · Conekta sandbox checkout</title>
    <style>
      body { font-family: system-ui, sans-serif; max-width: 28rem; margin: 3rem auto; padding: 0 1rem; color: #1a1a2e; }
      .amount { font-size: 2rem; font-weight: 700; margin: .5rem 0; }
      .status { padding: .75rem; border-radius: .5rem; background: #f0f0f5; }
      form { display: inline-block; margin: .25rem .25rem 0 0; }
      button { font: inherit; padding: .6rem 1rem; border-radius: .4rem; border: 1px solid #888; cursor: pointer; }
      .sandbox { color: #a33; font-size: .8rem; }
    </style>
  </head>
  <body data-order-id="${escapeHtml(order.id)}" data-payment-status="${escapeHtml(status)}">
    <p class="sandbox">Conekta sandbox · no real money moves</p>
    <h1 data-testid="checkout-name">${escapeHtml(name)}</h1>
    <p class="amount"><span data-testid="amount">${formatPesos(order.amount)}</span> <span data-testid="currency">${escapeHtml(order.currency)}</span></p>
    <ul>
        ${items}
    </ul>
    ${notice ? `<p class="status" role="alert" data-testid="notice">${escapeHtml(notice)}</p>` : ''}
    <p class="status" data-testid="checkout-status">${escapeHtml(STATUS_TEXT[status] ?? status)}</p>
    ${reference ? `<p>Reference: <code data-testid="cash-reference">${escapeHtml(reference)}</code></p>` : ''}
    <div data-testid="actions">
        ${buttons}
    </div>
  </body>
</html>
`;
}

export function renderNotFoundPage(slug: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Checkout not found</title></head>
<body><h1>Checkout not found</h1><p data-testid="checkout-status">No checkout with slug ${escapeHtml(slug)}.</p></body></html>
`;
}
