/**
 * A tiny merchant for the browser journeys, on 127.0.0.1: a catalogue with a "Pagar" button per
 * order (creates the Pagos link and sends the buyer to it), the page Conekta returns the buyer to,
 * and the endpoint that receives Pagos's signed notifications. What it shows the buyer comes only
 * from verified notifications: it never asks Pagos for `status` on the buyer's behalf, because that
 * reconciles with Conekta and would hide a broken webhook path.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
// @ts-expect-error: plain JS snippet that the README quotes for storefronts
import { verifyPagosNotification } from '../../../docs/verify-pagos-signature.mjs';

export type StorefrontOrder = { key: string; reference: string; amount: string };

export type Notification = {
  type: string;
  status: string;
  reference_id: string;
  order_id: string;
  amount: string;
  [field: string]: unknown;
};

/** Every POST /notify, valid or not, in arrival order. */
export type Received = {
  at: number;
  valid: boolean;
  signature: string;
  body: string;
  payload?: Notification;
};

/** The parts of POST /pagos answers (create, status, errors) the storefront and the journeys read. */
export type PagosJson = {
  id?: string;
  checkout?: { url?: string };
  payment?: { status?: string; history?: Array<{ source: string }> };
  error?: { code?: string; message?: string };
  /** The signing_secret action's answer. */
  merchant?: string;
  livemode?: boolean;
  signing_secrets?: Array<{ secret: string }>;
};
export type PagosAnswer = { status: number; json: PagosJson };

export type Storefront = {
  url: string;
  returnUrl: string;
  received: Received[];
  /** The first validly signed notification of this status for this reference. */
  notification(reference: string, status: string): Notification | undefined;
  /** The Conekta order made for this reference (after "Pagar"). */
  created(reference: string): { orderId: string; checkoutUrl: string } | undefined;
  /** The storefront's reconciliation call: POST /pagos action status. */
  status(reference: string): Promise<PagosAnswer>;
  stop(): Promise<void>;
};

type Options = { api: string; merchantSecret: string; orders: StorefrontOrder[] };

const RETURN_PATH = '/conekta/conekta_order';
const VIEW_PATH = '/api/payment-view';
const COOKIE = 'pagos_ref';
const MAX_BODY = 64 * 1024;

/** What the buyer reads on the return page, by the latest notified status. */
const STATUS_TEXT: Record<string, string> = {
  none: 'Confirmando tu pago…',
  pending_payment: 'Pago pendiente',
  paid: 'Pago recibido',
  declined: 'Pago rechazado',
  expired: 'Pago expirado',
  canceled: 'Pago cancelado',
};
/** No later notification is expected for these, so the return page stops polling. */
const SETTLED = new Set(['paid', 'expired', 'canceled']);

