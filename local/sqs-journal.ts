// local-aws-sqs keeps its queues in memory. For `npm start`, pending notifications must survive a
// restart (or a kill -9), so the local SQS is a journaling proxy in front of it: every message a
// client was told is sent, and every delete a client was told is done, is appended to a file
// before the answer leaves; on the next start the messages still live are sent again.
import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** One line of the journal. `visibleAt` (epoch ms) carries a message's remaining delay across a restart. */
export type JournalEntry =
  | {
      op: 'send';
      queue: string;
      id: string;
      body: string;
      visibleAt: number;
      groupId?: string;
      attributes?: Record<string, unknown>;
    }
  | { op: 'delete'; queue: string; id: string }
  | { op: 'purge'; queue: string };

export type LiveMessage = Extract<JournalEntry, { op: 'send' }>;

export class SqsJournalError extends Error {
  override name = 'SqsJournalError';
}

/** The messages sent and not deleted, oldest first; a torn last line (a crash mid-append) is ignored. */
export function liveMessages(text: string, path = 'the SQS journal'): LiveMessage[] {
  const lines = text.split('\n');
  const live = new Map<string, LiveMessage>();
  const key = (queue: string, id: string) => `${queue}\n${id}`;
  lines.forEach((line, index) => {
    if (line.trim() === '') return;
    let entry: JournalEntry;
    try {
      entry = JSON.parse(line) as JournalEntry;
    } catch (cause) {
      if (index === lines.length - 1) return; // the line being written when the process died
      throw new SqsJournalError(
        `${path}: line ${index + 1} is not JSON; delete the file (losing its pending notifications) or run npm start -- --fresh`,
        { cause },
      );
    }
    if (entry.op === 'send') live.set(key(entry.queue, entry.id), entry);
    else if (entry.op === 'delete') live.delete(key(entry.queue, entry.id));
    else if (entry.op === 'purge') {
      for (const [k, m] of live) if (m.queue === entry.queue) live.delete(k);
    }
  });
  return [...live.values()];
}

const MAX_DELAY_SECONDS = 900;

/** What SendMessage needs to send a live message again, with what is left of its delay. */
export function resendEntry(message: LiveMessage, now: number) {
  const delay = Math.ceil((message.visibleAt - now) / 1000);
  return {
    MessageBody: message.body,
    DelaySeconds: Math.min(MAX_DELAY_SECONDS, Math.max(0, delay)),
    ...(message.groupId ? { MessageGroupId: message.groupId } : {}),
    ...(message.attributes ? { MessageAttributes: message.attributes } : {}),
  };
}

type Json = Record<string, unknown>;
type SendInput = {
  MessageBody?: string;
  DelaySeconds?: number;
  MessageGroupId?: string;
  MessageAttributes?: Json;
};

const queueOf = (url: unknown) =>
  String(url ?? '')
    .split('/')
    .pop() ?? '';

/**
 * The journal lines an answered JSON-protocol call implies. `receipts` maps receipt handles seen in
 * ReceiveMessage answers to message ids, since deletes name only the handle.
 */
export function journalEntriesFor(options: {
  action: string;
  request: Json;
  answer: Json;
  now: number;
  receipts: Map<string, string>;
}): JournalEntry[] {
  const { action, request, answer, now, receipts } = options;
  const queue = queueOf(request.QueueUrl);
  const sent = (input: SendInput, id: unknown): JournalEntry => ({
    op: 'send',
    queue,
    id: String(id),
    body: String(input.MessageBody ?? ''),
    visibleAt: now + Number(input.DelaySeconds ?? 0) * 1000,
    ...(input.MessageGroupId ? { groupId: input.MessageGroupId } : {}),
    ...(input.MessageAttributes ? { attributes: input.MessageAttributes } : {}),
  });
  const deleted = (handle: unknown): JournalEntry[] => {
    const id = receipts.get(String(handle));
    if (id === undefined) return [];
    receipts.delete(String(handle));
    return [{ op: 'delete', queue, id }];
  };
  switch (action) {
    case 'SendMessage':
      return answer.MessageId ? [sent(request as SendInput, answer.MessageId)] : [];
    case 'SendMessageBatch': {
      const entries = new Map(((request.Entries as Json[]) ?? []).map((e) => [String(e.Id), e]));
      return ((answer.Successful as Json[]) ?? []).flatMap((ok) => {
        const input = entries.get(String(ok.Id));
        return input ? [sent(input as SendInput, ok.MessageId)] : [];
      });
    }
    case 'ReceiveMessage':
      for (const m of (answer.Messages as Json[]) ?? [])
        receipts.set(String(m.ReceiptHandle), String(m.MessageId));
      return [];
    case 'DeleteMessage':
      return deleted(request.ReceiptHandle);
    case 'DeleteMessageBatch': {
      const entries = new Map(((request.Entries as Json[]) ?? []).map((e) => [String(e.Id), e]));
      return ((answer.Successful as Json[]) ?? []).flatMap((ok) =>
        deleted(entries.get(String(ok.Id))?.ReceiptHandle),
      );
    }
    case 'PurgeQueue':
      return [{ op: 'purge', queue }];
    default:
      return [];
  }
}

