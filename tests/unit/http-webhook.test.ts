/**
 * lib/http/webhook.ts: POST /webhooks/{provider}. The raw body is verified before anything parses
 * it; 200 only once the effect is durable (anything else makes the provider retry), and every
 * outcome answered the same way for the same event.
 */
import { createLogger, setLogSink } from '../../lib/http/logger.js';
import {
  handleWebhook,
  providerOf,
  WEBHOOK_MAX_BODY_BYTES,
  type WebhookDeps,
} from '../../lib/http/webhook.js';
import { type PaymentProvider, WebhookConfigError } from '../../lib/payments/ports.js';
import { readConektaEvent } from '../../lib/providers/conekta/mapping.js';
import { createFakeProvider } from '../support/fake-provider.js';
import { createMemoryStore } from '../support/memory-store.js';
import { anAttempt, aPayment } from '../support/records.js';

const logs: Record<string, unknown>[] = [];
let restore: ReturnType<typeof setLogSink>;
beforeAll(() => {
  restore = setLogSink((line) => logs.push(JSON.parse(line) as Record<string, unknown>));
});
afterAll(() => setLogSink(restore));
beforeEach(() => {
  logs.length = 0;
});

const NOW = Date.parse('2026-12-02T10:00:00.000Z');

function setup(
  verify: PaymentProvider['webhooks']['verify'] = (raw, headers) =>
    headers.digest === 'good'
      ? { ok: true, form: 'test/base64' }
      : { ok: false, reason: `bad digest for ${raw.length} bytes` },
) {
  const provider: PaymentProvider = {
    ...createFakeProvider('conekta'),
    webhooks: { verify, read: readConektaEvent },
  };
  const store = createMemoryStore();
  const counted: [string, Record<string, string> | undefined][] = [];
  const deps: WebhookDeps = {
    providers: { conekta: provider },
    store,
    logger: createLogger('test', 'DEBUG'),
    metrics: { count: (name, dimensions) => counted.push([name, dimensions]) },
    now: () => NOW,
  };
  return { deps, store, counted };
}

const eventOf = (body: unknown, overrides: Record<string, unknown> = {}) => ({
  body: typeof body === 'string' ? body : JSON.stringify(body),
  isBase64Encoded: false,
  headers: { digest: 'good' } as Record<string, string | undefined>,
  pathParameters: { provider: 'conekta' },
  rawPath: '/webhooks/conekta',
  ...overrides,
});

/** What the request's later lines (its `request done` line among them) carry: the keys the handler appended. */
const laterLine = (deps: WebhookDeps) => {
  deps.logger.info('later');
  return logs.at(-1);
};

const answer = (result: { statusCode: number; body: string }) => ({
  status: result.statusCode,
  body: JSON.parse(result.body),
});

async function aStoredPayment(
  store: ReturnType<typeof createMemoryStore>,
  status: 'pending_payment' | 'paid' = 'pending_payment',
) {
  const attempt = anAttempt({ status, providerUpdatedAt: 1_800_000_000 });
  const record = aPayment([attempt]);
  await store.insert(record);
  return { attempt, record };
}

const orderEvent = (
  record: { merchant: string; referenceId: string },
  attempt: { id: string; orderId?: string; amountCents: number },
  overrides: Record<string, unknown> = {},
) => ({
  id: 'evt_123',
  type: 'order.paid',
  data: {
    object: {
      id: attempt.orderId,
      amount: attempt.amountCents,
      currency: 'MXN',
      payment_status: 'paid',
      updated_at: 1_800_000_100,
      metadata: {
        reference_id: record.referenceId,
        pagos_merchant: record.merchant,
        pagos_attempt: attempt.id,
      },
      ...overrides,
    },
  },
});

