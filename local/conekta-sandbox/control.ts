// Sandbox-only endpoints: test controls under /_sandbox (no API key; plain JSON errors) and the
// hosted checkout page under /checkout/{slug}.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { apiKeyResponse } from './api-company.js';
import { renderCheckoutPage, renderNotFoundPage } from './checkout-page.js';
import { SandboxControlError } from './errors.js';
import { applyFaultsPatch, DEFAULT_FAULTS } from './faults.js';
import { matchPath, readBody, redirect, sendHtml, sendJson } from './http.js';
import { isTransition, LateMethod, type Order, type Transition } from './orders.js';
import type { Sandbox } from './sandbox.js';
import { hashFingerprint } from './store.js';
import { ReleaseOrder } from './webhook-delivery.js';

async function jsonBody(request: IncomingMessage): Promise<unknown> {
  const raw = await readBody(request);
  if (raw.length === 0) return {};
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch (cause) {
    throw new SandboxControlError(400, 'Body must be JSON', { cause });
  }
}

function sendOrder(sandbox: Sandbox, response: ServerResponse, order: Order): void {
  if (sandbox.options.validateResponses) {
    const problems = sandbox.contract.checkSchema('order_response', order);
    if (problems.length > 0) {
      sandbox.contractViolation('sandbox transition order', problems, order);
      sendJson(response, 500, {
        object: 'sandbox_error',
        message: 'Order does not match the spec (sandbox bug)',
      });
      return;
    }
  }
  sendJson(response, 200, order);
}

function info(sandbox: Sandbox) {
  const { options } = sandbox;
  return {
    url: sandbox.url,
    public_url: sandbox.publicUrl,
    default_webhook_public_key: sandbox.defaultKey.publicKeyPem,
    default_webhook_urls: options.defaultWebhookUrls,
    revoked_keys: options.revokedKeys,
    webhook_retry_schedule_ms: options.webhookRetryScheduleMs,
    webhook_timeout_ms: options.webhookTimeoutMs,
    validate_responses: options.validateResponses,
    state_path: options.statePath ?? null,
    startup: sandbox.timings,
    controls: [
      'GET|POST|DELETE /_sandbox/faults',
      'POST /_sandbox/webhooks/release {order?: shuffled|reverse|fifo}',
      'GET|DELETE /_sandbox/webhook_deliveries (?event_id=&type=&url=)',
      'POST /_sandbox/orders/{id}/{pay_card|pay_cash_pending|confirm_cash|decline|expire}',
      'POST /_sandbox/orders/{id}/pay_late {method?: cash|card}',
      'POST /_sandbox/keys {key, same_company_as?, livemode?}',
      'DELETE /_sandbox/keys/{key}',
      'GET|DELETE /_sandbox/requests (?operation=&method=&path=)',
      'GET /_sandbox/webhook_public_key',
    ],
  };
}

async function control(sandbox: Sandbox, request: IncomingMessage, response: ServerResponse, url: URL) {
  const method = request.method ?? 'GET';
  const path = url.pathname.replace(/\/+$/, '');
  const is = (m: string, template: string) => (m === method ? matchPath(template, path) : undefined);
  const { dispatcher } = sandbox;

  if (is('GET', '/_sandbox/info')) return sendJson(response, 200, info(sandbox));
  if (is('GET', '/_sandbox/webhook_public_key')) {
    response.writeHead(200, { 'content-type': 'application/x-pem-file' });
    return void response.end(sandbox.defaultKey.publicKeyPem);
  }
  if (is('GET', '/_sandbox/faults')) return sendJson(response, 200, sandbox.faults);
  if (is('POST', '/_sandbox/faults')) {
    sandbox.faults = applyFaultsPatch(sandbox.faults, await jsonBody(request));
    return sendJson(response, 200, sandbox.faults);
  }
  if (is('DELETE', '/_sandbox/faults')) {
    sandbox.faults = { ...DEFAULT_FAULTS };
    // nothing is held any more, so whatever was queued goes out now
    const released = await dispatcher.release(ReleaseOrder.fifo);
    return sendJson(response, 200, { ...sandbox.faults, released });
  }
  if (is('POST', '/_sandbox/webhooks/release')) {
    const { order = ReleaseOrder.shuffled } = (await jsonBody(request)) as { order?: string };
    if (!(Object.values(ReleaseOrder) as string[]).includes(order)) {
      throw new SandboxControlError(400, `order must be one of ${Object.values(ReleaseOrder).join(', ')}`);
    }
    const released = await dispatcher.release(order as ReleaseOrder);
    return sendJson(response, 200, { released });
  }
  if (is('GET', '/_sandbox/webhook_deliveries')) {
    const filters = ['event_id', 'type', 'url'] as const;
    const data = dispatcher.log.filter((entry) =>
      filters.every((key) => !url.searchParams.has(key) || entry[key] === url.searchParams.get(key)),
    );
    return sendJson(response, 200, { object: 'list', held: dispatcher.heldCount, data });
  }
  if (is('DELETE', '/_sandbox/webhook_deliveries')) {
    dispatcher.clearLog();
    return sendJson(response, 200, { object: 'list', held: dispatcher.heldCount, data: [] });
  }
  if (is('GET', '/_sandbox/requests')) {
    return sendJson(response, 200, { object: 'list', data: sandbox.requests.list(url.searchParams) });
  }
  if (is('DELETE', '/_sandbox/requests')) {
    sandbox.requests.clear();
    return sendJson(response, 200, { object: 'list', data: [] });
  }
  if (is('POST', '/_sandbox/keys')) return sendJson(response, 200, addKey(sandbox, await jsonBody(request)));
  const revoked = is('DELETE', '/_sandbox/keys/{key}');
  if (revoked) {
    await readBody(request);
    const record = sandbox.store.revokeKey(revoked.key ?? '', sandbox.clock().now);
    return sendJson(response, 200, keyAnswer(sandbox, record));
  }
  const late = is('POST', '/_sandbox/orders/{id}/pay_late');
  if (late) {
    const { method = LateMethod.cash } = (await jsonBody(request)) as { method?: unknown };
    if (!(Object.values(LateMethod) as unknown[]).includes(method)) {
      throw new SandboxControlError(400, `method must be one of ${Object.values(LateMethod).join(', ')}`);
    }
    return sendOrder(sandbox, response, sandbox.payLate(late.id ?? '', method as LateMethod));
  }
  const transition = is('POST', '/_sandbox/orders/{id}/{transition}');
  if (transition) {
    const name = transition.transition ?? '';
    if (!isTransition(name)) throw new SandboxControlError(404, `Unknown transition ${name}`);
    await readBody(request);
    return sendOrder(sandbox, response, sandbox.transition(transition.id ?? '', name));
  }
  throw new SandboxControlError(404, `No sandbox control ${method} ${path}`);
}