export type JournalingProxy = {
  server: Server;
  /** Sends the journal's live messages again (queues must exist), then compacts the journal to them. */
  restore(
    send: (queueName: string, entry: ReturnType<typeof resendEntry>) => Promise<string>,
  ): Promise<number>;
};

/**
 * An HTTP server that forwards every request to `upstream` (local-aws-sqs) and journals what the
 * answers confirm. JSON protocol only (what the AWS SDK v3 speaks): a query-protocol request would
 * change the queues without a journal line, so it is refused.
 */
export function journalingProxy(options: {
  /** Where local-aws-sqs listens (read per request: it starts once this server knows its own port). */
  upstream: () => string;
  journalPath: string;
}): JournalingProxy {
  const { upstream, journalPath } = options;
  const receipts = new Map<string, string>();
  let journaling = true;
  const append = (entries: JournalEntry[]) => {
    if (!journaling || entries.length === 0) return;
    appendFileSync(journalPath, entries.map((e) => `${JSON.stringify(e)}\n`).join(''));
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const target = String(req.headers['x-amz-target'] ?? '');
    if (req.method === 'POST' && !target.startsWith('AmazonSQS.')) {
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          __type: 'InvalidAction',
          message: 'the persistent local SQS speaks the JSON protocol only (AWS SDK v3)',
        }),
      );
      return;
    }
    const headers = Object.fromEntries(
      Object.entries(req.headers).filter(
        ([name]) => !['host', 'content-length', 'connection'].includes(name),
      ),
    ) as Record<string, string>;
    const answer = await fetch(`${upstream()}${req.url ?? '/'}`, {
      method: req.method ?? 'GET',
      headers,
      ...(req.method === 'GET' || req.method === 'HEAD' ? {} : { body }),
    });
    const text = await answer.text();
    if (answer.ok && target) {
      append(
        journalEntriesFor({
          action: target.slice('AmazonSQS.'.length),
          request: body.length ? (JSON.parse(body.toString('utf8')) as Json) : {},
          answer: text ? (JSON.parse(text) as Json) : {},
          now: Date.now(),
          receipts,
        }),
      );
    }
    const type = answer.headers.get('content-type');
    res.writeHead(answer.status, type ? { 'content-type': type } : {});
    res.end(text);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ __type: 'InternalFailure', message: String(error) }));
    });
  });

  const restore: JournalingProxy['restore'] = async (send) => {
    const old = existsSync(journalPath) ? liveMessages(readFileSync(journalPath, 'utf8'), journalPath) : [];
    journaling = false; // the compacted journal below records these sends
    const compacted: JournalEntry[] = [];
    try {
      for (const message of old) {
        const id = await send(message.queue, resendEntry(message, Date.now()));
        compacted.push({ ...message, id });
      }
    } finally {
      journaling = true;
    }
    // Until the rename, a crash leaves the old journal whole: the next start restores it again.
    writeFileSync(`${journalPath}.tmp`, compacted.map((e) => `${JSON.stringify(e)}\n`).join(''));
    renameSync(`${journalPath}.tmp`, journalPath);
    return old.length;
  };

  return { server, restore };
}
