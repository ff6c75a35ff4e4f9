/**
 * The delivery function's attempt lines (lib/notify/deliver.ts) name the payment and order they
 * are about: reference_id and order_id from the notification, through the real logger and its
 * redaction, on the delivered, retry and dead lines alike.
 */
import { createLogger, setLogSink } from '../../lib/http/logger.js';
import { HostBreakers } from '../../lib/notify/breaker.js';
import { type DeliverDeps, deliverBatch } from '../../lib/notify/deliver.js';
import type { DeliveryResult } from '../../lib/notify/delivery.js';
import { HostSlots } from '../../lib/notify/limiter.js';
import { encodeQueuedNotification, newQueuedNotification } from '../../lib/notify/message.js';
import type { StorefrontNotification } from '../../lib/payments/notifications.js';

const lines: Record<string, unknown>[] = [];
let restore: ReturnType<typeof setLogSink>;
beforeAll(() => {
  restore = setLogSink((line) => lines.push(JSON.parse(line)));
});
afterAll(() => setLogSink(restore));
beforeEach(() => {
  lines.length = 0;
});

const NOW = Date.parse('2026-12-01T09:00:00Z');
const notification = {
  id: `ntf_${'a'.repeat(32)}`,
  type: 'payment.paid',
  merchant: 'conekta:company_1:test',
  livemode: false,
  provider: 'conekta',
  reference_id: 'pedido-6588',
  order_id: 'ord_2yQnZ6cGzxJfmkS8n',
  status: 'paid',
  amount: '1000.00',
  amount_cents: 100_000,
  amount_refunded_cents: 0,
  currency: 'MXN',
  occurred_at: '2026-12-01T08:59:59.000Z',
  metadata: { email: 'andres@example.com' },
} as StorefrontNotification;

function deps(result: DeliveryResult, retrySchedule: readonly number[] = [60, 300]): DeliverDeps {
  return {
    retrySchedule,
    timeoutMs: 5000,
    localMode: false,
    slots: new HostSlots(2),
    slotWaitMs: 0,
    secrets: async () => ['pgsec_test'],
    post: async () => result,
    queue: { send: async () => new Map() },
    breakers: new HostBreakers({ threshold: 3, cooldownMs: 1000, maxCooldownMs: 4000 }),
    metrics: { count: () => {} },
    log: createLogger('pagos-notifications', 'info'),
    now: () => NOW,
    remainingMs: () => 30_000,
  };
}

const deliver = (d: DeliverDeps, body: object, attempts = 0) =>
  deliverBatch(d, [
    {
      messageId: 'm-1',
      body: encodeQueuedNotification({
        ...newQueuedNotification('https://shop.example.com/notify', body as StorefrontNotification, NOW),
        attempts,
      }),
    },
  ]);
const attemptLine = (message: string) => lines.find((l) => l.message === message);
const failed: DeliveryResult = { ok: false, failure: 'http_status', status: 503, detail: 'HTTP 503', ms: 12 };

it.each([
  ['delivered', { ok: true, status: 200, ms: 8 } as DeliveryResult, 0, 'notification delivered'],
  ['retried', failed, 0, 'notification attempt failed; retry scheduled'],
  ['dead', failed, 2, 'notification dead'],
])('the %s line carries type, reference_id and order_id', async (_what, result, attempts, message) => {
  await deliver(deps(result), notification, attempts);
  expect(attemptLine(message)).toMatchObject({
    notification_id: notification.id,
    type: notification.type,
    reference_id: 'pedido-6588',
    order_id: 'ord_2yQnZ6cGzxJfmkS8n',
    target: 'shop.example.com',
  });
  // Only ids: nothing else of the notification's content reaches the line.
  expect(JSON.stringify(lines)).not.toContain('andres@example.com');
});

it('a message without them (the reader does not require them) logs without them', async () => {
  const { reference_id: _r, order_id: _o, type: _t, ...older } = notification;
  const outcome = await deliver(deps({ ok: true, status: 204, ms: 5 }), older);
  expect(outcome.outcomes.get('m-1')).toBe('delivered');
  const line = attemptLine('notification delivered');
  expect(line).toMatchObject({ notification_id: notification.id });
  expect(line).not.toHaveProperty('reference_id');
  expect(line).not.toHaveProperty('order_id');
  expect(line).not.toHaveProperty('type');
});

it('redaction still applies: a reference that is a phone-shaped number is not logged as such', async () => {
  await deliver(deps({ ok: true, status: 200, ms: 8 }), {
    ...notification,
    reference_id: '+52 55 5555 5555',
  });
  expect(JSON.stringify(lines)).not.toContain('5555 5555');
});
