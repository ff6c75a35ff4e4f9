/**
 * `npm start` keeps its data: stopped and started again on the same data folder, an earlier
 * payment still answers `status`, its checkout page is still served, and a notification still
 * pending (the storefront was down) is delivered by the new run, once; `npm start -- --fresh`
 * then starts empty.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, type LocalStack, startLocalStack, waitFor } from '../../support/local-stack.js';
import { type Receiver, startReceiver } from '../../support/receiver.js';

const dataDir = mkdtempSync(join(tmpdir(), 'pagos-restart-'));
const secret = `key_restart_${Date.now().toString(36)}`;
// Short retries: the re-sent notification is due while the stack is down.
const env = { NOTIFICATION_RETRY_SCHEDULE: '3,3,3,3,3' };
let stack: LocalStack | undefined;
let storefront: Receiver | undefined;

afterAll(async () => {
  await stack?.stop();
  await storefront?.stop();
  rmSync(dataDir, { recursive: true, force: true });
}, 30_000);

const pagos = async (api: string, body: Record<string, unknown>) => {
  const res = await fetch(`${api}/pagos`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ provider: 'conekta', secret, ...body }),
  });
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers
  return { status: res.status, json: (await res.json()) as Record<string, any> };
};

it('answers an earlier payment and delivers a pending notification after a restart', async () => {
  const storefrontPort = await freePort(); // nothing listens there during the first run
  const notificationUrl = `http://127.0.0.1:${storefrontPort}/pagos/notify`;
  stack = await startLocalStack(env, { buildFolder: '.esbuild-e2e-restart', dataDir });
  const { ports, sandbox } = stack;
  const first = stack;

  const created = await pagos(first.api, {
    action: 'create',
    reference_id: 'r-restart',
    amount: 250,
    return_url: 'http://storefront.example',
    notification_url: notificationUrl,
    first_name: 'Ana',
    last_name: 'Ruiz',
    email: 'ana@example.com',
  });
  expect(created.status).toBe(200);
  const keys = await pagos(first.api, { action: 'signing_secret' });
  expect(keys.status).toBe(200);
  expect(
    (await fetch(`${sandbox}/_sandbox/orders/${created.json.id}/pay_card`, { method: 'POST' })).status,
  ).toBe(200);
  await waitFor(
    'the payment to be paid',
    async () =>
      (await pagos(first.api, { action: 'status', reference_id: 'r-restart' })).json.payment?.status ===
      'paid',
    20_000,
  );
  // The storefront is down: the payment.paid delivery failed and a retry is queued (the
  // payment.created one fails first; it alone would not do).
  const paidRetry = /retry scheduled"[^\n]*"type":"payment\.paid"/;
  await waitFor(
    'a failed payment.paid delivery with a retry scheduled',
    () => paidRetry.test(first.output()),
    30_000,
    () => first.output(),
  );
  await first.stop();
  stack = undefined;

  storefront = await startReceiver(() => 'ok', { port: storefrontPort });
  const { received } = storefront;

  stack = await startLocalStack(env, { buildFolder: '.esbuild-e2e-restart', dataDir, ports });
  const second = stack;
  expect(second.output()).toMatch(/[1-9]\d* pending message\(s\) restored/);

  const status = await pagos(second.api, { action: 'status', reference_id: 'r-restart' });
  expect(status.status).toBe(200);
  expect(status.json.payment).toMatchObject({ status: 'paid', order_id: created.json.id });
  // The sandbox kept the order: its hosted checkout page still opens.
  expect((await fetch(created.json.checkout.url)).status).toBe(200);
  // The merchant's signing secret is the one it had.
  const keysAgain = await pagos(second.api, { action: 'signing_secret' });
  expect(keysAgain.json.signing_secrets).toEqual(keys.json.signing_secrets);

  const verifier = '../../../docs/verify-pagos-signature.mjs';
  const { verifyPagosNotification } = (await import(verifier)) as {
    verifyPagosNotification: (raw: Buffer, header: unknown, o: object) => Record<string, unknown> | null;
  };
  const verified = () =>
    received.map((r) =>
      verifyPagosNotification(r.raw, r.headers['pagos-signature'], {
        secret: keys.json.signing_secrets[0].secret,
        merchant: keys.json.merchant,
        livemode: keys.json.livemode,
      }),
    );
  const paid = await waitFor(
    'the pending payment.paid at the storefront',
    () => verified().find((n) => n?.status === 'paid'),
    30_000,
    () => `received: ${received.map((r) => r.raw.toString()).join('\n')}\n${second.output()}`,
  );
  expect(paid).toMatchObject({ reference_id: 'r-restart', order_id: created.json.id });
  expect(Number(received.find((r) => r.raw.includes('"paid"'))?.headers['pagos-attempt'])).toBeGreaterThan(1);
  // The table's stream resumed where the first run stopped: nothing it had enqueued is enqueued again.
  await new Promise((r) => setTimeout(r, 3_000));
  const ids = verified().map((n) => n?.id);
  expect(ids.every(Boolean)).toBe(true);
  expect(new Set(ids).size).toBe(ids.length);
  await second.stop();
  stack = undefined;

  stack = await startLocalStack(env, {
    buildFolder: '.esbuild-e2e-restart',
    dataDir,
    ports,
    args: ['--fresh'],
  });
  const fresh = await pagos(stack.api, { action: 'status', reference_id: 'r-restart' });
  expect(fresh.status).toBe(404);
}, 300_000);
