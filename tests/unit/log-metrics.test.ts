/**
 * The EMF lines lib/http/metrics.ts writes for Pagos: namespace `Pagos`, only the `Stage`
 * dimension (the DeadNotificationsAlarm matches exactly that), and what each answer counts.
 */
import { jest } from '@jest/globals';
import middy from '@middy/core';
import { createLogger } from '../../lib/http/logger.js';
import { countPagosSuccess, PagosMetrics, pagosErrorCounts, webhookCounts } from '../../lib/http/metrics.js';
import { errorResponder, requestMetrics } from '../../lib/http/middlewares.js';
import { summarizeAnswer } from '../../lib/http/outcome.js';
import { jsonResponse } from '../../lib/http/responses.js';
import { NotifyMetric } from '../../lib/notify/metrics.js';
import { RateLimitedError } from '../../lib/payments/errors.js';

const lines: string[] = [];
const metrics = () => new PagosMetrics({ stage: 'prod', sink: (line) => lines.push(line) });
const emf = () => lines.map((line) => JSON.parse(line) as Record<string, unknown>);
beforeEach(() => {
  lines.length = 0;
});

it('batches plain counts into one line at publish, with the Stage dimension only', () => {
  const m = metrics();
  m.count('PaymentsCreated');
  m.count('PaymentsCreated');
  m.count('Conflicts');
  expect(lines).toEqual([]);
  m.publishStoredMetrics();
  m.publishStoredMetrics(); // nothing left: no line, no warning
  expect(emf()).toEqual([
    {
      _aws: {
        Timestamp: expect.any(Number),
        CloudWatchMetrics: [
          {
            Namespace: 'Pagos',
            Dimensions: [['Stage']],
            Metrics: [
              { Name: 'PaymentsCreated', Unit: 'Count' },
              { Name: 'Conflicts', Unit: 'Count' },
            ],
          },
        ],
      },
      Stage: 'prod',
      PaymentsCreated: [1, 1],
      Conflicts: 1,
    },
  ]);
});

const directive = (dimensions: string[], ...names: string[]) => ({
  Namespace: 'Pagos',
  Dimensions: [['Stage', ...dimensions]],
  Metrics: names.map((Name) => ({ Name, Unit: 'Count' })),
});
const directives = (line: Record<string, unknown>) =>
  (line._aws as { CloudWatchMetrics: unknown[] }).CloudWatchMetrics;

it('one line per publish: each dimension set is a directive of its own, sharing the top level', () => {
  const m = metrics();
  const before = Date.now();
  m.count('PaymentsCreated');
  m.count('ConektaErrors', { status: '504' });
  m.count('RateLimited', { limit: 'provider' });
  m.count('WebhooksRejected', { status: '504' });
  expect(lines).toEqual([]);
  m.publishStoredMetrics();
  expect(emf()).toEqual([
    {
      _aws: {
        Timestamp: expect.any(Number),
        CloudWatchMetrics: [
          directive([], 'PaymentsCreated'),
          directive(['status'], 'ConektaErrors', 'WebhooksRejected'),
          directive(['limit'], 'RateLimited'),
        ],
      },
      Stage: 'prod',
      PaymentsCreated: 1,
      status: '504',
      ConektaErrors: 1,
      WebhooksRejected: 1,
      limit: 'provider',
      RateLimited: 1,
    },
  ]);
  const stamp = (emf()[0]!._aws as { Timestamp: number }).Timestamp;
  expect(stamp).toBeGreaterThanOrEqual(before);
  expect(stamp).toBeLessThanOrEqual(Date.now());
});

type Counted = [string, Record<string, string>];
it.each<[string, [Counted, Counted]]>([
  [
    'a dimension already on the line with another value',
    [
      ['ConektaErrors', { status: '504' }],
      ['RateLimited', { status: '429' }],
    ],
  ],
  [
    'a name already under another dimension set',
    [
      ['Answers', {}],
      ['Answers', { outcome: 'ok' }],
    ],
  ],
  [
    'a name already under no dimension set',
    [
      ['Answers', { outcome: 'ok' }],
      ['Answers', {}],
    ],
  ],
  [
    'a dimension named like a stored metric',
    [
      ['limit', {}],
      ['RateLimited', { limit: 'key' }],
    ],
  ],
  [
    'a metric named like a stored dimension',
    [
      ['RateLimited', { limit: 'key' }],
      ['limit', {}],
    ],
  ],
])('%s: the stored line is written first', (_, [first, second]) => {
  const m = metrics();
  m.count(...first);
  m.count(...second);
  expect(emf()).toEqual([expect.objectContaining({ [first[0]]: 1, ...first[1] })]);
  expect(directives(emf()[0]!)).toEqual([directive(Object.keys(first[1]), first[0])]);
  m.publishStoredMetrics();
  expect(emf()[1]).toEqual(expect.objectContaining({ [second[0]]: 1, ...second[1] }));
  expect(directives(emf()[1]!)).toEqual([directive(Object.keys(second[1]), second[0])]);
});

