// `npm run conekta:check` against the sandbox: it passes when Conekta behaves as Pagos assumes,
// fails (exit 1, saying what differed) on an answer that does not fit, reports search semantics
// without failing on them, and never takes or prints the key on the command line.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type RunningSandbox, startConektaSandbox } from '../../local/conekta-sandbox/server.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../local/conekta-sandbox/testing.js';
import { runConektaCheck } from '../../scripts/conekta-check.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);
const logs: string[] = [];
let sandbox: RunningSandbox;
let receiver: WebhookReceiver;
let keySeq = 0;
const newKey = () => `key_check_${++keySeq}_${Date.now()}`;

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  sandbox = await startConektaSandbox({
    env: {},
    log: (message) => logs.push(message),
    hostAliases: { 'hooks.pagos.test': '127.0.0.1' },
  });
});

afterEach(async () => {
  await fetch(`${sandbox.url}/_sandbox/faults`, { method: 'DELETE' });
});

afterAll(async () => {
  await sandbox.stop();
  await receiver.close();
  expect(logs.filter((line) => /CONTRACT VIOLATION|INTERNAL ERROR/.test(line))).toEqual([]);
});

const setFaults = async (patch: Record<string, unknown>) => {
  const response = await fetch(`${sandbox.url}/_sandbox/faults`, {
    method: 'POST',
    body: JSON.stringify(patch),
  });
  expect(response.status).toBe(200);
};

async function check(
  options: { key?: string; env?: Record<string, string>; argv?: string[]; stdin?: string } = {},
) {
  const lines: string[] = [];
  const key = options.key ?? newKey();
  const code = await runConektaCheck({
    env: {
      CONEKTA_API_URL: sandbox.url,
      ...(options.stdin === undefined ? { CONEKTA_SECRET: key } : {}),
      ...options.env,
    },
    argv: options.argv ?? [],
    readStdin: async () => options.stdin,
    out: (line) => lines.push(line),
  });
  const output = lines.join('\n');
  expect(output).not.toContain(key);
  return { code, output, key };
}

