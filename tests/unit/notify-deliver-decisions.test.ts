/**
 * What deliverBatch (lib/notify/deliver.ts) decides for each queued notification, seen through its
 * ports: what is POSTed and with which headers, what is re-sent to the queue and when it is due,
 * what is dead-lettered and why, what is counted, what is logged at which level, and which message
 * ids the SQS batch answer reports failed. A fixed clock; the breaker and the host slots are the
 * real ones.
 */
import { createHmac } from 'node:crypto';
import { HostBreakers } from '../../lib/notify/breaker.js';
import { type DeliverDeps, deliverBatch, type QueueRecord } from '../../lib/notify/deliver.js';
import type { DeliveryOptions, DeliveryRequest, DeliveryResult } from '../../lib/notify/delivery.js';
import { HostSlots } from '../../lib/notify/limiter.js';
import {
  encodeQueuedNotification,
  newQueuedNotification,
  type QueuedNotification,
} from '../../lib/notify/message.js';
import type { Destination, Outgoing } from '../../lib/notify/queue.js';
import type { StorefrontNotification } from '../../lib/payments/notifications.js';
import { aNotification } from '../support/records.js';

const NOW = Date.parse('2026-12-01T09:00:00Z');
const URL = 'https://shop.example.com/notify';
const HOST = 'shop.example.com';
const SECRETS = ['pgsec_new', 'pgsec_old'];
/** retrySchedule [60, 300]: three attempts in all, 360 s from the first to the last. */
const SCHEDULE = [60, 300];
const SCHEDULE_MS = 360_000;

const notification = aNotification;

const queued = (overrides: Partial<QueuedNotification> = {}, i = 1): QueuedNotification => ({
  ...newQueuedNotification(URL, notification(i), NOW),
  ...overrides,
});

const record = (messageId: string, message: QueuedNotification): QueueRecord => ({
  messageId,
  body: encodeQueuedNotification(message),
});

const ok: DeliveryResult = { ok: true, status: 204, ms: 7 };
const http503: DeliveryResult = { ok: false, failure: 'http_status', status: 503, detail: 'HTTP 503', ms: 9 };
const timeout: DeliveryResult = { ok: false, failure: 'timeout', detail: 'no answer in 5000 ms', ms: 5000 };

type Level = 'info' | 'warn' | 'error';

function harness() {
  const clock = { now: NOW };
  const posts: { request: DeliveryRequest; options: DeliveryOptions }[] = [];
  const sends: { to: Destination; entries: Outgoing[] }[] = [];
  const metrics: {
    name: string;
    dimensions: Record<string, string> | undefined;
    metadata: Record<string, string | number> | undefined;
  }[] = [];
  const logs: { level: Level; message: string; fields: Record<string, unknown> }[] = [];
  /** What SQS does not take, per destination: key -> why. */
  const refused: Record<Destination, Map<string, string>> = { queue: new Map(), dead: new Map() };
  const breakers = new HostBreakers({ threshold: 1, cooldownMs: 60_000, maxCooldownMs: 900_000 }, () => {
    return clock.now;
  });
  const slots = new HostSlots(10);
  const h = {
    clock,
    posts,
    sends,
    metrics,
    logs,
    refused,
    breakers,
    answer: (_request: DeliveryRequest): DeliveryResult => ok,
    deps: undefined as unknown as DeliverDeps,
  };
  const log =
    (level: Level) =>
    (message: string, ...fields: Record<string, unknown>[]) =>
      logs.push({ level, message, fields: Object.assign({}, ...fields) });
  h.deps = {
    retrySchedule: SCHEDULE,
    timeoutMs: 5_000,
    localMode: false,
    slots,
    slotWaitMs: 0,
    secrets: async () => SECRETS,
    post: async (request, options) => {
      posts.push({ request, options });
      return h.answer(request);
    },
    queue: {
      send: async (entries, to) => {
        sends.push({ to, entries: [...entries] });
        return new Map([...refused[to]].filter(([key]) => entries.some((e) => e.key === key)));
      },
    },
    breakers,
    metrics: { count: (name, dimensions, metadata) => metrics.push({ name, dimensions, metadata }) },
    log: { info: log('info'), warn: log('warn'), error: log('error') },
    now: () => clock.now,
    remainingMs: () => 30_000,
    random: () => 0.5,
  };
  return h;
}
type Harness = ReturnType<typeof harness>;

