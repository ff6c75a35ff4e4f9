/**
 * In-memory PaymentStore and MerchantStore for unit tests: they pass the same contract suites as
 * the DynamoDB stores (tests/support/store-contract.ts), the one-write advance included.
 */
import type { PaymentRecord } from '../../lib/payments/model.js';
import { relevantAttempt } from '../../lib/payments/model.js';
import {
  type AttemptAdvance,
  InvalidCursorError,
  type KnownCredential,
  type ListPage,
  type ListQuery,
  type MerchantStore,
  type PaymentStore,
  type PaymentSummary,
  type SigningSecret,
  type WriteResult,
} from '../../lib/payments/ports.js';
import { STATUS_RANK } from '../../lib/payments/status.js';
import { liveSecrets, newSigningSecret, rotatedSecrets } from '../../lib/store/merchants.js';

export type MemoryPaymentStore = PaymentStore & {
  records: Map<string, { record: PaymentRecord; changedAt: number }>;
  /** Calls made, as round trips to a real store would be counted. */
  roundTrips: number;
  /** Runs before every write lands: tests interleave a concurrent writer here. */
  beforeWrite?: () => Promise<void> | void;
};

const key = (merchant: string, referenceId: string) => `${merchant}\n${referenceId}`;
const copy = <T>(value: T): T => structuredClone(value);

export function summaryOf(record: PaymentRecord, changedAt: number): PaymentSummary {
  const a = relevantAttempt(record);
  return {
    referenceId: record.referenceId,
    status: record.status,
    orderId: a?.orderId ?? null,
    orderIds: Object.values(record.attempts)
      .sort((x, y) => x.n - y.n)
      .flatMap((x) => (x.orderId ? [x.orderId] : [])),
    amountCents: a?.amountCents ?? 0,
    currency: a?.currency ?? '',
    amountRefundedCents: a?.amountRefundedCents ?? 0,
    paidAt: a?.paidAt ?? null,
    livemode: record.livemode,
    ...(record.metadata && { metadata: record.metadata }),
    paidTwice: record.paidTwice ?? false,
    late: a?.late ?? false,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
    changedAt,
  };
}

/** Whether the one-write advance applies: the same condition DynamoDB evaluates (lib/store/payments.ts). */
export function advanceApplies(record: PaymentRecord, adv: AttemptAdvance): boolean {
  const a = record.attempts[adv.attemptId];
  const to = adv.attempt.status;
  const comparable = (t: number) => Number.isSafeInteger(t) && t >= 0;
  if (!a || a.status === undefined || !comparable(adv.attempt.providerUpdatedAt)) return false;
  if (a.providerUpdatedAt !== undefined && !comparable(a.providerUpdatedAt)) return false;
  const from = STATUS_RANK[a.status];
  return (
    record.currentAttempt === adv.attemptId &&
    (record.paidAttempt === undefined || record.paidAttempt === adv.attemptId) &&
    record.status === a.status &&
    a.phase === 'recorded' &&
    a.orderId === adv.orderId &&
    a.amountCents === adv.amountCents &&
    a.currency === adv.currency &&
    adv.expected.includes(a.status) &&
    (from < STATUS_RANK[to] ||
      // A stored attempt without a time moves only to a higher rank.
      (from === STATUS_RANK[to] &&
        a.providerUpdatedAt !== undefined &&
        a.providerUpdatedAt < adv.attempt.providerUpdatedAt))
  );
}

/** The record after the one-write advance, as DynamoDB's update expression leaves it. */
export function advanced(record: PaymentRecord, adv: AttemptAdvance): PaymentRecord {
  const a = record.attempts[adv.attemptId]!;
  const { paidAt, ...fields } = adv.attempt;
  const attempt = { ...a, ...fields, ...(paidAt !== undefined && { paidAt: a.paidAt ?? paidAt }) };
  return {
    ...record,
    attempts: { ...record.attempts, [a.id]: attempt },
    status: adv.attempt.status,
    ...(adv.setsPaidAttempt && { paidAttempt: a.id }),
    replayOrder: adv.replayOrder,
    history: [...record.history, adv.change],
    updatedAt: adv.updatedAt,
    version: record.version + 1,
  };
}

