/**
 * A status change written to the payments table reaches the storefront through the stream, the
 * enqueuer, SQS and the delivery function, on DynamoDB Local + a wire-protocol SQS server + a real
 * HTTP receiver; signed with the merchant's own secrets and checked with the documented verifier.
 */

import type { PaymentRecord } from '../../lib/payments/model.js';
import { derive } from '../../lib/payments/record.js';
import { newSigningSecret } from '../../lib/store/merchants.js';
import {
  metricsNamed,
  type Pipeline,
  type Receiver,
  startPipeline,
  startReceiver,
  until,
} from '../support/notification-pipeline.js';
import { anAttempt, aPayment, MERCHANT } from '../support/records.js';

type Verify = (
  raw: Buffer,
  header: string | undefined,
  options: { secret: string | string[]; merchant: string; livemode: boolean },
) => Record<string, unknown> | null;
let verify: Verify;
let pipeline: Pipeline;
let receiver: Receiver;

beforeAll(async () => {
  const path = '../../docs/verify-pagos-signature.mjs';
  ({ verifyPagosNotification: verify } = (await import(path)) as { verifyPagosNotification: Verify });
  pipeline = await startPipeline('notify-pipeline');
  receiver = await startReceiver();
});

afterAll(async () => {
  await pipeline?.stop();
  await receiver?.stop();
});

/** A created payment, then the same payment moved to `status`, written like the domain writes. */
async function createdThenMoved(
  status: 'paid' | 'expired',
  overrides: Partial<PaymentRecord> = {},
  attemptOverrides = {},
): Promise<PaymentRecord> {
  const attempt = anAttempt(attemptOverrides);
  const created = aPayment([attempt], { notificationUrl: receiver.url, ...overrides });
  expect((await pipeline.payments.insert(created)).ok).toBe(true);
  const moved = derive({
    ...created,
    attempts: { [attempt.id]: { ...attempt, status } },
    version: created.version + 1,
    updatedAt: '2026-12-01T01:00:00.000Z',
  });
  expect((await pipeline.payments.replace(moved, created.version)).ok).toBe(true);
  return moved;
}

const receivedFor = (reference: string) => receiver.received.filter((r) => r.json.reference_id === reference);

it('a status change reaches the storefront signed with the merchant secret, once per status', async () => {
  const paid = await createdThenMoved('paid');
  const [got] = await until('payment.paid', () => {
    const all = receivedFor(paid.referenceId).filter((r) => r.json.status === 'paid');
    return all.length > 0 && all;
  });
  const [secret] = await pipeline.merchants.signingSecrets(MERCHANT.id, Date.now());
  const notification = verify(got!.raw, got!.headers['pagos-signature'] as string, {
    secret: secret!.secret,
    merchant: MERCHANT.id,
    livemode: false,
  });
  expect(notification).toMatchObject({
    type: 'payment.paid',
    merchant: MERCHANT.id,
    livemode: false,
    reference_id: paid.referenceId,
    status: 'paid',
    amount: '1000.00',
    amount_cents: 100_000,
  });
  expect(got!.headers).toMatchObject({
    'content-type': 'application/json',
    'pagos-attempt': '1',
    'pagos-notification-id': notification!.id,
    'user-agent': 'Pagos-Notifications/1',
  });
  // The insert (status created) was notified too, under its own id.
  const statuses = receivedFor(paid.referenceId).map((r) => r.json.status);
  expect(statuses.sort()).toEqual(['created', 'paid']);
  const ids = new Set(receivedFor(paid.referenceId).map((r) => r.json.id));
  expect(ids.size).toBe(2);
});

it('a change that is not a status change sends nothing; no notification_url sends nothing', async () => {
  const attempt = anAttempt();
  const created = aPayment([attempt], { notificationUrl: receiver.url });
  await pipeline.payments.insert(created);
  await until('payment.created', () => receivedFor(created.referenceId).length === 1);
  const touched = { ...created, version: 2, updatedAt: '2026-12-01T00:30:00.000Z' };
  expect((await pipeline.payments.replace(touched, 1)).ok).toBe(true);
  const silent = aPayment([anAttempt()], { notificationUrl: undefined });
  await pipeline.payments.insert(silent);
  // A later change of another payment has gone all the way through: the earlier ones have too.
  const marker = await createdThenMoved('expired');
  await until('the marker', () => receivedFor(marker.referenceId).some((r) => r.json.status === 'expired'));
  expect(receivedFor(created.referenceId)).toHaveLength(1);
  expect(receivedFor(silent.referenceId)).toHaveLength(0);
});

