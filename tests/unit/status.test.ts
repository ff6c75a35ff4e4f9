import { canTransition, isPaymentStatus, PaymentStatus } from '../../lib/payments/status.js';

const all = Object.values(PaymentStatus);

describe('status model', () => {
  it.each([
    ['created', 'paid'],
    ['created', 'refunded'],
    ['pending_payment', 'paid'],
    ['declined', 'paid'],
    ['declined', 'pending_payment'],
    ['paid', 'partially_refunded'],
    ['partially_refunded', 'refunded'],
    ['paid', 'charged_back'],
  ] as const)('%s -> %s is forward', (from, to) => {
    expect(canTransition(from, to)).toBe(true);
  });

  it.each([
    ['paid', 'pending_payment'],
    ['paid', 'declined'],
    ['paid', 'created'],
    ['refunded', 'paid'],
    ['partially_refunded', 'paid'],
    ['expired', 'paid'],
    ['canceled', 'paid'],
  ] as const)('%s -> %s is refused', (from, to) => {
    expect(canTransition(from, to)).toBe(false);
  });

  it('never stays in place and never returns to created', () => {
    for (const status of all) {
      expect(canTransition(status, status)).toBe(false);
      expect(canTransition(status, 'created')).toBe(false);
    }
  });

  it('has final statuses that go nowhere', () => {
    for (const final of ['refunded', 'expired', 'canceled', 'charged_back'] as const) {
      expect(all.filter((to) => canTransition(final, to))).toEqual([]);
    }
  });

  it('knows its own statuses only', () => {
    expect(all.every(isPaymentStatus)).toBe(true);
    expect(isPaymentStatus('creating')).toBe(false);
    expect(isPaymentStatus('toString')).toBe(false);
  });
});