export function createMemoryStore(now: () => number = Date.now): MemoryPaymentStore {
  const records = new Map<string, { record: PaymentRecord; changedAt: number }>();
  const stored = (merchant: string, referenceId: string) => records.get(key(merchant, referenceId))?.record;
  const put = (record: PaymentRecord) =>
    records.set(key(record.merchant, record.referenceId), { record: copy(record), changedAt: now() });
  const failed = (merchant: string, referenceId: string): WriteResult => ({
    ok: false,
    current: copy(stored(merchant, referenceId)),
  });

  const store: MemoryPaymentStore = {
    records,
    roundTrips: 0,
    async get(merchant, referenceId) {
      store.roundTrips += 1;
      return copy(stored(merchant, referenceId));
    },
    async insert(record) {
      store.roundTrips += 1;
      await store.beforeWrite?.();
      if (stored(record.merchant, record.referenceId)) return failed(record.merchant, record.referenceId);
      put(record);
      return { ok: true };
    },
    async replace(record, expectedVersion) {
      store.roundTrips += 1;
      await store.beforeWrite?.();
      const current = stored(record.merchant, record.referenceId);
      if (current?.version !== expectedVersion) return failed(record.merchant, record.referenceId);
      put(record);
      return { ok: true };
    },
    async remove(record, expectedVersion) {
      store.roundTrips += 1;
      await store.beforeWrite?.();
      const current = stored(record.merchant, record.referenceId);
      if (current?.version !== expectedVersion) return failed(record.merchant, record.referenceId);
      records.delete(key(record.merchant, record.referenceId));
      return { ok: true };
    },
    async advanceAttempt(adv) {
      store.roundTrips += 1;
      await store.beforeWrite?.();
      const current = stored(adv.merchant, adv.referenceId);
      if (!current || !advanceApplies(current, adv)) return failed(adv.merchant, adv.referenceId);
      put(advanced(current, adv));
      return { ok: true };
    },
    async listChanged(merchant: string, query: ListQuery): Promise<ListPage> {
      store.roundTrips += 1;
      const offset =
        query.cursor === undefined ? 0 : Number(Buffer.from(query.cursor, 'base64url').toString());
      if (!Number.isInteger(offset) || offset < 0) throw new InvalidCursorError('invalid cursor');
      const all = [...records.values()]
        .filter(({ record, changedAt }) => record.merchant === merchant && changedAt >= (query.since ?? 0))
        .filter(({ record }) => query.status === undefined || record.status === query.status)
        .sort((x, y) => y.changedAt - x.changedAt)
        .map(({ record, changedAt }) => summaryOf(record, changedAt));
      const payments = all.slice(offset, offset + query.limit);
      const next = offset + query.limit;
      return {
        payments,
        ...(next < all.length && { cursor: Buffer.from(String(next)).toString('base64url') }),
      };
    },
  };
  return store;
}

export type MemoryMerchantStore = MerchantStore & {
  credentials: Map<string, KnownCredential>;
  counters: Map<string, number>;
  secrets: Map<string, SigningSecret[]>;
  roundTrips: number;
};

export function createMemoryMerchantStore(now: () => number = Date.now): MemoryMerchantStore {
  const store: MemoryMerchantStore = {
    credentials: new Map(),
    counters: new Map(),
    secrets: new Map(),
    roundTrips: 0,
    async getCredential(fingerprint) {
      store.roundTrips += 1;
      return copy(store.credentials.get(fingerprint));
    },
    async putCredential(fingerprint, known) {
      store.roundTrips += 1;
      store.credentials.set(fingerprint, copy(known));
    },
    async takeRequest(bucket, window) {
      store.roundTrips += 1;
      const k = `${bucket}#${window.startMs}`;
      const n = store.counters.get(k) ?? 0;
      if (n >= window.limit) return false;
      store.counters.set(k, n + 1);
      return true;
    },
    async signingSecrets(merchant, at) {
      store.roundTrips += 1;
      const live = liveSecrets(store.secrets.get(merchant) ?? [], at);
      if (live.length > 0) return copy(live);
      const first = newSigningSecret(at);
      store.secrets.set(merchant, [first]);
      return [copy(first)];
    },
    async rotateSigningSecret(merchant, next, graceUntil) {
      store.roundTrips += 1;
      const current = store.secrets.get(merchant) ?? [];
      const secrets = rotatedSecrets({ current, next, graceUntil, now: now() });
      store.secrets.set(merchant, secrets);
      return copy(secrets);
    },
  };
  return store;
}
