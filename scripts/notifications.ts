/**
 * npm run notifications -- list --dead [--stage prod] [--region us-east-1]
 * npm run notifications -- redrive <message id | notification id>... [--stage prod]
 * npm run notifications -- redrive --all-dead [--stage prod]
 *
 * The notification dead-letter queue (lib/notify/dead-letters.ts). Without --stage: the local
 * stack's SQS (`npm start`: AWS_ENDPOINT_URL_SQS, else http://localhost:9324; queues
 * NOTIFICATION_QUEUE_URL / NOTIFICATION_DLQ_URL, else pagos-local-notifications[-dead]). With
 * --stage: AWS, with your credentials, queues pagos-<stage>-notifications[-dead]; any local
 * endpoint in the shell is ignored.
 */
import { parseArgs } from 'node:util';
import { GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import { describeDeadLetter, listDeadLetters, type QueueUrls, redrive } from '../lib/notify/dead-letters.js';

const USAGE = `Usage:
  npm run notifications -- list --dead [--stage <stage>] [--region <region>]
  npm run notifications -- redrive <message id | notification id>... [--stage <stage>]
  npm run notifications -- redrive --all-dead [--stage <stage>]`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    dead: { type: 'boolean', default: false },
    'all-dead': { type: 'boolean', default: false },
    stage: { type: 'string' },
    region: { type: 'string', default: process.env.AWS_REGION ?? 'us-east-1' },
  },
});

function fail(message: string): never {
  console.error(message);
  console.error(USAGE);
  process.exit(2);
}

async function queueUrls(sqs: SQSClient): Promise<QueueUrls> {
  const prefix = values.stage ? `pagos-${values.stage}` : 'pagos-local';
  const local = !values.stage;
  const urlOf = async (envName: string, name: string) => {
    const fromEnv = local ? process.env[envName] : undefined;
    if (fromEnv) return fromEnv;
    const { QueueUrl } = await sqs.send(new GetQueueUrlCommand({ QueueName: name }));
    return QueueUrl!;
  };
  return {
    queue: await urlOf('NOTIFICATION_QUEUE_URL', `${prefix}-notifications`),
    dead: await urlOf('NOTIFICATION_DLQ_URL', `${prefix}-notifications-dead`),
  };
}

function client(): SQSClient {
  if (values.stage) {
    delete process.env.AWS_ENDPOINT_URL_SQS; // the deployed stage, never a local endpoint
    delete process.env.AWS_ENDPOINT_URL;
    return new SQSClient({ region: values.region });
  }
  return new SQSClient({
    region: values.region,
    endpoint: process.env.AWS_ENDPOINT_URL_SQS || 'http://localhost:9324',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

const [command, ...ids] = positionals;
const sqs = client();
try {
  if (command === 'list') {
    if (!values.dead) fail('list needs --dead (only the dead-letter queue can be listed)');
    const urls = await queueUrls(sqs);
    const letters = await listDeadLetters(sqs, urls);
    for (const letter of letters) console.log(describeDeadLetter(letter));
    console.log(`${letters.length} on ${urls.dead}`);
  } else if (command === 'redrive') {
    if (!values['all-dead'] && ids.length === 0) fail('redrive needs message ids or --all-dead');
    if (values['all-dead'] && ids.length > 0) fail('give ids or --all-dead, not both');
    const urls = await queueUrls(sqs);
    const result = await redrive(sqs, urls, values['all-dead'] ? { all: true } : { ids });
    for (const l of result.redriven) console.log(`redriven  ${describeDeadLetter(l)}`);
    for (const l of result.skipped) console.log(`skipped (not a notification)  ${describeDeadLetter(l)}`);
    for (const id of result.notFound) console.log(`not found  ${id}`);
    console.log(`${result.redriven.length} redriven to ${urls.queue}`);
    if (result.notFound.length > 0) process.exitCode = 1;
  } else {
    fail(command ? `unknown command ${command}` : 'no command');
  }
} catch (error) {
  console.error(
    `notifications: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
  );
  process.exitCode = 1;
} finally {
  sqs.destroy();
}
