/**
 * The one payments table, as every store uses it: the client, the table name and the clock,
 * shared by composition. Conditional writes that fail are an answer, not an error: `conditional`
 * turns DynamoDB's exception into `false` (with the stored item, when DynamoDB returned it).
 */
import { type AttributeValue, DynamoDBClient } from '@aws-sdk/client-dynamodb';

export type Item = Record<string, AttributeValue>;

export type Table = {
  readonly client: DynamoDBClient;
  readonly name: string;
  readonly now: () => number;
};

/**
 * The functions' DynamoDB client: connection and request timeouts well under the function's own,
 * so a hung call fails (and is retried by the SDK) instead of burning the whole invocation.
 */
export function dynamoClient(opts: { functionTimeoutMs: number }): DynamoDBClient {
  const requestTimeout = Math.max(500, Math.min(3_000, Math.floor(opts.functionTimeoutMs / 5)));
  return new DynamoDBClient({
    maxAttempts: 3,
    requestHandler: {
      connectionTimeout: Math.min(1_000, requestTimeout),
      requestTimeout,
      throwOnRequestTimeout: true,
    },
  });
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
