/**
 * POST /pagos against whatever the internet sends: the real handler in-process, DynamoDB Local
 * and the Conekta sandbox. Never a 5xx or an unhandled rejection; every refusal is the JSON error
 * shape; a request refused by validation writes nothing and calls Conekta never; nothing pollutes
 * a prototype; no planted secret or personal datum reaches a log line.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { setLogSink } from '../../lib/http/logger.js';
import { setMetricSink } from '../../lib/http/metrics.js';
import { merchantId } from '../../lib/payments/merchants.js';
import { type RunningSandbox, startConektaSandbox } from '../../local/conekta-sandbox/server.js';
import { createTestTable, testDynamoClient } from '../support/dynamodb.js';
import {
  type Answer,
  contentTypes,
  countSideEffects,
  deepJson,
  describable,
  errorCode,
  expectEmfOnly,
  expectNoPollution,
  expectNoSentinels,
  FUZZ_RUNS,
  FUZZ_SEED,
  fuzzParameters,
  fuzzTimeoutMs,
  hostileJson,
  hostileString,
  invoke,
  objectMutation,
  prototypeSnapshot,
  type RawRequest,
  SENTINELS,
  type SideEffects,
  sandboxCalls,
  scanKeys,
  textMutation,
  watchUnhandledRejections,
} from '../support/fuzz.js';

/**
 * The 400s a refund answers about the stored payment, not the request's shape (lib/payments/
 * refunds.ts): they come after admission. A new one would fail the shape rule (all writes 0) loudly.
 */
const STATE_REFUSALS = [
  /only paid payments can be refunded/,
  /is left to refund/,
  /is not an order of this payment/,
];
const isStateRefusal = (answer: Answer): boolean => {
  const message = (answer.json as { error?: { message?: unknown } } | undefined)?.error?.message;
  return typeof message === 'string' && STATE_REFUSALS.some((r) => r.test(message));
};

/** Refusals Pagos decides alone, before any I/O (but for the state refusals above). */
const VALIDATION_CODES = new Set([
  'invalid_request',
  'invalid_json',
  'unsupported_provider',
  'unsupported_action',
  'raw_card_not_allowed',
  'body_too_large',
  'unsupported_media_type',
]);

const SECRET = `key_fuzz_${randomUUID().replaceAll('-', '')}`;
const client = testDynamoClient();
const logs: string[] = [];
const metricLines: string[] = [];
let sandbox: RunningSandbox;
let table: string;
let effects: SideEffects;
let calls: ReturnType<typeof sandboxCalls>;
let handler: Parameters<typeof invoke>[0];

beforeAll(async () => {
  sandbox = await startConektaSandbox({ log: () => {}, env: {}, defaultWebhookUrls: [] });
  table = await createTestTable('fuzz-pagos');
  Object.assign(process.env, {
    PAYMENTS_TABLE: table,
    CONEKTA_API_URL: sandbox.url,
    CONEKTA_TIMEOUT_MS: '3000',
    PAGOS_LOCAL_MODE: 'false', // the SSRF rules are part of what is fuzzed
    LOG_LEVEL: 'debug', // every line the redactor can be asked to clean
    RATE_LIMIT_NEW_KEYS_PER_SOURCE_PER_MINUTE: '0', // the fuzzer is one source with many keys
  });
  setLogSink((line) => logs.push(line));
  setMetricSink((line) => metricLines.push(line));
  effects = countSideEffects();
  calls = sandboxCalls(sandbox.url);
  handler = (await import('../../functions/pagos.js')).handler as never;
});
afterAll(async () => {
  effects.restore();
  await sandbox.stop();
  client.destroy();
});

const person = {
  first_name: SENTINELS.name,
  last_name: 'Tester',
  email: SENTINELS.email,
  phone: SENTINELS.phone,
};
const reference = fc.stringMatching(/^fz-[a-z0-9]{1,6}$/);
const bases: Record<string, fc.Arbitrary<Record<string, unknown>>> = {
  create: reference.map((reference_id) => ({
    provider: 'conekta',
    action: 'create',
    secret: SECRET,
    reference_id,
    amount: 1000,
    return_url: 'https://shop.example.com',
    notification_url: 'https://fuzz.invalid/notify',
    ...person,
  })),
  charge: fc
    .tuple(reference, fc.constantFrom('tok_test_visa_4242', 'tok_test_card_declined'))
    .map(([reference_id, token_id]) => ({
      provider: 'conekta',
      action: 'charge',
      secret: SECRET,
      reference_id,
      amount: '10.50',
      token_id,
      ...person,
    })),
  status: reference.map((reference_id) => ({
    provider: 'conekta',
    action: 'status',
    secret: SECRET,
    reference_id,
  })),
  refund: reference.map((reference_id) => ({
    provider: 'conekta',
    action: 'refund',
    secret: SECRET,
    reference_id,
    amount: 1,
  })),
  cancel: reference.map((reference_id) => ({
    provider: 'conekta',
    action: 'cancel',
    secret: SECRET,
    reference_id,
  })),
};
const FIELDS = [
  'provider',
  'action',
  'secret',
  'reference_id',
  'amount',
  'return_url',
  'notification_url',
  'first_name',
  'last_name',
  'email',
  'phone',
  'token_id',
  'currency',
  'expires_in_days',
  'allowed_payment_methods',
  'monthly_installments',
  'reason',
  'refund_id',
  'number',
  'card',
];

