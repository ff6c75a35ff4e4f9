/**
 * What a `create` or `charge` request means for the payment it names (docs/design.md, attempts):
 * pure, from the stored record and the request alone.
 *
 * | current attempt                        | same request        | different request              |
 * |----------------------------------------|---------------------|--------------------------------|
 * | any attempt paid                       | replay (if current) | 409 already_paid               |
 * | creating, claimer alive                | wait, then 409      | wait, then 409                 |
 * | creating, outcome unknown / claimer dead | recover first     | recover first                  |
 * | created, pending_payment               | replay              | 409, or replace: cancel + new  |
 * | declined charge                        | replay the 402      | new attempt                    |
 * | declined link (the buyer may retry)    | replay              | cancel it + new attempt        |
 * | expired, canceled                      | new attempt         | new attempt                    |
 * | refused by the provider                | new attempt (a 402 replayed) | new attempt           |
 * | proven never created                   | call again, same attempt | new attempt               |
 * | a charge recorded only as created      | ask the provider how the charge ended, then decide |
 */
import type { Attempt, PaymentKind, PaymentRecord } from './model.js';
import { isClosedUnpaid, isPayable, PaymentStatus } from './status.js';

export type RequestIdentity = {
  kind: PaymentKind;
  requestHash: string;
  /** The storefront asks to replace a payable link or charge with this new one. */
  replace: boolean;
};

export type Decision =
  | { do: 'replay'; attempt: Attempt }
  | { do: 'replay_declined'; attempt: Attempt }
  | { do: 'conflict'; attempt: Attempt }
  | { do: 'already_paid'; attempt: Attempt }
  | { do: 'wait' }
  | { do: 'recover'; attempt: Attempt }
  | { do: 'refresh'; attempt: Attempt }
  | { do: 'call_again'; attempt: Attempt }
  | { do: 'new_attempt'; cancelFirst?: Attempt };

/** A link nobody has started paying, past its expiry: closed, whatever the provider has said so far. */
const linkExpired = (a: Attempt, nowMs: number) =>
  // Stryker disable next-line ConditionalExpression: decide() sends a charge still created to refresh before it asks this
  a.kind === 'link' &&
  a.status === PaymentStatus.created &&
  a.expiresAt !== undefined &&
  a.expiresAt * 1000 <= nowMs;

export function decide(record: PaymentRecord, request: RequestIdentity, nowMs: number): Decision {
  const same = (a: Attempt) => a.requestHash === request.requestHash;
  if (record.paidAttempt !== undefined) {
    const paid = record.attempts[record.paidAttempt]!;
    return same(paid) && paid.id === record.currentAttempt
      ? { do: 'replay', attempt: paid }
      : { do: 'already_paid', attempt: paid };
  }
  const current = record.attempts[record.currentAttempt]!;
  switch (current.phase) {
    case 'creating':
      return !current.outcomeUnknown && (current.leaseUntil ?? 0) > nowMs
        ? { do: 'wait' }
        : { do: 'recover', attempt: current };
    case 'refused':
      return same(current) && current.declineError !== undefined
        ? { do: 'replay_declined', attempt: current }
        : { do: 'new_attempt' };
    case 'not_created':
      return same(current) ? { do: 'call_again', attempt: current } : { do: 'new_attempt' };
    // Stryker disable next-line ConditionalExpression: the recorded case only breaks out of the switch; emptied, it falls out all the same
    case 'recorded':
      break;
  }
  const status = current.status!;
  // A card charge ends paid or declined at once; "created" is only what an early event said.
  if (current.kind === 'charge' && status === PaymentStatus.created)
    return { do: 'refresh', attempt: current };
  if (isClosedUnpaid(status)) return { do: 'new_attempt' };
  if (linkExpired(current, nowMs)) return { do: 'new_attempt', cancelFirst: current };
  if (status === PaymentStatus.declined) {
    if (current.kind === 'charge') {
      return same(current) ? { do: 'replay_declined', attempt: current } : { do: 'new_attempt' };
    }
    return same(current) ? { do: 'replay', attempt: current } : { do: 'new_attempt', cancelFirst: current };
  }
  if (isPayable(status)) {
    if (same(current)) return { do: 'replay', attempt: current };
    return request.replace
      ? { do: 'new_attempt', cancelFirst: current }
      : { do: 'conflict', attempt: current };
  }
  // A money status without paidAttempt cannot be stored (derive sets it); answer as paid anyway.
  return { do: 'already_paid', attempt: current };
}
