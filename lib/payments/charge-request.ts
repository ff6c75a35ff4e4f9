/** The `charge` action's request: a single card charge with a Conekta token, never card data. */
import { CURRENCIES, type Currency, ENVELOPE_FIELDS } from './create-request.js';
import {
  allowAnyUrl,
  type Buyer,
  FieldReader,
  type JsonObject,
  type NotificationUrlPolicy,
} from './fields.js';

const CHARGE_FIELDS = [
  ...ENVELOPE_FIELDS,
  'amount',
  'token_id',
  'first_name',
  'last_name',
  'email',
  'phone',
  'currency',
  'notification_url',
] as const;

export type ChargeCardRequest = Buyer & {
  referenceId: string;
  amountCents: number;
  currency: Currency;
  tokenId: string;
  notificationUrl: string | undefined;
};

export function parseChargeCardRequest(
  body: JsonObject,
  urlPolicy: NotificationUrlPolicy = allowAnyUrl,
): { secret: string; request: ChargeCardRequest } {
  const fields = new FieldReader(body);
  fields.rejectUnknown(CHARGE_FIELDS);
  const secret = fields.secret('secret');
  const referenceId = fields.string('reference_id', { required: true, min: 3, max: 249 });
  const amountCents = fields.centavos('amount', { required: true });
  const tokenId = fields.string('token_id', { required: true, max: 100 });
  if (tokenId !== undefined && !/^tok_[A-Za-z0-9_]+$/.test(tokenId)) {
    fields.fail(
      'token_id',
      "must be a Conekta card token (tok_...), made in the browser by Conekta's tokenizer",
    );
  }
  const buyer = fields.buyer();
  const currency = fields.oneOf('currency', CURRENCIES, 'MXN');
  const notificationUrl = fields.notificationUrl('notification_url', { required: false, policy: urlPolicy });
  fields.throwIfInvalid();
  return {
    secret: secret!,
    request: {
      referenceId: referenceId!,
      amountCents: amountCents!,
      currency,
      tokenId: tokenId!,
      ...buyer!,
      notificationUrl,
    },
  };
}
