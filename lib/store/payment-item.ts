/**
 * A payment record as one DynamoDB item, both ways. The same codec reads GetItem answers,
 * conditional-failure items and the table stream's images (lib/notify), so they never disagree.
 * Top-level "mirror" attributes (status, order_id, amounts…) repeat what the attempt money follows
 * says, for the list index to project. The attempt a webhook can move in one write (see
 * advanceableAttempt) keeps its moving fields at the top level only, so that write names each
 * field once and checks three conditions.
 */
import { createHash } from 'node:crypto';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import {
  type Attempt,
  type AttemptPhase,
  type CardSummary,
  type PaymentKind,
  type PaymentRecord,
  type RefundEntry,
  type RefundState,
  relevantAttempt,
  type StatusChange,
} from '../payments/model.js';
import type { PaymentSummary } from '../payments/ports.js';
import { isPaymentStatus, type PaymentStatus, STATUS_RANK } from '../payments/status.js';
import {
  bool,
  compact,
  defined,
  deflatedText,
  type Item,
  num,
  optional,
  readBool,
  readDeflatedText,
  readNum,
  readStr,
  readStrMap,
  readStrOrNull,
  str,
  strMap,
  strOrNull,
} from './item.js';

export const PAYMENT_SK = 'P';
/** Shards of a merchant in the by-merchant index: one busy merchant spreads over this many partitions. */
export const LIST_SHARDS = 8;
export const LIST_INDEX = 'by-merchant';

export const paymentPk = (merchant: string, referenceId: string) => `PAY#${merchant}#${referenceId}`;

export function paymentKey(merchant: string, referenceId: string): Item {
  return { pk: str(paymentPk(merchant, referenceId)), sk: str(PAYMENT_SK) };
}

export function listShard(referenceId: string): number {
  return createHash('sha256').update(referenceId).digest()[0]! % LIST_SHARDS;
}

export const listPartition = (merchant: string, shard: number) => `${merchant}#${shard}`;

export const cardItem = (card: CardSummary): AttributeValue => ({
  M: compact({ brand: optional(card.brand, str), last4: optional(card.last4, str) }),
});

/** The attempt fields a webhook moves: for the advanceable attempt, stored at the payment level. */
function movingFields(a: Attempt): Item {
  return compact({
    status: optional(a.status, str),
    provider_status: a.providerStatus === undefined ? undefined : strOrNull(a.providerStatus),
    provider_updated_at: optional(a.providerUpdatedAt, num),
    checkout_url: optional(a.checkoutUrl, str),
    paid_at: optional(a.paidAt, num),
    payment_method: optional(a.paymentMethod, str),
    card: optional(a.card, cardItem),
    amount_refunded_cents: optional(a.amountRefundedCents, num),
  });
}

function attemptItem(a: Attempt, moving: boolean): AttributeValue {
  return {
    M: compact({
      id: str(a.id),
      n: num(a.n),
      kind: str(a.kind),
      request_hash: str(a.requestHash),
      amount_cents: num(a.amountCents),
      currency: str(a.currency),
      claimed_at: num(a.claimedAt),
      last_call_at: num(a.lastCallAt),
      phase: str(a.phase),
      claim_token: optional(a.claimToken, str),
      lease_until: optional(a.leaseUntil, num),
      outcome_unknown: optional(a.outcomeUnknown, bool),
      link_expires_at: optional(a.expiresAt, num),
      order_id: optional(a.orderId, str),
      decline_error: optional(a.declineError, str),
      late: optional(a.late, bool),
      ...(moving && movingFields(a)),
    }),
  };
}

/**
 * The attempt a webhook may move with one conditional write and no read: the current one, with
 * its order recorded, when no other attempt was paid and the payment's status is its status.
 */
export function advanceableAttempt(record: PaymentRecord): Attempt | undefined {
  const a = record.attempts[record.currentAttempt];
  if (a?.phase !== 'recorded' || a.orderId === undefined) return undefined;
  if (record.paidAttempt !== undefined && record.paidAttempt !== a.id) return undefined;
  // The payment always has a status: an attempt without one never equals it.
  return record.status === a.status ? a : undefined;
}

/** What the one write checks instead of the attempt, its order, amount and currency one by one. */
export const advanceKey = (a: {
  attemptId: string;
  orderId: string;
  amountCents: number;
  currency: string;
}) => JSON.stringify([a.attemptId, a.orderId, a.amountCents, a.currency]);

const TIME_DIGITS = 16; // Number.MAX_SAFE_INTEGER has 16 digits
const NO_TIME = '9'.repeat(TIME_DIGITS);

/**
 * Rank, then the provider's update time, as one string that sorts like the pair, so "supersedes"
 * (lib/payments/status.ts) is one comparison. A stored attempt without a time sorts last in its
 * rank: the one write then leaves a same-rank event to the general rules. Undefined for a time
 * that cannot be written in 16 digits.
 */
