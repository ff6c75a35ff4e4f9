/** An in-memory PaymentStore for unit tests; it passes the same contract suite as the DynamoDB store. */
import type {
  ClaimResult,
  CompletedOrder,
  NewClaim,
  PaymentRecord,
  PaymentStore,
} from '../../lib/payments/ports.js';

export type MemoryStore = PaymentStore & { records: Map<string, PaymentRecord>; roundTrips: number };

export function createMemoryStore(): MemoryStore {
  const records = new Map<string, PaymentRecord>();
  const key = (merchant: string, referenceId: string) => `${merchant}\n${referenceId}`;
  const copy = (r: PaymentRecord | undefined) => (r ? structuredClone(r) : undefined);
  const store: MemoryStore = {
    records,
    roundTrips: 0,
    async claim(claim: NewClaim): Promise<ClaimResult> {
      store.roundTrips += 1;
      const k = key(claim.merchant, claim.referenceId);
      const existing = records.get(k);
      if (existing) return { claimed: false, existing: copy(existing)! };
      const { createdAt, ...rest } = claim;
      records.set(k, { ...rest, status: 'creating', history: [], createdAt, updatedAt: createdAt });
      return { claimed: true };
    },
    async get(merchant, referenceId) {
      store.roundTrips += 1;
      return copy(records.get(key(merchant, referenceId)));
    },
    async takeOver(merchant, referenceId, expected, next) {
      store.roundTrips += 1;
      const r = records.get(key(merchant, referenceId));
      if (r?.status !== 'creating' || r.claimToken !== expected.claimToken) return false;
      Object.assign(r, { claimToken: next.claimToken, leaseUntil: next.leaseUntil, outcomeUnknown: false });
      return true;
    },
    async complete(merchant, referenceId, claimToken, order: CompletedOrder) {
      store.roundTrips += 1;
      const r = records.get(key(merchant, referenceId));
      if (!r || r.claimToken !== claimToken) return false;
      const { status, at, ...fields } = order;
      Object.assign(r, fields, { status, updatedAt: at });
      r.history.push({ status, previous: null, at, source: 'create' });
      delete r.claimToken;
      delete r.leaseUntil;
      delete r.outcomeUnknown;
      return true;
    },
    async release(merchant, referenceId, claimToken) {
      store.roundTrips += 1;
      const k = key(merchant, referenceId);
      const r = records.get(k);
      if (r && r.status === 'creating' && r.claimToken === claimToken) records.delete(k);
    },
    async markOutcomeUnknown(merchant, referenceId, claimToken) {
      store.roundTrips += 1;
      const r = records.get(key(merchant, referenceId));
      if (r && r.claimToken === claimToken) Object.assign(r, { outcomeUnknown: true, leaseUntil: 0 });
    },
  };
  return store;
}
