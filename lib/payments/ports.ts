/**
 * The ports the payments domain depends on: a provider (both directions, like a Hyperswitch
 * connector), a payment store and a merchant store. `lib/providers/<name>` and `lib/store`
 * implement them; one contract suite per port runs unchanged against every implementation and
 * its in-memory fake (tests/support).
 */
import type { Attempt, CardSummary, Merchant, MerchantId, PaymentRecord, StatusChange } from './model.js';
import type { PaymentStatus } from './status.js';

/** The merchant's provider key: used for the call and dropped, never stored or logged. */
export type Credentials = { readonly secret: string };

/** Written into every provider order, so an order can always be traced to its payment and attempt. */
export type OrderTag = { merchant: MerchantId; referenceId: string; attemptId: string };

export type Customer = { name: string; email: string; phone: string };
export type LineItem = { name: string; unitPriceCents: number; quantity: number };

export const PaymentMethod = { card: 'card', cash: 'cash', bankTransfer: 'bank_transfer' } as const;
export type PaymentMethod = (typeof PaymentMethod)[keyof typeof PaymentMethod];

type OrderRequest = {
  tag: OrderTag;
  amountCents: number;
  currency: string;
  customer: Customer;
  lineItems: LineItem[];
  /** The storefront's own metadata; the provider adds the tag beside it. */
  metadata: Record<string, string>;
  /** Names exactly one attempt of one request. */
  idempotencyKey: string;
  /** Epoch ms by which the call must have ended. */
  deadline: number;
};

export type HostedCheckoutOrder = OrderRequest & {
  returnUrl: string;
  /** Unix seconds. */
  expiresAt: number;
  allowedPaymentMethods: PaymentMethod[];
  monthlyInstallments: boolean;
};

/** A single card charge with a token made by the provider's browser tokenizer. */
export type CardChargeOrder = OrderRequest & { tokenId: string };

/** What the provider says about an order at one moment: from an API answer or a signed event. */
export type OrderSnapshot = {
  orderId: string;
  /** Our status for it; undefined when the provider's status is one we do not know. */
  status: PaymentStatus | undefined;
  providerStatus: string | null;
  /** Unix seconds of the provider's last change. */
  updatedAt: number;
  livemode: boolean;
  amountCents: number;
  currency: string;
  tag?: OrderTag;
  checkoutUrl?: string;
  paidAt?: number;
  paymentMethod?: string;
  card?: CardSummary;
  amountRefundedCents?: number;
  /** The order's JSON without personal data: what Pagos may store and replay. */
  publicBody: unknown;
};

export type ProviderRefund = { id: string; amountCents: number; createdAt: number };

export type ProviderOrder = OrderSnapshot & {
  /** Unix seconds. */
  createdAt: number;
  /** The refunds the order lists, when the answer carries them. */
  refunds?: ProviderRefund[];
  /** The order ids the order's own parts name (its line items, its charges): all its own id. */
  selfReferences?: string[];
  /** The provider's JSON as answered: for this request's caller only, never stored. */
  body: unknown;
};

export type OrderSearch = {
  tag: OrderTag;
  /** Unix seconds: the window in which the order, if any, was created. */
  createdFrom: number;
  createdTo: number;
  /** Narrows the search where the provider supports it; never relied on. */
  email?: string;
  deadline: number;
};

/** `complete`: every order of the window was seen, so an order not found does not exist. */
export type OrderSearchResult = { orders: ProviderOrder[]; complete: boolean };

export const RefundReason = {
  requestedByClient: 'requested_by_client',
  cannotBeFulfilled: 'cannot_be_fulfilled',
  duplicatedTransaction: 'duplicated_transaction',
  suspectedFraud: 'suspected_fraud',
  other: 'other',
} as const;
export type RefundReason = (typeof RefundReason)[keyof typeof RefundReason];

export type ProviderAccount = { accountId: string; livemode: boolean };

/** How a verified event reads: provider-neutral. */
export type EventReading =
  | { kind: 'ping'; eventId: string }
  | { kind: 'ignored'; eventId: string; type: string }
  | { kind: 'malformed'; reason: string }
  | { kind: 'order'; eventId: string; type: string; tag: OrderTag | undefined; order: OrderSnapshot };

export type WebhookCheck = { ok: true; form: string } | { ok: false; reason: string };

/**
 * A provider's incoming side cannot verify anything until the operator fixes its configuration:
 * `missing`, no webhook key is set; `invalid`, the setting is there but does not parse (the
 * message names the key by position, never its contents).
 */
export class WebhookConfigError extends Error {
  override readonly name = 'WebhookConfigError';
  readonly problem: 'missing' | 'invalid';
  constructor(message: string, options: ErrorOptions & { problem?: 'missing' | 'invalid' } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.problem = options.problem ?? 'missing';
  }
}

export interface IncomingWebhooks {
  /** Checks the signature on the raw bytes, before anything parses them. Throws WebhookConfigError when unconfigured. */
  verify(rawBody: Buffer, headers: Readonly<Record<string, string | undefined>>): WebhookCheck;
  /** Reads a verified, parsed event. Pure. */
  read(event: unknown): EventReading;
}