const sentTo = (h: Harness, to: Destination) => h.sends.filter((s) => s.to === to).flatMap((s) => s.entries);
const counted = (h: Harness, name: string) => h.metrics.filter((m) => m.name === name);
const logged = (h: Harness, message: string) => h.logs.filter((l) => l.message === message);

describe('a message not due yet', () => {
  it('due more than 250 ms from now: re-sent unchanged for when it is due, not attempted', async () => {
    const h = harness();
    const later = queued({ due_at: NOW + 90_000 });
    const justOver = queued({ due_at: NOW + 251 }, 2);
    const { outcomes, failedMessageIds } = await deliverBatch(h.deps, [
      record('m1', later),
      record('m2', justOver),
    ]);
    expect(outcomes).toEqual(
      new Map([
        ['m1', 'hop'],
        ['m2', 'hop'],
      ]),
    );
    expect(h.posts).toEqual([]);
    expect(sentTo(h, 'queue')).toEqual([
      { key: 'm1', message: later, delaySeconds: 90 },
      { key: 'm2', message: justOver, delaySeconds: 1 },
    ]);
    expect(failedMessageIds).toEqual([]);
  });

  it('due within 250 ms: attempted now rather than hopped for one more second', async () => {
    const h = harness();
    const { outcomes } = await deliverBatch(h.deps, [record('m1', queued({ due_at: NOW + 250 }))]);
    expect(outcomes.get('m1')).toBe('delivered');
    expect(h.posts).toHaveLength(1);
  });
});

describe('out of time in this invocation', () => {
  it('with less than one timeout plus 2 s left, re-sent at once with no attempt made or counted', async () => {
    const h = harness();
    h.deps.remainingMs = () => 5_000 + 2_000 - 1;
    const message = queued({ attempts: 1 });
    const { outcomes } = await deliverBatch(h.deps, [record('m1', message)]);
    expect(outcomes.get('m1')).toBe('out_of_time');
    expect(h.posts).toEqual([]);
    expect(sentTo(h, 'queue')).toEqual([{ key: 'm1', message, delaySeconds: 0 }]);
  });

  it('with exactly one timeout plus 2 s left, the attempt is still made', async () => {
    const h = harness();
    h.deps.remainingMs = () => 5_000 + 2_000;
    const { outcomes } = await deliverBatch(h.deps, [record('m1', queued())]);
    expect(outcomes.get('m1')).toBe('delivered');
    expect(h.posts).toHaveLength(1);
  });
});

describe('a busy host', () => {
  it('with no free slot, the message is put off for one timeout, counted as deferred, not attempted', async () => {
    const h = harness();
    h.deps.slots = new HostSlots(1);
    h.deps.slots.tryTake(HOST); // the host's one slot is held elsewhere in the instance
    const message = queued({ attempts: 1 });
    const { outcomes } = await deliverBatch(h.deps, [record('m1', message)]);
    expect(outcomes.get('m1')).toBe('host_busy');
    expect(h.posts).toEqual([]);
    expect(sentTo(h, 'queue')).toEqual([
      { key: 'm1', message: { ...message, due_at: NOW + 5_000 }, delaySeconds: 5 },
    ]);
    expect(counted(h, 'NotificationsDeferred')).toHaveLength(1);
  });
});