describe('handleWebhook', () => {
  it('applies a verified order event to its payment and answers 200 applied', async () => {
    const { deps, store, counted } = setup();
    const { attempt, record } = await aStoredPayment(store);
    const result = answer(await handleWebhook(deps, eventOf(orderEvent(record, attempt))));
    expect(result).toEqual({ status: 200, body: { received: true, outcome: 'applied' } });
    const stored = (await store.get(record.merchant, record.referenceId))!;
    expect(stored.status).toBe('paid');
    expect(stored.history.at(-1)).toEqual({
      status: 'paid',
      at: '2026-12-02T10:00:00.000Z',
      source: 'webhook:evt_123',
      orderId: attempt.orderId,
    });
    expect(counted).toEqual([['WebhooksVerified', { DigestForm: 'test/base64' }]]);
    // One line per event: no line of its own, the fields ride on the request's later lines.
    expect(logs).toEqual([]);
    expect(laterLine(deps)).toMatchObject({
      digest_form: 'test/base64',
      to: 'paid',
      fast: true,
      event_id: 'evt_123',
      reference_id: record.referenceId,
    });
  });

  it('answers the same event again 200 as stale, changing nothing', async () => {
    const { deps, store } = setup();
    const { attempt, record } = await aStoredPayment(store);
    await handleWebhook(deps, eventOf(orderEvent(record, attempt)));
    // A new request's logger, as each request has.
    const next = { ...deps, logger: createLogger('test', 'DEBUG') };
    const again = answer(await handleWebhook(next, eventOf(orderEvent(record, attempt))));
    expect(again).toEqual({ status: 200, body: { received: true, outcome: 'stale' } });
    expect(logs).toEqual([]);
    expect(laterLine(next)).toMatchObject({ event_id: 'evt_123' });
    expect(laterLine(next)).not.toHaveProperty('to');
  });

  it('reads a base64 body as its bytes', async () => {
    const { deps, store } = setup();
    const { attempt, record } = await aStoredPayment(store);
    const body = Buffer.from(JSON.stringify(orderEvent(record, attempt))).toString('base64');
    expect(answer(await handleWebhook(deps, eventOf(body, { isBase64Encoded: true }))).body.outcome).toBe(
      'applied',
    );
  });

  it('verifies the exact bytes received, before parsing', async () => {
    let seen: Buffer | undefined;
    const { deps } = setup((raw) => {
      seen = raw;
      return { ok: false, reason: 'no' };
    });
    const result = answer(await handleWebhook(deps, eventOf('{"not":"parsed yet"', { headers: undefined })));
    expect(result).toEqual({
      status: 401,
      body: { error: { code: 'invalid_signature', message: 'no', details: [] } },
    });
    expect(seen?.toString()).toBe('{"not":"parsed yet"');
    expect(logs.find((l) => l.message === 'webhook signature refused')).toMatchObject({
      reason: 'no',
      bytes: 19,
    });
  });

  it('answers 500 while verification is not configured, so the provider retries until it is', async () => {
    const { deps } = setup(() => {
      throw new WebhookConfigError('no key configured');
    });
    expect(answer(await handleWebhook(deps, eventOf('{}')))).toEqual({
      status: 500,
      body: {
        error: {
          code: 'webhook_keys_missing',
          message: 'Webhook verification is not configured yet; retry later.',
          details: [],
        },
      },
    });
    expect(logs.find((l) => l.level === 'ERROR')).toMatchObject({
      message: 'webhook verification is not configured',
      reason: 'no key configured',
    });
  });

  it('lets any other verification failure through as an error', async () => {
    const { deps } = setup(() => {
      throw new RangeError('bug');
    });
    await expect(handleWebhook(deps, eventOf('{}'))).rejects.toThrow('bug');
  });

  it('answers 404 for a provider it does not know, naming it briefly', async () => {
    const { deps } = setup();
    const result = answer(
      await handleWebhook(deps, eventOf('{}', { pathParameters: { provider: `stripe${'x'.repeat(100)}` } })),
    );
    expect(result.status).toBe(404);
    expect(result.body.error).toEqual({
      code: 'unknown_provider',
      message: `No provider named "stripe${'x'.repeat(34)}" sends webhooks here.`,
      details: [],
    });
    expect(
      answer(await handleWebhook(deps, eventOf('{}', { pathParameters: { provider: 'toString' } }))).status,
    ).toBe(404);
  });

  it('refuses a body over the limit with 413 before verifying it', async () => {
    let verified = false;
    const { deps } = setup(() => {
      verified = true;
      return { ok: true, form: 'x' };
    });
    const result = answer(await handleWebhook(deps, eventOf('x'.repeat(WEBHOOK_MAX_BODY_BYTES + 1))));
    expect(result).toEqual({
      status: 413,
      body: {
        error: {
          code: 'body_too_large',
          message: 'Webhook bodies are limited to 262144 bytes.',
          details: [],
        },
      },
    });
    expect(verified).toBe(false);
    expect(WEBHOOK_MAX_BODY_BYTES).toBe(256 * 1024);
    expect(
      answer(await handleWebhook(deps, eventOf(`"${'x'.repeat(WEBHOOK_MAX_BODY_BYTES - 2)}"`))).status,
    ).toBe(400);
  });

  it.each([
    ['not JSON', '{"id":'],
    ['not UTF-8', Buffer.from([0x7b, 0xff, 0x7d]).toString('latin1')],
  ])('answers 400 invalid_json for a verified body that is %s', async (_what, body) => {
    const { deps } = setup();
    const event = eventOf(Buffer.from(body, 'latin1').toString('base64'), { isBase64Encoded: true });
    expect(answer(await handleWebhook(deps, event))).toEqual({
      status: 400,
      body: {
        error: { code: 'invalid_json', message: 'The webhook body is not valid UTF-8 JSON.', details: [] },
      },
    });
  });

  it('answers 400 for a malformed event, 200 for a ping and for events that are not about orders', async () => {
    const { deps } = setup();
    expect(answer(await handleWebhook(deps, eventOf({ type: 'order.paid', data: {} }))).body).toEqual({
      error: { code: 'invalid_event', message: 'The event has no data.object.id.', details: [] },
    });
    expect(answer(await handleWebhook(deps, eventOf({ id: 'evt_1', type: 'webhook_ping' })))).toEqual({
      status: 200,
      body: { received: true, outcome: 'ping' },
    });
    expect(answer(await handleWebhook(deps, eventOf({ id: 'evt_2', type: 'charge.created' })))).toEqual({
      status: 200,
      body: { received: true, outcome: 'ignored' },
    });
    expect(logs.find((l) => l.message === 'webhook event ignored')).toMatchObject({
      event_id: 'evt_2',
      type: 'charge.created',
    });
  });

  it('answers 200 not_ours for an order without our tag', async () => {
    const { deps } = setup();
    const event = {
      id: 'evt_3',
      type: 'order.paid',
      data: { object: { id: 'ord_x', amount: 1, currency: 'MXN', metadata: {} } },
    };
    expect(answer(await handleWebhook(deps, eventOf(event))).body).toEqual({
      received: true,
      outcome: 'not_ours',
    });
    expect(laterLine(deps)).toMatchObject({ order_id: 'ord_x' });
    expect(laterLine(deps)).not.toHaveProperty('reference_id');
  });

  it.each([
    ['no_payment', 'warn', 'webhook for a payment this service does not have; ignored'],
    ['mismatch', 'error', 'webhook order does not match its attempt (amount or currency); ignored'],
    ['unknown_status', 'warn', 'unknown provider payment status kept raw'],
  ] as const)('answers 200 %s, logging it at %s', async (outcome, level, message) => {
    const { deps, store } = setup();
    const { attempt, record } = await aStoredPayment(store);
    const event =
      outcome === 'no_payment'
        ? orderEvent({ ...record, referenceId: 'nobody' }, attempt)
        : outcome === 'mismatch'
          ? orderEvent(record, attempt, { amount: 1 })
          : orderEvent(record, attempt, { payment_status: 'in_review_v2' });
    expect(answer(await handleWebhook(deps, eventOf(event))).body).toEqual({ received: true, outcome });
    expect(logs.find((l) => l.message === message)).toMatchObject({ level: level.toUpperCase() });
    if (outcome === 'unknown_status')
      expect(logs.find((l) => l.message === message)).toMatchObject({ provider_status: 'in_review_v2' });
  });

  it('dates the change now when no clock is given', async () => {
    const { deps, store } = setup();
    const { attempt, record } = await aStoredPayment(store);
    const before = Date.now();
    await handleWebhook(
      { ...deps, now: undefined } as unknown as WebhookDeps,
      eventOf(orderEvent(record, attempt)),
    );
    const at = Date.parse((await store.get(record.merchant, record.referenceId))!.history.at(-1)!.at);
    expect(at).toBeGreaterThanOrEqual(before);
  });
});

describe('providerOf', () => {
  it('is the {provider} path parameter, else the last segment of the path', () => {
    expect(providerOf({ pathParameters: { provider: 'conekta' }, rawPath: '/webhooks/other' })).toBe(
      'conekta',
    );
    expect(providerOf({ rawPath: '/webhooks/conekta/' } as never)).toBe('conekta');
    expect(providerOf({} as never)).toBe('');
  });
});
