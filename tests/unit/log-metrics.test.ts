/**
 * The EMF lines Powertools Metrics writes for Pagos: namespace `Pagos`, only the `Stage`
 * dimension (the DeadNotificationsAlarm matches exactly that), and what each answer counts.
 */
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

it('writes a count with its own dimension at once, on its own line', () => {
  const m = metrics();
  m.count('PaymentsCreated');
  m.count('ConektaErrors', { status: '504' });
  expect(emf()).toEqual([
    expect.objectContaining({
      _aws: expect.objectContaining({
        CloudWatchMetrics: [
          {
            Namespace: 'Pagos',
            Dimensions: [['Stage', 'status']],
            Metrics: [{ Name: 'ConektaErrors', Unit: 'Count' }],
          },
        ],
      }),
      Stage: 'prod',
      status: '504',
      ConektaErrors: 1,
    }),
  ]);
  m.publishStoredMetrics();
  expect(emf()[1]).toMatchObject({ PaymentsCreated: 1 });
  expect(emf()[1]).not.toHaveProperty('status');
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
  [
    problem(401, 'invalid_signature'),
    [{ name: 'WebhooksRejected', dimensions: { reason: 'invalid_signature' } }],
  ],
  [summarizeAnswer(undefined), [{ name: 'WebhooksRejected', dimensions: { reason: 'error' } }]],
])('POST /webhooks/conekta %j counts %j', (answer, counts) => {
  expect(webhookCounts(answer)).toEqual(counts);
});
