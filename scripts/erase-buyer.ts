/**
 * npm run erase-buyer -- --merchant <merchant id> --reference <reference_id> [--table T]
 *
 * Erases what Pagos keeps that could identify a buyer of one payment: the card brand and last
 * four digits, the storefront's metadata and the stored copy of the provider's order. The money
 * facts (amounts, statuses, order ids, times) stay: they are the merchant's books. The buyer's
 * name, email and phone are never stored (README, "What is stored").
 */
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { withoutBuyerData } from '../lib/payments/record.js';
import { mutate } from '../lib/payments/write.js';
import { DynamoPaymentStore } from '../lib/store/payments.js';
import { table } from '../lib/store/table.js';

const { values } = parseArgs({
  options: {
    merchant: { type: 'string' },
    reference: { type: 'string' },
    table: { type: 'string', default: process.env.PAYMENTS_TABLE ?? 'pagos-local-payments' },
  },
});
if (!values.merchant || !values.reference) {
  console.error(
    'Usage: npm run erase-buyer -- --merchant conekta:<company>:<live|test> --reference <reference_id>',
  );
  process.exit(2);
}
const store = new DynamoPaymentStore(table(new DynamoDBClient({}), values.table!));
const record = await store.get(values.merchant, values.reference);
if (!record) {
  console.error(`No payment ${values.reference} of ${values.merchant} in ${values.table}.`);
  process.exit(1);
}
await mutate(store, record, (r) => withoutBuyerData(r, new Date().toISOString()));
console.log(
  `Erased the buyer data of ${values.reference} (${values.merchant}): card brand and last four, metadata, stored order copy.`,
);
