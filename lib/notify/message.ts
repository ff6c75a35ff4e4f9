/**
 * One storefront notification on the queue: the SQS message body, ours end to end. The attempt
 * count travels in the body and is changed only by the delivery function when it has really made
 * an HTTP attempt, so it is exact (SQS's ApproximateReceiveCount also counts hops, deferrals and
 * crashed invocations). Every wait longer than SQS allows (DelaySeconds <= 900 s) is a chain of
 * re-sends of this same body ("hops") until `due_at`.
 */
import type { StorefrontNotification } from '../payments/notifications.js';
import { targetOf } from './limiter.js';

export const MESSAGE_VERSION = 1;

export type LastAttempt = {
  at: number;
  result: string;
  status?: number;
  detail?: string;
};

export type QueuedNotification = {
  v: typeof MESSAGE_VERSION;
  url: string;
  notification: StorefrontNotification;
  /** HTTP attempts made so far (0 before the first). */
  attempts: number;
  /** Epoch ms before which it is not attempted. */
  due_at: number;
  /** Epoch ms it was first queued: the age limit of deferrals counts from here. */
  queued_at: number;
  /** Times the host's circuit breaker put it off without an attempt. */
  deferrals?: number;
  last?: LastAttempt;
  /** Only on the dead-letter queue: why and when it died. */
  dead?: { at: number; reason: string };
};

export function newQueuedNotification(
  url: string,
  notification: StorefrontNotification,
  now: number,
): QueuedNotification {
  return { v: MESSAGE_VERSION, url, notification, attempts: 0, due_at: now, queued_at: now };
}

export class UnreadableMessageError extends Error {
  override readonly name = 'UnreadableMessageError';
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** The body back, checked field by field: a message we cannot read is dead at once, never retried. */
export function readQueuedNotification(body: string): QueuedNotification {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new UnreadableMessageError('not JSON');
  }
  if (!isObject(parsed) || parsed.v !== MESSAGE_VERSION)
    throw new UnreadableMessageError('not a v1 notification');
  const n = parsed.notification;
  const ok =
    typeof parsed.url === 'string' &&
    isObject(n) &&
    typeof n.id === 'string' &&
    typeof n.merchant === 'string' &&
    Number.isInteger(parsed.attempts) &&
    (parsed.attempts as number) >= 0 &&
    Number.isFinite(parsed.due_at) &&
    Number.isFinite(parsed.queued_at);
  if (!ok) throw new UnreadableMessageError('missing or malformed fields');
  return parsed as QueuedNotification;
}

export const encodeQueuedNotification = (message: QueuedNotification): string => JSON.stringify(message);

/**
 * The SQS message group: the storefront's host (and port). SQS fair queues use it as the tenant,
 * so one storefront's backlog does not raise the others' dwell time. At most 128 characters.
 */
export function messageGroupOf(url: string): string {
  // SQS's limit for a MessageGroupId; a shorter host comes back whole.
  return targetOf(url).slice(0, 128);
}
