/**
 * npm run conekta:check [-- --live]
 *
 * For an operator about to go live: checks, against a real Conekta account, each thing Pagos
 * assumes about Conekta, printing what was checked and what Conekta answered (never the key).
 * The key comes from CONEKTA_SECRET or stdin (never argv: it would land in shell history and
 * `ps`); the API from CONEKTA_API_URL (default https://api.conekta.io); PAGOS_WEBHOOK_URL, if set,
 * is registered and sent a test event. Creates one MXN 10.00 hosted-checkout order and cancels
 * it (no charge is made). Exit 0: all as assumed; 1: a mismatch or a refusal; 2: usage.
 */
import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { parseWebhookPublicKeys } from '../lib/providers/conekta/webhook-signature.js';

export interface CheckIo {
  env: Record<string, string | undefined>;
  argv: readonly string[];
  /** The whole of stdin, or undefined when it is a terminal (nothing piped). */
  readStdin: () => Promise<string | undefined>;
  out: (line: string) => void;
  fetch?: typeof fetch;
}

const DEFAULT_API = 'https://api.conekta.io';
const ACCEPT = 'application/vnd.conekta-v2.3.0+json';
const KEY_PATTERN = /^key_[A-Za-z0-9_]+$/;
const CHECK_AMOUNT = 1_000; // MXN 10.00 in cents
// Pagos's recovery lists GET /orders over a created_at window around the order.
const WINDOW_SECONDS = 300;
const MAX_PAGES = 40;

/** A difference from what Pagos assumes, or a refusal: ends the check with exit code 1. */
class Mismatch extends Error {
  override name = 'Mismatch';
}

type Json = Record<string, unknown>;
interface Answer {
  status: number;
  body: Json;
}

const USAGE = `Usage: CONEKTA_SECRET=key_... npm run conekta:check [-- --live]
       printf %s "$KEY" | npm run conekta:check
  CONEKTA_API_URL     Conekta API base (default ${DEFAULT_API})
  PAGOS_WEBHOOK_URL   Pagos's webhook URL: registered (or found) and sent a test event
  --live              allow a live-mode key (the check order is canceled at once; nothing is charged)`;

const describeError = ({ status, body }: Answer): string => {
  const details = Array.isArray(body.details) ? (body.details as Json[]) : [];
  const first = details[0];
  const text = first ? ` ${first.code ?? ''}: ${first.debug_message ?? first.message ?? ''}` : '';
  return `HTTP ${status}${body.type ? ` ${body.type}` : ''}${text}`;
};

const mxn = (cents: unknown) =>
  typeof cents === 'number' ? `MXN ${(cents / 100).toFixed(2)}` : String(cents);
const oneLine = (pem: string) => pem.trim().replace(/\r?\n/g, '\\n');

/** The key, or why there is none (argv is never read for it). */
async function readKey(io: CheckIo): Promise<{ key: string; source: string } | { problem: string }> {
  if (io.argv.some((arg) => arg === '--secret' || arg.startsWith('--secret=') || KEY_PATTERN.test(arg))) {
    return {
      problem:
        'The key is never taken from the command line (shell history, ps). Set CONEKTA_SECRET or pipe it on stdin.',
    };
  }
  const fromEnv = io.env.CONEKTA_SECRET?.trim();
  const piped = fromEnv ? undefined : (await io.readStdin())?.trim().split(/\r?\n/)[0]?.trim();
  const key = fromEnv || piped;
  if (!key) return { problem: 'No key: set CONEKTA_SECRET or pipe the key on stdin.' };
  if (!KEY_PATTERN.test(key)) {
    return { problem: 'That is not a Conekta private key (key_ followed by letters, digits or _).' };
  }
  return { key, source: fromEnv ? 'CONEKTA_SECRET' : 'stdin' };
}

