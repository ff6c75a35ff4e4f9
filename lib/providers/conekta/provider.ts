/** Conekta as a PaymentProvider: the client and the mapping, wired to the domain's port, both directions. */
import type { KeyObject } from 'node:crypto';
import {
  type OrderSearchResult,
  type PaymentProvider,
  type ProviderAccount,
  type ProviderOrder,
  WebhookConfigError,
} from '../../payments/ports.js';
import { ProviderError } from '../../payments/provider-errors.js';
import { ConektaClient, type ConektaClientConfig, type ConektaErrorBody, PROVIDER } from './client.js';
import {
  type CheckoutUrls,
  type ConektaOrder,
  type ConektaOrderList,
  cardChargeRequest,
  hostedCheckoutRequest,
  isReservedMetadataKey,
  readConektaEvent,
  readTag,
  toProviderOrder,
} from './mapping.js';
import { parseWebhookPublicKeys, verifyConektaDigest, WebhookKeyConfigError } from './webhook-signature.js';

export type ConektaProviderConfig = ConektaClientConfig &
  CheckoutUrls & {
    /** The PEM public key(s) of the accounts' webhook keys (CONEKTA_WEBHOOK_PUBLIC_KEYS), read when needed. */
    webhookPublicKeys: () => string | undefined;
    /** Pages of 250 orders a recovery search may read. */
    searchMaxPages?: number;
  };

type Page<T> = { data?: T[] | null; has_more?: boolean; next_page_url?: string | null };
type Company = { id?: unknown };
type ApiKey = { livemode?: unknown; prefix?: unknown; role?: unknown; active?: unknown };

const isUsedTokenDetail = (detail: unknown) => {
  const d = (detail ?? {}) as { code?: unknown; message?: unknown; debug_message?: unknown };
  return (
    (typeof d.code === 'string' && d.code.includes('tokenization.used')) ||
    [d.message, d.debug_message].some(
      (m) => typeof m === 'string' && /already (been )?used|ya (fue|ha sido) usad/i.test(m),
    )
  );
};

/** What a Conekta error body adds to its status: a used card token, or the order a decline still made. */
function readErrorBody(status: number, body: ConektaErrorBody) {
  // Stryker disable next-line ArrayDeclaration: a made-up detail is a string, which isUsedTokenDetail never reads as a used token
  const details = Array.isArray(body.details) ? body.details : [];
  if ((status === 402 || status === 422) && details.some(isUsedTokenDetail)) {
    return { failure: 'token_used' as const, outcome: 'unknown' as const };
  }
  const data = body.data as Partial<ConektaOrder> | null | undefined;
  // Only an object has an id (a text or number `data` has none).
  if (status === 402 && typeof data?.id === 'string') {
    return { order: toProviderOrder(data as ConektaOrder) };
  }
  return {};
}

/** The `next` cursor of a list page: from next_page_url, else the last item's id. */
function nextCursor<T extends { id?: string }>(page: Page<T>): string | undefined {
  if (page.has_more !== true) return undefined;
  if (page.next_page_url) {
    try {
      const next = new URL(page.next_page_url).searchParams.get('next');
      if (next) return next;
    } catch {
      // not a URL: fall back to the last id
    }
  }
  return page.data?.at(-1)?.id;
}

