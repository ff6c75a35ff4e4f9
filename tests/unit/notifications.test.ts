/**
 * lib/payments/notifications.ts: what the storefront is told, from a record before and after a
 * change: one notification when the payment's status changed, one more when a second order of
 * the payment was paid; ids stable per (payment, order, status) so storefronts can dedupe.
 */
import type { PaymentRecord } from '../../lib/payments/model.js';
import { notificationId, notificationsFor } from '../../lib/payments/notifications.js';
import { anAttempt, aPayment } from '../support/records.js';

const URL = 'https://shop.example.com/notify';

describe('notificationId', () => {
  const record = { merchant: 'fake:acct_1:test', referenceId: 'pedido-1' };

  it('is stable per merchant, reference, order and status', () => {
    const id = notificationId(record, 'ord_1', 'paid');
    expect(id).toMatch(/^ntf_[0-9a-f]{32}$/);
    expect(notificationId({ ...record }, 'ord_1', 'paid')).toBe(id);
    const others = [
      notificationId({ ...record, merchant: 'fake:acct_2:test' }, 'ord_1', 'paid'),
      notificationId({ ...record, referenceId: 'pedido-2' }, 'ord_1', 'paid'),
      notificationId(record, 'ord_2', 'paid'),
      notificationId(record, 'ord_1', 'refunded'),
      // The parts are separated: moving a character from one to the next is another id.
      notificationId({ merchant: 'fake:acct_1:tes', referenceId: 'tpedido-1' }, 'ord_1', 'paid'),
    ];
    expect(new Set([id, ...others]).size).toBe(6);
  });
});

describe('notificationsFor', () => {
  const pending = anAttempt({ status: 'pending_payment', amountCents: 100_050 });
  const before = aPayment([pending], { metadata: { canal: 'web' }, updatedAt: 'before' });
  const paid = (overrides: Partial<typeof pending> = {}) =>
    aPayment([{ ...pending, status: 'paid', amountRefundedCents: 0, ...overrides }], {
      referenceId: before.referenceId,
      metadata: { canal: 'web' },
      updatedAt: '2026-12-02T10:00:00.000Z',
    });

  it('tells the storefront a status changed, with the order, amounts and metadata', () => {
    const after = paid();
    expect(notificationsFor(before, after)).toEqual([
      {
        url: URL,
        notification: {
          id: notificationId(after, pending.orderId!, 'paid'),
          type: 'payment.paid',
          merchant: after.merchant,
          livemode: false,
          provider: 'fake',
          reference_id: after.referenceId,
          order_id: pending.orderId,
          status: 'paid',
          amount: '1000.50',
          amount_cents: 100_050,
          amount_refunded_cents: 0,
          currency: 'MXN',
          occurred_at: '2026-12-02T10:00:00.000Z',
          metadata: { canal: 'web' },
        },
      },
    ]);
  });

  it('tells a new payment’s first status (no record before)', () => {
    const created = aPayment([anAttempt({ status: 'created' })]);
    expect(notificationsFor(undefined, created).map((n) => n.notification.type)).toEqual(['payment.created']);
  });

  it('tells nothing when the status did not change', () => {
    expect(notificationsFor(before, { ...before, updatedAt: 'later' })).toEqual([]);
  });

  it('tells nothing without a notification_url, nor while the payment is being created', () => {
    const { notificationUrl: _u, ...withoutUrl } = paid();
    expect(notificationsFor(before, withoutUrl as PaymentRecord)).toEqual([]);
    expect(notificationsFor(before, { ...paid(), notificationUrl: '' })).toEqual([]);
    const creating = aPayment([anAttempt({ phase: 'creating', status: undefined, orderId: undefined })]);
    expect(notificationsFor(undefined, creating)).toEqual([]);
  });

  it('tells nothing about an attempt without an order', () => {
    const refused = aPayment([anAttempt({ phase: 'refused', status: undefined, orderId: undefined })]);
    expect(notificationsFor(undefined, { ...refused, status: 'expired' })).toEqual([]);
  });

  it('leaves out empty metadata, counts what was refunded, and flags a payment made after expiry as late', () => {
    const after = aPayment([{ ...pending, status: 'paid', late: true }], { metadata: {} });
    const [only] = notificationsFor(before, after);
    expect(only!.notification).not.toHaveProperty('metadata');
    expect(only!.notification.late).toBe(true);
    expect(only!.notification.amount_refunded_cents).toBe(0);
    const refunded = aPayment([{ ...pending, status: 'refunded', late: true, amountRefundedCents: 100_050 }]);
    const [refund] = notificationsFor(after, refunded);
    // Late describes the payment, not the refund.
    expect(refund!.notification).not.toHaveProperty('late');
    expect(refund!.notification.amount_refunded_cents).toBe(100_050);
  });

  it('tells the storefront when a second order was paid, naming both so one is refunded', () => {
    const first = anAttempt({ n: 1, status: 'paid', orderId: 'ord_1' });
    const second = anAttempt({ n: 2, status: 'expired', orderId: 'ord_2', amountCents: 5_000 });
    const once = aPayment([first, second]);
    const twice = aPayment([first, { ...second, status: 'paid', late: true }], {
      referenceId: once.referenceId,
    });
    expect(twice.paidTwice).toBe(true);
    const sent = notificationsFor(once, twice);
    // The payment's own status did not change (paid): only the second order is news.
    expect(sent).toEqual([
      {
        url: URL,
        notification: expect.objectContaining({
          id: notificationId(twice, 'ord_2', 'paid'),
          type: 'payment.paid',
          order_id: 'ord_2',
          status: 'paid',
          amount_cents: 5_000,
          late: true,
          paid_twice: { order_ids: ['ord_1', 'ord_2'] },
        }),
      },
    ]);
    expect(notificationsFor(twice, { ...twice, updatedAt: 'later' })).toEqual([]);
  });

  it('tells both changes when the status changed and a second order was paid at once', () => {
    const first = anAttempt({ n: 1, status: 'created', orderId: 'ord_1' });
    const second = anAttempt({ n: 2, status: 'created', orderId: 'ord_2' });
    const before2 = aPayment([first, second]);
    const after2 = aPayment(
      [
        { ...first, status: 'paid' },
        { ...second, status: 'refunded' },
      ],
      { referenceId: before2.referenceId },
    );
    const sent = notificationsFor(before2, after2).map((n) => [
      n.notification.order_id,
      n.notification.status,
      n.notification.paid_twice,
    ]);
    expect(sent).toEqual([
      ['ord_1', 'paid', undefined],
      ['ord_2', 'refunded', { order_ids: ['ord_1', 'ord_2'] }],
    ]);
  });

  it('counts every status money reached as paid when naming the paid orders', () => {
    for (const status of ['partially_refunded', 'refunded', 'charged_back'] as const) {
      const first = anAttempt({ n: 1, status: 'paid', orderId: 'ord_1' });
      const second = anAttempt({ n: 2, status, orderId: 'ord_2' });
      const third = anAttempt({ n: 3, status: 'canceled', orderId: 'ord_3' });
      const twice = aPayment([third, second, first]);
      const { paidTwice: _flag, ...once } = twice;
      const [note] = notificationsFor(once, twice);
      expect(note!.notification.paid_twice).toEqual({ order_ids: ['ord_1', 'ord_2'] });
      expect(note!.notification.status).toBe(status);
    }
  });
});
