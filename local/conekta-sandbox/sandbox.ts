// The running sandbox's state and the one place where order changes are saved and announced.
import type { Contract } from './contract.js';
import { SandboxControlError } from './errors.js';
import type { Faults } from './faults.js';
import { newId } from './ids.js';
import type { ResolvedOptions } from './options.js';
import {
  applyTransition,
  type Clock,
  type LateMethod,
  type Order,
  type OrderEvent,
  payLate,
  type Transition,
  type TransitionResult,
} from './orders.js';
import type { StateWriter } from './persistence.js';
import { RequestLog } from './request-log.js';
import {
  type Account,
  type DeliverySummary,
  type KeyPair,
  type SandboxStore,
  type StoredEvent,
  signingKey,
} from './store.js';
import type { DeliveryLogEntry, WebhookDispatcher } from './webhook-delivery.js';
import { buildEvent, signConektaDigest, type WebhookEvent } from './webhooks.js';

export interface StartupTimings {
  specSource: 'yaml' | 'cache';
  specLoadMs: number;
  contractMs: number;
  keyMs: number;
  /** Reading the state file (statePath only). */
  stateMs?: number;
  totalMs: number;
}

export class Sandbox {
  faults: Faults;
  /** Set once listening (port 0 means we learn it late). */
  url = '';
  publicUrl = '';
  timings?: StartupTimings;
  readonly requests = new RequestLog();

  constructor(
    readonly options: ResolvedOptions,
    readonly contract: Contract,
    readonly store: SandboxStore,
    readonly dispatcher: WebhookDispatcher,
    readonly defaultKey: KeyPair,
    readonly signal: AbortSignal,
    /** Present with statePath. */
    readonly stateWriter?: StateWriter,
  ) {
    this.faults = options.faults;
  }

  /** With a state file, writes what changed; called right before each answer goes out. */
  saveState(): void {
    this.stateWriter?.save();
  }

  /**
   * After a restart: deliveries still pending when the process stopped (a retry scheduled, or
   * queued) go out again now, with the retry schedule from its start. Returns how many.
   */
  resumeDeliveries(): number {
    let resumed = 0;
    for (const stored of this.store.allEvents()) {
      const urls = [...stored.deliveries.values()].filter((summary) => summary.pending).map((s) => s.url);
      if (urls.length === 0) continue;
      this.deliver(stored, urls);
      resumed += urls.length;
    }
    return resumed;
  }

  clock(): Clock {
    return { now: this.options.now() };
  }

  log(message: string): void {
    this.options.log(message);
  }

  /** A sandbox bug, not a client mistake: say it loudly. */
  contractViolation(what: string, problems: { param: string; message: string }[], body: unknown): void {
    const list = problems.map((p) => `  - ${p.param || '(root)'}: ${p.message}`).join('\n');
    this.log(
      `CONTRACT VIOLATION (sandbox bug): ${what} does not match the Conekta spec:\n${list}\nbody: ${JSON.stringify(body).slice(0, 2000)}`,
    );
  }

  /** Saves the change and sends its webhook event. `before` undefined means a new order. */
  commit(account: Account, before: Order | undefined, after: Order, type: OrderEvent): void {
    if (before) this.store.saveOrder(after);
    else this.store.addOrder(account, after);
    const event = buildEvent(type, after, before, this.clock().now);
    const urls = account.webhooks
      .filter((hook) => hook.subscribedEvents.length === 0 || hook.subscribedEvents.includes(type))
      .map((hook) => hook.url);
    this.publish(account, event, [...urls, ...this.options.defaultWebhookUrls]);
  }

