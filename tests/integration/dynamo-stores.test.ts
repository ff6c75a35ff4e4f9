import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoMerchantStore } from '../../lib/store/merchants.js';
import { DynamoPaymentStore } from '../../lib/store/payments.js';
import { table } from '../../lib/store/table.js';
import { createTestTable, testDynamoClient } from '../support/dynamodb.js';
import { describeMerchantStoreContract, describeStoreContract } from '../support/store-contract.js';

let client: DynamoDBClient;
let payments: DynamoPaymentStore;
let merchants: DynamoMerchantStore;

beforeAll(async () => {
  client = testDynamoClient();
  const t = table(client, await createTestTable('store-contract'));
  payments = new DynamoPaymentStore(t);
  merchants = new DynamoMerchantStore(t);
});
afterAll(() => client.destroy());

describeStoreContract('DynamoDB Local', () => payments);
describeMerchantStoreContract('DynamoDB Local', () => merchants);
