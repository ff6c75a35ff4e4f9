/** `npm run notifications`: the real CLI process against DynamoDB Local. */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { type DynamoDBClient, TransactWriteItemsCommand } from '@aws-sdk/client-dynamodb';
import { buildNotification } from '../../lib/payments/reconcile.js';
import { DynamoNotificationOutbox } from '../../lib/store/notifications.js';
import { outboxPut } from '../../lib/store/reconcile.js';
import { createTestTable, dynamoEndpoint, testDynamoClient } from '../support/dynamodb.js';

const ROOT = join(import.meta.dirname, '..', '..');
let client: DynamoDBClient;
let table: string;
let outbox: DynamoNotificationOutbox;

beforeAll(async () => {
  client = testDynamoClient();
  table = await createTestTable('notifications-cli');
  outbox = new DynamoNotificationOutbox(client, table);
});
afterAll(() => client.destroy());

function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      join(ROOT, 'node_modules', '.bin', 'tsx'),
      [join(ROOT, 'scripts', 'notifications.ts'), ...args],
      {
        cwd: ROOT,
        env: { ...process.env, AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint(), PAYMENTS_TABLE: table },
        timeout: 20_000,
      },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

/** An entry that has used up its attempts, made dead through the outbox port itself. */
async function deadEntry(): Promise<string> {
  const referenceId = `ref-${randomUUID()}`;
  const at = new Date().toISOString();
  const payload = buildNotification(
    {
      merchant: 'm_cli',
      referenceId,
      kind: 'link',
      provider: 'conekta',
      requestHash: 'h',
      status: 'created',
      amountCents: 5000,
      currency: 'MXN',
      history: [],
      createdAt: at,
      updatedAt: at,
      orderId: 'ord_cli',
    },
    'paid',
    at,
  );
  const put = outboxPut(
    table,
    { merchant: 'm_cli', referenceId },
    { payload, url: 'https://shop.example.com/n' },
    at,
    0,
  );
  await client.send(new TransactWriteItemsCommand({ TransactItems: [put] }));
  const claimed = await outbox.claim({
    id: payload.id,
    expectedAttempts: 0,
    claimId: 'c1',
    now: Date.now(),
    leaseUntil: Date.now() + 60_000,
    onlyIfDue: true,
  });
  expect(claimed).toBeDefined();
  const attempt = { attempt: 1, at, ms: 5, result: 'http_status' as const, status: 500, detail: 'HTTP 500' };
  expect(await outbox.record(payload.id, 'c1', attempt, { next: 'dead' }, Date.now())).toBe(true);
  return payload.id;
}

it('lists dead notifications, shows one, redrives them', async () => {
  const [a, b] = [await deadEntry(), await deadEntry()];

  const list = await cli('list', '--dead');
  expect(list.code).toBe(0);
  expect(list.stderr).toContain(`notifications in ${table} (${dynamoEndpoint()})`);
  expect(
    list.stdout
      .trim()
      .split('\n')
      .map((l) => l.split('  ')[0])
      .sort(),
  ).toEqual([a, b].sort());
  expect(list.stdout).toContain('1 attempts  shop.example.com  HTTP 500');

  const show = await cli('show', a, '--json');
  expect(show.code).toBe(0);
  expect(JSON.parse(show.stdout)).toMatchObject({
    id: a,
    state: 'dead',
    payload: { id: a, type: 'payment.paid', amount: '50.00' },
    log: [{ attempt: 1, result: 'http_status', status: 500 }],
  });

  const one = await cli('redrive', a);
  expect(one).toMatchObject({ code: 0, stdout: 'redriven: 1\n' });
  expect(await outbox.get(a)).toMatchObject({ state: 'pending', attempts: 0, redrives: 1 });
  expect((await cli('redrive', a)).stderr).toContain(`${a}: not dead`);

  const all = await cli('redrive', '--all-dead');
  expect(all).toMatchObject({ code: 0, stdout: 'redriven: 1\n' });
  expect((await outbox.due(Date.now())).entries.map((e) => e.id).sort()).toEqual([a, b].sort());
  expect((await cli('list', '--dead')).stdout).toBe('');
}, 60_000);

it('explains its usage', async () => {
  expect(await cli('redrive')).toMatchObject({ code: 2, stderr: expect.stringContaining('usage:') });
  expect(await cli('list', '--bogus')).toMatchObject({ code: 2, stderr: expect.stringContaining('--bogus') });
  expect(await cli('list', '--stage', 'no/such')).toMatchObject({ code: 2 });
  expect((await cli('--help')).stdout).toContain('redrive <id>');
}, 60_000);
