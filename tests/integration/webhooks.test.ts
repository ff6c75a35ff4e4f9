/**
 * POST /webhooks/conekta over HTTP against DynamoDB Local (through a counting proxy): every
 * digest form Conekta may send, forgeries refused before parsing, events applied by the rules
 * (money wins, stale and duplicate events change nothing), in one write when ordinary.
 */
import { generateKeyPairSync, publicEncrypt, randomUUID } from 'node:crypto';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { setLogSink } from '../../lib/http/logger.js';
import { setMetricSink } from '../../lib/http/metrics.js';
import type { Attempt, PaymentRecord } from '../../lib/payments/model.js';
import { DIGEST_ENCODINGS, DIGEST_FORMS } from '../../lib/providers/conekta/webhook-signature.js';
import { DynamoPaymentStore } from '../../lib/store/payments.js';
import { table as tableOf } from '../../lib/store/table.js';
import { attemptEvent, orderEvent, signedBody, webhookSigner } from '../support/conekta-events.js';
import { createTestTable, dynamoEndpoint, testDynamoClient } from '../support/dynamodb.js';
import { type FaultProxy, startFaultProxy } from '../support/fault-proxy.js';
import { type LambdaHttpServer, serveLambdas } from '../support/lambda-http.js';
import { checkWebhookAnswer } from '../support/openapi-check.js';
import { anAttempt, aPayment } from '../support/records.js';

const signer = webhookSigner();
let client: DynamoDBClient;
let store: DynamoPaymentStore;
let server: LambdaHttpServer;
let dynamo: FaultProxy;
const logs: string[] = [];

beforeAll(async () => {
  client = testDynamoClient();
  const table = await createTestTable('webhooks');
  store = new DynamoPaymentStore(tableOf(client, table));
  dynamo = await startFaultProxy(dynamoEndpoint());
  process.env.PAYMENTS_TABLE = table;
  process.env.CONEKTA_WEBHOOK_PUBLIC_KEYS = signer.publicKeyPem.replace(/\n/g, '\\n');
  process.env.LOG_LEVEL = 'debug';
  // The handler's client goes through the proxy (the SDK reads the endpoint at its first call), so
  // its round trips are counted at the wire; the test's own client and table were made before.
  process.env.AWS_ENDPOINT_URL_DYNAMODB = dynamo.url;
  const { handler } = await import('../../functions/webhooks.js');
  setLogSink((line) => logs.push(line));
  setMetricSink((line) => logs.push(line));
  server = await serveLambdas({ 'POST /webhooks/conekta': handler as never });
});
afterAll(async () => {
  await server.stop();
  await dynamo.stop();
  client.destroy();
});

