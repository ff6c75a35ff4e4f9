/**
 * The whole journey in a real browser (issue #8): storefront -> Pagos link -> the sandbox's
 * checkout page -> Conekta's signed webhook -> Pagos -> signed notification -> storefront.
 * `npm start` runs the stack; Debian's chromium plays the buyer; storefront.ts plays the merchant.
 * The last page of each journey is saved under tests/e2e/artifacts/browser/ (and its HTML on failure).
 */
import { randomUUID } from 'node:crypto';
import type { Browser, Page } from 'playwright-core';
import { type Notification, type Storefront, type StorefrontOrder, startStorefront } from './storefront.js';
import {
  explainFailure,
  type LocalStack,
  launchChromium,
  pageText,
  resetArtifacts,
  savePage,
  startLocalStack,
  waitFor,
  writeArtifact,
} from './support.js';

const NOTIFY_MS = 15_000; // webhook, stream, queue and first delivery take a second or two locally
const PAGE_MS = 15_000;

const run = randomUUID().slice(0, 8);
const order = (key: string, amount: string): StorefrontOrder => ({
  key,
  reference: `br-${run}-${key}`,
  amount,
});
const orders = {
  card: order('card', '349.90'),
  cash: order('cash', '1200.00'),
  declined: order('declined', '75.50'),
  expired: order('expired', '999.99'),
};

let stack: LocalStack | undefined;
let browser: Browser | undefined;
let storefront: Storefront | undefined;

beforeAll(async () => {
  resetArtifacts();
  const [started, launched] = await Promise.allSettled([
    startLocalStack(
      {
        // Set in the shell to see the journeys fail on a wrong key (README): passed on as given.
        ...(process.env.CONEKTA_WEBHOOK_PUBLIC_KEYS && {
          CONEKTA_WEBHOOK_PUBLIC_KEYS: process.env.CONEKTA_WEBHOOK_PUBLIC_KEYS,
        }),
      },
      { buildFolder: '.esbuild-browser' },
    ),
    launchChromium(),
  ]);
  if (started.status === 'fulfilled') stack = started.value;
  if (launched.status === 'fulfilled') browser = launched.value;
  if (started.status === 'rejected') throw started.reason;
  if (launched.status === 'rejected') throw launched.reason;
  storefront = await startStorefront({
    api: stack!.api,
    merchantSecret: `key_browser_${run}`,
    orders: Object.values(orders),
  });
}, 120_000);

afterAll(async () => {
  if (storefront) writeArtifact('notifications.json', JSON.stringify(storefront.received, null, 2));
  await browser?.close();
  await storefront?.stop();
  await stack?.stop();
  if (stack) writeArtifact('npm-start.log', stack.output());
}, 30_000);

/** One buyer, fresh cookies; the last page is kept whatever happens. */
async function journey(name: string, steps: (page: Page) => Promise<void>): Promise<void> {
  const context = await browser!.newContext({ viewport: { width: 800, height: 600 } });
  context.setDefaultTimeout(10_000);
  context.setDefaultNavigationTimeout(PAGE_MS);
  const page = await context.newPage();
  const outputBefore = stack!.output().length;
  let failed = true;
  try {
    await steps(page);
    failed = false;
  } catch (error) {
    throw explainFailure(error, stack!.output().slice(outputBefore));
  } finally {
    await savePage(page, name, failed);
    await context.close();
  }
}

/** Storefront catalogue -> "Pagar" -> the sandbox's page for this order's link. */
async function startPayment(page: Page, o: StorefrontOrder): Promise<string> {
  await page.goto(storefront!.url);
  await page.click(`#pagar-${o.key}`);
  const checkoutUrl = await waitFor(
    `the storefront to create the link for ${o.reference}`,
    () => storefront!.created(o.reference)?.checkoutUrl,
    PAGE_MS,
    async () => `${page.url()} shows:\n${await pageText(page)}`,
  );
  await waitForUrl(page, checkoutUrl, 'the sandbox checkout page');
  await expectText(page, `Pago ${o.reference}`, 'the checkout page');
  await expectText(
    page,
    `$${Number(o.amount).toLocaleString('en-US', { minimumFractionDigits: 2 })}`,
    'the checkout page',
  );
  return checkoutUrl;
}

const waitForUrl = (page: Page, url: string, what: string) =>
  waitFor(
    `${what} (${url})`,
    () => page.url() === url,
    PAGE_MS,
    () => `the browser is at ${page.url()}`,
  );

const expectText = (page: Page, text: string, where: string) =>
  waitFor(
    `${where} to show "${text}"`,
    async () => (await pageText(page)).includes(text),
    PAGE_MS,
    async () => `${page.url()} shows:\n${await pageText(page)}`,
  );