it('a rotated secret: both live secrets sign, newest first, and either verifies', async () => {
  const merchant = 'fake:acct_rotation:test';
  const [old] = await pipeline.merchants.signingSecrets(merchant, Date.now());
  const next = newSigningSecret(Date.now() + 1);
  await pipeline.merchants.rotateSigningSecret(merchant, next, Date.now() + 3_600_000);
  const paid = await createdThenMoved('paid', { merchant });
  const got = await until('payment.paid', () =>
    receivedFor(paid.referenceId).find((r) => r.json.status === 'paid'),
  );
  const header = got.headers['pagos-signature'] as string;
  expect(header.split(',').filter((p) => p.startsWith('v1='))).toHaveLength(2);
  for (const secret of [old!.secret, next.secret])
    expect(verify(got.raw, header, { secret, merchant, livemode: false })).not.toBeNull();
  // Newest first: the first v1 is the new secret's.
  const [t, firstV1] = header.split(',');
  expect(
    verify(got.raw, `${t},${firstV1}`, { secret: next.secret, merchant, livemode: false }),
  ).not.toBeNull();
});

it("forged paid (issue 14): merchant B's record with A's notification_url is signed by B, names B, and A's verifier refuses it", async () => {
  const merchantA = 'conekta:acct_storefront_a:test';
  const merchantB = 'conekta:acct_attacker_b:test';
  const [secretA] = await pipeline.merchants.signingSecrets(merchantA, Date.now());
  const [secretB] = await pipeline.merchants.signingSecrets(merchantB, Date.now());
  // B's own account (B's key, B's payment) pointing at A's storefront URL.
  const forged = await createdThenMoved('paid', { merchant: merchantB });
  const got = await until('the forged payment.paid', () =>
    receivedFor(forged.referenceId).find((r) => r.json.status === 'paid'),
  );
  const header = got.headers['pagos-signature'] as string;
  expect(got.json.merchant).toBe(merchantB);
  expect(
    verify(got.raw, header, { secret: secretB!.secret, merchant: merchantB, livemode: false }),
  ).not.toBeNull();
  // What storefront A runs: its own secret and merchant id.
  expect(
    verify(got.raw, header, { secret: secretA!.secret, merchant: merchantA, livemode: false }),
  ).toBeNull();
  // Even if A had B's secret by mistake, the payload names B, not A.
  expect(
    verify(got.raw, header, { secret: secretB!.secret, merchant: merchantA, livemode: false }),
  ).toBeNull();
});

it('counts LatePayments and PaidTwice from the stream, with the order ids', async () => {
  // Paid after its link expired: the domain marks the attempt late.
  const late = await createdThenMoved('paid', {}, { late: true });
  const lateOrder = Object.values(late.attempts)[0]!.orderId;
  const lateLine = await until('LatePayments', () =>
    metricsNamed(pipeline.metricLines, 'LatePayments').find((l) => l.reference_id === late.referenceId),
  );
  expect(lateLine).toMatchObject({
    LatePayments: 1,
    Stage: 'test',
    merchant: MERCHANT.id,
    order_ids: lateOrder,
  });
  // Two orders of one payment paid.
  const first = anAttempt({ status: 'paid', n: 1 });
  const second = anAttempt({ status: 'expired', n: 2 });
  const payment = aPayment([first, second], { notificationUrl: receiver.url, currentAttempt: second.id });
  await pipeline.payments.insert(payment);
  const twice = derive({
    ...payment,
    attempts: { [first.id]: first, [second.id]: { ...second, status: 'paid', late: true } },
    version: 2,
  });
  expect(twice.paidTwice).toBe(true);
  await pipeline.payments.replace(twice, 1);
  const twiceLine = await until('PaidTwice', () =>
    metricsNamed(pipeline.metricLines, 'PaidTwice').find((l) => l.reference_id === payment.referenceId),
  );
  expect(twiceLine).toMatchObject({ PaidTwice: 1, order_ids: `${first.orderId},${second.orderId}` });
  const paidTwice = await until('the paid_twice notification', () =>
    receivedFor(payment.referenceId).find((r) => r.json.paid_twice),
  );
  expect(paidTwice.json.paid_twice).toEqual({ order_ids: [first.orderId, second.orderId] });
  // Each counted once, even though both records went through the same batch machinery.
  expect(
    metricsNamed(pipeline.metricLines, 'PaidTwice').filter((l) => l.reference_id === payment.referenceId),
  ).toHaveLength(1);
  expect(
    metricsNamed(pipeline.metricLines, 'LatePayments').filter((l) => l.reference_id === late.referenceId),
  ).toHaveLength(1);
});
