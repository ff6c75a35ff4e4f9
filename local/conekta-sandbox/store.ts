// Companies, their API keys and their objects, in memory. As at Conekta, a company has test-mode
// and live-mode keys, and each mode is its own space of orders, webhooks, webhook keys and events
// (an order's livemode is its key's mode). By default every well-formed key nobody registered is
// a new company's test key, so tests isolate themselves by using different keys.
import { createHash, type KeyObject } from 'node:crypto';
import { SandboxControlError } from './errors.js';
import { newId } from './ids.js';
import type { Order } from './orders.js';
import type { WebhookEvent } from './webhooks.js';

export interface KeyPair {
  privateKey: KeyObject;
  publicKeyPem: string;
}

export interface WebhookKeyRecord extends KeyPair {
  id: string;
  createdAt: number;
  active: boolean;
}

export interface WebhookRecord {
  id: string;
  url: string;
  /** Empty means every event (the spec leaves the default open). */
  subscribedEvents: string[];
  createdAt: number;
}

export interface ApiKeyRecord {
  /** The secret itself: only ever compared, never answered. */
  key: string;
  id: string;
  companyId: string;
  livemode: boolean;
  createdAt: number;
  active: boolean;
  deactivatedAt?: number;
}

export interface Company {
  id: string;
  name: string;
  createdAt: number;
  /** Oldest first. */
  keys: ApiKeyRecord[];
}

/** An API answer as sent (status and body), kept for Idempotency-Key replays. */
export interface StoredAnswer {
  status: number;
  body: unknown;
}

/** One company's objects in one mode. */
export interface Account {
  id: string;
  company: Company;
  livemode: boolean;
  usedTokens: Set<string>;
  /** Newest last. */
  orderIds: string[];
  webhooks: WebhookRecord[];
  /** Newest last; starts with the sandbox's default key. */
  webhookKeys: WebhookKeyRecord[];
  /** Newest last. */
  eventIds: string[];
  /** Idempotency-Key -> the first answer (a promise while that request is still being processed). */
  idempotency: Map<string, Promise<StoredAnswer>>;
}

/** Delivery state of one event to one URL (an event's `webhook_logs` entry). */
export interface DeliverySummary {
  id: string;
  url: string;
  failedAttempts: number;
  lastAttemptedAt?: number;
  lastStatus?: number;
  delivered: boolean;
  /** A retry is scheduled or the delivery is queued. */
  pending: boolean;
}

export interface StoredEvent {
  accountId: string;
  event: WebhookEvent;
  /** The exact bytes sent (and re-sent) and their digest header. */
  body: Buffer;
  digest?: string | undefined;
  deliveries: Map<string, DeliverySummary>;
}

interface StoredOrder {
  accountId: string;
  order: Order;
}

export interface NewKey {
  key: string;
  /** An existing (or, if unseen, implicitly created) key whose company gets this key too. */
  sameCompanyAs?: string | undefined;
  livemode?: boolean | undefined;
}

export class SandboxStore {
  private readonly keys = new Map<string, ApiKeyRecord>();
  private readonly companies = new Map<string, Company>();
  private readonly accounts = new Map<string, Account>();
  private readonly orders = new Map<string, StoredOrder>();
  private readonly slugs = new Map<string, string>();
  private readonly events = new Map<string, StoredEvent>();

  constructor(private readonly defaultKey: KeyPair) {}

  keyRecord(key: string): ApiKeyRecord | undefined {
    return this.keys.get(key);
  }

  /** The record of a key, registering an unseen one as a new company's test key. */
  resolveKey(key: string, now: number): ApiKeyRecord {
    return this.keys.get(key) ?? this.register(key, this.newCompany(now), false, now);
  }

  /** POST /_sandbox/keys: a second or rotated key of a company, or a live-mode key. */
  addKey({ key, sameCompanyAs, livemode = false }: NewKey, now: number): ApiKeyRecord {
    if (this.keys.has(key)) throw new SandboxControlError(409, `Key ${fingerprint(key)} is already known`);
    const company = sameCompanyAs
      ? this.companyOf(this.resolveKey(sameCompanyAs, now))
      : this.newCompany(now);
    return this.register(key, company, livemode, now);
  }

