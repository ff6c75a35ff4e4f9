/**
 * The one payments table, as every store uses it: the client, the table name and the clock,
 * shared by composition. Conditional writes that fail are an answer, not an error: `conditional`
 * turns DynamoDB's exception into `false` (with the stored item, when DynamoDB returned it).
 */
import { type AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { awsClientSettings, withoutSdkLogging } from '../config.js';

export type Item = Record<string, AttributeValue>;

export type Table = {
  readonly client: DynamoDBClient;
  readonly name: string;
  readonly now: () => number;
};

/** The functions' DynamoDB client, with awsClientSettings' timeouts and no SDK log filtering. */
export function dynamoClient(opts: { functionTimeoutMs: number }): DynamoDBClient {
  return withoutSdkLogging(new DynamoDBClient(awsClientSettings(opts.functionTimeoutMs)));
}

export function table(client: DynamoDBClient, name: string, now: () => number = Date.now): Table {
  return { client, name, now };
}

export type Conditional<T> = { ok: true; value: T } | { ok: false; item: Item | undefined };

/** Runs a conditional write; a failed condition is `{ ok: false }` with the stored item if returned. */
export async function conditional<T>(write: () => Promise<T>): Promise<Conditional<T>> {
  try {
    return { ok: true, value: await write() };
  } catch (error) {
    if (error instanceof Error && error.name === 'ConditionalCheckFailedException') {
      return { ok: false, item: (error as Error & { Item?: Item }).Item };
    }
    throw error;
  }
}
