/**
 * npm run smoke -- --url <api url> --secret key_... [--notification-url <url>]
 *
 * One payment link through a running Pagos (a deployed stage or `npm start`): create it, open its
 * checkout page, ask its status, cancel it and check that it says canceled. Prints each step;
 * exits 0 when all pass, 1 at the first failure (after canceling the link it made), 2 on bad usage.
 * The secret (or PAGOS_SMOKE_SECRET) only travels in request bodies and is never printed.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';

const USAGE =
  'usage: npm run smoke -- --url <api url, e.g. https://abc123.execute-api.us-east-1.amazonaws.com> ' +
  '--secret key_... [--notification-url <url>]\n' +
  '       (or PAGOS_SMOKE_SECRET=key_... instead of --secret, to keep the key out of shell history)';
const REQUEST_TIMEOUT_MS = 30_000; // the pagos Lambda's own timeout is 25 s

class UsageError extends Error {}
class StepFailed extends Error {}

type Options = { pagosUrl: string; secret: string; notificationUrl: string };
type Answer = { status: number; text: string; json: unknown };
// biome-ignore lint/suspicious/noExplicitAny: answers are arbitrary JSON, checked field by field
type Json = any;

function readOptions(argv: string[], env: NodeJS.ProcessEnv): Options {
  let values: { url?: string; secret?: string; 'notification-url'?: string };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        url: { type: 'string' },
        secret: { type: 'string' },
        'notification-url': { type: 'string' },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const secret = values.secret ?? env.PAGOS_SMOKE_SECRET ?? '';
  if (!values.url) throw new UsageError('--url is required');
  if (!secret.startsWith('key_')) throw new UsageError('--secret must be a Conekta private key (key_...)');
  return {
    pagosUrl: pagosEndpoint(values.url),
    secret,
    // Pagos posts the canceled status here; a storefront endpoint that answers 2xx keeps the
    // notification from going dead (and alarming) a day later.
    notificationUrl: values['notification-url'] ?? 'https://example.com/pagos-smoke/notify',
  };
}

/** The API's base URL or the POST /pagos URL itself (the stack's PagosUrl output) both work. */
function pagosEndpoint(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`--url is not a URL: ${raw}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError('--url must be http(s)');
  const base = url.href.replace(/\/+$/, '');
  return base.endsWith('/pagos') ? base : `${base}/pagos`;
}

/** Never lets the secret reach the terminal, whatever an answer contains. */
const scrub = (text: string, secret: string) => text.split(secret).join('[secret]');

async function request(url: string, init: RequestInit): Promise<Answer> {
  let res: Response;
  try {
    res = await fetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new StepFailed(`${init.method ?? 'GET'} ${url} failed: ${cause?.code ?? (error as Error).message}`);
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json };
}

function expectStatus(answer: Answer, expected: number, what: string, secret: string): Json {
  if (answer.status !== expected) {
    const body = scrub(answer.text, secret).slice(0, 600);
    throw new StepFailed(`${what} answered ${answer.status}, expected ${expected}: ${body}`);
  }
  return answer.json;
}

function check(condition: unknown, message: string): asserts condition {
  if (!condition) throw new StepFailed(message);
}

async function main(): Promise<number> {
  let options: Options;
  try {
    options = readOptions(process.argv.slice(2), process.env);
  } catch (error) {
    console.error(`smoke: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const { pagosUrl, secret } = options;
  const referenceId = `smoke-${Date.now()}-${randomBytes(3).toString('hex')}`;
  const pagos = (body: Record<string, unknown>) =>
    request(pagosUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ provider: 'conekta', secret, reference_id: referenceId, ...body }),
    });

  const started = Date.now();
  console.log(`smoke: ${pagosUrl}, reference_id ${referenceId}`);
  let orderId = '';
  let checkout = '';
  let canceled = false;
  const steps: Array<[string, () => Promise<string>]> = [
    [
      'create a payment link',
      async () => {
        const order = expectStatus(await pagos(createBody(options)), 200, 'create', secret);
        orderId = order?.id;
        check(typeof orderId === 'string' && orderId !== '', `create answered no order id: ${order}`);
        check(isHttpUrl(order.checkout?.url), `checkout.url is not an http(s) URL: ${order.checkout?.url}`);
        checkout = order.checkout.url;
        return `order ${orderId}, checkout.url ${checkout}`;
      },
    ],
    [
      'open the checkout page',
      async () => {
        const page = await request(checkout, { method: 'GET' });
        check(page.status === 200, `GET ${checkout} answered ${page.status}, expected 200`);
        return `GET checkout.url -> 200 (${page.text.length} bytes)`;
      },
    ],
    [
      'ask its status',
      async () => {
        const { payment } = expectStatus(await pagos({ action: 'status' }), 200, 'status', secret);
        check(payment?.reference_id === referenceId, `status is about ${payment?.reference_id}`);
        check(payment.order_id === orderId, `status names order ${payment.order_id}, not ${orderId}`);
        check(
          ['created', 'pending_payment'].includes(payment.status),
          `a new link should be created or pending_payment, it is ${payment.status}`,
        );
        return `status ${payment.status}`;
      },
    ],
    [
      'cancel it',
      async () => {
        const order = expectStatus(await pagos({ action: 'cancel' }), 200, 'cancel', secret);
        canceled = true;
        return `order ${order?.id} canceled at Conekta`;
      },
    ],
    [
      'check it says canceled',
      async () => {
        const { payment } = expectStatus(await pagos({ action: 'status' }), 200, 'status', secret);
        check(payment?.status === 'canceled', `status after cancel is ${payment?.status}, expected canceled`);
        return 'status canceled';
      },
    ],
  ];

  for (const [index, [name, run]] of steps.entries()) {
    const label = `[${index + 1}/${steps.length}] ${name}`;
    const t0 = Date.now();
    try {
      console.log(`${label}: ok, ${await run()} (${Date.now() - t0} ms)`);
    } catch (error) {
      console.error(`${label}: FAILED: ${scrub((error as Error).message, secret)}`);
      if (orderId && !canceled) await cleanUp(pagos, secret);
      console.error(`smoke FAILED at step ${index + 1} (${name}) after ${seconds(started)}`);
      return 1;
    }
  }
  console.log(`smoke passed: ${steps.length} steps in ${seconds(started)}`);
  return 0;
}

function createBody(options: Options): Record<string, unknown> {
  return {
    action: 'create',
    amount: '20.00',
    currency: 'MXN',
    expires_in_days: 1, // the shortest: a link a failed run leaves behind dies by itself
    return_url: 'https://example.com/pagos-smoke',
    notification_url: options.notificationUrl,
    first_name: 'Pagos',
    last_name: 'Smoke',
    email: 'smoke@example.com',
  };
}

/** A failed run should not leave an open payment link behind. */
async function cleanUp(pagos: (b: Record<string, unknown>) => Promise<Answer>, secret: string) {
  try {
    const answer = await pagos({ action: 'cancel' });
    console.error(
      answer.status === 200
        ? 'cleanup: the payment link was canceled'
        : `cleanup: cancel answered ${answer.status}: ${scrub(answer.text, secret).slice(0, 300)}`,
    );
  } catch (error) {
    console.error(`cleanup: cancel failed: ${scrub((error as Error).message, secret)}`);
  }
}

function isHttpUrl(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  try {
    return ['http:', 'https:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

process.exitCode = await main();
