/** The functions' AWS SDK clients: built without the SDK's logger middleware (lib/config.ts). */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient } from '@aws-sdk/client-sqs';
import { withoutSdkLogging } from '../../lib/config.js';
import { lazySqsClient } from '../../lib/notify/queue.js';
import { dynamoClient } from '../../lib/store/table.js';

const settings = { region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } };
const middlewareOf = (client: { middlewareStack: { identify(): string[] } }) =>
  client.middlewareStack.identify().map((entry) => entry.split(' ')[0]);

describe('the SDK clients the functions use', () => {
  it('a plain client has the logger middleware (the name removed below is the SDK’s)', () => {
    expect(middlewareOf(new DynamoDBClient(settings))).toContain('loggerMiddleware');
    expect(middlewareOf(new SQSClient(settings))).toContain('loggerMiddleware');
  });

  it('withoutSdkLogging removes it and keeps everything else', () => {
    const client = new DynamoDBClient(settings);
    const before = middlewareOf(client);
    expect(withoutSdkLogging(client)).toBe(client);
    expect(middlewareOf(client)).toEqual(before.filter((name) => name !== 'loggerMiddleware'));
  });

  it('the DynamoDB client of every function is built without it', () => {
    expect(middlewareOf(dynamoClient({ functionTimeoutMs: 25_000 }))).not.toContain('loggerMiddleware');
  });

  it('the delivery function’s SQS client, made on first send, is built without it', async () => {
    const client = await lazySqsClient(settings)();
    expect(client).toBeInstanceOf(SQSClient);
    expect(middlewareOf(client)).not.toContain('loggerMiddleware');
  });
});
