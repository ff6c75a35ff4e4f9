import { randomBytes, randomUUID } from 'node:crypto';

// Id shapes as seen in Conekta's examples: `ord_2zbhesToa1DAgNbP6` (17 base58-ish chars),
// 24-hex Mongo ids for charges, events, webhooks and keys, UUIDs for checkouts.
const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

const token = (length: number): string =>
  Array.from(randomBytes(length), (byte) => ALPHABET[byte % ALPHABET.length]).join('');

export const newId = {
  order: () => `ord_${token(17)}`,
  lineItem: () => `line_item_${token(17)}`,
  shippingLine: () => `ship_lin_${token(17)}`,
  taxLine: () => `tax_lin_${token(17)}`,
  discountLine: () => `dis_lin_${token(17)}`,
  channel: () => `channel_${token(17)}`,
  shippingContact: () => `ship_cont_${token(17)}`,
  fiscalEntity: () => `fis_ent_${token(17)}`,
  mongo: () => randomBytes(12).toString('hex'),
  uuid: () => randomUUID(),
} as const;

/** Unix seconds. */
export const nowSeconds = (): number => Math.floor(Date.now() / 1000);