it('the same count again is one more value of 1, up to 100 values; the 101st starts a line', () => {
  const m = metrics();
  for (let i = 0; i < 101; i += 1) m.count('NotificationsDelivered');
  expect(emf()).toEqual([expect.objectContaining({ NotificationsDelivered: new Array(100).fill(1) })]);
  m.publishStoredMetrics();
  expect(emf()[1]).toEqual(expect.objectContaining({ NotificationsDelivered: 1 }));
  expect(emf()).toHaveLength(2);
});

it('100 members on a line (names, dimensions): the next new name starts a line', () => {
  const m = metrics();
  for (let i = 0; i < 99; i += 1) m.count(`M${i}`);
  m.count('X', { d: 'v' }); // the 100th and 101st members
  m.count('M0'); // a stored name: one more value, still on the line
  expect(lines).toEqual([]);
  m.count('Y');
  expect(emf()).toHaveLength(1);
  expect(emf()[0]).toMatchObject({ M0: [1, 1], M98: 1, X: 1, d: 'v' });
  expect(emf()[0]).not.toHaveProperty('Y');
  m.publishStoredMetrics();
  expect(emf()[1]).toEqual(expect.objectContaining({ Y: 1 }));
  expect(directives(emf()[1]!)).toEqual([directive([], 'Y')]);
});

it('exactly 100 members fit: the 100th new name joins the line, the 101st starts one', () => {
  const m = metrics();
  for (let i = 0; i < 100; i += 1) m.count(`M${i}`);
  expect(lines).toEqual([]);
  m.count('M100');
  expect(emf()).toHaveLength(1);
  expect(directives(emf()[0]!)).toEqual([directive([], ...Array.from({ length: 100 }, (_, i) => `M${i}`))]);
  m.publishStoredMetrics();
  expect(directives(emf()[1]!)).toEqual([directive([], 'M100')]);
});

it('by default, every line goes to stdout, one per write, ending in a newline', () => {
  const write = jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
  try {
    new PagosMetrics({ stage: 'prod' }).count('X', {}, { id: 'a' });
    expect(write).toHaveBeenCalledTimes(1);
    const [text] = write.mock.calls[0] as [string];
    expect(text.endsWith('}\n')).toBe(true);
    expect(JSON.parse(text)).toMatchObject({ X: 1, id: 'a', Stage: 'prod' });
  } finally {
    write.mockRestore();
  }
});

it('a count with metadata is written at once and leaves the stored line alone', () => {
  const m = metrics();
  m.count('NotificationsDelivered');
  m.count('DeadNotifications', { reason: 'x' }, { notification_id: 'ntf_1' });
  expect(emf()).toEqual([
    expect.objectContaining({ DeadNotifications: 1, reason: 'x', notification_id: 'ntf_1' }),
  ]);
  expect(directives(emf()[0]!)).toEqual([directive(['reason'], 'DeadNotifications')]);
  m.publishStoredMetrics();
  expect(emf()[1]).toEqual(expect.objectContaining({ NotificationsDelivered: 1 }));
  expect(emf()[1]).not.toHaveProperty('notification_id');
});

it('DeadNotifications: the name, namespace and dimension the alarm watches, ids as metadata', () => {
  metrics().count(
    NotifyMetric.dead,
    {},
    { notification_id: 'ntf_1', target: 'shop.example.com', attempts: 8 },
  );
  expect(emf()).toEqual([
    {
      _aws: {
        Timestamp: expect.any(Number),
        CloudWatchMetrics: [
          {
            Namespace: 'Pagos',
            Dimensions: [['Stage']],
            Metrics: [{ Name: 'DeadNotifications', Unit: 'Count' }],
          },
        ],
      },
      Stage: 'prod',
      DeadNotifications: 1,
      notification_id: 'ntf_1',
      target: 'shop.example.com',
      attempts: 8,
    },
  ]);
});

const problem = (status: number, code: string, provider?: object) =>
  summarizeAnswer(
    jsonResponse(status, { error: { code, message: 'm', details: [], ...(provider && { provider }) } }),
  );