function conekta(base: string, key: string, fetcher: typeof fetch) {
  return async (method: string, path: string, body?: unknown): Promise<Answer> => {
    let response: Response;
    try {
      response = await fetcher(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${key}`,
          accept: ACCEPT,
          'accept-language': 'en',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(20_000),
      });
    } catch (error) {
      throw new Mismatch(`${method} ${path}: no answer from ${base} (${(error as Error).message}).`);
    }
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new Mismatch(`${method} ${path}: HTTP ${response.status} with a body that is not JSON.`);
    }
    return { status: response.status, body: (parsed ?? {}) as Json };
  };
}

type Call = ReturnType<typeof conekta>;

/** The 200 answer, or a Mismatch naming the call and Conekta's error. */
async function ok(call: Call, method: string, path: string, body?: unknown): Promise<Json> {
  const answer = await call(method, path, body);
  if (answer.status !== 200) throw new Mismatch(`${method} ${path}: ${describeError(answer)}.`);
  return answer.body;
}

const list = (body: Json): Json[] => (Array.isArray(body.data) ? (body.data as Json[]) : []);
const nextCursor = (body: Json): string | undefined => {
  if (body.has_more !== true || typeof body.next_page_url !== 'string') return undefined;
  try {
    return new URL(body.next_page_url).searchParams.get('next') ?? undefined;
  } catch {
    return undefined;
  }
};

export async function runConektaCheck(io: CheckIo): Promise<number> {
  const { out } = io;
  if (io.argv.includes('--help') || io.argv.includes('-h')) {
    out(USAGE);
    return 0;
  }
  const known = new Set(['--live', '--help', '-h']);
  const unknown = io.argv.filter((arg) => !known.has(arg) && !arg.startsWith('--secret'));
  const input = await readKey(io);
  if ('problem' in input) {
    out(`✗ ${input.problem}\n${USAGE}`);
    return 2;
  }
  if (unknown.length > 0) {
    out(`✗ Unknown argument ${unknown.join(' ')}\n${USAGE}`);
    return 2;
  }
  const base = (io.env.CONEKTA_API_URL?.trim() || DEFAULT_API).replace(/\/+$/, '');
  const call = conekta(base, input.key, io.fetch ?? fetch);
  const step = (n: number, title: string) => out(`\n${n}. ${title}`);
  const saw = (line: string) => out(`   ${line}`);
  out(`conekta:check against ${base} (key ${input.key.slice(0, 6)}… from ${input.source})`);

  try {
    step(1, 'Company and key mode');
    const company = await ok(call, 'GET', '/companies/current');
    if (typeof company.id !== 'string')
      throw new Mismatch('GET /companies/current: the answer has no company id.');
    saw(
      `GET /companies/current → 200: company ${company.id} "${company.name}" (active ${company.active}, account_status ${company.account_status})`,
    );
    let livemode = await keyMode(call, input.key, saw);

    step(2, `Hosted-checkout order (${mxn(CHECK_AMOUNT)})`);
    const tag = randomUUID();
    const email = `pagos-check+${tag.slice(0, 8)}@example.com`;
    const request = {
      currency: 'MXN',
      customer_info: { name: 'Pagos Check', email, phone: '5555555555' },
      line_items: [{ name: 'Pagos check', unit_price: CHECK_AMOUNT, quantity: 1 }],
      metadata: { pagos_check: tag },
      checkout: {
        type: 'HostedPayment',
        name: 'Pagos check',
        allowed_payment_methods: ['card', 'cash', 'bank_transfer'],
        expires_at: Math.floor(Date.now() / 1000) + 2 * 86_400,
      },
    };
    if (livemode === true && !io.argv.includes('--live')) {
      throw new Mismatch(
        'This is a live-mode key: run again with --live to create (and cancel) the MXN 10.00 check order.',
      );
    }
    const created = await ok(call, 'POST', '/orders', request);
    const orderId = String(created.id);
    const url = (created.checkout as Json | undefined)?.url;
    saw(
      `POST /orders → 200: ${orderId}, amount ${created.amount} ${created.currency}, checkout.url ${url ?? '(none)'}`,
    );
    expectOrderAsSent('POST /orders', created, tag);
    if (livemode === undefined) livemode = created.livemode === true;
    else if (created.livemode !== livemode) {
      throw new Mismatch(
        `POST /orders: the order's livemode is ${created.livemode}, the key's mode is ${livemode}.`,
      );
    }
    const fetched = await ok(call, 'GET', `/orders/${encodeURIComponent(orderId)}`);
    expectOrderAsSent(`GET /orders/${orderId}`, fetched, tag);
    if (fetched.id !== orderId) throw new Mismatch(`GET /orders/${orderId}: answered order ${fetched.id}.`);
    if ((fetched.checkout as Json | undefined)?.url !== url) {
      throw new Mismatch(
        `GET /orders/${orderId}: checkout.url ${(fetched.checkout as Json | undefined)?.url} differs from the create answer's ${url}.`,
      );
    }
    saw(`GET /orders/${orderId} → 200: amount, currency, metadata.pagos_check and checkout.url as created`);

    step(3, "Listing, as Pagos's recovery does");
    const createdAt = Number(created.created_at);
    const window = `created_at.gte=${createdAt - WINDOW_SECONDS}&created_at.lte=${createdAt + WINDOW_SECONDS}`;
    const found = await findByPaging(call, `/orders?${window}&limit=250`, orderId);
    if (!found.page) {
      throw new Mismatch(
        `GET /orders?${window}&limit=250: ${orderId} was not among the ${found.seen} orders of ${found.pages} page(s); Pagos's recovery would not find it.`,
      );
    }
    saw(
      `GET /orders?${window}&limit=250 (+next) → 200: found ${orderId} on page ${found.page} (${found.seen} orders seen)`,
    );
    await reportSearch(
      call,
      `/orders?${window}&limit=250&search=${encodeURIComponent(email)}`,
      orderId,
      'the buyer email',
      email,
      saw,
    );
    await reportSearch(
      call,
      `/orders?${window}&limit=250&search=${tag}`,
      orderId,
      'a metadata value',
      undefined,
      saw,
    );

    step(4, 'Cancel the check order');
    const canceled = await ok(call, 'POST', `/orders/${encodeURIComponent(orderId)}/cancel`);
    if (canceled.payment_status !== 'canceled') {
      throw new Mismatch(
        `POST /orders/${orderId}/cancel: payment_status ${canceled.payment_status}, expected canceled.`,
      );
    }
    saw(`POST /orders/${orderId}/cancel → 200: payment_status canceled`);

    step(5, 'Webhook key');
    await webhookKeys(call, saw);

    step(6, 'Webhook');
    const hookUrl = io.env.PAGOS_WEBHOOK_URL?.trim();
    if (!hookUrl)
      saw('PAGOS_WEBHOOK_URL not set: skipped (set it to register Pagos and send it a test event).');
    else await webhookTest(call, hookUrl, saw);

    out(`\n✓ All checks passed: Conekta answered as Pagos assumes (${livemode ? 'LIVE' : 'test'} mode).`);
    return 0;
  } catch (error) {
    if (!(error instanceof Mismatch)) throw error;
    out(`\n✗ ${error.message}`);
    return 1;
  }
}

