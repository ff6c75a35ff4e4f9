/** Requests of the actions on an existing payment: `status`, `refund`, `cancel`. */
import { ENVELOPE_FIELDS } from './create-request.js';
import { FieldReader, type JsonObject } from './fields.js';
import { RefundReason } from './ports.js';

const REFUND_REASONS = Object.values(RefundReason);

export type PaymentReference = { secret: string; referenceId: string };
export type RefundRequest = PaymentReference & {
  /** Undefined: the whole unrefunded rest. */
  amountCents: number | undefined;
  reason: RefundReason;
  /** The storefront's own id for this refund, when it wants two equal refunds. */
  refundId: string | undefined;
};

export function parsePaymentReference(body: JsonObject): PaymentReference {
  const fields = new FieldReader(body);
  fields.rejectUnknown(ENVELOPE_FIELDS);
  const secret = fields.secret('secret');
  const referenceId = fields.string('reference_id', { required: true, max: 249 });
  fields.throwIfInvalid();
  return { secret: secret!, referenceId: referenceId! };
}

export function parseRefundRequest(body: JsonObject): RefundRequest {
  const fields = new FieldReader(body);
  fields.rejectUnknown([...ENVELOPE_FIELDS, 'amount', 'reason', 'refund_id']);
  const secret = fields.secret('secret');
  const referenceId = fields.string('reference_id', { required: true, max: 249 });
  const amountCents = fields.centavos('amount', { required: false });
  const reason = fields.oneOf('reason', REFUND_REASONS, RefundReason.requestedByClient);
  const refundId = fields.string('refund_id', { required: false, max: 100 });
  fields.throwIfInvalid();
  return { secret: secret!, referenceId: referenceId!, amountCents, reason, refundId };
}