it.each([
  [problem(409, 'reference_conflict'), [{ name: 'Conflicts' }]],
  [problem(409, 'request_in_progress'), [{ name: 'Conflicts' }]],
  [problem(400, 'invalid_request'), []],
  [
    problem(402, 'payment_declined', { name: 'conekta', status: 402 }),
    [{ name: 'ConektaErrors', dimensions: { status: '402' } }],
  ],
  [
    problem(504, 'provider_timeout', { name: 'conekta' }),
    [{ name: 'ConektaErrors', dimensions: { status: 'timeout' } }],
  ],
  [
    problem(502, 'provider_unavailable', { name: 'conekta' }),
    [{ name: 'ConektaErrors', dimensions: { status: 'network' } }],
  ],
])('POST /pagos %j counts %j', (answer, counts) => {
  expect(pagosErrorCounts(answer)).toEqual(counts);
});

describe('RateLimited: Pagos refusing with 429 rate_limited, by the limit that refused', () => {
  const limited = problem(429, 'rate_limited');
  it.each([
    ['key', new RateLimitedError('key', { message: 'm' })],
    ['new_keys_per_source', new RateLimitedError('new_keys_per_source', { message: 'm' })],
  ])('%s: named by the error Pagos threw', (limit, error) => {
    expect(pagosErrorCounts(limited, error)).toEqual([{ name: 'RateLimited', dimensions: { limit } }]);
  });

  it("unknown: a 429 that is neither Pagos's own error nor Conekta's answer (a bug to look for)", () => {
    expect(pagosErrorCounts(limited)).toEqual([{ name: 'RateLimited', dimensions: { limit: 'unknown' } }]);
  });

  it("provider: Conekta's own 429 (the answer has a provider part), also a ConektaErrors 429", () => {
    expect(pagosErrorCounts(problem(429, 'rate_limited', { name: 'conekta', status: 429 }))).toEqual([
      { name: 'RateLimited', dimensions: { limit: 'provider' } },
      { name: 'ConektaErrors', dimensions: { status: '429' } },
    ]);
  });

  it('through requestMetrics: the error thrown reaches the count after errorResponder answered it', async () => {
    const handler = middy()
      .use(requestMetrics(metrics(), pagosErrorCounts))
      .use(errorResponder(createLogger('test', 'silent')))
      .handler(async () => {
        throw new RateLimitedError('new_keys_per_source', {
          message: 'Too many requests. Send it again in 3 s.',
          headers: { 'Retry-After': '3' },
        });
      });
    const answer = (await handler({} as never, {} as never)) as { statusCode: number; body: string };
    expect(answer.statusCode).toBe(429);
    expect(JSON.parse(answer.body).error).toEqual({
      code: 'rate_limited',
      message: 'Too many requests. Send it again in 3 s.',
      details: [],
    });
    expect(emf()).toEqual([
      expect.objectContaining({
        _aws: expect.objectContaining({
          CloudWatchMetrics: [
            {
              Namespace: 'Pagos',
              Dimensions: [['Stage', 'limit']],
              Metrics: [{ Name: 'RateLimited', Unit: 'Count' }],
            },
          ],
        }),
        Stage: 'prod',
        limit: 'new_keys_per_source',
        RateLimited: 1,
      }),
    ]);
  });
});

it('POST /pagos successes: a new payment or a replay, for create and charge only', () => {
  const counted: string[] = [];
  const m = { count: (name: string) => counted.push(name) };
  countPagosSuccess(m, { action: 'create', replayed: false });
  countPagosSuccess(m, { action: 'charge', replayed: true });
  countPagosSuccess(m, { action: 'status' });
  expect(counted).toEqual(['PaymentsCreated', 'CreatesReplayed']);
});

const received = (outcome: string) => summarizeAnswer(jsonResponse(200, { received: true, outcome }));

it.each([
  [received('applied'), [{ name: 'WebhooksAccepted' }]],
  [received('stale'), [{ name: 'WebhooksAccepted' }, { name: 'WebhooksStale' }]],
  [problem(400, 'invalid_json'), [{ name: 'WebhooksRejected', dimensions: { reason: 'invalid_json' } }]],
  [received('ping'), [{ name: 'WebhooksAccepted' }]],
  [
    problem(401, 'invalid_signature'),
    [{ name: 'WebhooksRejected', dimensions: { reason: 'invalid_signature' } }],
  ],
  [summarizeAnswer(undefined), [{ name: 'WebhooksRejected', dimensions: { reason: 'error' } }]],
])('POST /webhooks/conekta %j counts %j', (answer, counts) => {
  expect(webhookCounts(answer)).toEqual(counts);
});