export interface PaymentProvider {
  readonly name: string;
  /** What is wrong with a credential's shape (before any call), or undefined. */
  credentialProblem(secret: string): string | undefined;
  /** What is wrong with a card token's shape, or undefined. */
  cardTokenProblem(tokenId: string): string | undefined;
  /** Metadata keys the provider adapter writes itself: storefronts may not set them. */
  isReservedMetadataKey(key: string): boolean;
  /** The account a credential belongs to. Fails with ProviderError `authentication` for a bad key. */
  resolveAccount(credentials: Credentials, deadline: number): Promise<ProviderAccount>;
  createHostedCheckout(credentials: Credentials, order: HostedCheckoutOrder): Promise<ProviderOrder>;
  /** A declined charge fails with ProviderError `declined` (carrying the declined order when the provider says it). */
  chargeCard(credentials: Credentials, order: CardChargeOrder): Promise<ProviderOrder>;
  /** The orders of one attempt, found through documented list filters and matched on the tag here. */
  findAttemptOrders(credentials: Credentials, search: OrderSearch): Promise<OrderSearchResult>;
  getOrder(credentials: Credentials, orderId: string, deadline: number): Promise<ProviderOrder>;
  refundOrder(
    credentials: Credentials,
    orderId: string,
    refund: { amountCents: number; reason: RefundReason; idempotencyKey: string; deadline: number },
  ): Promise<ProviderOrder>;
  cancelOrder(credentials: Credentials, orderId: string, deadline: number): Promise<ProviderOrder>;
  readonly webhooks: IncomingWebhooks;
}

export type WriteResult = { ok: true } | { ok: false; current: PaymentRecord | undefined };

/**
 * The webhook's one-round-trip write (lib/payments/events.ts decides it): moves one attempt and
 * the payment's mirrored fields, only if the attempt is the current one and money follows it (no
 * other attempt was paid), it holds this order with this amount and currency, it is at one of the
 * `expected` statuses, and the change supersedes it by rank and time. Anything else fails and
 * returns the current record for the general path.
 */
export type AttemptAdvance = {
  merchant: MerchantId;
  referenceId: string;
  attemptId: string;
  orderId: string;
  amountCents: number;
  currency: string;
  /** The order's public JSON: the current attempt's replay answer. */
  replayOrder: string;
  /** The statuses the attempt may be at for this to be an ordinary move. */
  expected: readonly PaymentStatus[];
  /** The attempt's fields after the change. */
  attempt: Pick<
    Attempt,
    | 'status'
    | 'checkoutUrl'
    | 'providerStatus'
    | 'providerUpdatedAt'
    | 'paidAt'
    | 'paymentMethod'
    | 'card'
    | 'amountRefundedCents'
  > & { status: PaymentStatus; providerUpdatedAt: number };
  /** The attempt becomes the paid one. */
  setsPaidAttempt: boolean;
  change: StatusChange;
  updatedAt: string;
};

export type PaymentSummary = {
  referenceId: string;
  status: PaymentRecord['status'];
  orderId: string | null;
  orderIds: string[];
  amountCents: number;
  currency: string;
  amountRefundedCents: number;
  paidAt: number | null;
  livemode: boolean;
  metadata?: Record<string, string>;
  paidTwice: boolean;
  late: boolean;
  createdAt: string;
  updatedAt: string;
  /** Epoch ms of the last change: the list's order. */
  changedAt: number;
};

export type ListQuery = {
  /** Epoch ms: only payments changed at or after this. */
  since?: number;
  status?: PaymentStatus | 'creating';
  limit: number;
  cursor?: string;
};

export type ListPage = { payments: PaymentSummary[]; cursor?: string };

/** A list cursor this store did not give out (or gave to another merchant). */
export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
}

export interface PaymentStore {
  get(merchant: MerchantId, referenceId: string): Promise<PaymentRecord | undefined>;
  /** Writes a new record unless one exists (then returns it, in the same round trip). */
  insert(record: PaymentRecord): Promise<WriteResult>;
  /** Writes the whole record if the stored version is still `expectedVersion`. */
  replace(record: PaymentRecord, expectedVersion: number): Promise<WriteResult>;
  advanceAttempt(advance: AttemptAdvance): Promise<WriteResult>;
  /** Deletes the record if the stored version is still `expectedVersion` (a refused first request). */
  remove(record: PaymentRecord, expectedVersion: number): Promise<WriteResult>;
  /** The merchant's payments, most recently changed first. */
  listChanged(merchant: MerchantId, query: ListQuery): Promise<ListPage>;
}

/** A credential seen before: whose it is, or that the provider refused it. */
export type KnownCredential =
  | { state: 'resolved'; merchant: Merchant }
  | { state: 'refused'; until: number; message: string };

export type SigningSecret = { id: string; secret: string; createdAt: string; expiresAt?: string };

export interface MerchantStore {
  /** By the credential's fingerprint (a one-way hash), never the credential itself. */
  getCredential(fingerprint: string): Promise<KnownCredential | undefined>;
  putCredential(fingerprint: string, known: KnownCredential): Promise<void>;
  /** Counts one request in the bucket's current window; false when the window is full. */
  takeRequest(bucket: string, window: { startMs: number; lengthMs: number; limit: number }): Promise<boolean>;
  /** The merchant's notification signing secrets, newest first (expired ones removed); created on first use. */
  signingSecrets(merchant: MerchantId, now: number): Promise<SigningSecret[]>;
  /** A new secret becomes current; the others stay valid until `graceUntil` (epoch ms). */
  rotateSigningSecret(
    merchant: MerchantId,
    next: SigningSecret,
    graceUntil: number,
  ): Promise<SigningSecret[]>;
}
