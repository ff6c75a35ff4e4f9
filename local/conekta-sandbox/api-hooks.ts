// Webhook keys, webhooks and events: what an integration calls to receive and replay events.
import type { components } from '../../lib/providers/conekta/openapi.js';
import type { ApiCall, ApiHandler } from './api.js';
import { invalidParameter, notFound } from './errors.js';
import { newId } from './ids.js';
import { OrderEvent } from './orders.js';
import { paginate } from './paging.js';
import { eventResponse, webhookLog } from './sandbox.js';
import type { Account, StoredEvent, WebhookKeyRecord, WebhookRecord } from './store.js';
import { buildPingEvent, generateKeyPairRsa } from './webhooks.js';

type Schemas = components['schemas'];

// Conekta's limit per environment (spec, POST /webhooks).
export const MAX_WEBHOOKS = 10;

const keyResponse =
  (account: Account) =>
  (key: WebhookKeyRecord): Schemas['webhook_key_response'] => ({
    id: key.id,
    object: 'webhook_key',
    active: key.active,
    livemode: account.livemode,
    created_at: key.createdAt,
    public_key: key.publicKeyPem,
  });

export const createWebhookKey: ApiHandler = async ({ sandbox, account, body }) => {
  const { active = true } = body as Schemas['webhook_key_request'];
  const pair = await generateKeyPairRsa();
  const record: WebhookKeyRecord = { ...pair, id: newId.mongo(), createdAt: sandbox.clock().now, active };
  sandbox.store.addWebhookKey(account, record);
  return keyResponse(account)(record);
};

export const getWebhookKeys: ApiHandler = ({ sandbox, account, query }) =>
  paginate(
    [...account.webhookKeys].reverse().map(keyResponse(account)),
    query,
    `${sandbox.publicUrl}/webhook_keys`,
  );

const webhookResponse =
  (account: Account) =>
  (hook: WebhookRecord): Schemas['webhook_response'] => ({
    id: hook.id,
    object: 'webhook',
    url: hook.url,
    status: 'listening',
    active: true,
    livemode: account.livemode,
    subscribed_events: hook.subscribedEvents.length > 0 ? hook.subscribedEvents : Object.values(OrderEvent),
  });

export const createWebhook: ApiHandler = ({ sandbox, account, body }) => {
  const { url, subscribed_events = [] } = body as Schemas['webhook_request'];
  if (account.webhooks.length >= MAX_WEBHOOKS) {
    throw invalidParameter(
      'url',
      'limit_exceeded',
      `Cada ambiente admite ${MAX_WEBHOOKS} webhooks.`,
      `Each environment supports ${MAX_WEBHOOKS} webhooks.`,
    );
  }
  const hook: WebhookRecord = {
    id: newId.mongo(),
    url,
    subscribedEvents: subscribed_events,
    createdAt: sandbox.clock().now,
  };
  sandbox.store.addWebhook(account, hook);
  return webhookResponse(account)(hook);
};

export const getWebhooks: ApiHandler = ({ sandbox, account, query }) => {
  const hooks = [...account.webhooks]
    .reverse()
    .filter((hook) => query.url === undefined || hook.url === query.url);
  return paginate(hooks.map(webhookResponse(account)), query, `${sandbox.publicUrl}/webhooks`);
};

function findWebhook(account: Account, id: string): WebhookRecord {
  const hook = account.webhooks.find((candidate) => candidate.id === id);
  if (!hook) throw notFound('Webhook', id);
  return hook;
}

export const getWebhook: ApiHandler = ({ account, params }) =>
  webhookResponse(account)(findWebhook(account, params.id ?? ''));

/** Sends a signed `webhook_ping` event (stored like any other) to this webhook only. */
export const testWebhook: ApiHandler = ({ sandbox, account, params }) => {
  const hook = findWebhook(account, params.id ?? '');
  sandbox.publish(account, buildPingEvent(account.livemode, sandbox.clock().now), [hook.url]);
  return webhookResponse(account)(hook);
};

/** `search`: exact match on the event id, its type or the id of the object it is about. */
const matchesEventSearch = ({ event }: StoredEvent, term: string): boolean => {
  const objectId = 'object' in event.data ? event.data.object.id : undefined;
  return [event.id, event.type, objectId].includes(term);
};

export const getEvents: ApiHandler = ({ sandbox, account, query }) => {
  const all = sandbox.store.eventsOf(account);
  const matching =
    typeof query.search === 'string' ? all.filter((e) => matchesEventSearch(e, query.search as string)) : all;
  const sequence = all.map((stored) => stored.event.id);
  return paginate(matching.map(eventResponse), query, `${sandbox.publicUrl}/events`, sequence);
};

function findEvent({ sandbox, account }: ApiCall, id: string): StoredEvent {
  const stored = sandbox.store.event(account, id);
  if (!stored) throw notFound('Event', id);
  return stored;
}

export const getEvent: ApiHandler = (call) => eventResponse(findEvent(call, call.params.id ?? ''));

/**
 * Re-delivers the event's exact bytes (and digest) to the named webhooks of the account. The
 * answer is the first webhook's delivery log as it stands; the new attempt goes out afterwards.
 */
export const resendEvent: ApiHandler = (call) => {
  const stored = findEvent(call, call.params.event_id ?? '');
  // resendEvent_request (not in openapi.d.ts, which holds only what the service calls)
  const { webhooks_ids: ids } = call.body as { webhooks_ids: string[] };
  if (ids.length === 0) {
    throw invalidParameter(
      'webhooks_ids',
      'empty',
      'Indica al menos un webhook.',
      'Name at least one webhook in webhooks_ids.',
    );
  }
  const hooks = ids.map((id) => findWebhook(call.account, id));
  call.sandbox.deliver(
    stored,
    hooks.map((hook) => hook.url),
  );
  const first = stored.deliveries.get(hooks[0]?.url ?? '');
  if (!first) throw new Error('resendEvent: delivery summary missing');
  const { object: _object, ...log } = webhookLog(first);
  return log;
};