const KEY_PATTERN = /^key_[A-Za-z0-9_]+$/;

/** A key as the controls answer it: the API's api_key fields plus its company, never the key. */
function keyAnswer(sandbox: Sandbox, record: Parameters<typeof apiKeyResponse>[0]) {
  return {
    ...apiKeyResponse(record),
    company_id: record.companyId,
    key_fingerprint: hashFingerprint(record.keyHash),
    company_name: sandbox.store.companyOf(record).name,
  };
}

function addKey(sandbox: Sandbox, body: unknown) {
  const { key, same_company_as, livemode, ...extra } = (body ?? {}) as Record<string, unknown>;
  const unknown = Object.keys(extra);
  if (unknown.length > 0) throw new SandboxControlError(400, `Unknown field ${unknown.join(', ')}`);
  if (typeof key !== 'string' || !KEY_PATTERN.test(key)) {
    throw new SandboxControlError(
      400,
      'key must be a well-formed private key (key_ then letters, digits, _)',
    );
  }
  if (
    same_company_as !== undefined &&
    (typeof same_company_as !== 'string' || !KEY_PATTERN.test(same_company_as))
  ) {
    throw new SandboxControlError(400, 'same_company_as must be a well-formed key');
  }
  if (livemode !== undefined && typeof livemode !== 'boolean') {
    throw new SandboxControlError(400, 'livemode must be a boolean');
  }
  const record = sandbox.store.addKey(
    { key, ...(same_company_as === undefined ? {} : { sameCompanyAs: same_company_as }), livemode },
    sandbox.clock().now,
  );
  return keyAnswer(sandbox, record);
}

export async function handleControl(
  sandbox: Sandbox,
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
) {
  try {
    await control(sandbox, request, response, url);
  } catch (error) {
    if (!(error instanceof SandboxControlError)) throw error;
    sendJson(response, error.status, {
      object: 'sandbox_error',
      status: error.status,
      message: error.message,
    });
  }
}

/** Where the buyer lands after an action: the store's URLs after paying or a decline. */
function afterAction(order: Order, transition: Transition): string {
  const page = order.checkout?.url ?? '/';
  if (transition === 'pay_card' || transition === 'confirm_cash') return order.checkout?.success_url ?? page;
  if (transition === 'decline') return order.checkout?.failure_url ?? page;
  return page;
}

export async function handleCheckout(
  sandbox: Sandbox,
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
) {
  const method = request.method ?? 'GET';
  const view = method === 'GET' ? matchPath('/checkout/{slug}', url.pathname) : undefined;
  const action = method === 'POST' ? matchPath('/checkout/{slug}/{transition}', url.pathname) : undefined;
  const slug = view?.slug ?? action?.slug ?? '';
  const orderId = sandbox.store.orderIdBySlug(slug);
  const found = orderId ? sandbox.store.orderAnywhere(orderId) : undefined;
  if (!found || (!view && !action)) return sendHtml(response, 404, renderNotFoundPage(slug));
  if (view) return sendHtml(response, 200, renderCheckoutPage(found.order));

  await readBody(request); // the form carries nothing we need
  const transition = action?.transition ?? '';
  if (!isTransition(transition)) return sendHtml(response, 404, renderNotFoundPage(slug));
  try {
    const order = sandbox.transition(found.order.id, transition);
    return redirect(response, afterAction(order, transition));
  } catch (error) {
    if (!(error instanceof SandboxControlError)) throw error;
    const current = sandbox.store.orderAnywhere(found.order.id)?.order ?? found.order;
    return sendHtml(response, error.status, renderCheckoutPage(current, error.message));
  }
}
