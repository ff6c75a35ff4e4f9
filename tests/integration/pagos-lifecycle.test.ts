/**
 * The rest of a payment's life over HTTP: card charge, status, refund, cancel (issue 6), with
 * the real handlers, DynamoDB Local and the Conekta sandbox.
 */
import { randomUUID } from 'node:crypto';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { setLogSink } from '../../lib/http/logger.js';
import { merchantFingerprint } from '../../lib/payments/fingerprints.js';
import { notificationId } from '../../lib/payments/reconcile.js';
import type { PaymentStatus } from '../../lib/payments/status.js';
import { notificationKey } from '../../lib/store/reconcile.js';
import { eventually, type PagosStack, startPagosStack } from '../support/pagos-stack.js';

let stack: PagosStack;
const logs: string[] = [];
beforeAll(async () => {
  process.env.LOG_LEVEL = 'debug';
  setLogSink((line) => logs.push(line));
  stack = await startPagosStack('lifecycle');
});
afterAll(() => stack.stop());
afterEach(() => stack.sandboxControl('DELETE', '/_sandbox/faults'));

const newSecret = () => `key_test_${randomUUID().replaceAll('-', '')}`;
const person = { first_name: 'andres', last_name: 'jaro', email: 'andres@example.com' };
const charge = (secret: string, reference: string, token: string, extra: Record<string, unknown> = {}) => ({
  provider: 'conekta',
  action: 'charge',
  secret,
  reference_id: reference,
  amount: 1000,
  token_id: token,
  ...person,
  ...extra,
});
const action = (name: string, secret: string, reference: string, extra: Record<string, unknown> = {}) => ({
  provider: 'conekta',
  action: name,
  secret,
  reference_id: reference,
  ...extra,
});
const link = (secret: string, reference: string) => ({
  ...action('create', secret, reference),
  amount: 1000,
  return_url: 'https://shop.example.com',
  notification_url: 'https://shop.example.com/notify',
  ...person,
});

async function queuedNotification(secret: string, reference: string, status: PaymentStatus) {
  const tag = { merchant: merchantFingerprint(secret), referenceId: reference };
  const out = await stack.client.send(
    new GetItemCommand({
      TableName: stack.table,
      Key: notificationKey(notificationId(tag, status)),
      ConsistentRead: true,
    }),
  );
  return out.Item;
}

describe('charge', () => {
  it('a good token pays: 200 with the paid order, record paid with brand and last4 only', async () => {
    const secret = newSecret();
    const res = await stack.pagos(charge(secret, 'chg-1', 'tok_test_visa_4242'));
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ object: 'order', payment_status: 'paid', amount: 100000 });
    const record = await stack.record(secret, 'chg-1');
    expect(record).toMatchObject({
      kind: 'charge',
      status: 'paid',
      paymentMethod: 'card',
      card: { last4: '4242' },
    });
    expect(record?.paidAt).toEqual(expect.any(Number));
    expect(record?.history.map((h) => h.status)).toEqual(['paid']);
  });

  it('insufficient funds: 402 with Conekta’s details, record declined; the replay says the same', async () => {
    const secret = newSecret();
    const res = await stack.pagos(charge(secret, 'chg-2', 'tok_test_insufficient_funds'));
    expect(res.status).toBe(402);
    expect(res.json.error).toMatchObject({
      code: 'payment_declined',
      provider: { name: 'conekta', status: 402 },
    });
    expect(res.json.error.details.length).toBeGreaterThan(0);
    expect((await stack.record(secret, 'chg-2'))?.status).toBe('declined');
    const again = await stack.pagos(charge(secret, 'chg-2', 'tok_test_insufficient_funds'));
    expect(again).toMatchObject({ status: 402, json: { error: res.json.error } });
  });

  it('the same charge sent twice charges once', async () => {
    const secret = newSecret();
    const first = await stack.pagos(charge(secret, 'chg-3', 'tok_test_mastercard_4444'));
    const second = await stack.pagos(charge(secret, 'chg-3', 'tok_test_mastercard_4444'));
    expect(second.json.id).toBe(first.json.id);
    expect(await stack.sandboxOrders(secret, 'chg-3')).toHaveLength(1);
  });

  it('a card number anywhere is refused with raw_card_not_allowed, and appears in no log line', async () => {
    const res = await stack.pagos(
      charge(newSecret(), 'chg-4', 'tok_test_visa_4242', { number: '4242424242424242' }),
    );
    expect(res).toMatchObject({ status: 400, json: { error: { code: 'raw_card_not_allowed' } } });
    expect(res.json.error.message).toMatch(/tokeni/i);
    const nested = await stack.pagos(
      charge(newSecret(), 'chg-5', 'tok_test_visa_4242', { card: { cvc: '123' } }),
    );
    expect(nested.status).toBe(400);
    expect(logs.join('\n')).not.toContain('4242424242424242');
  });
});