describe('the host circuit breaker is open', () => {
  const openBreaker = (h: Harness) => h.breakers.record(HOST, 'breaking'); // open for 60 s from NOW

  it('put off for after the cooldown plus a spread of up to half a cooldown, no attempt, counted', async () => {
    const h = harness();
    openBreaker(h);
    h.deps.random = () => 0.5; // half of the half cooldown: 15 s
    const message = queued();
    const { outcomes } = await deliverBatch(h.deps, [record('m1', message)]);
    expect(outcomes.get('m1')).toBe('deferred');
    expect(h.posts).toEqual([]);
    expect(sentTo(h, 'queue')).toEqual([
      {
        key: 'm1',
        message: { ...message, due_at: NOW + 60_000 + 15_000, deferrals: 1, attempts: 0 },
        delaySeconds: 75,
      },
    ]);
    expect(counted(h, 'NotificationsDeferred')).toHaveLength(1);
    expect(counted(h, 'NotificationsRetried')).toEqual([]);
  });

  it('counts one more deferral on a message the breaker put off before', async () => {
    const h = harness();
    openBreaker(h);
    await deliverBatch(h.deps, [record('m1', queued({ deferrals: 2 }))]);
    expect(sentTo(h, 'queue').map((e) => e.message.deferrals)).toEqual([3]);
  });

  it('a message older than the whole retry schedule is dead-lettered instead, and says why', async () => {
    const h = harness();
    openBreaker(h);
    const message = queued({ queued_at: NOW - SCHEDULE_MS - 1 });
    const { outcomes, failedMessageIds } = await deliverBatch(h.deps, [record('m1', message)]);
    expect(outcomes.get('m1')).toBe('dead');
    expect(h.posts).toEqual([]);
    expect(sentTo(h, 'queue')).toEqual([]);
    const reason = 'host unreachable (circuit breaker open) past the retry schedule';
    expect(sentTo(h, 'dead')).toEqual([
      { key: 'm1', message: { ...message, dead: { at: NOW, reason } }, delaySeconds: 0 },
    ]);
    expect(counted(h, 'DeadNotifications').map((m) => m.metadata)).toEqual([
      { notification_id: 'ntf_1', target: HOST, attempts: 0, reason },
    ]);
    expect(failedMessageIds).toEqual([]);
  });

  it('a message exactly as old as the whole retry schedule is still put off, not dead', async () => {
    const h = harness();
    openBreaker(h);
    const { outcomes } = await deliverBatch(h.deps, [record('m1', queued({ queued_at: NOW - SCHEDULE_MS }))]);
    expect(outcomes.get('m1')).toBe('deferred');
    expect(sentTo(h, 'dead')).toEqual([]);
  });
});

describe('what counts toward the circuit breaker', () => {
  it.each([
    ['a timeout', timeout],
    ['a network failure', { ok: false, failure: 'network', detail: 'ECONNREFUSED', ms: 3 } as DeliveryResult],
  ])('%s opens the host breaker (threshold 1)', async (_what, result) => {
    const h = harness();
    h.answer = () => result;
    await deliverBatch(h.deps, [record('m1', queued())]);
    expect(h.breakers.isOpen(HOST)).toBe(true);
  });

  it.each([
    ['an HTTP error answer', http503],
    [
      'a refused target',
      { ok: false, failure: 'refused', detail: 'private address', ms: 1 } as DeliveryResult,
    ],
    ['an invalid URL', { ok: false, failure: 'invalid_url', detail: 'not http(s)', ms: 0 } as DeliveryResult],
  ])('%s leaves the host breaker closed', async (_what, result) => {
    const h = harness();
    h.answer = () => result;
    await deliverBatch(h.deps, [record('m1', queued())]);
    expect(h.breakers.isOpen(HOST)).toBe(false);
  });
});

