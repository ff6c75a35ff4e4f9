/**
 * The delivery function's work on one batch of queued notifications. For each message, one of:
 * - not due yet (a wait longer than SQS's 900 s delay): re-sent unchanged with the next delay, a hop;
 * - its host's circuit breaker is open: re-sent for after the cooldown, no attempt counted
 *   (dead instead once it is older than the whole schedule: about a day);
 * - out of time in this invocation: re-sent at once, no attempt counted;
 * - otherwise one signed POST (SSRF-checked at delivery, lib/notify/delivery.ts): 2xx -> done;
 *   a failure -> re-sent with `attempts + 1` for after the schedule's next delay, or, after the
 *   last attempt, sent to the dead-letter queue and counted (`DeadNotifications`).
 * The original message is acknowledged only once its successor is on a queue; a message whose
 * successor SQS did not take is reported as a batch item failure and comes back after the
 * visibility timeout (at least once; `id` is stable, storefronts dedupe).
 *
 * Fairness: attempts to different hosts run side by side; at most `perHostConcurrency` to one
 * host at once in the whole instance, each bounded by `timeoutMs`. A message whose host is at that
 * limit waits for a slot at most `slotWaitMs` (a healthy host frees one in milliseconds), else it
 * is put off for one timeout, so an invocation never queues long behind a slow host. A silent host trips its breaker after a
 * few timeouts and then costs nothing but a re-send. Across instances SQS fair queues (message
 * group = host) keep a backlogged host from raising the others' dwell time.
 */
import type { MerchantId } from '../payments/model.js';
import type { HostBreakers } from './breaker.js';
import {
  DeliveryFailure,
  type DeliveryOptions,
  type DeliveryRequest,
  type DeliveryResult,
} from './delivery.js';
import { type HostSlots, targetOf } from './limiter.js';
import { type QueuedNotification, readQueuedNotification, UnreadableMessageError } from './message.js';
import { type Counter, NotifyMetric } from './metrics.js';
import { delaySecondsUntil, type NotificationQueue, type Outgoing } from './queue.js';
import { retryDelayMs } from './schedule.js';
import { SIGNATURE_HEADER, signatureHeader } from './signature.js';

export const USER_AGENT = 'Pagos-Notifications/1';
/** Kept back from the invocation's remaining time to re-send what is left and answer. */
const END_MARGIN_MS = 2_000;
/** A message this close to its due time is attempted rather than hopped for one more second. */
const DUE_SLACK_MS = 250;
/** A secret lookup that failed: try the message again after this, no attempt counted. */
const SECRETS_RETRY_MS = 30_000;

export type Log = {
  info(message: string, ...fields: Record<string, unknown>[]): void;
  warn(message: string, ...fields: Record<string, unknown>[]): void;
  error(message: string, ...fields: Record<string, unknown>[]): void;
};

export type DeliverDeps = {
  retrySchedule: readonly number[];
  timeoutMs: number;
  localMode: boolean;
  /** Attempts in flight per host, shared by every invocation of this instance. */
  slots: HostSlots;
  /** The longest a message waits for its host's slot before it is put off. */
  slotWaitMs: number;
  /** The merchant's live signing secrets, newest first. */
  secrets: (merchant: MerchantId) => Promise<string[]>;
  post: (request: DeliveryRequest, options: DeliveryOptions) => Promise<DeliveryResult>;
  queue: NotificationQueue;
  breakers: HostBreakers;
  metrics: Counter;
  log: Log;
  now: () => number;
  /** Milliseconds left in this invocation. */
  remainingMs: () => number;
  /** 0..1, for spreading deferred messages over the cooldown. */
  random?: () => number;
};

export type QueueRecord = { messageId: string; body: string };

/** What became of one message (tests and logs read it). */
export type Outcome =
  | 'delivered'
  | 'retry'
  | 'dead'
  | 'hop'
  | 'deferred'
  | 'host_busy'
  | 'out_of_time'
  | 'secrets_unavailable';

type Decision = { outcome: Outcome; next?: Outgoing; to?: 'queue' | 'dead' };

/** Back on the queue, to arrive when it is due (its `due_at`). */
const requeue = (outcome: Outcome, key: string, message: QueuedNotification, now: number): Decision => ({
  outcome,
  to: 'queue',
  next: { key, message, delaySeconds: delaySecondsUntil(message.due_at, now) },
});

/** Whole-schedule length: past it, a message the breaker keeps putting off is dead. */
export const scheduleSpanMs = (schedule: readonly number[]): number =>
  Math.round(schedule.reduce((a, b) => a + b, 0) * 1000);

