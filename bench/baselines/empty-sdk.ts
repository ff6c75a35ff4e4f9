/** Reference for cold start: an empty handler plus what every Pagos function loads first, the DynamoDB client. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';

const db = new DynamoDBClient({});

export const handler = async () => ({ statusCode: 200, body: JSON.stringify({ client: Boolean(db) }) });