/** A validly signed notification of this status, with this order's facts. */
async function expectNotification(o: StorefrontOrder, status: string): Promise<Notification> {
  const got = await waitFor(
    `the storefront to receive a validly signed payment.${status} notification for ${o.reference}`,
    () => storefront!.notification(o.reference, status),
    NOTIFY_MS,
    () => deliveryReport(o, status),
  );
  expect(got).toMatchObject({
    type: `payment.${status}`,
    status,
    reference_id: o.reference,
    order_id: storefront!.created(o.reference)?.orderId,
    amount: Number(o.amount).toFixed(2),
  });
  return got;
}

/** Why a notification is missing: what the storefront got, and what became of Conekta's webhooks. */
async function deliveryReport(o: StorefrontOrder, status: string): Promise<string> {
  const mine = storefront!.received.filter((r) => r.body.includes(o.reference));
  const got = mine.map((r) => `${r.valid ? 'valid' : 'INVALID signature'} ${r.payload?.type ?? r.body}`);
  const log = await fetch(`${stack!.sandbox}/_sandbox/webhook_deliveries?type=order.${status}`)
    .then((res) => res.json() as Promise<{ data: Array<Record<string, unknown>> }>)
    .then(({ data }) => data.map((d) => `${d.type} attempt ${d.attempt} -> ${d.status ?? d.error}`))
    .catch((err: unknown) => [`(could not read: ${err})`]);
  return [
    `storefront received for ${o.reference}: ${got.join('; ') || 'nothing'}`,
    `sandbox webhook deliveries of order.${status} (all orders): ${log.join('; ') || 'none'}`,
  ].join('\n');
}

/** The storefront's reconciliation call agrees, and it was the webhook that moved the payment. */
async function expectStatus(o: StorefrontOrder, status: string): Promise<void> {
  const res = await storefront!.status(o.reference);
  expect(res.status).toBe(200);
  expect(res.json.payment?.status).toBe(status);
  expect(res.json.payment?.history?.map((h) => h.source)).toContainEqual(expect.stringMatching(/^webhook:/));
}

afterEach(() => {
  // Whatever the journey, nothing unsigned or wrongly signed may reach the storefront.
  expect(storefront?.received.filter((r) => !r.valid).map((r) => r.body) ?? []).toEqual([]);
});

it('1. card: pay on the checkout page, back on the storefront, notified paid', async () => {
  await journey('1-card', async (page) => {
    await startPayment(page, orders.card);
    await page.click('#pay-card');
    await waitForUrl(page, storefront!.returnUrl, 'the storefront return page');
    await expectNotification(orders.card, 'paid');
    await expectText(page, 'Pago recibido', 'the return page');
    await expectStatus(orders.card, 'paid');
  });
}, 60_000);

it('2. cash: pending with a reference, notified pending, confirmed, notified paid', async () => {
  await journey('2-cash', async (page) => {
    const checkoutUrl = await startPayment(page, orders.cash);
    await page.click('#pay-cash');
    await expectText(page, 'Cash payment pending', 'the checkout page');
    expect(page.url()).toBe(checkoutUrl);
    expect(await page.locator('[data-testid=cash-reference]').textContent()).toMatch(/\S/);
    await expectNotification(orders.cash, 'pending_payment');
    await page.click('#confirm-cash');
    await waitForUrl(page, storefront!.returnUrl, 'the storefront return page');
    await expectNotification(orders.cash, 'paid');
    await expectText(page, 'Pago recibido', 'the return page');
    await expectStatus(orders.cash, 'paid');
  });
}, 60_000);

it('3. declined, then paid on the same link', async () => {
  await journey('3-declined-then-paid', async (page) => {
    const checkoutUrl = await startPayment(page, orders.declined);
    await page.click('#decline-card');
    await waitForUrl(page, storefront!.returnUrl, 'the storefront return page (failure_url)');
    await expectNotification(orders.declined, 'declined');
    await expectText(page, 'Pago rechazado', 'the return page');
    await page.click('#retry');
    await waitForUrl(page, checkoutUrl, 'the same checkout page again');
    await expectText(page, 'Your card was declined. You can try again.', 'the checkout page');
    await page.click('#pay-card');
    await waitForUrl(page, storefront!.returnUrl, 'the storefront return page (success_url)');
    await expectNotification(orders.declined, 'paid');
    await expectText(page, 'Pago recibido', 'the return page');
    await expectStatus(orders.declined, 'paid');
  });
}, 60_000);

it('4. expired link: the checkout page says so, notified expired', async () => {
  await journey('4-expired', async (page) => {
    const checkoutUrl = await startPayment(page, orders.expired);
    await page.click('#expire');
    await expectText(page, 'This payment link has expired.', 'the checkout page');
    expect(page.url()).toBe(checkoutUrl);
    expect(await page.locator('[data-testid=actions] button').count()).toBe(0);
    await expectNotification(orders.expired, 'expired');
    await expectStatus(orders.expired, 'expired');
  });
}, 60_000);
