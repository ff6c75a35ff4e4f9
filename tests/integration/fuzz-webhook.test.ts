/**
 * POST /webhooks/conekta against whatever the internet sends, and against whatever a holder of
 * the webhook key could sign: the real handler in-process with DynamoDB Local. Never a 5xx or an
 * unhandled rejection; unsigned or badly signed: 401 (413 when too large), nothing written; any
 * 4xx writes nothing; every refusal is the JSON error shape; no prototype pollution; no planted
 * personal datum in a log line.
 */

import { randomUUID, sign } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { setLogSink } from '../../lib/http/logger.js';
import { setMetricSink } from '../../lib/http/metrics.js';
import type { PaymentRecord } from '../../lib/payments/model.js';
import { DynamoPaymentStore } from '../../lib/store/payments.js';
import { table as tableOf } from '../../lib/store/table.js';
import { metadataOf, orderEvent, webhookSigner } from '../support/conekta-events.js';
import { createTestTable, testDynamoClient } from '../support/dynamodb.js';
import {
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
  scanKeys,
  watchUnhandledRejections,
} from '../support/fuzz.js';
import { anAttempt, aPayment } from '../support/records.js';

const signer = webhookSigner();
const stranger = webhookSigner();
const merchant = `conekta:fuzz_${randomUUID().slice(0, 8)}:test`;
const client = testDynamoClient();
const logs: string[] = [];
const metricLines: string[] = [];
let table: string;
let effects: SideEffects;
let handler: Parameters<typeof invoke>[0];
let shop: Server;
let seeds: PaymentRecord[] = [];
let store: DynamoPaymentStore;

beforeAll(async () => {
  shop = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200).end('ok'));
  });
  await new Promise<void>((resolve) => shop.listen(0, '127.0.0.1', resolve));
  const notificationUrl = `http://127.0.0.1:${(shop.address() as AddressInfo).port}/notify`;
  table = await createTestTable('fuzz-webhook');
  Object.assign(process.env, {
    PAYMENTS_TABLE: table,
    CONEKTA_WEBHOOK_PUBLIC_KEYS: signer.publicKeyPem,
    PAGOS_LOCAL_MODE: 'true', // the storefront is the local receiver above
    LOG_LEVEL: 'debug',
  });
  store = new DynamoPaymentStore(tableOf(client, table));
  seeds = [1, 2, 3, 4, 5, 6, 7, 8].map(() => ({ ...aPayment([anAttempt()], { notificationUrl }), merchant }));
  await Promise.all(seeds.map((seed) => store.insert(seed)));
  setLogSink((line) => logs.push(line));
  setMetricSink((line) => metricLines.push(line));
  effects = countSideEffects();
  handler = (await import('../../functions/webhooks.js')).handler as never;
});
afterAll(async () => {
  effects.restore();
  client.destroy();
  await new Promise((resolve) => shop.close(resolve));
});

const TYPES = [
  'order.paid',
  'order.pending_payment',
  'order.declined',
  'order.expired',
  'order.canceled',
  'order.refunded',
  'order.partially_refunded',
  'order.charged_back',
  'order.updated',
  'order.created',
  'webhook_ping',
  'charge.paid',
];
const STATUSES = [
  'paid',
  'pending_payment',
  'declined',
  'expired',
  'refunded',
  'partially_refunded',
  'voided',
];

const hostileNumber = fc.oneof(
  fc.integer({ min: 1_700_000_000, max: 1_800_000_000 }),
  fc.constantFrom(1e300, -1e300, 1e21, 2 ** 53 + 1, -5, 0, 0.5, Number.MAX_VALUE),
  fc.double(),
  hostileString,
);

