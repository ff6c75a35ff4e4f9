/**
 * deliverBatch with a burst to one host: a healthy host gets the whole batch in one invocation
 * (2 at a time), a hung host holds only its 2 slots and the rest is put off after a short wait.
 */
import { HostBreakers } from '../../lib/notify/breaker.js';
import { type DeliverDeps, deliverBatch } from '../../lib/notify/deliver.js';
import type { DeliveryRequest, DeliveryResult } from '../../lib/notify/delivery.js';
import { HostSlots } from '../../lib/notify/limiter.js';
import { newQueuedNotification } from '../../lib/notify/message.js';
import type { Outgoing } from '../../lib/notify/queue.js';
import type { StorefrontNotification } from '../../lib/payments/notifications.js';
import { aNotification } from '../support/records.js';

const notification = aNotification;

const records = (n: number, url: string) =>
  Array.from({ length: n }, (_, i) => ({
    messageId: `m${i}`,
    body: JSON.stringify(newQueuedNotification(url, notification(i), Date.now())),
  }));

function depsWith(post: (req: DeliveryRequest) => Promise<DeliveryResult>, slotWaitMs: number) {
  const sent: Outgoing[] = [];
  const attempts: string[] = [];
  const deps: DeliverDeps = {
    retrySchedule: [60],
    timeoutMs: 300,
    localMode: true,
    slots: new HostSlots(2),
    slotWaitMs,
    secrets: async () => ['secret'],
    post: async (req) => {
      attempts.push(req.url);
      return post(req);
    },
    queue: {
      send: async (entries) => {
        sent.push(...entries);
        return new Map();
      },
    },
    breakers: new HostBreakers({ threshold: 3, cooldownMs: 60_000, maxCooldownMs: 900_000 }),
    metrics: { count: () => {} },
    log: { info: () => {}, warn: () => {}, error: () => {} },
    now: Date.now,
    remainingMs: () => 30_000,
  };
  return { deps, sent, attempts };
}

const after = (ms: number, result: DeliveryResult) =>
  new Promise<DeliveryResult>((r) => setTimeout(() => r(result), ms));

it('delivers a whole batch to one healthy host in the invocation, two at a time', async () => {
  let inFlight = 0;
  let most = 0;
  const { deps, sent } = depsWith(async () => {
    inFlight += 1;
    most = Math.max(most, inFlight);
    const result = await after(10, { ok: true, status: 204, ms: 10 });
    inFlight -= 1;
    return result;
  }, 1_000);
  const { outcomes, failedMessageIds } = await deliverBatch(deps, records(10, 'http://shop.example/n'));
  expect([...outcomes.values()]).toEqual(Array(10).fill('delivered'));
  expect(most).toBe(2);
  expect(sent).toEqual([]);
  expect(failedMessageIds).toEqual([]);
});

it('puts off what waits longer than slotWaitMs behind a host that does not answer', async () => {
  const { deps, sent, attempts } = depsWith(
    () => after(300, { ok: false, failure: 'timeout', detail: 'no answer', ms: 300 } as DeliveryResult),
    50,
  );
  const started = Date.now();
  const { outcomes } = await deliverBatch(deps, records(6, 'http://silent.example/n'));
  const counts = [...outcomes.values()].reduce<Record<string, number>>(
    (acc, o) => Object.assign(acc, { [o]: (acc[o] ?? 0) + 1 }),
    {},
  );
  expect(counts).toEqual({ retry: 2, host_busy: 4 });
  expect(attempts).toHaveLength(2);
  // Nobody waited for the hung connections: the batch took about one timeout.
  expect(Date.now() - started).toBeLessThan(300 + 250);
  expect(sent).toHaveLength(6);
});

it('with no wait allowed, a busy host is put off at once (the old behaviour, slotWaitMs 0)', async () => {
  const { deps } = depsWith(() => after(10, { ok: true, status: 204, ms: 10 }), 0);
  const { outcomes } = await deliverBatch(deps, records(4, 'http://shop.example/n'));
  expect([...outcomes.values()].filter((o) => o === 'host_busy')).toHaveLength(2);
});

it('never waits for a slot past the time one attempt still needs', async () => {
  const { deps, attempts } = depsWith(() => after(10, { ok: true, status: 204, ms: 10 }), 5_000);
  deps.remainingMs = () => deps.timeoutMs + 2_000; // exactly one attempt's time plus the end margin
  const { outcomes } = await deliverBatch(deps, records(4, 'http://shop.example/n'));
  expect([...outcomes.values()].filter((o) => o === 'host_busy')).toHaveLength(2);
  expect(attempts).toHaveLength(2);
});
