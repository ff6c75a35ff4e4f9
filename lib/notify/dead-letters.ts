/**
 * The dead-letter queue for operators (scripts/notifications.ts): list what is on it and send
 * notifications back. SQS has no "read without taking": a scan receives every message with a
 * short visibility timeout and, when done, makes the ones it keeps visible again at once.
 *
 * Three kinds of message land there: a notification dead after its last attempt (written by the
 * delivery function, with `dead.reason`), a message SQS moved after the function kept failing on
 * it (`poison`, no reason), and the stream mapping's record of changes the enqueuer could not
 * queue (`stream`: shard and sequence numbers only; redrive those by writing the payment again).
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { targetOf } from './limiter.js';
import {
  encodeQueuedNotification,
  messageGroupOf,
  type QueuedNotification,
  readQueuedNotification,
} from './message.js';

export type DeadLetter = {
  messageId: string;
  receiptHandle: string;
  kind: 'dead' | 'poison' | 'stream' | 'unreadable';
  message?: QueuedNotification;
  /** What the body says when it is not a notification. */
  raw?: string;
};

export type QueueUrls = { queue: string; dead: string };

const SCAN_VISIBILITY_SECONDS = 60;

function classify(m: Message): DeadLetter {
  const base = { messageId: m.MessageId!, receiptHandle: m.ReceiptHandle! };
  const body = m.Body ?? '';
  try {
    const message = readQueuedNotification(body);
    if (message.dead?.reason.startsWith('unreadable message'))
      return { ...base, kind: 'unreadable', message };
    return { ...base, kind: message.dead ? 'dead' : 'poison', message };
  } catch {
    return {
      ...base,
      kind: /DDBStreamBatchInfo/.test(body) ? 'stream' : 'unreadable',
      raw: body.slice(0, 2000),
    };
  }
}

/** Every message now on the dead-letter queue, each held invisible until `release`. */
export async function scanDeadLetters(sqs: SQSClient, urls: QueueUrls): Promise<DeadLetter[]> {
  const seen = new Map<string, DeadLetter>();
  for (let empty = 0; empty < 2; ) {
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: urls.dead,
        MaxNumberOfMessages: 10,
        VisibilityTimeout: SCAN_VISIBILITY_SECONDS,
        WaitTimeSeconds: 0,
      }),
    );
    if (!Messages?.length) {
      empty += 1;
      continue;
    }
    for (const m of Messages) if (!seen.has(m.MessageId!)) seen.set(m.MessageId!, classify(m));
  }
  return [...seen.values()];
}

/** Makes scanned messages visible again at once. */
export async function release(
  sqs: SQSClient,
  urls: QueueUrls,
  letters: readonly DeadLetter[],
): Promise<void> {
  for (let i = 0; i < letters.length; i += 10) {
    const batch = letters.slice(i, i + 10);
    await sqs.send(
      new ChangeMessageVisibilityBatchCommand({
        QueueUrl: urls.dead,
        Entries: batch.map((l, n) => ({
          Id: String(n),
          ReceiptHandle: l.receiptHandle,
          VisibilityTimeout: 0,
        })),
      }),
    );
  }
}

export async function listDeadLetters(sqs: SQSClient, urls: QueueUrls): Promise<DeadLetter[]> {
  const letters = await scanDeadLetters(sqs, urls);
  await release(sqs, urls, letters);
  return letters;
}

/** A dead notification with a fresh schedule: due now, no attempts, the same id and payload. */
export function revived(message: QueuedNotification, now: number): QueuedNotification {
  const { dead: _dead, deferrals: _deferrals, last, ...rest } = message;
  return { ...rest, attempts: 0, due_at: now, queued_at: now, ...(last && { last }) };
}

export type RedriveResult = { redriven: DeadLetter[]; skipped: DeadLetter[]; notFound: string[] };

/**
 * Sends the chosen dead notifications back to the notification queue (each deleted from the
 * dead-letter queue only once it is there). `ids`: message ids or notification ids; `all`: every
 * notification on it. Stream records and unreadable messages are never redriven.
 */
export async function redrive(
  sqs: SQSClient,
  urls: QueueUrls,
  choice: { ids?: readonly string[]; all?: boolean },
  now: () => number = Date.now,
): Promise<RedriveResult> {
  const letters = await scanDeadLetters(sqs, urls);
  const wanted = new Set(choice.ids ?? []);
  const chosen = (l: DeadLetter) =>
    choice.all ||
    wanted.has(l.messageId) ||
    (l.message !== undefined && wanted.has(l.message.notification.id));
  // Stryker disable next-line ArrayDeclaration: notFound is reassigned before result is returned (a string in the other two does not compile)
  const result: RedriveResult = { redriven: [], skipped: [], notFound: [] };
  const keep: DeadLetter[] = [];
  for (const letter of letters) {
    if (!chosen(letter)) {
      keep.push(letter);
      continue;
    }
    if (!letter.message || letter.kind === 'stream' || letter.kind === 'unreadable') {
      result.skipped.push(letter);
      keep.push(letter);
      continue;
    }
    const message = revived(letter.message, now());
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: urls.queue,
        MessageBody: encodeQueuedNotification(message),
        MessageGroupId: messageGroupOf(message.url),
      }),
    );
    await sqs.send(new DeleteMessageCommand({ QueueUrl: urls.dead, ReceiptHandle: letter.receiptHandle }));
    result.redriven.push(letter);
  }
  await release(sqs, urls, keep);
  const found = new Set(
    letters.flatMap((l) => [l.messageId, ...(l.message ? [l.message.notification.id] : [])]),
  );
  result.notFound = [...wanted].filter((id) => !found.has(id));
  return result;
}

/** One line per dead letter, for people. */
export function describeDeadLetter(l: DeadLetter): string {
  if (!l.message) return `${l.messageId}  ${l.kind}  ${(l.raw ?? '').replace(/\s+/g, ' ').slice(0, 160)}`;
  const m = l.message;
  const when = m.dead ? new Date(m.dead.at).toISOString() : '-';
  const last = m.last ? `${m.last.result}${m.last.status ? ` ${m.last.status}` : ''}` : '-';
  return [
    l.messageId,
    l.kind,
    m.notification.id,
    m.notification.type ?? '-',
    targetOf(m.url),
    `attempts=${m.attempts}`,
    `last=${last}`,
    `dead_at=${when}`,
    m.dead?.reason ?? '(moved by SQS after repeated failures)',
  ].join('  ');
}