describe('the attempt', () => {
  it('is one signed JSON POST with the user agent, notification id and attempt number headers', async () => {
    const h = harness();
    await deliverBatch(h.deps, [record('m1', queued({ attempts: 1 }))]);
    const body = JSON.stringify(notification(1));
    const t = Math.floor(NOW / 1000);
    const v1 = (secret: string) => createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
    expect(h.posts).toEqual([
      {
        request: {
          url: URL,
          body,
          headers: {
            'content-type': 'application/json',
            'user-agent': 'Pagos-Notifications/1',
            'pagos-signature': `t=${t},v1=${v1('pgsec_new')},v1=${v1('pgsec_old')}`,
            'pagos-notification-id': 'ntf_1',
            'pagos-attempt': '2',
          },
        },
        options: { timeoutMs: 5_000, localMode: false },
      },
    ]);
  });

  it('delivered: logged at info with the status, counted as delivered, nothing re-sent', async () => {
    const h = harness();
    const { outcomes } = await deliverBatch(h.deps, [record('m1', queued())]);
    expect(outcomes.get('m1')).toBe('delivered');
    expect(logged(h, 'notification delivered')).toEqual([
      expect.objectContaining({
        level: 'info',
        fields: expect.objectContaining({ notification_id: 'ntf_1', result: 'delivered', status: 204 }),
      }),
    ]);
    expect(counted(h, 'NotificationsDelivered')).toHaveLength(1);
    expect(h.sends).toEqual([]);
  });

  it('a notification without type, reference_id or order_id hands the log no such keys', async () => {
    const h = harness();
    const { reference_id: _r, order_id: _o, type: _t, ...older } = notification(1);
    const message = { ...queued(), notification: older as StorefrontNotification };
    await deliverBatch(h.deps, [record('m1', message)]);
    const [line] = logged(h, 'notification delivered');
    expect(line?.fields).toMatchObject({ notification_id: 'ntf_1', target: HOST });
    const keys = Object.keys(line?.fields ?? {});
    expect(keys.filter((k) => ['type', 'reference_id', 'order_id'].includes(k))).toEqual([]);
  });
});

describe('signing secrets unavailable', () => {
  it('nothing is sent: the message is put off 30 s with no attempt counted, and the error is logged', async () => {
    const h = harness();
    const failure = new Error('DynamoDB throttled');
    h.deps.secrets = async () => {
      throw failure;
    };
    const message = queued({ attempts: 1 });
    const { outcomes } = await deliverBatch(h.deps, [record('m1', message)]);
    expect(outcomes.get('m1')).toBe('secrets_unavailable');
    expect(h.posts).toEqual([]);
    expect(sentTo(h, 'queue')).toEqual([
      { key: 'm1', message: { ...message, due_at: NOW + 30_000 }, delaySeconds: 30 },
    ]);
    expect(logged(h, 'signing secrets unavailable; notification put off')).toEqual([
      { level: 'error', message: expect.any(String), fields: { notification_id: 'ntf_1', error: failure } },
    ]);
  });

  it('gives back the probe it was admitted as: the next message to that host is tried', async () => {
    const h = harness();
    h.breakers.record(HOST, 'breaking');
    h.clock.now = NOW + 60_000; // the cooldown is over: one probe may go
    h.deps.secrets = async () => {
      throw new Error('DynamoDB throttled');
    };
    const first = await deliverBatch(h.deps, [record('m1', queued({ due_at: h.clock.now }))]);
    expect(first.outcomes.get('m1')).toBe('secrets_unavailable');
    h.deps.secrets = async () => SECRETS;
    const second = await deliverBatch(h.deps, [record('m2', queued({ due_at: h.clock.now }, 2))]);
    expect(second.outcomes.get('m2')).toBe('delivered');
    expect(h.posts).toHaveLength(1);
  });
});