const isBreaking = (result: DeliveryResult): boolean =>
  !result.ok && (result.failure === DeliveryFailure.timeout || result.failure === DeliveryFailure.network);

export async function deliverBatch(
  deps: DeliverDeps,
  records: readonly QueueRecord[],
): Promise<{ failedMessageIds: string[]; outcomes: Map<string, Outcome> }> {
  const decisions = await Promise.all(
    records.map(async (record) => {
      let decision: Decision;
      try {
        decision = await decide(deps, record);
      } catch (error) {
        deps.log.error('notification not handled; SQS will redeliver it', {
          message_id: record.messageId,
          error,
        });
        decision = { outcome: 'retry' };
        return { record, decision, failed: true };
      }
      return { record, decision, failed: false };
    }),
  );
  const failed = new Set(decisions.filter((d) => d.failed).map((d) => d.record.messageId));
  for (const to of ['queue', 'dead'] as const) {
    const entries = decisions.flatMap((d) =>
      d.decision.next && d.decision.to === to ? [d.decision.next] : [],
    );
    if (entries.length === 0) continue;
    const refused = await deps.queue.send(entries, to);
    for (const [key, reason] of refused) {
      failed.add(key);
      deps.log.error('a notification could not be re-queued; SQS will redeliver it', {
        message_id: key,
        to,
        reason,
      });
    }
  }
  // Counted once the dead letter is really on the dead-letter queue.
  for (const { record, decision } of decisions) {
    if (decision.outcome !== 'dead' || failed.has(record.messageId) || !decision.next) continue;
    const m = decision.next.message;
    deps.metrics.count(
      NotifyMetric.dead,
      {},
      {
        notification_id: m.notification.id,
        target: targetOf(m.url),
        attempts: m.attempts,
        // Stryker disable next-line StringLiteral: every dead decision's message carries `dead` (dead() and deadLetterRaw() set it); the fallback only satisfies the type
        reason: m.dead?.reason ?? '',
      },
    );
  }
  return {
    failedMessageIds: [...failed],
    outcomes: new Map(decisions.map((d) => [d.record.messageId, d.decision.outcome])),
  };
}

async function decide(deps: DeliverDeps, record: QueueRecord): Promise<Decision> {
  let message: QueuedNotification;
  try {
    message = readQueuedNotification(record.body);
  } catch (error) {
    if (!(error instanceof UnreadableMessageError)) throw error;
    // Retrying cannot make it readable: straight to the dead-letter queue, as received.
    deps.log.error('unreadable notification message; dead-lettered', {
      message_id: record.messageId,
      reason: error.message,
    });
    return deadLetterRaw(deps, record, error.message);
  }
  const key = record.messageId;
  const host = targetOf(message.url);
  const now = deps.now();
  // SQS delays are whole seconds, rounded up when sent: a message is due when it arrives.
  if (message.due_at > now + DUE_SLACK_MS) {
    return requeue('hop', key, message, now);
  }
  if (deps.remainingMs() < deps.timeoutMs + END_MARGIN_MS) {
    return { outcome: 'out_of_time', to: 'queue', next: { key, message, delaySeconds: 0 } };
  }
  // Wait briefly for a busy host, never long: its slots may be held by connections that will only
  // time out. Nor past the time this invocation still needs for one attempt.
  const wait = Math.min(deps.slotWaitMs, deps.remainingMs() - deps.timeoutMs - END_MARGIN_MS);
  if (!(await deps.slots.take(host, wait))) {
    const dueAt = deps.now() + deps.timeoutMs;
    deps.metrics.count(NotifyMetric.deferred);
    return requeue('host_busy', key, { ...message, due_at: dueAt }, deps.now());
  }
  try {
    const deferral = deferIfOpen(deps, message, key, host);
    if (deferral) return deferral;
    return await attempt(deps, message, key, host);
  } finally {
    deps.slots.give(host);
  }
}

function deferIfOpen(
  deps: DeliverDeps,
  message: QueuedNotification,
  key: string,
  host: string,
): Decision | undefined {
  const admission = deps.breakers.admit(host);
  if (admission.go) return undefined;
  const now = deps.now();
  if (now - message.queued_at > scheduleSpanMs(deps.retrySchedule)) {
    return dead(message, key, now, 'host unreachable (circuit breaker open) past the retry schedule');
  }
  // Spread over half a cooldown, so a big backlog comes back as a trickle, not a wave.
  const spread = Math.floor((deps.random ?? Math.random)() * (admission.cooldownMs / 2));
  const dueAt = admission.until + spread;
  deps.metrics.count(NotifyMetric.deferred);
  return requeue(
    'deferred',
    key,
    { ...message, due_at: dueAt, deferrals: (message.deferrals ?? 0) + 1 },
    now,
  );
}

