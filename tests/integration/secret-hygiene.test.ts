/**
 * Logs that tell an operator what happened without leaking a secret, and a table that holds only
 * what the README lists. At debug level, across the flows (create, charge, webhook, refund,
 * cancel, status, refusals and a Conekta timeout), no log line and no stored item holds the
 * merchant's secret, the card token, the buyer's email, phone or name, the card holder's name,
 * expiry or authorization code, or a card-like number; and every line of a request carries its
 * request id, the one echoed as X-Request-Id. (Notification delivery: tests/integration/notifications-*.)
 */
import { randomUUID, sign } from 'node:crypto';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { setLogSink } from '../../lib/http/logger.js';
import { setMetricSink } from '../../lib/http/metrics.js';
import { metadataOf, orderEvent, webhookSigner } from '../support/conekta-events.js';
import { apiGatewayEvent, lambdaContext } from '../support/lambda-http.js';
import { eventually, type PagosStack, startPagosStack } from '../support/pagos-stack.js';
import { type Receiver, startReceiver } from '../support/receiver.js';

type Handler = (event: unknown, context: Context) => Promise<unknown>;
type HttpAnswer = { statusCode: number; headers: Record<string, string>; body: string };

const secret = `key_hygiene_${randomUUID().replaceAll('-', '')}`;
const token = 'tok_test_visa_4242';
const person = {
  first_name: 'Eufrosina',
  last_name: 'Quetzalli',
  email: 'eufrosina.secretcheck@example.com',
  phone: '5512345678',
};
// Platform ids (UUIDs, API Gateway ids) may hold any digits; they are not checked for cards.
const PLATFORM_IDS = ['correlation_id', 'function_request_id', 'xray_trace_id'];
const CARD_LIKE = /(?<![A-Za-z0-9])\d(?:[ -]?\d){12,18}(?![A-Za-z0-9])/;

let stack: PagosStack;
let receiver: Receiver;
let receiverUrl: string;
const logs: string[] = [];
const metrics: string[] = [];

beforeAll(async () => {
  process.env.LOG_LEVEL = 'debug';
  setLogSink((line) => logs.push(line));
  setMetricSink((line) => metrics.push(line));
  receiver = await startReceiver(() => 200);
  receiverUrl = receiver.url;
  stack = await startPagosStack('hygiene', {
    env: {
      CONEKTA_TIMEOUT_MS: '500',
      NOTIFICATION_RETRY_SCHEDULE: '0.05,0.05',
    },
  });
});
afterAll(async () => {
  await stack.stop();
  await receiver.stop();
});

/** Values a log line must never show: parsed, with the platform ids left out. */
function leaks(lines: readonly string[], signingSecrets: readonly string[]): string[] {
  const forbidden = [
    secret,
    token,
    person.email,
    person.phone,
    person.first_name,
    person.last_name,
    ...signingSecrets,
  ];
  return lines.filter((line) => {
    const fields = JSON.parse(line) as Record<string, unknown>;
    for (const id of PLATFORM_IDS) delete fields[id];
    const text = JSON.stringify(fields);
    return forbidden.some((value) => text.includes(value)) || CARD_LIKE.test(text);
  });
}

const base = { provider: 'conekta', secret };
const create = (reference: string, extra = {}) =>
  stack.pagos({
    ...base,
    action: 'create',
    reference_id: reference,
    amount: 1000,
    return_url: 'https://shop.example.com',
    notification_url: receiverUrl,
    ...person,
    ...extra,
  });

it('no secret, token, email, phone, name or card number in any log line or stored item, whatever the flow', async () => {
  const link = await create('hy-1');
  await create('hy-1');
  await create('hy-1', { amount: 5 });
  await create('hy-2', { email: 'broken' });
  await create('4111 1111 1111 1111'); // a card number where a reference should be
  await stack.pagos({
    ...base,
    action: 'charge',
    reference_id: 'hy-c',
    amount: 10,
    number: '4242 4242 4242 4242',
  });
  await stack.pagos({}, { raw: `{"secret":"${secret}","email":"${person.email}"` }); // broken JSON
  await stack.sandboxControl('POST', '/_sandbox/faults', { hang_next: 1 });
  await create('hy-3');
  await stack.sandboxControl('DELETE', '/_sandbox/faults');
  await create('hy-3');
  await stack.pagos({
    ...base,
    action: 'charge',
    reference_id: 'hy-4',
    amount: 10,
    token_id: token,
    ...person,
  });
  await stack.pagos({
    ...base,
    action: 'charge',
    reference_id: 'hy-5',
    amount: 10,
    token_id: 'tok_test_card_declined',
    ...person,
  });

  // Paid: Conekta's webhook (the card holder's name, expiry and authorization code are in it).
  await stack.sandboxControl('POST', `/_sandbox/orders/${link.json.id}/pay_card`);
  await eventually('paid', async () =>
    (await stack.record(secret, 'hy-1'))?.status === 'paid' ? true : undefined,
  );
  await stack.pagos({ ...base, action: 'status', reference_id: 'hy-1' });
  await stack.pagos({ ...base, action: 'refund', reference_id: 'hy-1', amount: 1 });
  await stack.pagos({ ...base, action: 'list' });
  // The merchant's own notification signing secrets: answered to it, never logged.
  const signing = await stack.pagos({ ...base, action: 'signing_secret' });
  const signingSecrets = (signing.json.signing_secrets as { secret: string }[]).map((s) => s.secret);
  expect(signingSecrets.length).toBeGreaterThan(0);

  await stack.pagos({ ...base, action: 'cancel', reference_id: 'hy-3' });
  await stack.pagos({ ...base, action: 'status', reference_id: 'nothing-here' });

  expect(logs.length).toBeGreaterThan(30);
  expect(logs.some((l) => l.includes('"DEBUG"'))).toBe(true);
  expect(leaks(logs, signingSecrets)).toEqual([]);
  // The metrics say the same story, with no personal data either.
  expect(metrics.some((m) => m.includes('"PaymentsCreated"'))).toBe(true);
  expect(
    leaks(
      metrics.map((m) => JSON.stringify({ ...JSON.parse(m), _aws: undefined })),
      signingSecrets,
    ),
  ).toEqual([]);

  const items = await stack.client.send(new ScanCommand({ TableName: stack.table, ConsistentRead: true }));
  const stored = JSON.stringify(items.Items);
  expect(items.Items?.length).toBeGreaterThan(3);
  // Nothing of the buyer beyond what the README lists (brand and last four of a card).
  for (const value of [secret, token, person.email, person.phone, person.first_name, person.last_name]) {
    expect(stored).not.toContain(value);
  }
  // The sandbox's card payments carry the holder's name, expiry and authorization code: never kept.
  expect(stored).not.toMatch(/"(name|exp_month|exp_year|auth_code|customer_info|shipping_contact)"/);
  expect(stored).toContain('"last4"');
});