describe('a failed attempt', () => {
  it('is re-sent with one more attempt, due one schedule delay after it started, and counted', async () => {
    const h = harness();
    h.answer = () => http503;
    const message = queued();
    const { outcomes } = await deliverBatch(h.deps, [record('m1', message)]);
    expect(outcomes.get('m1')).toBe('retry');
    expect(sentTo(h, 'queue')).toEqual([
      {
        key: 'm1',
        message: {
          ...message,
          attempts: 1,
          due_at: NOW + 60_000,
          last: { at: NOW, result: 'http_status', status: 503, detail: 'HTTP 503' },
        },
        delaySeconds: 60,
      },
    ]);
    expect(sentTo(h, 'queue')[0]?.message.last).toHaveProperty('status', 503);
    expect(counted(h, 'NotificationsRetried')).toHaveLength(1);
    expect(counted(h, 'DeadNotifications')).toEqual([]);
    expect(logged(h, 'notification attempt failed; retry scheduled')).toEqual([
      expect.objectContaining({
        level: 'warn',
        fields: expect.objectContaining({ result: 'http_status', retry_at: '2026-12-01T09:01:00.000Z' }),
      }),
    ]);
  });

  it('keeps at most 300 characters of the failure detail on the message', async () => {
    const h = harness();
    h.answer = () => ({ ...timeout, detail: 'x'.repeat(1_000) });
    await deliverBatch(h.deps, [record('m1', queued())]);
    expect(sentTo(h, 'queue')[0]?.message.last?.detail).toBe('x'.repeat(300));
  });

  it('after the last attempt: dead-lettered as retries exhausted, counted, logged at error', async () => {
    const h = harness();
    h.answer = () => http503;
    const message = queued({ attempts: 2 });
    const { outcomes, failedMessageIds } = await deliverBatch(h.deps, [record('m1', message)]);
    expect(outcomes.get('m1')).toBe('dead');
    expect(sentTo(h, 'queue')).toEqual([]);
    expect(sentTo(h, 'dead')).toEqual([
      {
        key: 'm1',
        message: {
          ...message,
          attempts: 3,
          last: { at: NOW, result: 'http_status', status: 503, detail: 'HTTP 503' },
          dead: { at: NOW, reason: 'retries exhausted' },
        },
        delaySeconds: 0,
      },
    ]);
    expect(counted(h, 'DeadNotifications')).toEqual([
      {
        name: 'DeadNotifications',
        dimensions: {},
        metadata: { notification_id: 'ntf_1', target: HOST, attempts: 3, reason: 'retries exhausted' },
      },
    ]);
    expect(logged(h, 'notification dead').map((l) => l.level)).toEqual(['error']);
    expect(failedMessageIds).toEqual([]);
  });

  it('to an invalid URL is dead at the first attempt: no retry can help', async () => {
    const h = harness();
    h.answer = () => ({ ok: false, failure: 'invalid_url', detail: 'not an http(s) URL', ms: 0 });
    const { outcomes } = await deliverBatch(h.deps, [record('m1', queued())]);
    expect(outcomes.get('m1')).toBe('dead');
    expect(sentTo(h, 'queue')).toEqual([]);
    expect(sentTo(h, 'dead').map((e) => [e.message.attempts, e.message.dead])).toEqual([
      [1, { at: NOW, reason: 'invalid_url' }],
    ]);
    expect(counted(h, 'NotificationsRetried')).toEqual([]);
  });
});

