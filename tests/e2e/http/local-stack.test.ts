/**
 * The README's promise, checked: `npm start` brings up the whole stack (DynamoDB Local, SQS, the
 * Conekta sandbox, serverless-offline), the seed request works over HTTP, a payment on the
 * sandbox reaches the stored record through the webhook route and the storefront through the
 * table stream -> SQS -> delivery path, signed with the merchant's secret, and SIGTERM leaves
 * nothing behind.
 */
import { type ChildProcess, execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { type LocalStack, startLocalStack, waitFor } from '../../support/local-stack.js';
import { startReceiver } from '../../support/receiver.js';

let stack: LocalStack;
let child: ChildProcess;
let api: string;
let sandbox: string;
let dynamoPort: number;
const output = () => stack.output();

beforeAll(async () => {
  stack = await startLocalStack({}, { buildFolder: '.esbuild-e2e' });
  ({ api, sandbox, dynamoPort, child } = stack);
}, 120_000);

// The last test stops it with SIGTERM; this only cleans up after a failure.
afterAll(() => stack?.stop(), 20_000);

const pagos = async (body: unknown) => {
  const res = await fetch(`${api}/pagos`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers
  return { status: res.status, json: (await res.json()) as Record<string, any> };
};

const secret = `key_e2e_${randomUUID().replaceAll('-', '')}`;
const seed = {
  provider: 'conekta',
  action: 'create',
  secret,
  reference_id: '6588',
  amount: 1000,
  return_url: 'http://template.pow.la',
  notification_url: 'http://localhost:9/notify',
  first_name: 'andres',
  last_name: 'jaro',
  email: 'andres@example.com',
};

it('prints the ready line and a curl to try', () => {
  expect(output()).toContain(`Pagos API ready at ${api}`);
  expect(output()).toMatch(/curl .*\/pagos/);
});

it('answers the seed request with the payment link, once per reference', async () => {
  const first = await pagos(seed);
  expect(first.status).toBe(200);
  expect(first.json).toMatchObject({
    amount: 100000,
    currency: 'MXN',
    customer_info: { name: 'andres jaro' },
    line_items: { data: [{ name: '6588' }] },
    checkout: { success_url: 'http://template.pow.la/conekta/conekta_order' },
  });
  const page = await fetch(first.json.checkout.url);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('6588');
  const again = await pagos(seed);
  expect(again.json.id).toBe(first.json.id);
  expect((await pagos({ ...seed, amount: 1001 })).status).toBe(409);
});

it('follows a payment made on the sandbox through the webhook route', async () => {
  const created = await pagos({ ...seed, reference_id: 'e2e-paid' });
  const paid = await fetch(`${sandbox}/_sandbox/orders/${created.json.id}/pay_card`, { method: 'POST' });
  expect(paid.status).toBe(200);
  // Wait for the sandbox to see our webhook route accept the order.paid event...
  const deadline = Date.now() + 10_000;
  for (;;) {
    const log = (await (await fetch(`${sandbox}/_sandbox/webhook_deliveries?type=order.paid`)).json()) as {
      data: Array<{ status: number | null }>;
    };
    if (log.data.some((d) => d.status === 200)) break;
    if (Date.now() > deadline)
      throw new Error(`no accepted order.paid delivery: ${JSON.stringify(log.data)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  // ...then the record says paid, and it was the webhook that moved it.
  const res = await pagos({ provider: 'conekta', action: 'status', secret, reference_id: 'e2e-paid' });
  expect(res.json.payment.status).toBe('paid');
  expect(res.json.payment.history.map((h: { source: string }) => h.source)).toContainEqual(
    expect.stringMatching(/^webhook:/),
  );
});

it('tells the storefront through the stream, SQS and the delivery function, signed for its merchant', async () => {
  const storefront = await startReceiver();
  const { received } = storefront;
  try {
    const { url } = storefront;
    const keys = await pagos({ provider: 'conekta', action: 'signing_secret', secret });
    expect(keys.status).toBe(200);
    const created = await pagos({ ...seed, reference_id: 'e2e-notified', notification_url: url });
    expect(created.status).toBe(200);
    await fetch(`${sandbox}/_sandbox/orders/${created.json.id}/pay_card`, { method: 'POST' });
    const path = '../../../docs/verify-pagos-signature.mjs';
    const { verifyPagosNotification } = (await import(path)) as {
      verifyPagosNotification: (raw: Buffer, header: unknown, o: object) => Record<string, unknown> | null;
    };
    const paid = await waitFor(
      'payment.paid at the storefront',
      () =>
        received
          .map((r) =>
            verifyPagosNotification(r.raw, r.headers['pagos-signature'], {
              secret: keys.json.signing_secrets[0].secret,
              merchant: keys.json.merchant,
              livemode: keys.json.livemode,
            }),
          )
          .find((n) => n?.status === 'paid'),
      20_000,
      () => `received: ${received.map((r) => r.raw.toString()).join('\n')}\n${output()}`,
    );
    expect(paid).toMatchObject({
      type: 'payment.paid',
      reference_id: 'e2e-notified',
      order_id: created.json.id,
    });
  } finally {
    await storefront.stop();
  }
});

it('stops every child on SIGTERM', async () => {
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  process.kill(child.pid!, 'SIGTERM');
  expect(await exited).toBe(0);
  // Its process group (serverless-offline, esbuild, workers) and DynamoDB Local (own group) are gone.
  const leftovers = () =>
    execFileSync('ps', ['-eo', 'pid=,pgid=,args='], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => {
        const [, pgid] = line.trim().split(/\s+/);
        return pgid === String(child.pid) || line.includes(`-port ${dynamoPort}`);
      });
  const deadline = Date.now() + 5_000;
  while (leftovers().length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  expect(leftovers()).toEqual([]);
}, 30_000);