const json = (value: unknown) => JSON.stringify(value) ?? 'null';
const base64 = (text: string | Uint8Array) => Buffer.from(text).toString('base64');

/** A request near a valid one: mutated fields, then maybe mutated text. */
const nearValid: fc.Arbitrary<RawRequest> = fc
  .tuple(
    fc.oneof(...Object.values(bases)),
    fc.array(objectMutation(FIELDS), { maxLength: 3 }),
    fc.option(textMutation, { freq: 3 }),
    contentTypes,
    fc.boolean(),
  )
  .map(([base, mutations, text, contentType, asBase64]) => {
    const body = mutations.reduce((b, mutate) => mutate(b), base);
    const raw = text ? text(json(body)) : json(body);
    return { contentType, body: asBase64 ? base64(raw) : raw, isBase64Encoded: asBase64 };
  });

/** Valid by Pagos' rules, odd everywhere else: what reaches Conekta (and DynamoDB) with odd text. */
const oddButValid: fc.Arbitrary<RawRequest> = fc
  .record({
    base: fc.oneof(bases.create!, bases.charge!),
    reference_id: fc
      .string({ unit: 'binary', minLength: 3, maxLength: 249 })
      .filter((r) => r.trim().length >= 3),
    first_name: fc.string({ unit: 'binary', minLength: 1, maxLength: 100 }).filter((n) => n.trim() !== ''),
    last_name: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 100 }).filter((n) => n.trim() !== ''),
    amount: fc.oneof(fc.integer({ min: 1, max: 21_474_836 }), fc.constantFrom('0.01', '21474836.47', '1.5')),
    secret: fc.oneof(fc.constant(SECRET), fc.stringMatching(/^key_[A-Za-z0-9_-]{1,30}$/)),
    currency: fc.constantFrom('MXN', 'USD'),
  })
  .map(({ base, ...fields }) => ({
    contentType: 'application/json',
    body: json({ ...base, ...fields }),
    isBase64Encoded: false,
  }));

const anyJson: fc.Arbitrary<RawRequest> = fc
  .tuple(hostileJson, contentTypes)
  .map(([value, contentType]) => ({ contentType, body: json(value), isBase64Encoded: false }));

const rawText: fc.Arbitrary<RawRequest> = fc
  .tuple(fc.oneof(hostileString, fc.string({ unit: 'binary', maxLength: 300 })), contentTypes)
  .map(([body, contentType]) => ({ contentType, body, isBase64Encoded: false }));

const rawBytes: fc.Arbitrary<RawRequest> = fc
  .tuple(fc.uint8Array({ maxLength: 300 }), contentTypes)
  .map(([bytes, contentType]) => ({ contentType, body: base64(bytes), isBase64Encoded: true }));

const deep: fc.Arbitrary<RawRequest> = fc
  .tuple(fc.integer({ min: 1, max: 8000 }), fc.constantFrom('array' as const, 'object' as const))
  .map(([depth, kind]) => ({
    contentType: 'application/json',
    body: deepJson(depth, kind),
    isBase64Encoded: false,
  }));

const sized: fc.Arbitrary<RawRequest> = fc
  .tuple(fc.integer({ min: 16 * 1024 - 300, max: 300 * 1024 }), fc.boolean(), bases.create!)
  .map(([size, asBase64, body]) => {
    const raw = json({ ...body, padding: 'p'.repeat(size) });
    return { contentType: 'application/json', body: asBase64 ? base64(raw) : raw, isBase64Encoded: asBase64 };
  });

const empty: fc.Arbitrary<RawRequest> = fc
  .tuple(fc.constantFrom(undefined, '', ' ', 'null', '{}', '[]', '""'), contentTypes, fc.boolean())
  .map(([body, contentType, isBase64Encoded]) => ({ contentType, body, isBase64Encoded }));

const request: fc.Arbitrary<RawRequest> = fc
  .oneof(
    { arbitrary: nearValid, weight: 10 },
    { arbitrary: oddButValid, weight: 1 },
    { arbitrary: anyJson, weight: 3 },
    { arbitrary: rawText, weight: 2 },
    { arbitrary: rawBytes, weight: 1 },
    { arbitrary: deep, weight: 1 },
    { arbitrary: sized, weight: 1 },
    { arbitrary: empty, weight: 1 },
  )
  .map(describable);