export function createConektaProvider(config: ConektaProviderConfig): PaymentProvider {
  const client = new ConektaClient(config, readErrorBody);
  const order = async (
    secret: string,
    request: Parameters<ConektaClient['send']>[1],
  ): Promise<ProviderOrder> => toProviderOrder(await client.send<ConektaOrder>(secret, request));
  const path = (orderId: string, action = '') => `/orders/${encodeURIComponent(orderId)}${action}`;
  const maxPages = config.searchMaxPages ?? 8;

  let keys: { setting: string | undefined; parsed: readonly KeyObject[] } | undefined;
  // Parsed on first use and again only when the setting changes.
  const publicKeys = (): readonly KeyObject[] => {
    const setting = config.webhookPublicKeys();
    // Stryker disable next-line ConditionalExpression: the cache only saves parsing again: the same setting parses to the same keys
    if (keys === undefined || keys.setting !== setting) {
      try {
        keys = { setting, parsed: parseWebhookPublicKeys(setting) };
      } catch (error) {
        if (error instanceof WebhookKeyConfigError)
          throw new WebhookConfigError(error.message, { cause: error, problem: 'invalid' });
        throw error;
      }
    }
    if (keys.parsed.length === 0) {
      // Not a refusal: Conekta keeps retrying until the operator sets the key, so no event is lost.
      throw new WebhookConfigError(
        'No Conekta webhook public key is configured: set CONEKTA_WEBHOOK_PUBLIC_KEYS (npm run webhook-key).',
      );
    }
    return keys.parsed;
  };

  /** Every page of one listing, up to the bound; `complete` when the last page said there is no more. */
  async function listAll(
    secret: string,
    query: Record<string, string | number | undefined>,
    deadline: number,
  ): Promise<{ orders: ConektaOrder[]; complete: boolean }> {
    const orders: ConektaOrder[] = [];
    let next: string | undefined;
    for (let page = 0; page < maxPages; page += 1) {
      const list = await client.send<ConektaOrderList>(secret, {
        method: 'GET',
        path: '/orders',
        query: { ...query, limit: 250, ...(next && { next }) },
        deadline,
      });
      orders.push(...((list.data ?? []) as ConektaOrder[]));
      next = nextCursor(list as Page<ConektaOrder>);
      if (!next) return { orders, complete: true };
    }
    return { orders, complete: false };
  }

  async function accountMode(secret: string, deadline: number): Promise<boolean | undefined> {
    const keysPage = await client
      .send<Page<ApiKey>>(secret, { method: 'GET', path: '/api_keys', query: { limit: 250 }, deadline })
      .catch(() => undefined);
    const listed = (keysPage?.data ?? []).filter((k) => typeof k?.livemode === 'boolean');
    const mine = listed.filter(
      (k) =>
        typeof k.prefix === 'string' &&
        k.prefix.length >= 4 &&
        secret.startsWith(k.prefix) &&
        k.active !== false,
    );
    const modes = new Set((mine.length > 0 ? mine : listed).map((k) => k.livemode as boolean));
    if (modes.size === 1) return [...modes][0];
    // The keys do not say: any order this key can list is of its own mode.
    const orders = await client.send<ConektaOrderList>(secret, {
      method: 'GET',
      path: '/orders',
      query: { limit: 1 },
      deadline,
    });
    const first = orders.data?.[0];
    return typeof first?.livemode === 'boolean' ? first.livemode : undefined;
  }

  return {
    name: PROVIDER,

    credentialProblem: (secret) =>
      /^key_[A-Za-z0-9_-]+$/.test(secret)
        ? undefined
        : "must be your Conekta private API key, which starts with 'key_'",

    cardTokenProblem: (tokenId) =>
      /^tok_[A-Za-z0-9_]+$/.test(tokenId)
        ? undefined
        : "must be a Conekta card token (tok_...), made in the browser by Conekta's tokenizer",

    isReservedMetadataKey,

    async resolveAccount(credentials, deadline): Promise<ProviderAccount> {
      const [company, livemode] = await Promise.all([
        client.send<Company>(credentials.secret, { method: 'GET', path: '/companies/current', deadline }),
        accountMode(credentials.secret, deadline),
      ]);
      if (typeof company.id !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(company.id)) {
        throw new ProviderError({
          provider: PROVIDER,
          failure: 'misfit',
          outcome: 'not_processed',
          message: 'Conekta’s /companies/current answer has no usable company id.',
        });
      }
      if (livemode === undefined) {
        throw new ProviderError({
          provider: PROVIDER,
          failure: 'unavailable',
          outcome: 'not_processed',
          message:
            'Conekta did not say whether this key is a test or a live key (no api_keys match, no orders). ' +
            'Make one order with it in Conekta’s dashboard, or ask the operator.',
        });
      }
      return { accountId: company.id, livemode };
    },

    createHostedCheckout: (credentials, hosted) =>
      order(credentials.secret, {
        method: 'POST',
        path: '/orders',
        body: hostedCheckoutRequest(hosted, config),
        idempotencyKey: hosted.idempotencyKey,
        deadline: hosted.deadline,
      }),

    chargeCard: (credentials, charge) =>
      order(credentials.secret, {
        method: 'POST',
        path: '/orders',
        body: cardChargeRequest(charge),
        idempotencyKey: charge.idempotencyKey,
        deadline: charge.deadline,
      }),

    async findAttemptOrders(credentials, search): Promise<OrderSearchResult> {
      const window = { 'created_at.gte': search.createdFrom, 'created_at.lte': search.createdTo };
      const mine = (orders: ConektaOrder[]) =>
        orders
          .filter((o) => {
            const tag = readTag(o.metadata);
            return (
              tag?.attemptId === search.tag.attemptId &&
              tag.merchant === search.tag.merchant &&
              tag.referenceId === search.tag.referenceId
            );
          })
          .map(toProviderOrder);
      // `search` is documented as "by mail, reference etc.": it narrows when it works, never decides.
      if (search.email) {
        const narrowed = await listAll(
          credentials.secret,
          { ...window, search: search.email },
          search.deadline,
        );
        const found = mine(narrowed.orders);
        if (found.length > 0) return { orders: found, complete: narrowed.complete };
      }
      const all = await listAll(credentials.secret, window, search.deadline);
      return { orders: mine(all.orders), complete: all.complete };
    },

    getOrder: (credentials, orderId, deadline) =>
      order(credentials.secret, { method: 'GET', path: path(orderId), deadline }),

    refundOrder: (credentials, orderId, refund) =>
      order(credentials.secret, {
        method: 'POST',
        path: path(orderId, '/refunds'),
        body: { amount: refund.amountCents, reason: refund.reason },
        idempotencyKey: refund.idempotencyKey,
        deadline: refund.deadline,
      }),

    cancelOrder: (credentials, orderId, deadline) =>
      order(credentials.secret, { method: 'POST', path: path(orderId, '/cancel'), deadline }),

    webhooks: {
      verify(rawBody, headers) {
        const check = verifyConektaDigest(rawBody, headerValue(headers, 'digest'), publicKeys());
        if (!check.ok) return { ok: false, reason: check.reason };
        return { ok: true, form: `${check.form}/${check.encoding}` };
      },
      read: readConektaEvent,
    },
  };
}

/** Header names arrive in any case. */
export function headerValue(
  headers: Readonly<Record<string, string | undefined>>,
  name: string,
): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === wanted) return value;
  return undefined;
}
