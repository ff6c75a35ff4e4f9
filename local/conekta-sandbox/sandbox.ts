// The running sandbox's state and the one place where order changes are saved and announced.
import type { Contract } from './contract.js';
import { SandboxControlError } from './errors.js';
import type { Faults } from './faults.js';
import { nowSeconds } from './ids.js';
import type { ResolvedOptions } from './options.js';
import { applyTransition, type Clock, type Order, type OrderEvent, type Transition } from './orders.js';
import { type Account, type KeyPair, type SandboxStore, signingKey } from './store.js';
import type { WebhookDispatcher } from './webhook-delivery.js';
import { buildEvent, signBody } from './webhooks.js';

export interface StartupTimings {
  specSource: 'yaml' | 'cache';
  specLoadMs: number;
  contractMs: number;
  keyMs: number;
  totalMs: number;
}

export class Sandbox {
  faults: Faults;
  /** Set once listening (port 0 means we learn it late). */
  url = '';
  publicUrl = '';
  timings?: StartupTimings;

  constructor(
    readonly options: ResolvedOptions,
    readonly contract: Contract,
    readonly store: SandboxStore,
    readonly dispatcher: WebhookDispatcher,
    readonly defaultKey: KeyPair,
    readonly signal: AbortSignal,
  ) {
    this.faults = options.faults;
  }

  clock(): Clock {
    return { now: nowSeconds() };
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
    this.emit(account, type, after, before);
  }

  private emit(account: Account, type: OrderEvent, order: Order, before: Order | undefined): void {
    const event = buildEvent(type, order, before, this.clock().now);
    if (this.options.validateResponses) {
      const problems = [
        ...this.contract.checkSchema('event_response', event),
        ...this.contract.checkSchema('order_response', order),
      ];
      if (problems.length > 0) this.contractViolation(`webhook event ${type}`, problems, event);
    }
    const body = Buffer.from(JSON.stringify(event));
    const key = signingKey(account);
    const urls = [
      ...account.webhooks
        .filter((hook) => hook.subscribedEvents.length === 0 || hook.subscribedEvents.includes(type))
        .map((hook) => hook.url),
      ...this.options.defaultWebhookUrls,
    ];
    const outgoing = {
      eventId: event.id,
      type,
      body,
      urls,
      ...(key ? { digest: signBody(body, key.privateKey) } : {}),
    };
    // after the API answer that caused it, as Conekta sends events asynchronously
    setImmediate(() => this.dispatcher.dispatch(outgoing));
  }

  /** Buyer actions (checkout page and /_sandbox/orders/{id}/{transition}); no API key involved. */
  transition(orderId: string, transition: Transition): Order {
    const found = this.store.orderAnywhere(orderId);
    if (!found) throw new SandboxControlError(404, `No order ${orderId}`);
    const { order, event } = applyTransition(found.order, transition, this.clock());
    this.commit(found.account, found.order, order, event);
    return order;
  }
}
