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
  /** SHA-256 (hex) of the key: keys are found by it, so the key text is never held. */
  keyHash: string;
  /** The key's first 6 characters (answered as `prefix`). */
  prefix: string;
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
  idempotency: Map<string, StoredAnswer | Promise<StoredAnswer>>;
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

export interface StoredOrder {
  accountId: string;
  order: Order;
}

/** Everything the store holds, to save it or start from it (persistence.ts). */
export interface StoreContents {
  /** Each with its keys. */
  companies: Company[];
  accounts: Account[];
  orders: StoredOrder[];
  /** Checkout slug -> order id. */
  slugs: [string, string][];
  events: StoredEvent[];
}

export interface StoreOptions {
  /** Start from these instead of empty. */
  contents?: StoreContents | undefined;
  /** Told of every change, so a state file can be written. */
  onChange?: (() => void) | undefined;
}

export interface NewKey {
  key: string;
  /** An existing (or, if unseen, implicitly created) key whose company gets this key too. */
  sameCompanyAs?: string | undefined;
  livemode?: boolean | undefined;
}

export class SandboxStore {
  /** By key hash. */
  private readonly keys = new Map<string, ApiKeyRecord>();
  private readonly companies = new Map<string, Company>();
  private readonly accounts = new Map<string, Account>();
  private readonly orders = new Map<string, StoredOrder>();
  private readonly slugs = new Map<string, string>();
  private readonly events = new Map<string, StoredEvent>();
  private readonly onChange: () => void;

  constructor(
    private readonly defaultKey: KeyPair,
    { contents, onChange }: StoreOptions = {},
  ) {
    this.onChange = onChange ?? (() => {});
    if (contents) this.load(contents);
  }

  /** The store's objects themselves (not copies): read them, do not change them. */
  contents(): StoreContents {
    return {
      companies: [...this.companies.values()],
      accounts: [...this.accounts.values()],
      orders: [...this.orders.values()],
      slugs: [...this.slugs],
      events: [...this.events.values()],
    };
  }

  /** For changes made in place to a stored object (an event's delivery summaries). */
  changed(): void {
    this.onChange();
  }

  keyRecord(key: string): ApiKeyRecord | undefined {
    return this.keys.get(hashKey(key));
  }

  /** The record of a key, registering an unseen one as a new company's test key. */
  resolveKey(key: string, now: number): ApiKeyRecord {
    return this.keyRecord(key) ?? this.register(key, this.newCompany(now), false, now);
  }

  /** POST /_sandbox/keys: a second or rotated key of a company, or a live-mode key. */
  addKey({ key, sameCompanyAs, livemode = false }: NewKey, now: number): ApiKeyRecord {
    if (this.keyRecord(key)) throw new SandboxControlError(409, `Key ${fingerprint(key)} is already known`);
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
      this.changed();
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
      this.changed();
    }
    return account;
  }

  /** A card token is single use per account, whatever the charge's outcome. */
  useToken(account: Account, tokenId: string): void {
    account.usedTokens.add(tokenId);
    this.changed();
  }

  addWebhook(account: Account, hook: WebhookRecord): void {
    account.webhooks.push(hook);
    this.changed();
  }

  addWebhookKey(account: Account, key: WebhookKeyRecord): void {
    account.webhookKeys.push(key);
    this.changed();
  }

  /** The first answer to an Idempotency-Key, while its request is still being processed. */
  awaitAnswer(account: Account, idempotencyKey: string, answer: Promise<StoredAnswer>): void {
    account.idempotency.set(idempotencyKey, answer);
  }

  /** The first answer to an Idempotency-Key, once sent: from now on it is part of the state. */
  settleAnswer(account: Account, idempotencyKey: string, answer: StoredAnswer): void {
    account.idempotency.set(idempotencyKey, answer);
    this.changed();
  }

  addOrder(account: Account, order: Order): void {
    account.orderIds.push(order.id);
    this.orders.set(order.id, { accountId: account.id, order });
    if (order.checkout?.slug) this.slugs.set(order.checkout.slug, order.id);
    this.changed();
  }

  saveOrder(order: Order): void {
    const stored = this.orders.get(order.id);
    if (!stored) throw new Error(`saveOrder: unknown order ${order.id}`);
    stored.order = order;
    this.changed();
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
    this.changed();
  }

  event(account: Account, id: string): StoredEvent | undefined {
    const stored = this.events.get(id);
    return stored?.accountId === account.id ? stored : undefined;
  }

  eventAnywhere(id: string): StoredEvent | undefined {
    return this.events.get(id);
  }

  /** Every account's events, oldest first. */
  allEvents(): StoredEvent[] {
    return [...this.events.values()];
  }

  /** Newest first. */
  eventsOf(account: Account): StoredEvent[] {
    return account.eventIds
      .map((id) => this.events.get(id))
      .filter((stored): stored is StoredEvent => stored !== undefined)
      .reverse();
  }

  private load({ companies, accounts, orders, slugs, events }: StoreContents): void {
    for (const company of companies) {
      this.companies.set(company.id, company);
      for (const record of company.keys) this.keys.set(record.keyHash, record);
    }
    for (const account of accounts) this.accounts.set(account.id, account);
    for (const stored of orders) this.orders.set(stored.order.id, stored);
    for (const [slug, orderId] of slugs) this.slugs.set(slug, orderId);
    for (const stored of events) this.events.set(stored.event.id, stored);
  }

  private newCompany(now: number): Company {
    const id = newId.mongo();
    const company: Company = { id, name: `Sandbox company ${id.slice(-6)}`, createdAt: now, keys: [] };
    this.companies.set(id, company);
    this.changed();
    return company;
  }

  private register(key: string, company: Company, livemode: boolean, now: number): ApiKeyRecord {
    const record: ApiKeyRecord = {
      keyHash: hashKey(key),
      prefix: key.slice(0, 6),
      id: newId.mongo(),
      companyId: company.id,
      livemode,
      createdAt: now,
      active: true,
    };
    company.keys.push(record);
    this.keys.set(record.keyHash, record);
    this.changed();
    return record;
  }
}

/** The newest active key signs; with none active, events go out unsigned. */
export const signingKey = (account: Account): WebhookKeyRecord | undefined =>
  account.webhookKeys.findLast((key) => key.active);

/** How the store knows a key: SHA-256, hex (what a state file holds instead of the key). */
export const hashKey = (key: string): string => createHash('sha256').update(key).digest('hex');

/** A short, stable name for a key, from its hash: what logs and messages show. */
export const hashFingerprint = (keyHash: string): string => `sha256:${keyHash.slice(0, 12)}`;

/** A short, stable name for a secret key in logs and messages: never the key itself. */
export const fingerprint = (key: string): string => hashFingerprint(hashKey(key));