/** A Conekta order event about one of the seeded payments, with hostile fields in it. */
const aboutSeed: fc.Arbitrary<unknown> = fc
  .record({
    seed: fc.nat({ max: 7 }),
    // Mostly plausible, so most events get as far as the store; hostile in every field sometimes.
    type: fc.oneof(
      { arbitrary: fc.constantFrom(...TYPES), weight: 5 },
      { arbitrary: hostileString, weight: 1 },
    ),
    eventId: fc.oneof(
      { arbitrary: fc.stringMatching(/^[0-9a-f]{24}$/), weight: 4 },
      // A redelivery: the same few ids again and again.
      { arbitrary: fc.constantFrom('000000000000000000000001', '000000000000000000000002'), weight: 2 },
      { arbitrary: hostileString, weight: 1 },
      { arbitrary: fc.integer({ min: 500, max: 3000 }).map((n) => 'e'.repeat(n)), weight: 1 },
    ),
    status: fc.option(
      fc.oneof(
        { arbitrary: fc.constantFrom(...STATUSES), weight: 5 },
        { arbitrary: hostileString, weight: 1 },
      ),
      { nil: undefined, freq: 4 },
    ),
    updatedAt: fc.oneof(
      { arbitrary: fc.integer({ min: 1_700_000_001, max: 1_800_000_000 }), weight: 4 },
      hostileNumber,
    ),
    otherOrder: fc.nat({ max: 9 }).map((n) => n === 0),
    amountRefunded: fc.option(hostileNumber, { nil: undefined }),
    charges: fc.option(
      fc.oneof(
        hostileJson,
        hostileNumber.map((paidAt) => ({
          data: [
            { status: 'paid', paid_at: paidAt, payment_method: { object: 'card_payment', last4: '4242' } },
          ],
        })),
      ),
      { nil: undefined },
    ),
    metadata: fc.oneof(
      { arbitrary: fc.constant(undefined), weight: 5 },
      fc.dictionary(fc.constantFrom('reference_id', 'pagos_merchant', 'pagos_attempt'), hostileString),
      // Ours, but a payment or attempt this table does not have.
      fc
        .stringMatching(/^ref-[a-z0-9]{1,8}$/)
        .map((reference_id) => ({ reference_id, pagos_merchant: merchant, pagos_attempt: 'att_unknown' })),
    ),
    mutations: fc.oneof(
      { arbitrary: fc.constant([]), weight: 3 },
      fc.array(objectMutation(['id', 'type', 'data', 'livemode', 'object']), { maxLength: 2 }),
    ),
  })
  .map((c) => {
    const seed = seeds[c.seed]!;
    const event = orderEvent(
      c.type,
      {
        id: c.otherOrder ? `ord_${randomUUID().slice(0, 8)}` : seed.attempts[seed.currentAttempt]!.orderId!,
        amount: seed.attempts[seed.currentAttempt]!.amountCents,
        ...(c.status !== undefined && { payment_status: c.status }),
        updated_at: c.updatedAt as number,
        metadata: c.metadata ?? metadataOf(seed, seed.attempts[seed.currentAttempt]!),
        ...(c.amountRefunded !== undefined && { amount_refunded: c.amountRefunded as number }),
        ...(c.charges !== undefined && { charges: c.charges }),
      },
      c.eventId,
    );
    // Personal data as Conekta sends it: the redactor must keep all of it out of the logs.
    Object.assign(event.data.object, {
      customer_info: { name: `${SENTINELS.name} Tester`, email: SENTINELS.email, phone: SENTINELS.phone },
    });
    let mutated: Record<string, unknown> = event;
    for (const mutate of c.mutations) mutated = mutate(mutated);
    return mutated;
  });

const bodyBytes: fc.Arbitrary<Buffer> = fc.oneof(
  { arbitrary: aboutSeed.map((e) => Buffer.from(JSON.stringify(e) ?? 'null')), weight: 8 },
  { arbitrary: hostileJson.map((v) => Buffer.from(JSON.stringify(v) ?? 'null')), weight: 3 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 300 }).map((t) => Buffer.from(t)), weight: 1 },
  { arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)), weight: 1 },
  {
    arbitrary: fc
      .tuple(fc.integer({ min: 1, max: 100_000 }), fc.constantFrom('array' as const, 'object' as const))
      .map(([depth, kind]) => Buffer.from(deepJson(depth, kind))),
    weight: 1,
  },
  {
    arbitrary: fc
      .integer({ min: 256 * 1024 - 200, max: 400 * 1024 })
      .map((n) => Buffer.from(`{"p":"${'x'.repeat(n)}"}`)),
    weight: 1,
  },
  { arbitrary: fc.constant(Buffer.alloc(0)), weight: 1 },
);

