/**
 * The pure parts of `npm start`'s persistence: the SQS journal's folding and the lines an SQS
 * answer implies, the re-send of a delayed message, and the check that an on-disk table still
 * matches serverless.yml.
 */
import { journalEntriesFor, liveMessages, resendEntry, SqsJournalError } from '../../local/sqs-journal.js';
import { readTableDefinitions, tableDrift, toCreateTableInput } from '../../local/tables.js';

const line = (entry: object) => `${JSON.stringify(entry)}\n`;
const send = (id: string, extra: object = {}) =>
  line({ op: 'send', queue: 'q', id, body: `b-${id}`, visibleAt: 1_000, ...extra });

describe('liveMessages', () => {
  it('keeps what was sent and not deleted, in order', () => {
    const text = send('1') + send('2') + line({ op: 'delete', queue: 'q', id: '1' }) + send('3');
    expect(liveMessages(text).map((m) => m.id)).toEqual(['2', '3']);
  });

  it('deletes only in the named queue', () => {
    const text = send('1') + line({ op: 'delete', queue: 'other', id: '1' });
    expect(liveMessages(text).map((m) => m.id)).toEqual(['1']);
  });

  it('purges one queue only', () => {
    const text = send('1') + send('2', { queue: 'dead' }) + line({ op: 'purge', queue: 'q' }) + send('3');
    expect(liveMessages(text).map((m) => `${m.queue}:${m.id}`)).toEqual(['dead:2', 'q:3']);
  });

  it('ignores a torn last line (the process died while appending)', () => {
    const text = `${send('1')}{"op":"send","queue":"q","id":"2","bo`;
    expect(liveMessages(text).map((m) => m.id)).toEqual(['1']);
  });

  it('refuses a corrupt line in the middle, naming the file and the way out', () => {
    const text = `${send('1')}garbage\n${send('2')}`;
    expect(() => liveMessages(text, '/x/sqs-journal.jsonl')).toThrow(SqsJournalError);
    expect(() => liveMessages(text, '/x/sqs-journal.jsonl')).toThrow(
      /\/x\/sqs-journal.jsonl: line 2 .*--fresh/,
    );
  });

  it('is empty for an empty journal', () => {
    expect(liveMessages('')).toEqual([]);
    expect(liveMessages('\n\n')).toEqual([]);
  });
});

describe('resendEntry', () => {
  const message = { op: 'send' as const, queue: 'q', id: '1', body: 'b', visibleAt: 100_000 };

  it('keeps what is left of the delay, rounded up', () => {
    expect(resendEntry(message, 90_500).DelaySeconds).toBe(10);
    expect(resendEntry(message, 99_999).DelaySeconds).toBe(1);
  });

  it('sends a message already due at once, and never waits longer than SQS allows', () => {
    expect(resendEntry(message, 200_000).DelaySeconds).toBe(0);
    expect(resendEntry({ ...message, visibleAt: 10_000_000 }, 0).DelaySeconds).toBe(900);
  });

  it('keeps the body, the group and the attributes', () => {
    const attributes = { a: { DataType: 'String', StringValue: 'x' } };
    expect(resendEntry({ ...message, groupId: 'shop.example', attributes }, 0)).toEqual({
      MessageBody: 'b',
      DelaySeconds: 100,
      MessageGroupId: 'shop.example',
      MessageAttributes: attributes,
    });
    expect(resendEntry(message, 0)).toEqual({ MessageBody: 'b', DelaySeconds: 100 });
  });
});

