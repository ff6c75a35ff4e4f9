/**
 * The outbox port: one entry per (payment, status), written in the same transaction as the status
 * change (lib/store/reconcile.ts), delivered and tracked here. lib/store/notifications.ts is the
 * DynamoDB adapter.
 */
import type { DeliveryFailure } from './delivery.js';

export const NotificationState = { pending: 'pending', delivered: 'delivered', dead: 'dead' } as const;
export type NotificationState = (typeof NotificationState)[keyof typeof NotificationState];

/** One attempt, as kept on the entry for the operator. */
export type AttemptRecord = {
  attempt: number;
  at: string;
  ms: number;
  result: 'delivered' | DeliveryFailure;
  status?: number;
  detail?: string;
};

export type OutboxEntry = {
  id: string;
  url: string;
  /** The JSON body, byte for byte what is signed and sent. */
  payload: string;
  state: NotificationState;
  /** Attempts claimed so far (in this round: a redrive starts a new one). */
  attempts: number;
  /** Epoch ms: when a pending entry is due, or when a dead one died. */
  queuedAt?: number;
  createdAt: string;
  paymentPk?: string;
  livemode: boolean;
  lastAttemptAt?: string;
  lastResult?: string;
  deliveredAt?: string;
  deadAt?: string;
  redrives: number;
  log: AttemptRecord[];
};

export type Claim = {
  id: string;
  /** The attempt count the claimer saw: two claimers of the same attempt cannot both win. */
  expectedAttempts: number;
  claimId: string;
  now: number;
  /** Until then no one else claims it; after it (a crashed attempt) the entry is due again. */
  leaseUntil: number;
  /** The sweeper claims only due entries; the immediate first attempt does not wait. */
  onlyIfDue: boolean;
};

export type AttemptOutcome = { next: 'delivered' } | { next: 'retry'; dueAt: number } | { next: 'dead' };

export type Page = { entries: OutboxEntry[]; cursor?: string };

/** Records an attempt on an entry already claimed: all the request handlers carry. */
export interface NotificationRecorder {
  /** Records the attempt made under `claimId`; false when that claim was lost (lease expired and re-claimed). */
  record(
    id: string,
    claimId: string,
    attempt: AttemptRecord,
    outcome: AttemptOutcome,
    now: number,
  ): Promise<boolean>;
}

/** What delivering one unclaimed entry needs. */
export interface NotificationDelivery extends NotificationRecorder {
  /** Takes the next attempt: attempts + 1 and a lease. The claimed entry, or undefined if someone else has it. */
  claim(claim: Claim): Promise<OutboxEntry | undefined>;
  get(id: string): Promise<OutboxEntry | undefined>;
}

/** The whole outbox: delivery plus what the sweeper and the operator CLI use. */
export interface NotificationOutbox extends NotificationDelivery {
  /** Pending entries due at `now`, oldest first, a page at a time. May include entries claimed a moment ago. */
  due(now: number, options?: { limit?: number; cursor?: string }): Promise<Page>;
  listDead(options?: { limit?: number; cursor?: string }): Promise<Page>;
  /** A dead entry becomes pending and due now with a fresh schedule; false if it was not dead. */
  redrive(id: string, now: number): Promise<boolean>;
}
