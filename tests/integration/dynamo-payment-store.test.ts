import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoPaymentStore } from '../../lib/store/payments.js';
import { createTestTable, testDynamoClient } from '../support/dynamodb.js';
import { describeStoreContract } from '../support/store-contract.js';

let client: DynamoDBClient;
let store: DynamoPaymentStore;

beforeAll(async () => {
  client = testDynamoClient();
  store = new DynamoPaymentStore(client, await createTestTable('store-contract'));
});
afterAll(() => client.destroy());

describeStoreContract('DynamoDB Local', () => store);