/** The payment key of every order the sandbox holds for this secret, page by page. */
async function sandboxOrderKeys(secret: string): Promise<string[]> {
  const keys: string[] = [];
  let url: string | undefined = `${sandbox.url}/orders?limit=250`;
  while (url) {
    const response = await fetch(url, {
      headers: { authorization: `Bearer ${secret}`, accept: 'application/vnd.conekta-v2.3.0+json' },
    });
    const page = (await response.json()) as {
      data: { metadata?: { reference_id?: string; pagos_merchant?: string } }[];
      next_page_url?: string;
    };
    for (const { metadata } of page.data)
      keys.push(`PAY#${metadata?.pagos_merchant}#${metadata?.reference_id}`);
    url = page.next_page_url;
  }
  return keys;
}

const merchants = new Map<string, Promise<string>>();
/** The merchant id Pagos keys a secret's payments by: its sandbox company, test mode. */
function merchantOf(secret: string): Promise<string> {
  if (!merchants.has(secret)) {
    merchants.set(
      secret,
      fetch(`${sandbox.url}/companies/current`, {
        headers: { authorization: `Bearer ${secret}`, accept: 'application/vnd.conekta-v2.3.0+json' },
      })
        .then((r) => r.json() as Promise<{ id?: string }>)
        .then((c) => merchantId('conekta', c.id ?? 'unknown', false)),
    );
  }
  return merchants.get(secret)!;
}

/** The (secret, reference_id) of a request body, when it has them. */
function identity(req: RawRequest): { secret: string; reference: string } | undefined {
  try {
    const text = req.isBase64Encoded
      ? Buffer.from(req.body ?? '', 'base64').toString('utf8')
      : (req.body ?? '');
    const body = JSON.parse(text) as { secret?: unknown; reference_id?: unknown };
    return typeof body.secret === 'string' && typeof body.reference_id === 'string'
      ? { secret: body.secret, reference: body.reference_id }
      : undefined;
  } catch {
    return undefined;
  }
}

it(
  `${FUZZ_RUNS} hostile requests: never a 5xx; a validation refusal writes nothing and calls no one`,
  async () => {
    const prototypes = prototypeSnapshot();
    const rejections = watchUnhandledRejections();
    const kept = new Set<string>(); // payment keys a request was allowed to leave behind
    const seen = new Map<string, string[]>(); // every answer per payment key, to explain a stray one
    const tally: Record<string, number> = {};
    let conektaSeen = 0;
    const started = performance.now();
    try {
      await fc.assert(
        fc.asyncProperty(fc.limitShrink(request, 40), async (req) => {
          effects.reset();
          await calls.clear();
          const answer: Answer = await invoke(handler, '/pagos', req);
          const code = errorCode(answer) ?? String(answer.status);
          tally[code] = (tally[code] ?? 0) + 1;
          if (VALIDATION_CODES.has(code)) {
            // A refusal of the request's shape comes before admission: nothing at all is written.
            // A refusal of what it asks of a stored payment ("only paid payments can be refunded")
            // comes after admission counted the request: no payment is written, still no Conekta call.
            const shape = answer.status === 400 && !isStateRefusal(answer);
            const written = shape
              ? effects.written
              : effects.written.filter((w) => !/ (RATE|KEY|MERCHANT)$/.test(w));
            expect({ code, written, conektaCalls: await calls.count() }).toEqual({
              code,
              written: [],
              conektaCalls: 0,
            });
            return;
          }
          conektaSeen += await calls.count(); // checked below: the count does see Conekta calls
          const who = identity(req);
          if (!who) return;
          const pk = `PAY#${await merchantOf(who.secret)}#${who.reference.normalize('NFC')}`;
          seen.set(pk, [...(seen.get(pk) ?? []), code]);
          if (answer.status < 400 || code === 'payment_declined') kept.add(pk);
        }),
        { ...fuzzParameters },
      );
    } finally {
      rejections.stop();
    }
    const ms = Math.round(performance.now() - started);
    console.info(`fuzz POST /pagos: ${FUZZ_RUNS} cases in ${ms} ms (FUZZ_SEED=${FUZZ_SEED})`, tally);
    if ((tally['200'] ?? 0) > 0) expect(conektaSeen).toBeGreaterThan(0);

    expect(rejections.reasons).toEqual([]);
    expectNoPollution(prototypes);
    // Every payment left in the table belongs to a request that was accepted (or declined).
    const payments = (await scanKeys(client, table)).filter((pk) => pk.startsWith('PAY#'));
    expect(payments.filter((pk) => !kept.has(pk)).map((pk) => ({ pk, answers: seen.get(pk) }))).toEqual([]);
    // Conekta holds orders only for requests that were accepted (or declined).
    const orders = await sandboxOrderKeys(SECRET);
    expect(orders.length).toBeGreaterThan(0);
    expect(orders.filter((pk) => !kept.has(pk))).toEqual([]);
    expectEmfOnly(metricLines);
    expectNoSentinels(logs, [SECRET]);
    expect(logs.length).toBeGreaterThan(FUZZ_RUNS);
  },
  fuzzTimeoutMs(20),
);