  /** DELETE /_sandbox/keys/{key}: the key answers 401 from now on (an unseen key is revoked too). */
  revokeKey(key: string, now: number): ApiKeyRecord {
    const record = this.resolveKey(key, now);
    if (record.active) {
      record.active = false;
      record.deactivatedAt = now;
    }
    return record;
  }

  companyOf(record: ApiKeyRecord): Company {
    const company = this.companies.get(record.companyId);
    if (!company) throw new Error(`store: key without company ${record.companyId}`);
    return company;
  }

  /** The space of objects a key works in: its company's, in its mode. */
  accountOf(record: ApiKeyRecord, now: number): Account {
    const company = this.companyOf(record);
    const id = `${company.id}:${record.livemode ? 'live' : 'test'}`;
    let account = this.accounts.get(id);
    if (!account) {
      account = {
        id,
        company,
        livemode: record.livemode,
        usedTokens: new Set(),
        orderIds: [],
        webhooks: [],
        webhookKeys: [{ ...this.defaultKey, id: newId.mongo(), createdAt: now, active: true }],
        eventIds: [],
        idempotency: new Map(),
      };
      this.accounts.set(id, account);
    }
    return account;
  }

  addOrder(account: Account, order: Order): void {
    account.orderIds.push(order.id);
    this.orders.set(order.id, { accountId: account.id, order });
    if (order.checkout?.slug) this.slugs.set(order.checkout.slug, order.id);
  }

  saveOrder(order: Order): void {
    const stored = this.orders.get(order.id);
    if (!stored) throw new Error(`saveOrder: unknown order ${order.id}`);
    stored.order = order;
  }

  /** Only the owning account sees an order; to any other key (or mode) it does not exist. */
  order(account: Account, id: string): Order | undefined {
    const stored = this.orders.get(id);
    return stored?.accountId === account.id ? stored.order : undefined;
  }

  /** For sandbox controls, which act like the buyer and need no key. */
  orderAnywhere(id: string): { account: Account; order: Order } | undefined {
    const stored = this.orders.get(id);
    const account = stored && this.accounts.get(stored.accountId);
    return stored && account ? { account, order: stored.order } : undefined;
  }

  orderIdBySlug(slug: string): string | undefined {
    return this.slugs.get(slug);
  }

  /** Newest first, like Conekta's lists. */
  ordersOf(account: Account): Order[] {
    return account.orderIds
      .map((id) => this.orders.get(id)?.order)
      .filter((order): order is Order => order !== undefined)
      .reverse();
  }

  addEvent(account: Account, stored: StoredEvent): void {
    account.eventIds.push(stored.event.id);
    this.events.set(stored.event.id, stored);
  }

  event(account: Account, id: string): StoredEvent | undefined {
    const stored = this.events.get(id);
    return stored?.accountId === account.id ? stored : undefined;
  }

  eventAnywhere(id: string): StoredEvent | undefined {
    return this.events.get(id);
  }

  /** Newest first. */
  eventsOf(account: Account): StoredEvent[] {
    return account.eventIds
      .map((id) => this.events.get(id))
      .filter((stored): stored is StoredEvent => stored !== undefined)
      .reverse();
  }

  private newCompany(now: number): Company {
    const id = newId.mongo();
    const company: Company = { id, name: `Sandbox company ${id.slice(-6)}`, createdAt: now, keys: [] };
    this.companies.set(id, company);
    return company;
  }

  private register(key: string, company: Company, livemode: boolean, now: number): ApiKeyRecord {
    const record: ApiKeyRecord = {
      key,
      id: newId.mongo(),
      companyId: company.id,
      livemode,
      createdAt: now,
      active: true,
    };
    company.keys.push(record);
    this.keys.set(key, record);
    return record;
  }
}

/** The newest active key signs; with none active, events go out unsigned. */
export const signingKey = (account: Account): WebhookKeyRecord | undefined =>
  account.webhookKeys.findLast((key) => key.active);

/** A short, stable name for a secret key in logs and messages: never the key itself. */
export const fingerprint = (key: string): string =>
  `sha256:${createHash('sha256').update(key).digest('hex').slice(0, 12)}`;