async function attempt(
  deps: DeliverDeps,
  message: QueuedNotification,
  key: string,
  host: string,
): Promise<Decision> {
  let secrets: string[];
  try {
    secrets = await deps.secrets(message.notification.merchant);
  } catch (error) {
    deps.breakers.release(host); // the host was not tried: a probe slot goes back
    deps.log.error('signing secrets unavailable; notification put off', {
      notification_id: message.notification.id,
      error,
    });
    const dueAt = deps.now() + SECRETS_RETRY_MS;
    return requeue('secrets_unavailable', key, { ...message, due_at: dueAt }, deps.now());
  }
  const body = JSON.stringify(message.notification);
  const attemptNo = message.attempts + 1;
  const started = deps.now();
  const result = await deps.post(
    {
      url: message.url,
      body,
      headers: {
        'content-type': 'application/json',
        'user-agent': USER_AGENT,
        [SIGNATURE_HEADER.toLowerCase()]: signatureHeader(body, secrets, started),
        'pagos-notification-id': message.notification.id,
        'pagos-attempt': String(attemptNo),
      },
    },
    { timeoutMs: deps.timeoutMs, localMode: deps.localMode },
  );
  deps.breakers.record(host, isBreaking(result) ? 'breaking' : 'ok');
  const { reference_id, order_id, type } = message.notification;
  const fields = {
    notification_id: message.notification.id,
    ...(typeof type === 'string' && { type }),
    merchant: message.notification.merchant,
    // Which payment and order: ids, not personal data (redaction still applies to every line).
    // The message reader does not require them, so a message without them logs without them.
    ...(typeof reference_id === 'string' && { reference_id }),
    ...(typeof order_id === 'string' && { order_id }),
    target: host,
    attempt: attemptNo,
    ms: result.ms,
  };
  if (result.ok) {
    deps.log.info('notification delivered', { ...fields, result: 'delivered', status: result.status });
    deps.metrics.count(NotifyMetric.delivered);
    return { outcome: 'delivered' };
  }
  const last = {
    at: started,
    result: result.failure,
    ...(result.status !== undefined && { status: result.status }),
    detail: result.detail.slice(0, 300),
  };
  const tried: QueuedNotification = { ...message, attempts: attemptNo, last };
  const delay = retryDelayMs(attemptNo, deps.retrySchedule);
  // The schedule has no delay left, or not a URL Pagos can ever call: no retry helps.
  if (delay === undefined || result.failure === DeliveryFailure.invalidUrl) {
    deps.log.error('notification dead', {
      ...fields,
      result: result.failure,
      status: result.status,
      detail: last.detail,
    });
    return dead(
      tried,
      key,
      deps.now(),
      result.failure === DeliveryFailure.invalidUrl ? 'invalid_url' : 'retries exhausted',
    );
  }
  const dueAt = started + delay;
  deps.log.warn('notification attempt failed; retry scheduled', {
    ...fields,
    result: result.failure,
    status: result.status,
    detail: last.detail,
    retry_at: new Date(dueAt).toISOString(),
  });
  deps.metrics.count(NotifyMetric.retried);
  return requeue('retry', key, { ...tried, due_at: dueAt }, deps.now());
}

function dead(message: QueuedNotification, key: string, now: number, reason: string): Decision {
  return {
    outcome: 'dead',
    to: 'dead',
    next: { key, message: { ...message, dead: { at: now, reason } }, delaySeconds: 0 },
  };
}

/** An unreadable body is kept as it came, wrapped so the CLI can list it. */
function deadLetterRaw(deps: DeliverDeps, record: QueueRecord, reason: string): Decision {
  const now = deps.now();
  const message: QueuedNotification = {
    v: 1,
    url: '',
    notification: {
      id: `unreadable:${record.messageId}`,
      merchant: '',
    } as QueuedNotification['notification'],
    attempts: 0,
    due_at: now,
    queued_at: now,
    dead: { at: now, reason: `unreadable message: ${reason}: ${record.body.slice(0, 2000)}` },
  };
  return { outcome: 'dead', to: 'dead', next: { key: record.messageId, message, delaySeconds: 0 } };
}