/** The key's mode from GET /api_keys (by prefix), else from the orders list; undefined if unknown. */
async function keyMode(call: Call, key: string, saw: (line: string) => void): Promise<boolean | undefined> {
  const prefix = key.slice(0, 6);
  const keys = await call('GET', '/api_keys?limit=250');
  if (keys.status === 200) {
    const matching = list(keys.body).filter((k) => k.prefix === prefix && k.active !== false);
    const modes = new Set(matching.map((k) => k.livemode === true));
    saw(`GET /api_keys → 200: ${list(keys.body).length} key(s); prefix ${prefix} matches ${matching.length}`);
    if (modes.size === 1) {
      const live = [...modes][0] === true;
      saw(`this key is a ${live ? 'LIVE' : 'test'}-mode key`);
      return live;
    }
  } else saw(`GET /api_keys → ${describeError(keys)}`);
  const orders = await call('GET', '/orders?limit=1');
  const newest = orders.status === 200 ? list(orders.body)[0] : undefined;
  if (newest && typeof newest.livemode === 'boolean') {
    saw(`GET /orders?limit=1 → 200: newest order has livemode ${newest.livemode}`);
    return newest.livemode;
  }
  saw('mode not known yet: it will be the check order’s livemode');
  return undefined;
}

function expectOrderAsSent(what: string, order: Json, tag: string): void {
  const differences: string[] = [];
  if (typeof order.id !== 'string' || order.id === '') differences.push('no order id');
  if (order.amount !== CHECK_AMOUNT)
    differences.push(`amount ${order.amount} (${mxn(order.amount)}), sent ${CHECK_AMOUNT}`);
  if (order.currency !== 'MXN') differences.push(`currency ${order.currency}, sent MXN`);
  const metadata = order.metadata as Json | undefined;
  if (metadata?.pagos_check !== tag) {
    differences.push(
      `metadata.pagos_check ${metadata === undefined ? '(no metadata)' : String(metadata.pagos_check)}, sent ${tag}`,
    );
  }
  const checkout = order.checkout as Json | undefined;
  if (typeof checkout?.url !== 'string' || !/^https?:\/\//.test(checkout.url)) {
    differences.push(`checkout.url ${checkout?.url ?? '(none)'}: Pagos hands the buyer this link`);
  }
  if (differences.length > 0) {
    throw new Mismatch(`${what}: the answer does not fit the order sent: ${differences.join('; ')}.`);
  }
}

