// Accounts and their objects, in memory. Every well-formed private key is its own account, so
// tests isolate themselves by using different keys.
import type { KeyObject } from 'node:crypto';
import { newId } from './ids.js';
import type { Order } from './orders.js';

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

export interface Account {
  key: string;
  usedTokens: Set<string>;
  /** Newest last. */
  orderIds: string[];
  webhooks: WebhookRecord[];
  /** Newest last; starts with the sandbox's default key. */
  webhookKeys: WebhookKeyRecord[];
}

interface StoredOrder {
  accountKey: string;
  order: Order;
}

export class SandboxStore {
  private readonly accounts = new Map<string, Account>();
  private readonly orders = new Map<string, StoredOrder>();
  private readonly slugs = new Map<string, string>();

  constructor(private readonly defaultKey: KeyPair) {}

  account(key: string, now: number): Account {
    let account = this.accounts.get(key);
    if (!account) {
      account = {
        key,
        usedTokens: new Set(),
        orderIds: [],
        webhooks: [],
        webhookKeys: [{ ...this.defaultKey, id: newId.mongo(), createdAt: now, active: true }],
      };
      this.accounts.set(key, account);
    }
    return account;
  }

  accountOf(key: string): Account | undefined {
    return this.accounts.get(key);
  }

  addOrder(account: Account, order: Order): void {
    account.orderIds.push(order.id);
    this.orders.set(order.id, { accountKey: account.key, order });
    if (order.checkout?.slug) this.slugs.set(order.checkout.slug, order.id);
  }

  saveOrder(order: Order): void {
    const stored = this.orders.get(order.id);
    if (!stored) throw new Error(`saveOrder: unknown order ${order.id}`);
    stored.order = order;
  }

  /** Only the owning account sees an order; to any other key it does not exist. */
  order(account: Account, id: string): Order | undefined {
    const stored = this.orders.get(id);
    return stored?.accountKey === account.key ? stored.order : undefined;
  }

  /** For sandbox controls, which act like the buyer and need no key. */
  orderAnywhere(id: string): { account: Account; order: Order } | undefined {
    const stored = this.orders.get(id);
    const account = stored && this.accounts.get(stored.accountKey);
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
}

/** The newest active key signs; with none active, events go out unsigned. */
export const signingKey = (account: Account): WebhookKeyRecord | undefined =>
  account.webhookKeys.findLast((key) => key.active);