export function advancePosition(
  status: PaymentStatus,
  providerUpdatedAt: number | undefined,
): string | undefined {
  if (providerUpdatedAt === undefined) return `${STATUS_RANK[status]}:${NO_TIME}`;
  if (!Number.isSafeInteger(providerUpdatedAt) || providerUpdatedAt < 0) return undefined;
  return `${STATUS_RANK[status]}:${String(providerUpdatedAt).padStart(TIME_DIGITS, '0')}`;
}

function advanceFields(a: Attempt): Item {
  const position = advancePosition(a.status!, a.providerUpdatedAt);
  return compact({
    advance_key: str(
      advanceKey({ attemptId: a.id, orderId: a.orderId!, amountCents: a.amountCents, currency: a.currency }),
    ),
    advance_position: optional(position, str),
    ...movingFields(a),
  });
}

function refundItem(r: RefundEntry): AttributeValue {
  return {
    M: compact({
      key: str(r.key),
      attempt_id: str(r.attemptId),
      order_id: str(r.orderId),
      amount_cents: num(r.amountCents),
      reason: str(r.reason),
      state: str(r.state),
      started_at: num(r.startedAt),
      lock_until: num(r.lockUntil),
      provider_refund_id: optional(r.providerRefundId, str),
    }),
  };
}

export function statusChangeItem(c: StatusChange): AttributeValue {
  return {
    M: compact({
      status: str(c.status),
      at: str(c.at),
      source: str(c.source),
      order_id: optional(c.orderId, str),
    }),
  };
}

/** The payment-level attributes that repeat the attempt money follows. */
export function mirrorsOf(record: PaymentRecord): Record<string, AttributeValue | undefined> {
  const a = relevantAttempt(record);
  const orderIds = Object.values(record.attempts)
    .sort((x, y) => x.n - y.n)
    .flatMap((x) => (x.orderId ? [x.orderId] : []));
  return {
    status: str(record.status),
    order_id: optional(a?.orderId, str),
    order_ids: { L: orderIds.map(str) },
    amount_cents: num(a?.amountCents ?? 0),
    currency: str(a?.currency ?? ''),
    amount_refunded_cents: optional(a?.amountRefundedCents, num),
    paid_at: optional(a?.paidAt, num),
    payment_method: optional(a?.paymentMethod, str),
    card: optional(a?.card, cardItem),
    late: optional(a?.late, bool),
  };
}

export function toItem(record: PaymentRecord, changedAt: number): Item {
  const advanceable = advanceableAttempt(record);
  return compact({
    ...paymentKey(record.merchant, record.referenceId),
    lst: str(listPartition(record.merchant, listShard(record.referenceId))),
    changed_at: num(changedAt),
    merchant: str(record.merchant),
    reference_id: str(record.referenceId),
    provider: str(record.provider),
    livemode: bool(record.livemode),
    current_attempt: str(record.currentAttempt),
    paid_attempt: optional(record.paidAttempt, str),
    paid_twice: optional(record.paidTwice, bool),
    notification_url: optional(record.notificationUrl, str),
    metadata: optional(record.metadata, strMap),
    replay_order: optional(record.replayOrder, deflatedText),
    attempts: {
      M: Object.fromEntries(
        Object.values(record.attempts).map((a) => [a.id, attemptItem(a, a !== advanceable)]),
      ),
    },
    refunds: { M: Object.fromEntries(Object.values(record.refunds).map((r) => [r.key, refundItem(r)])) },
    history: { L: record.history.map(statusChangeItem) },
    version: num(record.version),
    created_at: str(record.createdAt),
    updated_at: str(record.updatedAt),
    ...mirrorsOf(record),
    ...(advanceable && advanceFields(advanceable)),
  });
}

const PHASES: readonly AttemptPhase[] = ['creating', 'recorded', 'refused', 'not_created'];
const REFUND_STATES: readonly RefundState[] = ['in_flight', 'unknown', 'done', 'not_made'];

const readCard = (item: Item): CardSummary | undefined => {
  const m = item.card?.M;
  return m ? defined<CardSummary>({ brand: readStr(m, 'brand'), last4: readStr(m, 'last4') }) : undefined;
};

/** `moving` is where the attempt's moving fields are: its own map, or the payment item. */
function readAttempt(m: Item, moving: Item): Attempt {
  const phase = readStr(m, 'phase') as AttemptPhase;
  const status = readStr(moving, 'status');
  return defined<Attempt>({
    id: readStr(m, 'id') ?? '',
    n: readNum(m, 'n') ?? 0,
    kind: (readStr(m, 'kind') === 'charge' ? 'charge' : 'link') as PaymentKind,
    requestHash: readStr(m, 'request_hash') ?? '',
    amountCents: readNum(m, 'amount_cents') ?? 0,
    currency: readStr(m, 'currency') ?? '',
    claimedAt: readNum(m, 'claimed_at') ?? 0,
    lastCallAt: readNum(m, 'last_call_at') ?? readNum(m, 'claimed_at') ?? 0,
    phase: PHASES.includes(phase) ? phase : 'creating',
    claimToken: readStr(m, 'claim_token'),
    leaseUntil: readNum(m, 'lease_until'),
    outcomeUnknown: readBool(m, 'outcome_unknown'),
    expiresAt: readNum(m, 'link_expires_at'),
    orderId: readStr(m, 'order_id'),
    checkoutUrl: readStr(moving, 'checkout_url'),
    status: isPaymentStatus(status) ? status : undefined,
    providerStatus: readStrOrNull(moving, 'provider_status'),
    providerUpdatedAt: readNum(moving, 'provider_updated_at'),
    paidAt: readNum(moving, 'paid_at'),
    paymentMethod: readStr(moving, 'payment_method'),
    card: readCard(moving),
    amountRefundedCents: readNum(moving, 'amount_refunded_cents'),
    declineError: readStr(m, 'decline_error'),
    late: readBool(m, 'late'),
  });
}