async function findByPaging(call: Call, first: string, orderId: string) {
  let path = first;
  let seen = 0;
  for (let page = 1; page <= MAX_PAGES; page++) {
    const body = await ok(call, 'GET', path);
    const orders = list(body);
    seen += orders.length;
    if (orders.some((o) => o.id === orderId)) return { page, seen, pages: page };
    const next = nextCursor(body);
    if (!next) return { page: undefined, seen, pages: page };
    path = `${first}&next=${encodeURIComponent(next)}`;
  }
  return { page: undefined, seen, pages: MAX_PAGES };
}

/** What `search` matched: informative (Conekta does not document it), never a failure. */
async function reportSearch(
  call: Call,
  path: string,
  orderId: string,
  what: string,
  email: string | undefined,
  saw: (line: string) => void,
): Promise<void> {
  const body = await ok(call, 'GET', path);
  const orders = list(body);
  const matched = orders.some((o) => o.id === orderId);
  const others = email
    ? orders.filter((o) => (o.customer_info as Json | undefined)?.email !== email).length
    : orders.filter((o) => o.id !== orderId).length;
  const note = !matched
    ? `did NOT match the order: Conekta's search does not look at ${what}`
    : others > 0
      ? `matched, but ${others} other order(s) came back too: search may be ignored or fuzzy`
      : 'matched the order, and only it';
  saw(`search by ${what} → 200: ${note}`);
}

async function webhookKeys(call: Call, saw: (line: string) => void): Promise<void> {
  const listed = await ok(call, 'GET', '/webhook_keys?limit=250');
  let active = list(listed).filter((k) => k.active !== false && typeof k.public_key === 'string');
  saw(`GET /webhook_keys → 200: ${list(listed).length} key(s), ${active.length} active`);
  if (active.length === 0) {
    const created = await ok(call, 'POST', '/webhook_keys', { active: true });
    saw(`POST /webhook_keys → 200: created ${created.id}`);
    active = [created];
  }
  const pems = active.map((k) => String(k.public_key).trim()).join('\n');
  let parsed: number;
  try {
    parsed = parseWebhookPublicKeys(pems).length;
  } catch (error) {
    throw new Mismatch(
      `GET /webhook_keys: the public key does not load as Pagos loads it: ${(error as Error).message}`,
    );
  }
  if (parsed !== active.length)
    throw new Mismatch(`GET /webhook_keys: ${active.length} key(s), Pagos read ${parsed}.`);
  saw(`${parsed} public key(s) load as Pagos loads them. Store as CONEKTA_WEBHOOK_PUBLIC_KEYS (one line):`);
  saw(oneLine(pems));
  saw('(npm run webhook-key prints the aws ssm put-parameter command for a stage.)');
}

async function webhookTest(call: Call, url: string, saw: (line: string) => void): Promise<void> {
  const hooks = list(await ok(call, 'GET', '/webhooks?limit=250'));
  let hook = hooks.find((h) => h.url === url);
  if (hook) saw(`GET /webhooks → 200: ${url} is registered as ${hook.id}`);
  else {
    hook = await ok(call, 'POST', '/webhooks', { url });
    saw(`POST /webhooks → 200: registered ${url} as ${hook.id}`);
  }
  const id = encodeURIComponent(String(hook.id));
  await ok(call, 'POST', `/webhooks/${id}/test`);
  saw(`POST /webhooks/${hook.id}/test → 200: Conekta sends a webhook_ping, signed like every event.`);
  saw('Now find its "request done" line in Pagos\'s webhook function logs: its field digest_form');
  saw('(also the metric dimension DigestForm) says which digest form this Conekta account uses.');
  saw('"webhook signature refused" instead means the stored public key is not the one Conekta signs with.');
}

async function stdinText(): Promise<string | undefined> {
  if (process.stdin.isTTY) return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const code = await runConektaCheck({
    env: process.env,
    argv: process.argv.slice(2),
    readStdin: stdinText,
    out: (line) => console.log(line),
  });
  process.exit(code);
}
