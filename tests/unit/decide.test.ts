/**
 * lib/payments/decide.ts, row by row: what a `create` or `charge` request means for the payment
 * it names, from the stored record alone (the table in decide.ts's header and docs/design.md's
 * attempts rules: replay the same request, 409 a different one while payable, a new attempt once
 * closed, never a second payment once paid).
 */
import { type Decision, decide, type RequestIdentity } from '../../lib/payments/decide.js';
import type { Attempt, PaymentRecord } from '../../lib/payments/model.js';
import type { PaymentStatus } from '../../lib/payments/status.js';
import { anAttempt, aPayment } from '../support/records.js';

const NOW = 1_800_000_000_000;
const SAME = 'hash-same';
const OTHER = 'hash-other';

const request = (requestHash: string, overrides: Partial<RequestIdentity> = {}): RequestIdentity => ({
  kind: 'link',
  requestHash,
  replace: false,
  ...overrides,
});

/** One attempt, current, made from the SAME request. */
const only = (overrides: Parameters<typeof anAttempt>[0] = {}) => {
  const attempt = anAttempt({ requestHash: SAME, ...overrides });
  return { attempt, record: aPayment([attempt]) };
};

const creating = (overrides: Parameters<typeof anAttempt>[0] = {}) =>
  only({
    phase: 'creating',
    orderId: undefined,
    status: undefined,
    checkoutUrl: undefined,
    providerStatus: undefined,
    providerUpdatedAt: undefined,
    claimToken: 'claim-1',
    ...overrides,
  });

const withoutOrder = (phase: 'refused' | 'not_created', overrides: Parameters<typeof anAttempt>[0] = {}) =>
  creating({ phase, claimToken: undefined, ...overrides });

const recorded = (
  kind: 'link' | 'charge',
  status: PaymentStatus,
  overrides: Parameters<typeof anAttempt>[0] = {},
) => only({ kind, status, ...overrides });

describe('decide: a paid payment is never paid twice', () => {
  it('replays the same request of the paid, current attempt', () => {
    const { attempt, record } = recorded('link', 'paid');
    expect(decide(record, request(SAME), NOW)).toEqual({ do: 'replay', attempt });
  });

  it.each(['partially_refunded', 'refunded', 'charged_back'] as const)(
    'replays the same request of the current attempt after money moved on (%s)',
    (status) => {
      const { attempt, record } = recorded('charge', status);
      expect(decide(record, request(SAME, { kind: 'charge' }), NOW)).toEqual({ do: 'replay', attempt });
    },
  );

  it('answers already_paid to a different request, even one asking to replace', () => {
    const { attempt, record } = recorded('link', 'paid');
    expect(decide(record, request(OTHER), NOW)).toEqual({ do: 'already_paid', attempt });
    expect(decide(record, request(OTHER, { replace: true }), NOW)).toEqual({ do: 'already_paid', attempt });
  });

  it('answers already_paid to the request of a paid attempt that is no longer current (paid late)', () => {
    const paidLate = anAttempt({ n: 1, requestHash: SAME, status: 'paid', late: true });
    const current = anAttempt({ n: 2, requestHash: OTHER, status: 'created' });
    const record = aPayment([paidLate, current]);
    expect(record.paidAttempt).toBe(paidLate.id);
    expect(decide(record, request(SAME), NOW)).toEqual({ do: 'already_paid', attempt: paidLate });
    // The current attempt's own request does not get its payable order back either: money follows the paid one.
    expect(decide(record, request(OTHER), NOW)).toEqual({ do: 'already_paid', attempt: paidLate });
  });

  it('answers already_paid for an attempt at a money status even when no attempt is marked paid', () => {
    // derive() always marks it; a record read back without the mark is still never paid twice.
    const { attempt, record } = recorded('link', 'paid');
    const { paidAttempt: _p, ...unmarked } = record;
    expect(decide(unmarked as PaymentRecord, request(OTHER), NOW)).toEqual({ do: 'already_paid', attempt });
  });
});