describe('status', () => {
  it('answers 404 unknown_reference for a payment this merchant never made', async () => {
    const res = await stack.pagos(action('status', newSecret(), 'nope'));
    expect(res).toMatchObject({ status: 404, json: { error: { code: 'unknown_reference' } } });
  });

  it('after a lost webhook, brings the record to paid and queues one notification', async () => {
    const secret = newSecret();
    const created = await stack.pagos(link(secret, 'st-1'));
    await stack.sandboxControl('POST', '/_sandbox/faults', { webhooks_enabled: false });
    expect((await stack.sandboxControl('POST', `/_sandbox/orders/${created.json.id}/pay_card`)).status).toBe(
      200,
    );
    expect((await stack.record(secret, 'st-1'))?.status).toBe('created');

    const res = await stack.pagos(action('status', secret, 'st-1'));
    expect(res.status).toBe(200);
    expect(res.json.payment).toMatchObject({
      reference_id: 'st-1',
      status: 'paid',
      amount: '1000.00',
      order_id: created.json.id,
    });
    expect(res.json.payment).not.toHaveProperty('merchant');
    expect(res.json.payment).not.toHaveProperty('request_hash');
    expect(res.json.order).toMatchObject({ id: created.json.id, payment_status: 'paid' });
    expect(await queuedNotification(secret, 'st-1', 'paid')).toBeDefined();

    const again = await stack.pagos(action('status', secret, 'st-1'));
    expect(again.json.payment.history.filter((h: { status: string }) => h.status === 'paid')).toHaveLength(1);
  });
});

describe('refund', () => {
  async function paidLink(secret: string, reference: string) {
    const created = await stack.pagos(link(secret, reference));
    await stack.sandboxControl('POST', `/_sandbox/orders/${created.json.id}/pay_card`);
    await eventually('the paid webhook', async () =>
      (await stack.record(secret, reference))?.status === 'paid' ? true : undefined,
    );
    return created.json.id as string;
  }

  it('300.00 of 1000.00, then the rest; then nothing is left', async () => {
    const secret = newSecret();
    await paidLink(secret, 'rf-1');
    const part = await stack.pagos(action('refund', secret, 'rf-1', { amount: '300.00' }));
    expect(part).toMatchObject({
      status: 200,
      json: { payment_status: 'partially_refunded', amount_refunded: 30000 },
    });
    expect(await stack.record(secret, 'rf-1')).toMatchObject({
      status: 'partially_refunded',
      amountRefundedCents: 30000,
    });

    const rest = await stack.pagos(action('refund', secret, 'rf-1'));
    expect(rest).toMatchObject({
      status: 200,
      json: { payment_status: 'refunded', amount_refunded: 100000 },
    });
    expect(await stack.record(secret, 'rf-1')).toMatchObject({
      status: 'refunded',
      amountRefundedCents: 100000,
    });
    expect(await queuedNotification(secret, 'rf-1', 'partially_refunded')).toBeDefined();
    expect(await queuedNotification(secret, 'rf-1', 'refunded')).toBeDefined();

    const more = await stack.pagos(action('refund', secret, 'rf-1', { amount: 1 }));
    expect(more.status).toBe(400);
  });

  it('the same refund request sent twice refunds once', async () => {
    const secret = newSecret();
    const orderId = await paidLink(secret, 'rf-2');
    const [a, b] = await Promise.all([
      stack.pagos(action('refund', secret, 'rf-2', { amount: 300 })),
      stack.pagos(action('refund', secret, 'rf-2', { amount: 300 })),
    ]);
    const c = await stack.pagos(action('refund', secret, 'rf-2', { amount: 300 }));
    expect([a, b, c].filter((r) => r.status === 200).length).toBeGreaterThanOrEqual(2);
    expect([a, b, c].every((r) => r.status === 200 || r.json.error.code === 'request_in_progress')).toBe(
      true,
    );
    const order = await stack.pagos(action('status', secret, 'rf-2'));
    expect(order.json.order).toMatchObject({ id: orderId, amount_refunded: 30000 });
    expect((await stack.record(secret, 'rf-2'))?.amountRefundedCents).toBe(30000);
  });

  it('refuses an unpaid payment and more than the rest', async () => {
    const secret = newSecret();
    await stack.pagos(link(secret, 'rf-3'));
    expect((await stack.pagos(action('refund', secret, 'rf-3'))).status).toBe(400);
    await paidLink(secret, 'rf-4');
    const tooMuch = await stack.pagos(action('refund', secret, 'rf-4', { amount: 1000.01 }));
    expect(tooMuch).toMatchObject({ status: 400, json: { error: { details: [{ field: 'amount' }] } } });
  });
});

describe('cancel', () => {
  it('cancels an unpaid link; the sandbox then refuses to pay it', async () => {
    const secret = newSecret();
    const created = await stack.pagos(link(secret, 'cx-1'));
    const res = await stack.pagos(action('cancel', secret, 'cx-1'));
    expect(res).toMatchObject({ status: 200, json: { id: created.json.id, payment_status: 'canceled' } });
    expect((await stack.record(secret, 'cx-1'))?.status).toBe('canceled');
    expect((await stack.sandboxControl('POST', `/_sandbox/orders/${created.json.id}/pay_card`)).status).toBe(
      409,
    );
  });

  it('refuses to cancel a paid payment with 409', async () => {
    const secret = newSecret();
    const res = await stack.pagos(charge(secret, 'cx-2', 'tok_test_visa_4242'));
    expect(res.status).toBe(200);
    expect((await stack.pagos(action('cancel', secret, 'cx-2'))).status).toBe(409);
  });

  it('passes Conekta’s 428 through as 409 with its details when the record did not know yet', async () => {
    const secret = newSecret();
    const created = await stack.pagos(link(secret, 'cx-3'));
    await stack.sandboxControl('POST', '/_sandbox/faults', { webhooks_enabled: false });
    await stack.sandboxControl('POST', `/_sandbox/orders/${created.json.id}/pay_card`);
    const res = await stack.pagos(action('cancel', secret, 'cx-3'));
    expect(res).toMatchObject({
      status: 409,
      json: { error: { code: 'provider_conflict', provider: { status: 428 } } },
    });
    expect(res.json.error.details.length).toBeGreaterThan(0);
  });
});
