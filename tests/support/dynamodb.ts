// Each test file gets its own payments table on the shared DynamoDB Local, so files never collide.
import { randomBytes } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createTables, readTableDefinitions } from '../../local/tables.js';

export function dynamoEndpoint(): string {
  const endpoint = process.env.AWS_ENDPOINT_URL_DYNAMODB;
  if (!endpoint)
    throw new Error('AWS_ENDPOINT_URL_DYNAMODB is not set: run tests through jest (global-setup)');
  return endpoint;
}

/** Creates a uniquely named table with the payments table's shape from serverless.yml and returns its name. */
export async function createTestTable(prefix: string): Promise<string> {
  const safePrefix = prefix.replace(/[^a-zA-Z0-9_.-]/g, '-').slice(0, 200);
  const name = `${safePrefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
  await createTables(dynamoEndpoint(), { paymentsTable: name });
  return name;
}

/** A client for assertions in tests; the endpoint comes from the environment like in the handlers. */
export function testDynamoClient(): DynamoDBClient {
  return new DynamoDBClient({ endpoint: dynamoEndpoint(), region: process.env.AWS_REGION ?? 'us-east-1' });
}

/** What an index of serverless.yml's tables projects besides its keys and the table's (INCLUDE). */
export function indexProjection(indexName: string): string[] {
  for (const { properties } of readTableDefinitions()) {
    const indexes = (properties.GlobalSecondaryIndexes ?? []) as {
      IndexName: string;
      Projection?: { NonKeyAttributes?: string[] };
    }[];
    const index = indexes.find((i) => i.IndexName === indexName);
    if (index) return index.Projection?.NonKeyAttributes ?? [];
  }
  throw new Error(`serverless.yml has no index ${indexName}`);
}