describe('decide: an attempt being created', () => {
  it('waits while the claimer owns the call (lease still running)', () => {
    const { record } = creating({ leaseUntil: NOW + 1 });
    expect(decide(record, request(SAME), NOW)).toEqual({ do: 'wait' });
    expect(decide(record, request(OTHER), NOW)).toEqual({ do: 'wait' });
  });

  it('recovers once the lease has run out (the claimer died), from the moment it ends', () => {
    const { attempt, record } = creating({ leaseUntil: NOW });
    expect(decide(record, request(SAME), NOW)).toEqual({ do: 'recover', attempt });
    expect(decide(record, request(OTHER), NOW)).toEqual({ do: 'recover', attempt });
  });

  it('recovers at once when the claimer said its outcome is unknown, lease or not', () => {
    const { attempt, record } = creating({ leaseUntil: NOW + 60_000, outcomeUnknown: true });
    expect(decide(record, request(SAME), NOW)).toEqual({ do: 'recover', attempt });
  });

  it('recovers an attempt that has no lease at all', () => {
    const { attempt, record } = creating({ leaseUntil: undefined });
    expect(decide(record, request(SAME), NOW)).toEqual({ do: 'recover', attempt });
  });
});

describe('decide: an attempt the provider refused, or that was proven never made', () => {
  it('replays a refusal that carries a decline (402) to the same request', () => {
    const { attempt, record } = withoutOrder('refused', { kind: 'charge', declineError: '{"message":"no"}' });
    expect(decide(record, request(SAME, { kind: 'charge' }), NOW)).toEqual({
      do: 'replay_declined',
      attempt,
    });
  });

  it('makes a new attempt for the same request when the refusal was no decline (a 4xx that made nothing)', () => {
    const { record } = withoutOrder('refused');
    expect(decide(record, request(SAME), NOW)).toEqual({ do: 'new_attempt' });
  });

  it('makes a new attempt, canceling nothing, for a different request after any refusal', () => {
    const { record } = withoutOrder('refused', { declineError: '{"message":"no"}' });
    expect(decide(record, request(OTHER), NOW)).toEqual({ do: 'new_attempt' });
  });

  it('calls the provider again, for the same attempt, when the same request finds it never made', () => {
    const { attempt, record } = withoutOrder('not_created');
    expect(decide(record, request(SAME), NOW)).toEqual({ do: 'call_again', attempt });
  });

  it('makes a new attempt for a different request when the current one was never made', () => {
    const { record } = withoutOrder('not_created');
    expect(decide(record, request(OTHER), NOW)).toEqual({ do: 'new_attempt' });
  });
});

describe('decide: a recorded card charge', () => {
  it('asks the provider how a charge recorded only as created ended, whatever the request', () => {
    const { attempt, record } = recorded('charge', 'created');
    expect(decide(record, request(SAME, { kind: 'charge' }), NOW)).toEqual({ do: 'refresh', attempt });
    expect(decide(record, request(OTHER, { kind: 'charge', replace: true }), NOW)).toEqual({
      do: 'refresh',
      attempt,
    });
  });

  it('replays a declined charge as a decline (402, never 200) to the same request', () => {
    const { attempt, record } = recorded('charge', 'declined');
    expect(decide(record, request(SAME, { kind: 'charge' }), NOW)).toEqual({
      do: 'replay_declined',
      attempt,
    });
  });

  it('makes a new attempt (no order to cancel) for a different request after a declined charge', () => {
    const { record } = recorded('charge', 'declined');
    expect(decide(record, request(OTHER, { kind: 'charge' }), NOW)).toEqual({ do: 'new_attempt' });
  });

  it('treats a pending charge like any payable order', () => {
    const { attempt, record } = recorded('charge', 'pending_payment');
    expect(decide(record, request(SAME, { kind: 'charge' }), NOW)).toEqual({ do: 'replay', attempt });
    expect(decide(record, request(OTHER, { kind: 'charge' }), NOW)).toEqual({ do: 'conflict', attempt });
  });
});

