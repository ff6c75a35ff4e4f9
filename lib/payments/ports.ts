/**
 * The two ports the payments domain depends on. `lib/providers/<name>` implements
 * PaymentProvider, `lib/store` implements PaymentStore; tests run one contract suite against
 * every implementation.
 */
import type { PaymentMethod } from './create-request.js';
import type { PaymentStatus } from './status.js';

/** The merchant's provider key: used for the call and dropped, never stored or logged. */
export type MerchantCredentials = { readonly secret: string };

/** What Pagos writes into the provider order so an order can always be traced back to a payment. */
export type PaymentTag = { merchant: string; referenceId: string };

export type HostedCheckoutOrder = {
  tag: PaymentTag;
  amountCents: number;
  currency: string;
  customer: { name: string; email: string; phone: string };
  returnUrl: string;
  /** Unix seconds. */
  expiresAt: number;
  allowedPaymentMethods: PaymentMethod[];
  monthlyInstallments: boolean;
  idempotencyKey: string;
};

/** The provider's order, reduced to what Pagos needs, plus the body exactly as the provider sent it. */
export type ProviderOrder = {
  id: string;
  /** Our status for the order; undefined when the provider's status is not one we know. */
  status: PaymentStatus | undefined;
  /** The provider's own status string, kept for the record and the logs. */
  providerStatus: string | null;
  amountCents: number;
  currency: string;
  livemode: boolean;
  checkoutId?: string;
  checkoutUrl?: string;
  /** Unix seconds of the provider's last change to the order. */
  updatedAt: number;
  tag?: PaymentTag;
  /** Unix seconds the order was paid, from its paid charge. */
  paidAt?: number;
  /** card, cash or bank_transfer: never anything of the card itself. */
  paymentMethod?: string;
  /** Brand and last four digits, as the provider returns them for card charges. */
  card?: { brand?: string; last4?: string };
  amountRefundedCents?: number;
  /** The provider's JSON, as returned, for the caller. */
  body: unknown;
};

/** A single card charge ("Cargo único") with a token made by the provider's browser tokenizer. */
export type CardChargeOrder = Omit<
  HostedCheckoutOrder,
  'returnUrl' | 'expiresAt' | 'allowedPaymentMethods' | 'monthlyInstallments'
> & { tokenId: string };

export const RefundReason = {
  requestedByClient: 'requested_by_client',
  cannotBeFulfilled: 'cannot_be_fulfilled',
  duplicatedTransaction: 'duplicated_transaction',
  suspectedFraud: 'suspected_fraud',
  other: 'other',
} as const;
export type RefundReason = (typeof RefundReason)[keyof typeof RefundReason];

export interface PaymentProvider {
  readonly name: string;
  createHostedCheckout(credentials: MerchantCredentials, order: HostedCheckoutOrder): Promise<ProviderOrder>;
  /** A declined charge fails with ProviderError `declined`; the provider may still keep a declined order. */
  chargeCard(credentials: MerchantCredentials, order: CardChargeOrder): Promise<ProviderOrder>;
  /** Orders carrying this payment's tag: how a create whose outcome was unknown finds its order. */
  findOrdersByTag(credentials: MerchantCredentials, tag: PaymentTag): Promise<ProviderOrder[]>;
  getOrder(credentials: MerchantCredentials, orderId: string): Promise<ProviderOrder>;
  refundOrder(
    credentials: MerchantCredentials,
    orderId: string,
    refund: { amountCents: number; reason: RefundReason },
  ): Promise<ProviderOrder>;
  cancelOrder(credentials: MerchantCredentials, orderId: string): Promise<ProviderOrder>;
}

export const PaymentKind = { link: 'link', charge: 'charge' } as const;
export type PaymentKind = (typeof PaymentKind)[keyof typeof PaymentKind];

export type StatusChange = {
  status: PaymentStatus;
  previous: PaymentStatus | null;
  at: string;
  source: string;
};

/** One item per payment. Never the secret, never card data. */
export type PaymentRecord = {
  merchant: string;
  referenceId: string;
  kind: PaymentKind;
  provider: string;
  requestHash: string;
  /** `creating` while the provider call is in flight or its outcome is unknown. */
  status: PaymentStatus | 'creating';
  claimToken?: string;
  /** Epoch ms until which the claimer owns the create. */
  leaseUntil?: number;
  outcomeUnknown?: boolean;
  orderId?: string;
  checkoutId?: string;
  checkoutUrl?: string;
  amountCents: number;
  currency: string;
  notificationUrl?: string;
  livemode?: boolean;
  providerStatus?: string | null;
  providerUpdatedAt?: number;
  /** The provider's order JSON as first returned: what a replayed request answers. */
  providerOrder?: string;
  /** The provider's refusal of a declined charge, replayed as it was. */
  providerError?: string;
  paidAt?: number;
  paymentMethod?: string;
  card?: { brand?: string; last4?: string };
  amountRefundedCents?: number;
  /** Keys of refund requests already carried out, so a retried refund refunds once. */
  refundKeys?: string[];
  /** The refund request in flight, and until when its sender owns it. */
  refundLock?: string;
  refundLockUntil?: number;
  history: StatusChange[];
  createdAt: string;
  updatedAt: string;
};

export type NewClaim = Pick<
  PaymentRecord,
  | 'merchant'
  | 'referenceId'
  | 'kind'
  | 'provider'
  | 'requestHash'
  | 'amountCents'
  | 'currency'
  | 'notificationUrl'
  | 'createdAt'
> & { claimToken: string; leaseUntil: number };

export type CompletedOrder = Pick<
  PaymentRecord,
  | 'orderId'
  | 'checkoutId'
  | 'checkoutUrl'
  | 'livemode'
  | 'providerStatus'
  | 'providerUpdatedAt'
  | 'providerOrder'
  | 'providerError'
  | 'paidAt'
  | 'paymentMethod'
  | 'card'
> & { status: PaymentStatus; at: string };

export type ClaimResult = { claimed: true } | { claimed: false; existing: PaymentRecord };

export interface PaymentStore {
  /** Creates the record if none exists for (merchant, reference); else returns the stored one. */
  claim(claim: NewClaim): Promise<ClaimResult>;
  get(merchant: string, referenceId: string): Promise<PaymentRecord | undefined>;
  /** Takes over an expired claim; false if someone else holds or finished it. */
  takeOver(
    merchant: string,
    referenceId: string,
    expected: { claimToken: string },
    next: { claimToken: string; leaseUntil: number },
  ): Promise<boolean>;
  /** Records the provider order on the claimed record; false if the claim was lost. */
  complete(
    merchant: string,
    referenceId: string,
    claimToken: string,
    order: CompletedOrder,
  ): Promise<boolean>;
  /** The provider refused the request: the reference is free again. */
  release(merchant: string, referenceId: string, claimToken: string): Promise<void>;
  /** The provider may or may not have created the order: the next attempt must look before creating. */
  markOutcomeUnknown(merchant: string, referenceId: string, claimToken: string): Promise<void>;
}