describe('the batch answer to SQS', () => {
  it('retries go to the queue and dead letters to the dead-letter queue, one send each', async () => {
    const h = harness();
    h.answer = (request) => (request.headers['pagos-notification-id'] === 'ntf_3' ? ok : http503);
    await deliverBatch(h.deps, [
      record('m1', queued({}, 1)),
      record('m2', queued({ attempts: 2 }, 2)),
      record('m3', queued({}, 3)),
    ]);
    expect(h.sends.map((s) => [s.to, s.entries.map((e) => e.key)])).toEqual([
      ['queue', ['m1']],
      ['dead', ['m2']],
    ]);
    // Only the dead letter is counted as dead, the retry is not.
    expect(counted(h, 'DeadNotifications').map((m) => m.metadata?.notification_id)).toEqual(['ntf_2']);
  });

  it('a batch with nothing to re-send makes no call to SQS at all', async () => {
    const h = harness();
    const { failedMessageIds } = await deliverBatch(h.deps, [
      record('m1', queued({}, 1)),
      record('m2', queued({}, 2)),
    ]);
    expect(h.sends).toEqual([]);
    expect(failedMessageIds).toEqual([]);
  });

  it('only a message whose handling threw is reported failed, with an error logged', async () => {
    const h = harness();
    const boom = new Error('post blew up');
    h.answer = (request) => {
      if (request.headers['pagos-notification-id'] === 'ntf_2') throw boom;
      return ok;
    };
    const { failedMessageIds, outcomes } = await deliverBatch(h.deps, [
      record('m1', queued({}, 1)),
      record('m2', queued({}, 2)),
    ]);
    expect(failedMessageIds).toEqual(['m2']);
    expect(outcomes.get('m1')).toBe('delivered');
    expect(logged(h, 'notification not handled; SQS will redeliver it')).toEqual([
      { level: 'error', message: expect.any(String), fields: { message_id: 'm2', error: boom } },
    ]);
  });

  it('a successor SQS did not take is reported failed and logged; the others are acknowledged', async () => {
    const h = harness();
    h.answer = () => http503;
    h.refused.queue.set('m1', 'ThrottlingException: slow down');
    const { failedMessageIds } = await deliverBatch(h.deps, [
      record('m1', queued({}, 1)),
      record('m2', queued({}, 2)),
    ]);
    expect(failedMessageIds).toEqual(['m1']);
    expect(logged(h, 'a notification could not be re-queued; SQS will redeliver it')).toEqual([
      {
        level: 'error',
        message: expect.any(String),
        fields: { message_id: 'm1', to: 'queue', reason: 'ThrottlingException: slow down' },
      },
    ]);
  });

  it('a dead letter SQS did not take is reported failed and not counted as dead', async () => {
    const h = harness();
    h.answer = () => http503;
    h.refused.dead.set('m1', 'ServiceUnavailable: try again');
    const { failedMessageIds } = await deliverBatch(h.deps, [
      record('m1', queued({ attempts: 2 }, 1)),
      record('m2', queued({ attempts: 2 }, 2)),
    ]);
    expect(failedMessageIds).toEqual(['m1']);
    expect(counted(h, 'DeadNotifications').map((m) => m.metadata?.notification_id)).toEqual(['ntf_2']);
  });
});

describe('an unreadable message', () => {
  it('is dead-lettered at once as received, wrapped with why, logged and counted', async () => {
    const h = harness();
    const { outcomes, failedMessageIds } = await deliverBatch(h.deps, [
      { messageId: 'm1', body: 'not json at all' },
    ]);
    expect(outcomes.get('m1')).toBe('dead');
    expect(h.posts).toEqual([]);
    const reason = 'unreadable message: not JSON: not json at all';
    expect(sentTo(h, 'dead')).toEqual([
      {
        key: 'm1',
        message: {
          v: 1,
          url: '',
          notification: { id: 'unreadable:m1', merchant: '' },
          attempts: 0,
          due_at: NOW,
          queued_at: NOW,
          dead: { at: NOW, reason },
        },
        delaySeconds: 0,
      },
    ]);
    expect(logged(h, 'unreadable notification message; dead-lettered')).toEqual([
      { level: 'error', message: expect.any(String), fields: { message_id: 'm1', reason: 'not JSON' } },
    ]);
    expect(counted(h, 'DeadNotifications').map((m) => m.metadata)).toEqual([
      { notification_id: 'unreadable:m1', target: 'invalid-url', attempts: 0, reason },
    ]);
    expect(failedMessageIds).toEqual([]);
  });

  it('keeps only the first 2000 characters of the body it could not read', async () => {
    const h = harness();
    await deliverBatch(h.deps, [{ messageId: 'm1', body: 'x'.repeat(5_000) }]);
    expect(sentTo(h, 'dead')[0]?.message.dead?.reason).toBe(
      `unreadable message: not JSON: ${'x'.repeat(2000)}`,
    );
  });
});