describe('decide: a recorded payment link', () => {
  it.each(['created', 'pending_payment'] as const)(
    'replays a payable (%s) link to the same request',
    (status) => {
      const { attempt, record } = recorded('link', status, { expiresAt: NOW / 1000 + 3600 });
      expect(decide(record, request(SAME), NOW)).toEqual({ do: 'replay', attempt });
    },
  );

  it.each(['created', 'pending_payment'] as const)(
    'answers a conflict to a different request while the link is payable (%s)',
    (status) => {
      const { attempt, record } = recorded('link', status);
      expect(decide(record, request(OTHER), NOW)).toEqual({ do: 'conflict', attempt });
    },
  );

  it.each(['created', 'pending_payment'] as const)(
    'cancels a payable (%s) link first when a different request asks to replace it',
    (status) => {
      const { attempt, record } = recorded('link', status);
      expect(decide(record, request(OTHER, { replace: true }), NOW)).toEqual({
        do: 'new_attempt',
        cancelFirst: attempt,
      });
    },
  );

  it('replays the same request when it asks to replace its own payable link (nothing differs)', () => {
    const { attempt, record } = recorded('link', 'created');
    expect(decide(record, request(SAME, { replace: true }), NOW)).toEqual({ do: 'replay', attempt });
  });

  it('replays a declined link to the same request (the buyer may still retry on the page)', () => {
    const { attempt, record } = recorded('link', 'declined');
    expect(decide(record, request(SAME), NOW)).toEqual({ do: 'replay', attempt });
  });

  it('cancels a declined link before a different request makes a new attempt', () => {
    const { attempt, record } = recorded('link', 'declined');
    expect(decide(record, request(OTHER), NOW)).toEqual({ do: 'new_attempt', cancelFirst: attempt });
  });

  it.each([
    ['link', 'expired'],
    ['link', 'canceled'],
    ['charge', 'expired'],
    ['charge', 'canceled'],
  ] as const)('makes a new attempt, canceling nothing, after a %s %s, for any request', (kind, status) => {
    const { record } = recorded(kind, status);
    expect(decide(record, request(SAME, { kind }), NOW)).toEqual({ do: 'new_attempt' });
    expect(decide(record, request(OTHER, { kind }), NOW)).toEqual({ do: 'new_attempt' });
  });

  it('treats an unstarted link past its own expiry as closed: cancel it, then a new attempt', () => {
    const { attempt, record } = recorded('link', 'created', { expiresAt: NOW / 1000 });
    const closed: Decision = { do: 'new_attempt', cancelFirst: attempt };
    expect(decide(record, request(SAME), NOW)).toEqual(closed);
    expect(decide(record, request(OTHER), NOW)).toEqual(closed);
  });

  it('keeps an unstarted link payable until its expiry second', () => {
    const { attempt, record } = recorded('link', 'created', { expiresAt: NOW / 1000 + 1 });
    expect(decide(record, request(SAME), NOW)).toEqual({ do: 'replay', attempt });
  });

  it('never closes a link by its expiry once the buyer started paying (pending: the provider decides)', () => {
    const { attempt, record } = recorded('link', 'pending_payment', { expiresAt: NOW / 1000 - 3600 });
    expect(decide(record, request(SAME), NOW)).toEqual({ do: 'replay', attempt });
  });

  it('compares with the current attempt, not an older one made from the same request', () => {
    const old: Attempt = anAttempt({ n: 1, requestHash: SAME, status: 'expired' });
    const current: Attempt = anAttempt({ n: 2, requestHash: OTHER, status: 'created' });
    const record = aPayment([old, current]);
    expect(decide(record, request(SAME), NOW)).toEqual({ do: 'conflict', attempt: current });
    expect(decide(record, request(OTHER), NOW)).toEqual({ do: 'replay', attempt: current });
  });
});
