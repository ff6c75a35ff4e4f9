/** npm run erase-buyer against DynamoDB Local: the buyer's traces go, the money facts stay. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoPaymentStore } from '../../lib/store/payments.js';
import { table } from '../../lib/store/table.js';
import { createTestTable, testDynamoClient } from '../support/dynamodb.js';
import { anAttempt, aPayment } from '../support/records.js';

const run = promisify(execFile);
let client: DynamoDBClient;
let store: DynamoPaymentStore;
let name: string;
beforeAll(async () => {
  client = testDynamoClient();
  name = await createTestTable('erase');
  store = new DynamoPaymentStore(table(client, name));
});
afterAll(() => client.destroy());

it('removes card brand and last four, metadata and the stored order; keeps amounts, statuses and order ids', async () => {
  const paid = anAttempt({ status: 'paid', card: { brand: 'visa', last4: '4242' }, paymentMethod: 'card' });
  const record = aPayment([paid], { metadata: { cliente: 'Eufrosina' } });
  await store.insert(record);
  await run(
    'node_modules/.bin/tsx',
    [
      'scripts/erase-buyer.ts',
      '--merchant',
      record.merchant,
      '--reference',
      record.referenceId,
      '--table',
      name,
    ],
    {
      env: { ...process.env, NODE_OPTIONS: '' },
    },
  );
  const after = await store.get(record.merchant, record.referenceId);
  expect(after?.metadata).toBeUndefined();
  expect(after?.replayOrder).toBeUndefined();
  expect(after?.attempts[paid.id]?.card).toBeUndefined();
  expect(after).toMatchObject({ status: 'paid', version: record.version + 1 });
  expect(after?.attempts[paid.id]).toMatchObject({
    orderId: paid.orderId,
    amountCents: paid.amountCents,
    paymentMethod: 'card',
  });
});

it('says so when there is no such payment', async () => {
  await expect(
    run(
      'node_modules/.bin/tsx',
      ['scripts/erase-buyer.ts', '--merchant', 'conekta:x:test', '--reference', 'nope', '--table', name],
      {
        env: { ...process.env, NODE_OPTIONS: '' },
      },
    ),
  ).rejects.toMatchObject({ code: 1 });
});
