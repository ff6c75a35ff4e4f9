/**
 * The README's promise, checked: `npm start` brings up the whole stack (DynamoDB Local, the
 * Conekta sandbox, serverless-offline), the seed request works over HTTP, a payment on the
 * sandbox reaches the stored record through the webhook route, and SIGTERM leaves nothing behind.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });

let child: ChildProcess;
let output = '';
let api: string;
let sandbox: string;
let dynamoPort: number;

beforeAll(async () => {
  const [port, sandboxPort, ddbPort, lambdaPort] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  dynamoPort = ddbPort;
  api = `http://localhost:${port}`;
  sandbox = `http://localhost:${sandboxPort}`;
  const env: NodeJS.ProcessEnv = { ...process.env, NODE_OPTIONS: '', LOG_LEVEL: 'info' };
  delete env.AWS_ENDPOINT_URL_DYNAMODB; // npm start runs its own DynamoDB Local
  delete env.CONEKTA_API_URL;
  delete env.PAYMENTS_TABLE;
  delete env.CONEKTA_WEBHOOK_PUBLIC_KEYS;
  child = spawn(process.execPath, ['--import', 'tsx', 'local/start.ts'], {
    env: {
      ...env,
      PORT: String(port),
      LAMBDA_PORT: String(lambdaPort),
      CONEKTA_SANDBOX_PORT: String(sandboxPort),
      DYNAMODB_PORT: String(dynamoPort),
      PAGOS_ESBUILD_WORK_FOLDER: '.esbuild-e2e',
      PAGOS_ESBUILD_WATCH: '.no-watch/**', // no rebuild mid-request if the tree changes
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const deadline = Date.now() + 90_000;
  while (!output.includes(`Pagos API ready at ${api}`)) {
    if (child.exitCode !== null) throw new Error(`npm start exited ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) throw new Error(`npm start printed no ready line in 90 s:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}, 120_000);

afterAll(async () => {
  if (child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    process.kill(-child.pid!, 'SIGKILL');
    await exited;
  }
});

const pagos = async (body: unknown) => {
  const res = await fetch(`${api}/pagos`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
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
  expect(output).toContain(`Pagos API ready at ${api}`);
  expect(output).toMatch(/curl .*\/pagos/);
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