function readRefund(m: Item): RefundEntry {
  const state = readStr(m, 'state') as RefundState;
  return defined<RefundEntry>({
    key: readStr(m, 'key') ?? '',
    attemptId: readStr(m, 'attempt_id') ?? '',
    orderId: readStr(m, 'order_id') ?? '',
    amountCents: readNum(m, 'amount_cents') ?? 0,
    reason: readStr(m, 'reason') ?? '',
    // An entry Pagos cannot read is treated as possibly made: never refunded again blindly.
    state: REFUND_STATES.includes(state) ? state : 'unknown',
    startedAt: readNum(m, 'started_at') ?? 0,
    lockUntil: readNum(m, 'lock_until') ?? 0,
    providerRefundId: readStr(m, 'provider_refund_id'),
  });
}

function readChange(m: Item): StatusChange[] {
  const status = readStr(m, 'status');
  if (!isPaymentStatus(status)) return [];
  return [
    defined<StatusChange>({
      status,
      at: readStr(m, 'at') ?? '',
      source: readStr(m, 'source') ?? '',
      orderId: readStr(m, 'order_id'),
    }),
  ];
}

const mapValues = <T>(item: Item, key: string, read: (m: Item, key: string) => T): Record<string, T> =>
  Object.fromEntries(Object.entries(item[key]?.M ?? {}).map(([k, v]) => [k, read(v.M ?? {}, k)]));

export function fromItem(item: Item): PaymentRecord {
  const status = readStr(item, 'status');
  // Only the current attempt is ever stored advanceable (toItem).
  const advanceable = item.advance_key === undefined ? undefined : readStr(item, 'current_attempt');
  return defined<PaymentRecord>({
    merchant: readStr(item, 'merchant') ?? '',
    referenceId: readStr(item, 'reference_id') ?? '',
    provider: readStr(item, 'provider') ?? '',
    livemode: readBool(item, 'livemode') ?? false,
    status: isPaymentStatus(status) ? status : 'creating',
    currentAttempt: readStr(item, 'current_attempt') ?? '',
    paidAttempt: readStr(item, 'paid_attempt'),
    paidTwice: readBool(item, 'paid_twice'),
    attempts: mapValues(item, 'attempts', (m, id) => readAttempt(m, id === advanceable ? item : m)),
    notificationUrl: readStr(item, 'notification_url'),
    metadata: readStrMap(item, 'metadata'),
    replayOrder: readDeflatedText(item, 'replay_order'),
    refunds: mapValues(item, 'refunds', readRefund),
    history: (item.history?.L ?? []).flatMap((e) => readChange(e.M ?? {})),
    version: readNum(item, 'version') ?? 0,
    createdAt: readStr(item, 'created_at') ?? '',
    updatedAt: readStr(item, 'updated_at') ?? '',
  });
}

/** What `list` answers for an index item (only the projected attributes are there). */
export function summaryFromItem(item: Item): PaymentSummary {
  const status = readStr(item, 'status');
  return defined<PaymentSummary>({
    referenceId: readStr(item, 'reference_id') ?? '',
    status: isPaymentStatus(status) ? status : 'creating',
    orderId: readStr(item, 'order_id') ?? null,
    orderIds: (item.order_ids?.L ?? []).flatMap((v) => (v.S ? [v.S] : [])),
    amountCents: readNum(item, 'amount_cents') ?? 0,
    currency: readStr(item, 'currency') ?? '',
    amountRefundedCents: readNum(item, 'amount_refunded_cents') ?? 0,
    paidAt: readNum(item, 'paid_at') ?? null,
    livemode: readBool(item, 'livemode') ?? false,
    metadata: readStrMap(item, 'metadata'),
    paidTwice: readBool(item, 'paid_twice') ?? false,
    late: readBool(item, 'late') ?? false,
    createdAt: readStr(item, 'created_at') ?? '',
    updatedAt: readStr(item, 'updated_at') ?? '',
    changedAt: readNum(item, 'changed_at') ?? 0,
  });
}

/** Payment items only (the table also holds credential, merchant and rate items). */
export const isPaymentItem = (item: Item | undefined): item is Item =>
  item?.sk?.S === PAYMENT_SK && (item.pk?.S?.startsWith('PAY#') ?? false);
