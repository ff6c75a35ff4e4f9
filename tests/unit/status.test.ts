import {
  isClosedUnpaid,
  isMoneyStatus,
  isPayable,
  isPaymentStatus,
  PaymentStatus,
  STATUS_RANK,
  supersedes,
} from '../../lib/payments/status.js';

const all = Object.values(PaymentStatus);
const at = (status: PaymentStatus, updatedAt = 10) => ({ status, updatedAt });

describe('status model', () => {
  it.each([
    ['created', 'pending_payment'],
    ['created', 'paid'],
    ['created', 'refunded'],
    ['pending_payment', 'paid'],
    ['declined', 'paid'],
    ['pending_payment', 'expired'],
    ['expired', 'paid'],
    ['canceled', 'paid'],
    ['expired', 'refunded'],
    ['paid', 'partially_refunded'],
    ['partially_refunded', 'refunded'],
    ['paid', 'charged_back'],
    ['refunded', 'charged_back'],
  ] as const)('%s -> %s moves forward whatever the time says (money wins)', (from, to) => {
    expect(supersedes(at(from, 50), at(to, 10))).toBe(true);
  });

  it.each([
    ['paid', 'pending_payment'],
    ['paid', 'expired'],
    ['paid', 'canceled'],
    ['paid', 'declined'],
    ['refunded', 'partially_refunded'],
    ['refunded', 'paid'],
    ['charged_back', 'refunded'],
    ['expired', 'pending_payment'],
    ['canceled', 'created'],
  ] as const)('%s -> %s never happens, even when newer', (from, to) => {
    expect(supersedes(at(from, 10), at(to, 50))).toBe(false);
  });

  it.each([
    ['pending_payment', 'declined'],
    ['declined', 'pending_payment'],
    ['expired', 'canceled'],
    ['partially_refunded', 'partially_refunded'],
    ['paid', 'paid'],
  ] as const)('%s -> %s (same rank) moves only when newer', (from, to) => {
    expect(supersedes(at(from, 10), at(to, 11))).toBe(true);
    expect(supersedes(at(from, 10), at(to, 10))).toBe(false);
    expect(supersedes(at(from, 10), at(to, 9))).toBe(false);
  });

  it('ranks every status, and money outranks every unpaid status', () => {
    expect(Object.keys(STATUS_RANK).sort()).toEqual([...all].sort());
    const money = all.filter(isMoneyStatus);
    expect(money.sort()).toEqual(['charged_back', 'paid', 'partially_refunded', 'refunded']);
    for (const m of money)
      for (const u of all.filter((s) => !isMoneyStatus(s)))
        expect(STATUS_RANK[m]).toBeGreaterThan(STATUS_RANK[u]);
  });

  it('names what is payable and what is closed unpaid', () => {
    expect(all.filter(isPayable).sort()).toEqual(['created', 'pending_payment']);
    expect(all.filter(isClosedUnpaid).sort()).toEqual(['canceled', 'expired']);
  });

  it('recognizes only its own statuses', () => {
    for (const s of all) expect(isPaymentStatus(s)).toBe(true);
    for (const s of ['creating', 'PAID', '', null, undefined, 1, 'toString', '__proto__']) {
      expect(isPaymentStatus(s)).toBe(false);
    }
  });
});
