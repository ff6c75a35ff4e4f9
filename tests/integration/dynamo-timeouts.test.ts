/**
 * Issue 19: a hung DynamoDB call does not burn the function's whole timeout. The handlers' client
 * has connection and request timeouts well under the function's (lib/store/table.ts); the SDK
 * retries the call that hung. DynamoDB Local sits behind a proxy that swallows one request.
 */
import { randomUUID } from 'node:crypto';
import { dynamoEndpoint } from '../support/dynamodb.js';
import { dynamoOperation, type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { type PagosStack, startPagosStack } from '../support/pagos-stack.js';

let stack: PagosStack;
let proxy: FaultProxy;
beforeAll(async () => {
  proxy = await startFaultProxy(dynamoEndpoint());
  // The handlers' client goes through the proxy; the stack's own client was made with the real endpoint.
  stack = await startPagosStack('dynamo-timeouts', { env: { FUNCTION_TIMEOUT_MS: '10000' } });
  process.env.AWS_ENDPOINT_URL_DYNAMODB = proxy.url;
});
afterAll(async () => {
  await stack.stop();
  await proxy.stop();
});

it('the write that claims the payment hangs: the SDK gives up on it in 2 s and retries; one order, 200', async () => {
  const secret = `key_test_${randomUUID().replaceAll('-', '')}`;
  const hung = proxy.hold(dynamoOperation('PutItem', '"creating"'));
  const started = Date.now();
  const res = await stack.pagos({
    provider: 'conekta',
    action: 'create',
    secret,
    reference_id: 'hang-ddb',
    amount: 1000,
    return_url: 'https://shop.example.com',
    first_name: 'andres',
    last_name: 'jaro',
    email: 'andres@example.com',
  });
  const elapsed = Date.now() - started;
  await hung.caught;
  expect(res.status).toBe(200);
  expect(elapsed).toBeGreaterThanOrEqual(1900);
  expect(elapsed).toBeLessThan(8000);
  expect(await stack.sandboxOrders(secret, 'hang-ddb')).toHaveLength(1);
}, 30_000);
