/** Reference for cold start: an empty handler plus the SQS client the notification functions load. */
import { SQSClient } from '@aws-sdk/client-sqs';

const sqs = new SQSClient({});

export const handler = async () => ({ statusCode: 200, body: JSON.stringify({ client: Boolean(sqs) }) });