describe('correlation: every line of a request carries its id, echoed as X-Request-Id', () => {
  const signer = webhookSigner();
  beforeAll(async () => {
    // Nothing else runs meanwhile: the sandbox keeps its webhooks, the test sends its own.
    await stack.sandboxControl('POST', '/_sandbox/faults', { webhooks_enabled: false });
    process.env.CONEKTA_WEBHOOK_PUBLIC_KEYS = `${process.env.CONEKTA_WEBHOOK_PUBLIC_KEYS}\n${signer.publicKeyPem}`;
  });
  afterAll(() => stack.sandboxControl('DELETE', '/_sandbox/faults'));

  /** Invokes the handler in-process and returns its answer and the lines it logged. */
  async function traced(path: string, body: Buffer, headers: Record<string, string> = {}) {
    const route = path === '/pagos' ? '../../functions/pagos.js' : '../../functions/webhooks.js';
    const handler = (await import(route)).handler as unknown as Handler;
    const event: APIGatewayProxyEventV2 = apiGatewayEvent(
      'POST',
      path,
      { 'content-type': 'application/json', ...headers },
      body,
    );
    const from = logs.length;
    const answer = (await handler(event, lambdaContext())) as HttpAnswer;
    const lines = logs.slice(from).map((l) => JSON.parse(l) as { correlation_id?: string; message: string });
    return { requestId: event.requestContext.requestId, answer, lines };
  }

  const expectCorrelated = ({ requestId, answer, lines }: Awaited<ReturnType<typeof traced>>) => {
    expect(answer.headers['X-Request-Id']).toBe(requestId);
    expect(lines.map((l) => l.message)).toContain('request done');
    expect(lines.filter((l) => l.correlation_id !== requestId)).toEqual([]);
  };

  const json = (value: unknown) => Buffer.from(JSON.stringify(value));
  let orderId: string;

  it('POST /pagos: an accepted create and refusals', async () => {
    const created = await traced(
      '/pagos',
      json({
        ...base,
        action: 'create',
        reference_id: 'hy-corr',
        amount: 1000,
        return_url: 'https://shop.example.com',
        notification_url: receiverUrl,
        ...person,
      }),
    );
    expect(created.answer.statusCode).toBe(200);
    expectCorrelated(created);
    orderId = (JSON.parse(created.answer.body) as { id: string }).id;
    const done = created.lines.find((l) => l.message === 'request done');
    expect(done).toMatchObject({ action: 'create', reference_id: 'hy-corr', order_id: orderId, status: 200 });
    expect(done).toHaveProperty('ms');

    const refused = await traced('/pagos', json({ ...base, action: 'create', reference_id: 'hy-corr-2' }));
    expect(refused.answer.statusCode).toBe(400);
    expectCorrelated(refused);
    const badType = await traced('/pagos', Buffer.from('{}'), { 'content-type': 'text/plain' });
    expect(badType.answer.statusCode).toBe(415);
    expectCorrelated(badType);
  });

  it('POST /webhooks/conekta: an applied event, and an unsigned one', async () => {
    const event = orderEvent('order.paid', {
      id: orderId,
      payment_status: 'paid',
      updated_at: Math.floor(Date.now() / 1000),
      amount: 100_000,
      metadata: metadataOf(
        { merchant: await stack.merchant(secret), referenceId: 'hy-corr' },
        Object.values((await stack.record(secret, 'hy-corr'))!.attempts)[0]!,
      ),
    });
    const body = json(event);
    const paid = await traced('/webhooks/conekta', body, {
      digest: sign('sha256', body, signer.privateKey).toString('base64'),
    });
    expect(JSON.parse(paid.answer.body)).toEqual({ received: true, outcome: 'applied' });
    expectCorrelated(paid);

    const unsigned = await traced('/webhooks/conekta', body);
    expect(unsigned.answer.statusCode).toBe(401);
    expectCorrelated(unsigned);
  });
});