describe('journalEntriesFor', () => {
  const QueueUrl = 'http://127.0.0.1:1/000000000000/pagos-local-notifications';
  const now = 50_000;

  it('journals a sent message with its queue, delay and group', () => {
    const entries = journalEntriesFor({
      action: 'SendMessage',
      request: { QueueUrl, MessageBody: 'x', DelaySeconds: 7, MessageGroupId: 'g' },
      answer: { MessageId: 'm1' },
      now,
      receipts: new Map(),
    });
    expect(entries).toEqual([
      {
        op: 'send',
        queue: 'pagos-local-notifications',
        id: 'm1',
        body: 'x',
        visibleAt: 57_000,
        groupId: 'g',
      },
    ]);
  });

  it('journals only the batch entries SQS accepted', () => {
    const entries = journalEntriesFor({
      action: 'SendMessageBatch',
      request: {
        QueueUrl,
        Entries: [
          { Id: 'a', MessageBody: 'A' },
          { Id: 'b', MessageBody: 'B', DelaySeconds: 1 },
        ],
      },
      answer: { Successful: [{ Id: 'b', MessageId: 'mb' }], Failed: [{ Id: 'a' }] },
      now,
      receipts: new Map(),
    });
    expect(entries).toEqual([
      { op: 'send', queue: 'pagos-local-notifications', id: 'mb', body: 'B', visibleAt: 51_000 },
    ]);
  });

  it('turns a delete by receipt handle into a delete by message id, once', () => {
    const receipts = new Map<string, string>();
    journalEntriesFor({
      action: 'ReceiveMessage',
      request: { QueueUrl },
      answer: { Messages: [{ MessageId: 'm1', ReceiptHandle: 'h1' }] },
      now,
      receipts,
    });
    const del = {
      action: 'DeleteMessage',
      request: { QueueUrl, ReceiptHandle: 'h1' },
      answer: {},
      now,
      receipts,
    };
    expect(journalEntriesFor(del)).toEqual([{ op: 'delete', queue: 'pagos-local-notifications', id: 'm1' }]);
    expect(receipts.size).toBe(0);
    expect(journalEntriesFor(del)).toEqual([]);
  });

  it('journals the successful deletes of a batch', () => {
    const receipts = new Map([
      ['h1', 'm1'],
      ['h2', 'm2'],
    ]);
    const entries = journalEntriesFor({
      action: 'DeleteMessageBatch',
      request: {
        QueueUrl,
        Entries: [
          { Id: '0', ReceiptHandle: 'h1' },
          { Id: '1', ReceiptHandle: 'h2' },
        ],
      },
      answer: { Successful: [{ Id: '1' }], Failed: [{ Id: '0' }] },
      now,
      receipts,
    });
    expect(entries).toEqual([{ op: 'delete', queue: 'pagos-local-notifications', id: 'm2' }]);
    expect([...receipts.keys()]).toEqual(['h1']);
  });

  it('journals a purge, and nothing for calls that change no message', () => {
    const base = { request: { QueueUrl }, answer: {}, now, receipts: new Map() };
    expect(journalEntriesFor({ ...base, action: 'PurgeQueue' })).toEqual([
      { op: 'purge', queue: 'pagos-local-notifications' },
    ]);
    expect(journalEntriesFor({ ...base, action: 'GetQueueAttributes' })).toEqual([]);
    expect(journalEntriesFor({ ...base, action: 'ChangeMessageVisibilityBatch' })).toEqual([]);
  });
});

describe('tableDrift', () => {
  const [payments] = readTableDefinitions();
  const want = toCreateTableInput(payments!, 'pagos-local-payments');
  // What DescribeTable answers for a table created from `want`.
  const described = () => ({
    KeySchema: want.KeySchema,
    GlobalSecondaryIndexes: want.GlobalSecondaryIndexes?.map((g) => ({
      ...g,
      Projection: {
        ...g.Projection,
        ...(g.Projection?.NonKeyAttributes
          ? { NonKeyAttributes: [...g.Projection.NonKeyAttributes].reverse() }
          : {}),
      },
    })),
    StreamSpecification: { StreamEnabled: true, StreamViewType: want.StreamSpecification?.StreamViewType },
  });

  it('finds none for the table serverless.yml makes', () => {
    expect(tableDrift(want, described())).toEqual([]);
  });

  it('names a missing, an extra and a changed index', () => {
    const have = described();
    const [first] = have.GlobalSecondaryIndexes ?? [];
    expect(first).toBeDefined();
    expect(tableDrift(want, { ...have, GlobalSecondaryIndexes: [] })).toEqual([
      `global index ${first!.IndexName} missing`,
    ]);
    expect(
      tableDrift(want, {
        ...have,
        GlobalSecondaryIndexes: [...(have.GlobalSecondaryIndexes ?? []), { ...first!, IndexName: 'old' }],
      }),
    ).toEqual(['global index old no longer declared']);
    expect(
      tableDrift(want, {
        ...have,
        GlobalSecondaryIndexes: [{ ...first!, Projection: { ProjectionType: 'KEYS_ONLY' } }],
      }),
    ).toEqual([`global index ${first!.IndexName} differs`]);
  });

  it('names a different key schema and a missing stream', () => {
    expect(
      tableDrift(want, { ...described(), KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }] }),
    ).toEqual(['key schema differs']);
    expect(tableDrift(want, { ...described(), StreamSpecification: { StreamEnabled: false } })).toEqual([
      `stream off, declared ${want.StreamSpecification?.StreamViewType}`,
    ]);
  });
});
