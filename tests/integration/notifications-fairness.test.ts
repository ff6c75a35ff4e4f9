/**
 * A storefront that accepts connections and never answers does not hold up a healthy one: its
 * host's circuit breaker opens after a few timeouts and its other notifications are put off
 * without an attempt (their attempt count untouched), while the healthy storefront's go through.
 * Structural checks only (who was attempted, with which attempt number), never a stopwatch.
 */
import {
  metricTotal,
  type Pipeline,
  type Receiver,
  startPipeline,
  startReceiver,
  until,
} from '../support/notification-pipeline.js';
import { anAttempt, aPayment } from '../support/records.js';

const BACKLOG = 40;
const THRESHOLD = 3;
let pipeline: Pipeline;
let silent: Receiver;
let healthy: Receiver;

beforeAll(async () => {
  pipeline = await startPipeline('notify-fairness', {
    // Long enough that no retry of the silent host comes back during the test.
    retrySchedule: [60, 60],
    timeoutMs: 1_000,
    breaker: { threshold: THRESHOLD, cooldownMs: 60_000, maxCooldownMs: 60_000 },
    concurrency: 2,
  });
  silent = await startReceiver(() => 'silent');
  healthy = await startReceiver(() => 'ok');
});

afterAll(async () => {
  await pipeline?.stop();
  await silent?.stop();
  await healthy?.stop();
});

it('the silent host is attempted only until its breaker opens; the healthy one gets everything meanwhile', async () => {
  for (let i = 0; i < BACKLOG; i++)
    await pipeline.payments.insert(aPayment([anAttempt()], { notificationUrl: silent.url }));
  const healthyRefs: string[] = [];
  for (let i = 0; i < 5; i++) {
    const payment = aPayment([anAttempt()], { notificationUrl: healthy.url });
    healthyRefs.push(payment.referenceId);
    await pipeline.payments.insert(payment);
  }
  await until('every healthy notification', () =>
    healthyRefs.every((ref) => healthy.received.some((r) => r.json.reference_id === ref)),
  );
  // Let the backlog be read through: every silent message has been either attempted or put off.
  await until(
    'the silent backlog handled',
    () => metricTotal(pipeline.metricLines, 'NotificationsDeferred') + silent.received.length >= BACKLOG,
  );
  // The breaker opened after THRESHOLD timeouts; at most the attempts already in flight (2 per
  // host per invocation, 2 invocations) followed. Every other message was put off unattempted.
  expect(silent.received.length).toBeGreaterThanOrEqual(THRESHOLD);
  expect(silent.received.length).toBeLessThanOrEqual(THRESHOLD + 4);
  expect(silent.received.every((r) => r.headers['pagos-attempt'] === '1')).toBe(true);
  expect(healthy.received.every((r) => r.headers['pagos-attempt'] === '1')).toBe(true);
});
