/**
 * The whole server-side journey: create a link, the buyer pays on the sandbox, Conekta's signed
 * webhook moves the payment, and the storefront's receiver gets one signed notification at once.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
// @ts-expect-error: plain JS snippet that the README quotes for storefronts
import { verifyPagosSignature } from '../../docs/verify-pagos-signature.mjs';
import { notificationId } from '../../lib/payments/reconcile.js';
import { notificationKey } from '../../lib/store/reconcile.js';
import { eventually, type PagosStack, startPagosStack } from '../support/pagos-stack.js';

const signingSecret = 'whsec_journey_test';
const received: Array<{ body: string; signature: string }> = [];
let receiver: Server;
let receiverUrl: string;
let stack: PagosStack;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      received.push({
        body: Buffer.concat(chunks).toString('utf8'),
        signature: String(req.headers['pagos-signature']),
      });
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/pagos/notify`;
  stack = await startPagosStack('journey', { env: { NOTIFICATION_SIGNING_SECRET: signingSecret } });
});
afterAll(async () => {
  await stack.stop();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
});

it('a paid link notifies the storefront once, signed, with the payment’s facts', async () => {
  const create = await stack.pagos({
    provider: 'conekta',
    action: 'create',
    secret: 'key_journey_1',
    reference_id: 'jr-1',
    amount: '1234.50',
    return_url: 'https://shop.example.com',
    notification_url: receiverUrl,
    first_name: 'andres',
    last_name: 'jaro',
    email: 'andres@example.com',
  });
  expect(create.status).toBe(200);
  await stack.sandboxControl('POST', '/_sandbox/faults', { webhook_duplicates: 3 });
  await stack.sandboxControl('POST', `/_sandbox/orders/${create.json.id}/pay_card`);

  const [first] = await eventually('the storefront notification', async () =>
    received.length ? received : undefined,
  );
  expect(verifyPagosSignature(first!.body, first!.signature, signingSecret)).toBe(true);
  expect(verifyPagosSignature(first!.body.replace('paid', 'PAID'), first!.signature, signingSecret)).toBe(
    false,
  );
  expect(JSON.parse(first!.body)).toMatchObject({
    type: 'payment.paid',
    provider: 'conekta',
    reference_id: 'jr-1',
    order_id: create.json.id,
    status: 'paid',
    amount: '1234.50',
    amount_cents: 123450,
    currency: 'MXN',
    livemode: false,
  });
  // Three deliveries of the same Conekta event, one notification.
  await eventually('all webhook copies', async () => {
    const log = await stack.sandboxControl('GET', '/_sandbox/webhook_deliveries?type=order.paid');
    return log.json.data.filter((d: { status: number }) => d.status === 200).length >= 3 ? true : undefined;
  });
  expect(received).toHaveLength(1);
  // The webhook's transaction wrote the entry claimed, so its one attempt needed no claim of its own.
  const entry = await stack.client.send(
    new GetItemCommand({
      TableName: stack.table,
      Key: notificationKey(JSON.parse(first!.body).id),
      ConsistentRead: true,
    }),
  );
  expect(entry.Item).toMatchObject({ state: { S: 'delivered' }, attempts: { N: '1' } });
  expect(entry.Item?.attempt_log?.L).toHaveLength(1);
  expect(entry.Item?.claim_id).toBeUndefined();
});

it('an entry written claimed whose first attempt never happened is due when its lease ends', async () => {
  const { DynamoReconcileStore } = await import('../../lib/store/reconcile.js');
  const { reconcilePayment } = await import('../../lib/payments/reconcile.js');
  const { seedPayment } = await import('../support/seed-payment.js');
  const store = new DynamoReconcileStore(stack.client, stack.table);
  const p = await seedPayment(store, { merchant: 'm_lease_test', notificationUrl: receiverUrl });
  const before = Date.now();
  const outcome = await reconcilePayment(
    store,
    p,
    { orderId: p.orderId, status: 'paid', providerStatus: 'paid', updatedAt: 1_700_000_100, livemode: false },
    { name: 'test', firstAttempt: { leaseMs: 60_000 } },
  );
  expect(outcome).toMatchObject({
    result: 'applied',
    firstAttempt: { url: receiverUrl, claimId: expect.any(String) },
  });
  const entry = await stack.client.send(
    new GetItemCommand({
      TableName: stack.table,
      Key: notificationKey(notificationId(p, 'paid')),
      ConsistentRead: true,
    }),
  );
  expect(entry.Item).toMatchObject({ state: { S: 'pending' }, attempts: { N: '1' }, queue: { S: 'due' } });
  // Not due before the lease ends: no sweeper races the caller's own attempt.
  expect(Number(entry.Item?.queue_at?.N)).toBeGreaterThanOrEqual(before + 60_000);
});

it('outside local mode a private notification_url is refused at create', async () => {
  // Read per request: the policy follows PAGOS_LOCAL_MODE of this Lambda's configuration.
  const res = await stack.pagos({
    provider: 'conekta',
    action: 'create',
    secret: 'key_journey_2',
    reference_id: 'jr-2',
    amount: 10,
    return_url: 'https://shop.example.com',
    notification_url: 'ftp://shop.example.com/x',
    first_name: 'a',
    last_name: 'b',
    email: 'a@example.com',
  });
  expect(res).toMatchObject({ status: 400, json: { error: { details: [{ field: 'notification_url' }] } } });
});
