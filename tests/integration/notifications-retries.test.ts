/**
 * Retries on the schedule (HTTP 500 and timeouts), the exact attempt count, death after the last
 * attempt (metric, dead-letter queue) and the operator CLI listing and redriving it; all on
 * DynamoDB Local, the local SQS server and real HTTP receivers. The schedule is shortened to
 * seconds through the same setting the function reads.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { listDeadLetters } from '../../lib/notify/dead-letters.js';
import {
  type Answer,
  metricsNamed,
  type Pipeline,
  type Receiver,
  startPipeline,
  startReceiver,
  until,
} from '../support/notification-pipeline.js';
import { anAttempt, aPayment } from '../support/records.js';

const SCHEDULE = [1, 2];
let pipeline: Pipeline;
const receivers: Receiver[] = [];

beforeAll(async () => {
  pipeline = await startPipeline('notify-retries', { retrySchedule: SCHEDULE, timeoutMs: 500 });
});

afterAll(async () => {
  await pipeline?.stop();
  await Promise.all(receivers.map((r) => r.stop()));
});

async function receiver(answer: (nth: number) => Answer): Promise<Receiver> {
  const r = await startReceiver((_req, nth) => answer(nth));
  receivers.push(r);
  return r;
}

/** One notification (payment.created) to `url`, through the table. */
async function notify(url: string) {
  const payment = aPayment([anAttempt()], { notificationUrl: url });
  expect((await pipeline.payments.insert(payment)).ok).toBe(true);
  return payment;
}

const attemptsOf = (r: Receiver) => r.received.map((x) => Number(x.headers['pagos-attempt']));
const gaps = (r: Receiver) => r.received.slice(1).map((x, i) => x.at - r.received[i]!.at);

it('HTTP 500 is retried after each delay of the schedule, with the attempt number, then delivered', async () => {
  const r = await receiver((nth) => (nth < 3 ? 'error' : 'ok'));
  await notify(r.url);
  await until('the third attempt', () => r.received.length >= 3);
  expect(attemptsOf(r)).toEqual([1, 2, 3]);
  expect(new Set(r.received.map((x) => x.json.id)).size).toBe(1);
  // Never before its delay (SQS delays are whole seconds, the attempt may start 250 ms early).
  for (const [i, gap] of gaps(r).entries()) expect(gap).toBeGreaterThanOrEqual(SCHEDULE[i]! * 1000 - 300);
});

it('a storefront that accepts the connection and never answers is retried on the same schedule', async () => {
  const r = await receiver((nth) => (nth < 3 ? 'silent' : 'ok'));
  await notify(r.url);
  await until('the third attempt', () => r.received.length >= 3);
  expect(attemptsOf(r)).toEqual([1, 2, 3]);
  for (const [i, gap] of gaps(r).entries()) expect(gap).toBeGreaterThanOrEqual(SCHEDULE[i]! * 1000 - 300);
  const delivered = await until(
    'delivered metric',
    () => metricsNamed(pipeline.metricLines, 'NotificationsDelivered').length > 0,
  );
  expect(delivered).toBe(true);
});

describe('dead after the last attempt', () => {
  let r: Receiver;
  let failing = true;
  let notificationId: string;

  beforeAll(async () => {
    r = await receiver(() => (failing ? 'error' : 'ok'));
    await notify(r.url);
    await until(
      'the dead-letter queue',
      async () => (await listDeadLetters(pipeline.sqs, urls())).length === 1,
      25_000,
    );
    notificationId = String(r.received[0]!.json.id);
  }, 30_000);

  const urls = () => ({ queue: pipeline.queueUrl, dead: pipeline.deadLetterQueueUrl });

  it("has made exactly the schedule's attempts, is counted, and waits on the dead-letter queue", async () => {
    expect(attemptsOf(r)).toEqual([1, 2, 3]);
    const [letter] = await listDeadLetters(pipeline.sqs, urls());
    expect(letter).toMatchObject({
      kind: 'dead',
      message: {
        attempts: 3,
        notification: { id: notificationId },
        last: { result: 'http_status', status: 500 },
        dead: { reason: 'retries exhausted' },
      },
    });
    const dead = metricsNamed(pipeline.metricLines, 'DeadNotifications').filter(
      (l) => l.notification_id === notificationId,
    );
    expect(dead).toEqual([expect.objectContaining({ DeadNotifications: 1, Stage: 'test', attempts: 3 })]);
    expect(dead[0]!._aws).toMatchObject({
      CloudWatchMetrics: [
        {
          Namespace: 'Pagos',
          Dimensions: [['Stage']],
          Metrics: [{ Name: 'DeadNotifications', Unit: 'Count' }],
        },
      ],
    });
  });

  const cli = (...args: string[]) =>
    promisify(execFile)('node_modules/.bin/tsx', ['scripts/notifications.ts', ...args], {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        AWS_ENDPOINT_URL_SQS: pipeline.sqsEndpoint,
        NOTIFICATION_QUEUE_URL: pipeline.queueUrl,
        NOTIFICATION_DLQ_URL: pipeline.deadLetterQueueUrl,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      },
      timeout: 30_000,
    });

  it('is listed by the CLI, and redriven by id with a fresh schedule', async () => {
    const listed = await cli('list', '--dead');
    expect(listed.stdout).toContain(notificationId);
    expect(listed.stdout).toMatch(/attempts=3 {2}last=http_status 500/);
    expect(listed.stdout).toMatch(/^1 on /m);
    failing = false;
    const redriven = await cli('redrive', notificationId);
    expect(redriven.stdout).toMatch(/^1 redriven/m);
    await until('the redriven delivery', () => r.received.length === 4);
    // Same notification, counted from 1 again.
    expect(r.received[3]!.json.id).toBe(notificationId);
    expect(r.received[3]!.headers['pagos-attempt']).toBe('1');
    expect((await cli('list', '--dead')).stdout).toMatch(/^0 on /m);
  });

  it('redrives every dead notification with --all-dead; an unknown id is reported and exits 1', async () => {
    failing = true;
    await notify(r.url);
    await notify(r.url);
    await until('two dead', async () => (await listDeadLetters(pipeline.sqs, urls())).length === 2, 25_000);
    failing = false;
    const before = r.received.length;
    const out = await cli('redrive', '--all-dead');
    expect(out.stdout).toMatch(/^2 redriven/m);
    await until('both redriven deliveries', () => r.received.length === before + 2);
    await expect(cli('redrive', 'ntf_unknown')).rejects.toMatchObject({
      code: 1,
      stdout: expect.stringContaining('not found  ntf_unknown'),
    });
  }, 40_000);
});