async function post(body: Buffer | string, headers: Record<string, string> = {}) {
  const response = await fetch(`${server.url}/webhooks/conekta`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
  const json = (await response.json()) as Record<string, unknown>;
  checkWebhookAnswer({ status: response.status, headers: response.headers, body: json });
  return { status: response.status, json };
}

const deliver = (event: unknown, how: Parameters<typeof signedBody>[2] = {}) => {
  const { body, digest } = signedBody(event, signer, how);
  return post(body, { digest });
};

async function seed(attempts: Attempt[] = [anAttempt()], overrides: Partial<PaymentRecord> = {}) {
  const record = {
    ...aPayment(attempts, overrides),
    merchant: `conekta:acct_${randomUUID().slice(0, 6)}:test`,
  };
  await store.insert(record);
  return record;
}
const current = (r: PaymentRecord) => r.attempts[r.currentAttempt]!;
const reread = (r: PaymentRecord) => store.get(r.merchant, r.referenceId);
const roundTrips = async (what: () => Promise<unknown>) => {
  const before = dynamo.requests().length;
  await what();
  return dynamo.requests().length - before;
};

describe('signatures: every reading of "the sha256 of the message encrypted with the private key"', () => {
  it.each(DIGEST_FORMS.flatMap((form) => DIGEST_ENCODINGS.map((encoding) => [form, encoding] as const)))(
    '%s in %s verifies, is applied, and is logged and counted by form',
    async (form, encoding) => {
      const record = await seed();
      logs.length = 0;
      const res = await deliver(attemptEvent(record, current(record), 'paid', 1_700_000_100), {
        form,
        encoding,
      });
      expect(res).toEqual({ status: 200, json: { received: true, outcome: 'applied' } });
      expect((await reread(record))?.status).toBe('paid');
      // One info line per event: `request done`, with the form, the move and the outcome.
      const lines = logs.map((l) => JSON.parse(l)).filter((l) => l.level === 'INFO');
      expect(lines.map((l) => l.message)).toEqual(['request done']);
      expect(lines[0]).toMatchObject({
        digest_form: `${form}/${encoding}`,
        to: 'paid',
        outcome: 'applied',
        status: 200,
      });
      expect(logs.some((l) => l.includes('"DigestForm"') && l.includes(`${form}/${encoding}`))).toBe(true);
    },
  );

  it('fails closed: another key, one changed byte, the hex digest under another key, bad headers; nothing written', async () => {
    const record = await seed();
    const event = attemptEvent(record, current(record), 'paid', 1_700_000_100);
    const other = webhookSigner();
    const tampered = signedBody(event, signer);
    tampered.body[tampered.body.length - 3]! ^= 1;
    const { publicKey: stranger } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const hexUnderOtherKey = publicEncrypt(stranger, Buffer.from('00'.repeat(32))).toString('base64');
    const cases = [
      signedBody(event, other),
      tampered,
      { body: signedBody(event, signer).body, digest: hexUnderOtherKey },
      { body: signedBody(event, signer).body, digest: '' },
      { body: signedBody(event, signer).body, digest: 'not base64 at all!!' },
    ];
    for (const { body, digest } of cases) {
      const res = await post(body, digest ? { digest } : {});
      expect(res.status).toBe(401);
      expect(res.json).toMatchObject({ error: { code: 'invalid_signature' } });
    }
    expect(await reread(record)).toEqual(record);
  });

  it('without a configured key answers 500 (so Conekta keeps retrying) and names the setting in the log', async () => {
    const saved = process.env.CONEKTA_WEBHOOK_PUBLIC_KEYS;
    process.env.CONEKTA_WEBHOOK_PUBLIC_KEYS = '';
    try {
      const record = await seed();
      const res = await deliver(attemptEvent(record, current(record), 'paid', 1_700_000_100));
      expect(res).toMatchObject({ status: 500, json: { error: { code: 'webhook_keys_missing' } } });
      expect(logs.join('\n')).toContain('CONEKTA_WEBHOOK_PUBLIC_KEYS');
    } finally {
      process.env.CONEKTA_WEBHOOK_PUBLIC_KEYS = saved;
    }
  });

  it('with a key setting that does not parse: its own 500 webhook_keys_invalid, naming the key by position only', async () => {
    const saved = process.env.CONEKTA_WEBHOOK_PUBLIC_KEYS;
    const broken = '-----BEGIN PUBLIC KEY-----\nTk9UQUtFWQ==\n-----END PUBLIC KEY-----';
    // The first key is good, the second does not parse.
    process.env.CONEKTA_WEBHOOK_PUBLIC_KEYS = `${saved}\\n${broken}`;
    logs.length = 0;
    try {
      const record = await seed();
      const res = await deliver(attemptEvent(record, current(record), 'paid', 1_700_000_100));
      expect(res).toMatchObject({ status: 500, json: { error: { code: 'webhook_keys_invalid' } } });
      const message = (res.json.error as { message: string }).message;
      expect(message).toContain('key #2 is not a valid PEM public key');
      expect(message).not.toContain('Tk9UQUtFWQ');
      expect(logs.join('\n')).toContain('key #2');
      expect(logs.join('\n')).not.toContain('Tk9UQUtFWQ');
      // Nothing was applied: Conekta retries once the setting is fixed.
      expect(await reread(record)).toEqual(record);
    } finally {
      process.env.CONEKTA_WEBHOOK_PUBLIC_KEYS = saved;
    }
  });

  it('an unsigned body teaches the log redactor nothing: a forged name does not blank words of its own log lines', async () => {
    // A forged body whose buyer is named like the words of the lines this request writes.
    const forged = orderEvent('order.paid', { id: 'ord_x', updated_at: 1, metadata: {} });
    (forged.data.object.customer_info as { name: string; email: string }).name = 'signature refused';
    logs.length = 0;
    expect((await post(JSON.stringify(forged), { digest: 'AAAA' })).status).toBe(401);
    expect(logs.join('\n')).toContain('webhook signature refused');
    expect(logs.join('\n')).not.toContain('[redacted]');
  });
});

describe('applying events', () => {
  it('an ordinary move is one DynamoDB round trip; a duplicate or older event changes nothing', async () => {
    const record = await seed([anAttempt({ status: 'pending_payment' })]);
    const paid = attemptEvent(record, current(record), 'paid', 1_700_000_100);
    expect(await roundTrips(() => deliver(paid))).toBe(1);
    const after = await reread(record);
    expect(after).toMatchObject({ status: 'paid', version: record.version + 1 });
    expect(after!.history.map((h) => [h.status, h.source])).toEqual([['paid', `webhook:${paid.id}`]]);
    const again = await deliver(paid);
    expect(again.json).toMatchObject({ outcome: 'stale' });
    const older = await deliver(attemptEvent(record, current(record), 'pending_payment', 1_700_000_050));
    expect(older.json).toMatchObject({ outcome: 'stale' });
    expect(await reread(record)).toEqual(after);
  });

  it('any order of pending, paid, partially refunded and refunded ends at the newest, no status twice', async () => {
    const steps = [
      ['pending_payment', 1_700_000_010],
      ['paid', 1_700_000_020],
      ['partially_refunded', 1_700_000_030],
      ['refunded', 1_700_000_040],
    ] as const;
    const orders = [
      [0, 1, 2, 3],
      [3, 2, 1, 0],
      [1, 3, 0, 2],
      [2, 0, 3, 1],
    ];
    for (const order of orders) {
      const record = await seed();
      for (const i of order) {
        const [status, at] = steps[i]!;
        expect(
          (
            await deliver(
              attemptEvent(record, current(record), status, at, {
                amount_refunded:
                  status === 'refunded' ? 100_000 : status === 'partially_refunded' ? 30_000 : 0,
              }),
            )
          ).status,
        ).toBe(200);
      }
      const final = await reread(record);
      expect(final?.status).toBe('refunded');
      const statuses = final!.history.map((h) => h.status);
      expect(new Set(statuses).size).toBe(statuses.length);
    }
  });

  it('a second partial refund reported only by webhook raises the refunded amount', async () => {
    const record = await seed([anAttempt({ status: 'paid' })]);
    await deliver(
      attemptEvent(record, current(record), 'partially_refunded', 1_700_000_100, { amount_refunded: 30_000 }),
    );
    await deliver(
      attemptEvent(record, current(record), 'partially_refunded', 1_700_000_200, { amount_refunded: 50_000 }),
    );
    expect(current((await reread(record))!).amountRefundedCents).toBe(50_000);
  });

  it('money always wins: paid after expiry is recorded as a late payment; paid after cancel too', async () => {
    for (const closed of ['expired', 'canceled'] as const) {
      const record = await seed([anAttempt({ status: closed })]);
      const res = await deliver(attemptEvent(record, current(record), 'paid', 1_700_000_100));
      expect(res.json).toMatchObject({ outcome: 'applied' });
      const after = await reread(record);
      expect(after?.status).toBe('paid');
      expect(current(after!)).toMatchObject({ status: 'paid', late: true });
    }
  });

  it('order.expired whose order still reads pending_payment expires the payment', async () => {
    const record = await seed([anAttempt({ status: 'pending_payment' })]);
    const res = await deliver(
      attemptEvent(record, current(record), 'pending_payment', 1_700_000_100, { type: 'order.expired' }),
    );
    expect(res.json).toMatchObject({ outcome: 'applied' });
    expect((await reread(record))?.status).toBe('expired');
  });

  it('a signed event is proof of an order whose answer was lost: it completes a record still creating', async () => {
    const creating = anAttempt({
      phase: 'creating',
      status: undefined,
      orderId: undefined,
      checkoutUrl: undefined,
      providerStatus: undefined,
      providerUpdatedAt: undefined,
      outcomeUnknown: true,
    });
    const record = await seed([creating]);
    const order = { ...creating, orderId: `ord_${randomUUID().slice(0, 8)}` };
    const res = await deliver(attemptEvent(record, order, 'paid', 1_700_000_100));
    expect(res.json).toMatchObject({ outcome: 'applied' });
    const after = await reread(record);
    expect(after?.status).toBe('paid');
    expect(current(after!)).toMatchObject({ phase: 'recorded', orderId: order.orderId });
    expect(current(after!).claimToken).toBeUndefined();
  });

  it('never adopts an order for an attempt with another amount or currency', async () => {
    const creating = anAttempt({
      phase: 'creating',
      status: undefined,
      orderId: undefined,
      providerUpdatedAt: undefined,
    });
    const record = await seed([creating]);
    for (const change of [{ amount: 100 }, { currency: 'USD' }]) {
      const res = await deliver(
        attemptEvent(record, { ...creating, orderId: 'ord_wrong' }, 'paid', 1_700_000_100, change),
      );
      expect(res.json).toMatchObject({ outcome: 'mismatch' });
    }
    expect(await reread(record)).toEqual(record);
  });

  it('a superseded attempt paid late: recorded, the payment paid twice (one to refund)', async () => {
    const first = anAttempt({ n: 1, status: 'canceled' });
    const second = anAttempt({ n: 2, status: 'paid' });
    const record = await seed([first, second]);
    const res = await deliver(attemptEvent(record, first, 'paid', 1_700_000_100));
    expect(res.json).toMatchObject({ outcome: 'applied' });
    const after = await reread(record);
    expect(after).toMatchObject({ status: 'paid', paidAttempt: second.id, paidTwice: true });
    expect(after!.attempts[first.id]).toMatchObject({ status: 'paid', late: true });
  });

  it('never stores the card holder’s name, expiry or authorization code from an event', async () => {
    const record = await seed([anAttempt({ status: 'pending_payment' })]);
    await deliver(attemptEvent(record, current(record), 'paid', 1_700_000_100));
    const stored = JSON.stringify(await reread(record));
    expect(stored).not.toMatch(/andres|867372|exp_month|exp_year|andres@example\.com/);
    expect(current((await reread(record))!).card).toEqual({ brand: 'visa', last4: '4242' });
  });

  it('an order that is not ours, or a payment this table does not have: 200 and ignored', async () => {
    const foreign = orderEvent('order.paid', { id: 'ord_foreign', updated_at: 1, metadata: { shop: 'x' } });
    expect((await deliver(foreign)).json).toEqual({ received: true, outcome: 'not_ours' });
    const missing = attemptEvent(
      { merchant: 'conekta:nobody:test', referenceId: 'nothing' },
      anAttempt(),
      'paid',
      1_700_000_100,
    );
    expect((await deliver(missing)).json).toEqual({ received: true, outcome: 'no_payment' });
  });

  it('ten concurrent deliveries of four events (with duplicates) end at the newest status', async () => {
    const record = await seed();
    const events = (['pending_payment', 'paid', 'partially_refunded', 'refunded'] as const).map((s, i) =>
      attemptEvent(record, current(record), s, 1_700_000_010 + i * 10, {
        amount_refunded: s === 'refunded' ? 100_000 : s === 'partially_refunded' ? 30_000 : 0,
      }),
    );
    const deliveries = Array.from({ length: 10 }, (_, i) => events[i % 4]!);
    const answers = await Promise.all(deliveries.map((e) => deliver(e)));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect((await reread(record))?.status).toBe('refunded');
  });

  it('refuses malformed events after verification with 400, and bodies over 256 KiB with 413', async () => {
    expect((await deliver({ type: 'order.paid' })).status).toBe(400);
    const big = orderEvent('order.paid', {
      id: 'ord_big',
      updated_at: 1,
      metadata: { pad: 'x'.repeat(300 * 1024) },
    });
    expect((await deliver(big)).status).toBe(413);
  });
});
