/**
 * SSRF at delivery, outside local mode: a notification URL that is, or resolves to, loopback,
 * private or metadata addresses is never connected to; it is retried on the schedule (DNS may be
 * fixed) and dies with `refused`. A URL that is not http(s) dies at once.
 */
import { listDeadLetters } from '../../lib/notify/dead-letters.js';
import {
  type Pipeline,
  type Receiver,
  startPipeline,
  startReceiver,
  until,
} from '../support/notification-pipeline.js';
import { anAttempt, aPayment } from '../support/records.js';

let pipeline: Pipeline;
let receiver: Receiver;

beforeAll(async () => {
  pipeline = await startPipeline('notify-ssrf', { retrySchedule: [1], localMode: false });
  receiver = await startReceiver();
});

afterAll(async () => {
  await pipeline?.stop();
  await receiver?.stop();
});

it('refuses loopback (literal and by name), private and metadata targets without connecting', async () => {
  const port = new URL(receiver.url).port;
  const urls = [
    receiver.url, // http://127.0.0.1:<port>
    `http://localhost:${port}/pagos/notify`,
    `http://[::ffff:127.0.0.1]:${port}/x`,
    'http://10.0.0.8/notify',
    'http://169.254.169.254/latest/meta-data/',
  ];
  for (const url of urls) await pipeline.payments.insert(aPayment([anAttempt()], { notificationUrl: url }));
  const letters = await until('all dead', async () => {
    const all = await listDeadLetters(pipeline.sqs, {
      queue: pipeline.queueUrl,
      dead: pipeline.deadLetterQueueUrl,
    });
    return all.length === urls.length && all;
  });
  expect(receiver.received).toHaveLength(0);
  for (const letter of letters) {
    expect(letter.message).toMatchObject({
      attempts: 2,
      last: { result: 'refused' },
      dead: { reason: 'retries exhausted' },
    });
  }
  expect(letters.map((l) => l.message!.url).sort()).toEqual([...urls].sort());
});