const SIGNINGS = ['valid', 'valid', 'valid', 'none', 'garbage', 'stranger', 'other-body', 'blank'] as const;
type Signing = (typeof SIGNINGS)[number];

function digestFor(signing: Signing, body: Buffer, garbage: string): string | undefined {
  switch (signing) {
    case 'valid':
      return sign('sha256', body, signer.privateKey).toString('base64');
    case 'stranger':
      return sign('sha256', body, stranger.privateKey).toString('base64');
    case 'other-body':
      return sign('sha256', Buffer.concat([body, Buffer.from(' ')]), signer.privateKey).toString('base64');
    case 'garbage':
      return garbage;
    case 'blank':
      return '  ';
    case 'none':
      return undefined;
  }
}

type WebhookCase = RawRequest & { signing: Signing; bytes: number; eventId?: string };

const webhookCase: fc.Arbitrary<WebhookCase> = fc
  .record({
    body: bodyBytes,
    signing: fc.constantFrom(...SIGNINGS),
    garbage: fc.oneof(fc.base64String({ maxLength: 40 }), hostileString),
    asBase64: fc.boolean(),
    headerName: fc.constantFrom('digest', 'Digest', 'DIGEST'),
    contentType: contentTypes,
  })
  .map(({ body, signing, garbage, asBase64, headerName, contentType }) => {
    const digest = digestFor(signing, body, garbage);
    let eventId: string | undefined;
    try {
      eventId = (JSON.parse(body.toString('utf8')) as { id?: string }).id;
    } catch {
      eventId = undefined;
    }
    const request: WebhookCase = {
      contentType,
      // API Gateway hands text bodies over decoded; here raw bytes go base64 when asked to.
      body: asBase64 ? body.toString('base64') : body.toString('utf8'),
      isBase64Encoded: asBase64,
      ...(digest !== undefined && { headers: { [headerName]: digest } }),
      signing: asBase64 || Buffer.from(body.toString('utf8'), 'utf8').equals(body) ? signing : 'other-body',
      // As the handler counts them, after API Gateway's decoding.
      bytes: asBase64 ? body.length : Buffer.byteLength(body.toString('utf8')),
      ...(typeof eventId === 'string' && { eventId }),
    };
    return describable(request) as WebhookCase;
  });

it(
  `${FUZZ_RUNS} hostile webhooks: never a 5xx; unsigned or badly signed is 401; a 4xx writes nothing`,
  async () => {
    const prototypes = prototypeSnapshot();
    const rejections = watchUnhandledRejections();
    const accepted = new Set<string>();
    const tally: Record<string, number> = {};
    const started = performance.now();
    try {
      await fc.assert(
        fc.asyncProperty(fc.limitShrink(webhookCase, 40), async (c) => {
          effects.reset();
          const answer = await invoke(handler, '/webhooks/conekta', c);
          const code = errorCode(answer) ?? (answer.json as { outcome?: string }).outcome ?? '?';
          tally[code] = (tally[code] ?? 0) + 1;
          if (c.signing !== 'valid') expect(answer.status).toBe(c.bytes > 256 * 1024 ? 413 : 401);
          if (answer.status >= 400) expect({ code, writes: effects.writes }).toEqual({ code, writes: 0 });
          else if (c.eventId !== undefined) accepted.add(c.eventId);
        }),
        fuzzParameters,
      );
    } finally {
      rejections.stop();
    }
    const ms = Math.round(performance.now() - started);
    console.info(
      `fuzz POST /webhooks/conekta: ${FUZZ_RUNS} cases in ${ms} ms (FUZZ_SEED=${FUZZ_SEED})`,
      tally,
    );

    expect(rejections.reasons).toEqual([]);
    expectNoPollution(prototypes);
    // Nothing but the seeded payments in the table, each still a payment that reads back whole.
    expect((await scanKeys(client, table)).sort()).toEqual(
      seeds.map((s) => `PAY#${s.merchant}#${s.referenceId}`).sort(),
    );
    for (const seed of seeds)
      expect((await store.get(seed.merchant, seed.referenceId))?.attempts).toBeDefined();
    expect(accepted.size).toBeGreaterThan(0);
    expectEmfOnly(metricLines);
    expectNoSentinels(logs);
  },
  fuzzTimeoutMs(25),
);