  /**
   * Stores an event (GET /events shows it) and delivers it, signed in the configured form, to
   * `urls`. Deliveries always reference a stored event.
   */
  publish(account: Account, event: WebhookEvent, urls: string[]): StoredEvent {
    if (this.options.validateResponses) {
      const problems = [
        ...this.contract.checkSchema('event_response', event),
        ...('object' in event.data ? this.contract.checkSchema('order_response', event.data.object) : []),
      ];
      if (problems.length > 0) this.contractViolation(`webhook event ${event.type}`, problems, event);
    }
    const body = Buffer.from(JSON.stringify(event));
    const key = signingKey(account);
    const digest = key
      ? signConektaDigest(body, key.privateKey, {
          form: this.faults.webhook_signature_form,
          encoding: this.faults.webhook_signature_encoding,
        })
      : undefined;
    const stored: StoredEvent = { accountId: account.id, event, body, digest, deliveries: new Map() };
    this.store.addEvent(account, stored);
    this.deliver(stored, urls);
    return stored;
  }

  /** (Re)sends a stored event's exact bytes and digest to `urls`. */
  deliver(stored: StoredEvent, urls: string[]): void {
    for (const url of urls) {
      const summary = stored.deliveries.get(url) ?? newSummary(url);
      summary.pending = true;
      stored.deliveries.set(url, summary);
    }
    this.store.changed();
    const outgoing = {
      eventId: stored.event.id,
      type: stored.event.type,
      body: stored.body,
      urls,
      ...(stored.digest ? { digest: stored.digest } : {}),
    };
    // after the API answer that caused it, as Conekta sends events asynchronously
    setImmediate(() => this.dispatcher.dispatch(outgoing));
  }

  /** The dispatcher's attempt log feeds each event's `webhook_logs`. */
  recordDelivery(entry: DeliveryLogEntry): void {
    const summary = this.store.eventAnywhere(entry.event_id)?.deliveries.get(entry.url);
    if (!summary) return;
    this.store.changed();
    if (entry.outcome === 'suppressed') {
      summary.pending = false;
      return;
    }
    summary.lastAttemptedAt = Math.floor(entry.at / 1000);
    if (entry.status !== null) summary.lastStatus = entry.status;
    if (entry.outcome === 'delivered') summary.delivered = true;
    else summary.failedAttempts += 1;
    summary.pending = entry.will_retry;
  }

  /** Buyer actions (checkout page and /_sandbox/orders/{id}/{transition}); no API key involved. */
  transition(orderId: string, transition: Transition): Order {
    return this.buyerChange(orderId, (order, clock) => applyTransition(order, transition, clock));
  }

  /** A payment after expiry or cancellation (cash paid at the store hours later). */
  payLate(orderId: string, method: LateMethod): Order {
    return this.buyerChange(orderId, (order, clock) => payLate(order, method, clock));
  }

  private buyerChange(orderId: string, change: (order: Order, clock: Clock) => TransitionResult): Order {
    const found = this.store.orderAnywhere(orderId);
    if (!found) throw new SandboxControlError(404, `No order ${orderId}`);
    const { order, event } = change(found.order, this.clock());
    this.commit(found.account, found.order, order, event);
    return order;
  }
}

const newSummary = (url: string): DeliverySummary => ({
  id: `webhl_${newId.mongo()}`,
  url,
  failedAttempts: 0,
  delivered: false,
  pending: true,
});

/** An event as GET /events answers it: its delivery state now, per URL. */
export function eventResponse(stored: StoredEvent): WebhookEvent {
  const logs = [...stored.deliveries.values()];
  const status = logs.some((log) => log.delivered)
    ? 'successful'
    : logs.length > 0 && logs.every((log) => !log.pending)
      ? 'failed'
      : 'pending';
  return {
    ...stored.event,
    webhook_status: status,
    webhook_logs: logs.map(webhookLog),
  };
}

export const webhookLog = (log: DeliverySummary) => ({
  id: log.id,
  object: 'webhook_log',
  url: log.url,
  failed_attempts: log.failedAttempts,
  ...(log.lastAttemptedAt === undefined ? {} : { last_attempted_at: log.lastAttemptedAt }),
  ...(log.lastStatus === undefined ? {} : { last_http_response_status: log.lastStatus }),
  response_data: {},
});
