/**
 * Conekta's webhooks end to end: a link made through POST /pagos, the buyer's action on the
 * sandbox, the sandbox's signed webhook to our handler, the stored payment.
 */
import { randomUUID } from 'node:crypto';
import { setLogSink } from '../../lib/http/logger.js';
import { eventually, type PagosStack, startPagosStack } from '../support/pagos-stack.js';

let stack: PagosStack;
const logs: string[] = [];
beforeAll(async () => {
  setLogSink((line) => logs.push(line));
  stack = await startPagosStack('webhooks-e2e');
});
afterAll(() => stack.stop());

const secret = `key_test_${randomUUID().replaceAll('-', '')}`;
async function newLink(reference: string): Promise<string> {
  const res = await stack.pagos({
    provider: 'conekta',
    action: 'create',
    secret,
    reference_id: reference,
    amount: '250.50',
    return_url: 'https://shop.example.com',
    notification_url: 'https://shop.example.com/notify',
    first_name: 'andres',
    last_name: 'jaro',
    email: 'andres@example.com',
  });
  expect(res.status).toBe(200);
  return res.json.id;
}

const buyer = async (orderId: string, transition: string) => {
  const res = await stack.sandboxControl('POST', `/_sandbox/orders/${orderId}/${transition}`);
  expect(res.status).toBe(200);
};

const statusBecomes = (reference: string, status: string) =>
  eventually(`${reference} to become ${status}`, async () => {
    const record = await stack.record(secret, reference);
    return record?.status === status ? record : undefined;
  });

it('card: the stored payment is paid within 5 s', async () => {
  const orderId = await newLink('wh-card');
  await buyer(orderId, 'pay_card');
  const record = await statusBecomes('wh-card', 'paid');
  expect(record.attempts[record.currentAttempt]!.paymentMethod).toBe('card');
});

it('cash: pending_payment, then paid', async () => {
  const orderId = await newLink('wh-cash');
  await buyer(orderId, 'pay_cash_pending');
  await statusBecomes('wh-cash', 'pending_payment');
  await buyer(orderId, 'confirm_cash');
  const record = await statusBecomes('wh-cash', 'paid');
  expect(record.history.map((h) => h.status)).toEqual(['created', 'pending_payment', 'paid']);
  expect(record.attempts[record.currentAttempt]!.paymentMethod).toBe('cash');
});

it('declined, then paid on the same link', async () => {
  const orderId = await newLink('wh-decline');
  await buyer(orderId, 'decline');
  await statusBecomes('wh-decline', 'declined');
  await buyer(orderId, 'pay_card');
  await statusBecomes('wh-decline', 'paid');
});

it('expired', async () => {
  const orderId = await newLink('wh-expire');
  await buyer(orderId, 'expire');
  await statusBecomes('wh-expire', 'expired');
});

it('with no public key configured, events answer 500 and the sandbox’s retry succeeds once the key is set', async () => {
  const orderId = await newLink('wh-nokey');
  const key = process.env.CONEKTA_WEBHOOK_PUBLIC_KEYS;
  process.env.CONEKTA_WEBHOOK_PUBLIC_KEYS = '';
  try {
    await buyer(orderId, 'pay_card');
    await eventually('a 500 from our webhook route', async () => {
      const res = await stack.sandboxControl('GET', '/_sandbox/webhook_deliveries');
      const deliveries = (res.json.data ?? res.json) as Array<{
        status?: number;
        response_status?: number;
        type?: string;
      }>;
      return deliveries.some((d) => (d.status ?? d.response_status) === 500 && d.type === 'order.paid')
        ? true
        : undefined;
    });
    expect((await stack.record(secret, 'wh-nokey'))?.status).toBe('created');
    expect(logs.some((l) => l.includes('"level":"ERROR"') && l.includes('CONEKTA_WEBHOOK_PUBLIC_KEYS'))).toBe(
      true,
    );
  } finally {
    process.env.CONEKTA_WEBHOOK_PUBLIC_KEYS = key;
  }
  await statusBecomes('wh-nokey', 'paid');
});