export async function startStorefront(options: Options): Promise<Storefront> {
  const received: Received[] = [];
  const created = new Map<string, { orderId: string; checkoutUrl: string }>();
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const valid = (reference: string) =>
    received.filter((r) => r.valid && r.payload?.reference_id === reference).map((r) => r.payload!);
  // Delivery is at least once and a retried notification can land after a later one: the status
  // a storefront shows is the latest by occurred_at, not the last to arrive.
  const latest = (reference: string) =>
    valid(reference).reduce<(typeof received)[number]['payload']>(
      (last, n) => (!last || String(n.occurred_at) >= String(last.occurred_at) ? n : last),
      undefined,
    );
  const pagos = (body: Record<string, unknown>) =>
    callPagos(options.api, { provider: 'conekta', secret: options.merchantSecret, ...body });
  // What a storefront keeps from Pagos: its merchant id, mode and signing secret(s).
  const keys = await pagos({ action: 'signing_secret' });
  if (keys.status !== 200)
    throw new Error(`signing_secret answered ${keys.status}: ${JSON.stringify(keys.json)}`);
  const mine = {
    secret: (keys.json.signing_secrets ?? []).map((k) => k.secret),
    merchant: String(keys.json.merchant),
    livemode: keys.json.livemode === true,
  };

  const routes = {
    home: () => html(catalogue(options.orders, (ref) => latest(ref)?.status)),
    pay: async (order: StorefrontOrder) => {
      const answer = await pagos(createBody(order, url));
      if (answer.status !== 200) return html(errorPage(answer), 502);
      const checkoutUrl = String(answer.json.checkout?.url);
      created.set(order.reference, { orderId: String(answer.json.id), checkoutUrl });
      return {
        status: 302,
        headers: {
          location: checkoutUrl,
          'set-cookie': `${COOKIE}=${encodeURIComponent(order.reference)}; Path=/; HttpOnly; SameSite=Lax`,
        },
        body: '',
      };
    },
    view: (reference: string | undefined) =>
      reference ? buyerView(latest(reference)?.status, created.get(reference)?.checkoutUrl) : undefined,
    notify: (body: string, signature: string) => {
      const payload = verifyPagosNotification(body, signature, mine);
      const ok = payload !== null;
      received.push({ at: Date.now(), valid: ok, signature, body, ...(ok && { payload }) });
      // 401 for a bad signature: Pagos retries, and the test sees it in `received`.
      return { status: ok ? 200 : 401, headers: { 'content-type': 'text/plain' }, body: ok ? 'ok' : 'bad' };
    },
  };

  server.on('request', (req, res) => {
    route(req, options.orders, routes)
      .then((answer) => send(res, answer))
      .catch((err: unknown) => send(res, { status: 500, headers: {}, body: String(err) }));
  });

  return {
    url,
    returnUrl: url + RETURN_PATH,
    received,
    notification: (reference, status) => valid(reference).find((n) => n.status === status),
    created: (reference) => created.get(reference),
    status: (reference) => pagos({ action: 'status', reference_id: reference }),
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

type Answer = { status: number; headers: Record<string, string>; body: string };
type Routes = {
  home(): Answer;
  pay(order: StorefrontOrder): Promise<Answer>;
  view(reference: string | undefined): BuyerView | undefined;
  notify(body: string, signature: string): Answer;
};

async function route(req: IncomingMessage, orders: StorefrontOrder[], routes: Routes): Promise<Answer> {
  const { pathname } = new URL(req.url ?? '/', 'http://storefront');
  const body = await readBody(req);
  if (req.method === 'GET' && pathname === '/') return routes.home();
  if (req.method === 'GET' && pathname === RETURN_PATH) {
    const reference = cookie(req, COOKIE);
    return html(returnPage(reference, routes.view(reference) ?? buyerView(undefined, undefined)));
  }
  if (req.method === 'GET' && pathname === VIEW_PATH) return json(routes.view(cookie(req, COOKIE)) ?? null);
  if (req.method === 'POST' && pathname === '/notify')
    return routes.notify(body, String(req.headers['pagos-signature'] ?? ''));
  const order = orders.find((o) => pathname === `/pay/${o.key}`);
  if (req.method === 'POST' && order) return routes.pay(order);
  return html('<h1>No encontrado</h1>', 404);
}

function createBody(order: StorefrontOrder, storefrontUrl: string): Record<string, unknown> {
  return {
    action: 'create',
    reference_id: order.reference,
    amount: order.amount,
    return_url: storefrontUrl,
    notification_url: `${storefrontUrl}/notify`,
    first_name: 'andres',
    last_name: 'jaro',
    email: 'andres@example.com',
  };
}

async function callPagos(api: string, body: Record<string, unknown>): Promise<PagosAnswer> {
  const res = await fetch(`${api}/pagos`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  return { status: res.status, json: (await res.json()) as PagosJson };
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY) req.destroy(new Error('body too large'));
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  const pair = String(req.headers.cookie ?? '')
    .split(';')
    .map((part) => part.trim().split('='))
    .find(([key]) => key === name);
  return pair?.[1] === undefined ? undefined : decodeURIComponent(pair[1]);
}

function send(res: ServerResponse, answer: Answer): void {
  res.writeHead(answer.status, answer.headers).end(answer.body);
}

const html = (body: string, status = 200): Answer => ({
  status,
  headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
  body,
});

const json = (value: unknown): Answer => ({
  status: 200,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
  body: JSON.stringify(value),
});

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

function layout(title: string, content: string): string {
  return `<!doctype html>
<html lang="es">
  <head>
    <meta charset="utf-8">
    <title>${escapeHtml(title)} · Tienda de prueba</title>
    <style>
      body { font-family: system-ui, sans-serif; max-width: 32rem; margin: 3rem auto; padding: 0 1rem; color: #1b2631; }
      li { margin: .5rem 0; } form { display: inline; }
      button, a.button { font: inherit; padding: .4rem .9rem; border-radius: .4rem; border: 1px solid #2e4053; background: #eaf2f8; color: inherit; text-decoration: none; cursor: pointer; }
      .status { font-size: 1.5rem; font-weight: 700; padding: .75rem; border-radius: .5rem; background: #f4f6f7; }
    </style>
  </head>
  <body>
    <p><a href="/">Tienda de prueba</a></p>
    ${content}
  </body>
</html>
`;
}

function catalogue(orders: StorefrontOrder[], latest: (reference: string) => string | undefined): string {
  const items = orders
    .map((o) => {
      const status = latest(o.reference);
      return `<li>Pedido <b>${escapeHtml(o.reference)}</b> · $${escapeHtml(o.amount)} MXN
        ${status ? `<span data-testid="status-${escapeHtml(o.key)}">(${escapeHtml(STATUS_TEXT[status] ?? status)})</span>` : ''}
        <form method="post" action="/pay/${escapeHtml(o.key)}"><button id="pagar-${escapeHtml(o.key)}" data-testid="pagar-${escapeHtml(o.key)}">Pagar</button></form></li>`;
    })
    .join('\n      ');
  return layout('Pedidos', `<h1>Tus pedidos</h1>\n    <ul>\n      ${items}\n    </ul>`);
}

type BuyerView = { status: string; text: string; retryUrl: string | null };

/** What the return page shows for a reference: the latest verified notification, and a retry after a decline. */
function buyerView(status: string | undefined, checkoutUrl: string | undefined): BuyerView {
  const key = status ?? 'none';
  return {
    status: key,
    text: STATUS_TEXT[key] ?? key,
    retryUrl: key === 'declined' && checkoutUrl ? checkoutUrl : null,
  };
}

// The buyer usually arrives before the webhook does: poll the storefront's own view in place
// (no reloads, so a click never races a refresh) until a notification settles it.
const POLL_SCRIPT = `<script>
  const settled = ${JSON.stringify([...SETTLED])};
  const status = document.querySelector('[data-testid=payment-status]');
  const retry = document.getElementById('retry');
  async function poll() {
    try {
      const view = await (await fetch('${VIEW_PATH}', { cache: 'no-store' })).json();
      status.textContent = view.text;
      status.dataset.status = view.status;
      retry.hidden = !view.retryUrl;
      if (view.retryUrl) retry.href = view.retryUrl;
      if (settled.includes(view.status)) return;
    } catch {}
    setTimeout(poll, 500);
  }
  if (!settled.includes(status.dataset.status)) setTimeout(poll, 500);
</script>`;

function returnPage(reference: string | undefined, view: BuyerView): string {
  if (!reference)
    return layout('Pago', '<p class="status" data-testid="payment-status">Pedido desconocido</p>');
  return layout(
    'Pago',
    `<h1>Pedido ${escapeHtml(reference)}</h1>
    <p class="status" data-testid="payment-status" data-status="${escapeHtml(view.status)}">${escapeHtml(view.text)}</p>
    <p><a class="button" id="retry" data-testid="retry" href="${escapeHtml(view.retryUrl ?? '#')}"${view.retryUrl ? '' : ' hidden'}>Intentar de nuevo</a></p>
    ${POLL_SCRIPT}`,
  );
}

function errorPage(answer: PagosAnswer): string {
  return layout(
    'Error',
    `<h1>No pudimos crear el pago</h1><pre data-testid="pagos-error">${escapeHtml(JSON.stringify(answer, null, 2))}</pre>`,
  );
}
