/**
 * The merchant's Conekta secret is used for the call and dropped: across every flow, at debug
 * log level, it appears in no log line and in no stored item.
 */
import { randomUUID } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { setLogSink } from '../../lib/http/logger.js';
import { eventually, type PagosStack, startPagosStack } from '../support/pagos-stack.js';

let stack: PagosStack;
const logs: string[] = [];
beforeAll(async () => {
  process.env.LOG_LEVEL = 'debug';
  setLogSink((line) => logs.push(line));
  stack = await startPagosStack('hygiene', { env: { CONEKTA_TIMEOUT_MS: '500' } });
});
afterAll(() => stack.stop());

it('no secret in any log line or stored item, whatever the flow', async () => {
  const secret = `key_hygiene_${randomUUID().replaceAll('-', '')}`;
  const token = 'tok_test_visa_4242';
  const person = {
    first_name: 'andres',
    last_name: 'jaro',
    email: 'andres.secretcheck@example.com',
    phone: '5512345678',
  };
  const base = { provider: 'conekta', secret };
  const create = (reference: string, extra = {}) =>
    stack.pagos({
      ...base,
      action: 'create',
      reference_id: reference,
      amount: 1000,
      return_url: 'https://shop.example.com',
      notification_url: 'https://shop.example.com/n',
      ...person,
      ...extra,
    });

  const link = await create('hy-1');
  await create('hy-1');
  await create('hy-1', { amount: 5 });
  await create('hy-2', { email: 'broken' });
  await stack.sandboxControl('POST', '/_sandbox/faults', { hang_next: 1 });
  await create('hy-3');
  await stack.sandboxControl('DELETE', '/_sandbox/faults');
  await create('hy-3');
  await stack.pagos({
    ...base,
    action: 'charge',
    reference_id: 'hy-4',
    amount: 10,
    token_id: token,
    ...person,
  });
  await stack.pagos({
    ...base,
    action: 'charge',
    reference_id: 'hy-5',
    amount: 10,
    token_id: 'tok_test_card_declined',
    ...person,
  });
  await stack.sandboxControl('POST', `/_sandbox/orders/${link.json.id}/pay_card`);
  await eventually('the webhook', async () =>
    (await stack.record(secret, 'hy-1'))?.status === 'paid' ? true : undefined,
  );
  await stack.pagos({ ...base, action: 'status', reference_id: 'hy-1' });
  await stack.pagos({ ...base, action: 'refund', reference_id: 'hy-1', amount: 1 });
  await stack.pagos({ ...base, action: 'cancel', reference_id: 'hy-3' });
  await stack.pagos({ ...base, action: 'status', reference_id: 'nothing-here' });

  expect(logs.length).toBeGreaterThan(10);
  const logText = logs.join('\n');
  expect(logText).not.toContain(secret);
  expect(logText).not.toContain(token);

  const items = await stack.client.send(new ScanCommand({ TableName: stack.table, ConsistentRead: true }));
  const stored = JSON.stringify(items.Items);
  expect(items.Items?.length).toBeGreaterThan(3);
  expect(stored).not.toContain(secret);
  expect(stored).not.toContain(token);
});