describe('conekta:check against the sandbox', () => {
  test('passes, printing each step and what Conekta answered', async () => {
    const hookUrl = `http://hooks.pagos.test:${receiver.port}/webhooks/conekta`;
    const { code, output } = await check({ env: { PAGOS_WEBHOOK_URL: hookUrl } });
    expect({ code, output }).toMatchObject({ code: 0 });
    for (const expected of [
      /^conekta:check against http:\/\/127\.0\.0\.1:\d+ \(key key_ch… from CONEKTA_SECRET\)$/m,
      /GET \/companies\/current → 200: company [0-9a-f]{24}/,
      /GET \/api_keys → 200: 1 key\(s\); prefix key_ch matches 1/,
      /this key is a test-mode key/,
      /POST \/orders → 200: ord_\w+, amount 1000 MXN, checkout\.url http/,
      /amount, currency, metadata\.pagos_check and checkout\.url as created/,
      /found ord_\w+ on page 1/,
      /search by the buyer email → 200: matched the order, and only it/,
      /search by a metadata value → 200: matched the order/,
      /payment_status canceled/,
      /1 public key\(s\) load as Pagos loads them/,
      /^ {3}-----BEGIN PUBLIC KEY-----\\n.+\\n-----END PUBLIC KEY-----$/m,
      /POST \/webhooks → 200: registered http:\/\/hooks\.pagos\.test/,
      /"request done".*digest_form/,
      /DigestForm/,
      /✓ All checks passed: Conekta answered as Pagos assumes \(test mode\)\.$/,
    ]) {
      expect(output).toMatch(expected);
    }
    const [ping] = await receiver.waitFor(1, (hook) => hook.body?.type === 'webhook_ping');
    expect(ping?.path).toBe('/webhooks/conekta');
  });

  test('a second run finds the registered webhook instead of adding one', async () => {
    const key = newKey();
    const hookUrl = `http://hooks.pagos.test:${receiver.port}/again`;
    expect((await check({ key, env: { PAGOS_WEBHOOK_URL: hookUrl } })).code).toBe(0);
    const second = await check({ key, env: { PAGOS_WEBHOOK_URL: hookUrl } });
    expect(second.code).toBe(0);
    expect(second.output).toMatch(
      /GET \/webhooks → 200: http:\/\/hooks\.pagos\.test:\d+\/again is registered/,
    );
  });

  test('documented search: still passes, and says search does not look at metadata', async () => {
    await setFaults({ search_mode: 'documented' });
    const { code, output } = await check();
    expect(code).toBe(0);
    expect(output).toMatch(/search by the buyer email → 200: matched the order, and only it/);
    expect(output).toMatch(/search by a metadata value → 200: did NOT match the order/);
  });

  test('ignored search: says other orders came back too', async () => {
    await setFaults({ search_mode: 'ignored' });
    const key = newKey();
    expect((await check({ key })).code).toBe(0);
    const { code, output } = await check({ key });
    expect(code).toBe(0);
    expect(output).toMatch(/search by the buyer email → 200: matched, but 1 other order\(s\) came back too/);
  });

  test.each([
    [
      'other_amount',
      /POST \/orders: the answer does not fit the order sent: amount 10000 \(MXN 100\.00\), sent 1000/,
    ],
    ['no_checkout_url', /POST \/orders: .*checkout\.url \(none\)/],
    ['no_metadata', /POST \/orders: .*metadata\.pagos_check \(no metadata\)/],
    ['other_currency', /POST \/orders: .*currency USD, sent MXN/],
  ])('fails on a create answer with %s, saying what differed', async (kind, message) => {
    await setFaults({ misfit_next: kind, fault_match: 'createOrder' });
    const { code, output } = await check();
    expect(code).toBe(1);
    expect(output).toMatch(message);
    expect(output).not.toMatch(/All checks passed/);
    expect(output).not.toMatch(/^4\. /m); // stopped at the first mismatch
  });

  test('fails when the read-back differs from the create answer', async () => {
    await setFaults({ misfit_next: 'other_order_id', fault_match: 'getOrderById' });
    const { code, output } = await check();
    expect(code).toBe(1);
    expect(output).toMatch(/GET \/orders\/ord_\w+: answered order ord_\w+\./);
  });

  test("fails with Conekta's error when a call is refused", async () => {
    await setFaults({ fail_next: 1, fail_next_status: 401, fault_match: 'getCurrentCompany' });
    const { code, output } = await check();
    expect(code).toBe(1);
    expect(output).toMatch(/✗ GET \/companies\/current: HTTP 401 authentication_error/);
  });

  test('a live-mode key needs --live', async () => {
    const key = newKey();
    await fetch(`${sandbox.url}/_sandbox/keys`, {
      method: 'POST',
      body: JSON.stringify({ key, livemode: true }),
    });
    const refused = await check({ key });
    expect(refused.code).toBe(1);
    expect(refused.output).toMatch(/this key is a LIVE-mode key/);
    expect(refused.output).toMatch(/run again with --live/);
    const allowed = await check({ key, argv: ['--live'] });
    expect(allowed.code).toBe(0);
    expect(allowed.output).toMatch(/\(LIVE mode\)\.$/);
  });

  test('reads the key from stdin when CONEKTA_SECRET is not set', async () => {
    const key = newKey();
    const { code, output } = await check({ key, stdin: `${key}\n` });
    expect(code).toBe(0);
    expect(output).toMatch(/from stdin\)/);
  });

  test.each([
    [['--secret', 'key_abc'], /never taken from the command line/],
    [['--secret=key_abc'], /never taken from the command line/],
    [['key_abc'], /never taken from the command line/],
    [['--verbose'], /Unknown argument --verbose/],
  ])('refuses argv %j (exit 2)', async (argv, message) => {
    const { code, output } = await check({ argv });
    expect(code).toBe(2);
    expect(output).toMatch(message);
    expect(output).not.toMatch(/^1\. /m);
  });

  test('no key, or not a key: exit 2 with the usage', async () => {
    const none = await check({ stdin: '' });
    expect(none).toMatchObject({ code: 2, output: expect.stringMatching(/No key: set CONEKTA_SECRET/) });
    const wrong = await check({ stdin: 'sk_test_123\n' });
    expect(wrong).toMatchObject({ code: 2, output: expect.stringMatching(/not a Conekta private key/) });
  });

  test('npm run conekta:check runs the script (child process, key in the environment)', async () => {
    const key = newKey();
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'scripts/conekta-check.ts'], {
      cwd: root,
      env: { ...process.env, NODE_OPTIONS: '', CONEKTA_SECRET: key, CONEKTA_API_URL: sandbox.url },
    });
    expect(stdout).toMatch(/✓ All checks passed/);
    expect(stdout).not.toContain(key);
    const failed = await run(
      process.execPath,
      ['--import', 'tsx', 'scripts/conekta-check.ts', '--secret', key],
      {
        cwd: root,
        env: { ...process.env, NODE_OPTIONS: '', CONEKTA_SECRET: '' },
      },
    ).catch((error: { code: number; stdout: string }) => error);
    expect(failed).toMatchObject({ code: 2 });
  }, 60_000);
});
