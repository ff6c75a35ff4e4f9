// `npm start`: the whole service on this machine. DynamoDB Local (on disk) + tables from serverless.yml,
// the Conekta sandbox posting signed webhooks to the local webhook route, the API via serverless-offline,
// and the notification pipeline: a wire-protocol SQS server with the queues from serverless.yml, and
// the deployed enqueuer and delivery handlers fed by pollers that do what Lambda's event source
// mappings do (local/event-sources.ts): the table's stream -> enqueuer, the queue -> delivery.
// Everything that holds data keeps it under .local/ (PAGOS_LOCAL_DATA_DIR), so a restart, even after
// a crash, finds every payment, sandbox order and pending notification; `npm start -- --fresh` empties it.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type DynamoDbLocal, freePort, JavaRequiredError, startDynamoDbLocal } from './dynamodb-local.js';
import {
  fileCheckpoint,
  type Poller,
  pollQueue,
  pollTableStream,
  readStreamFilters,
} from './event-sources.js';
import { createQueues, type LocalSqs, localSqsClient, notificationQueueNames, startLocalSqs } from './sqs.js';
import { createTables } from './tables.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const READY_TIMEOUT_MS = 120_000;
const STOP_GRACE_MS = 5_000;

const DEMO_BODY = {
  provider: 'conekta',
  action: 'create',
  secret: 'key_test_local',
  reference_id: 'demo-1',
  amount: 1000,
  return_url: 'http://localhost:8080',
  notification_url: 'http://localhost:8080/notify',
  first_name: 'andres',
  last_name: 'jaro',
  email: 'andres@example.com',
};

type Config = {
  httpPort: number;
  lambdaPort: number | undefined;
  dynamoPort: number;
  sqsPort: number;
  sandboxPort: number;
  paymentsTable: string;
  region: string;
  externalConektaUrl: string | undefined;
  data: LocalData;
  fresh: boolean;
};

/** Where each part keeps its data between runs. */
type LocalData = {
  dir: string;
  dynamodb: string;
  sqsJournal: string;
  streamCheckpoint: string;
  sandbox: string;
};

function localData(dir: string): LocalData {
  return {
    dir,
    dynamodb: join(dir, 'dynamodb'),
    sqsJournal: join(dir, 'sqs-journal.jsonl'),
    streamCheckpoint: join(dir, 'stream-checkpoint.json'),
    sandbox: join(dir, 'conekta-sandbox.json'),
  };
}

/** --fresh: removes only what this script writes (the folder may be one the developer chose). */
function emptyLocalData(data: LocalData): void {
  for (const path of [data.dynamodb, data.sqsJournal, data.streamCheckpoint, data.sandbox]) {
    rmSync(path, { recursive: true, force: true });
    rmSync(`${path}.tmp`, { force: true });
  }
}

function readArgs(argv: readonly string[]): { fresh: boolean } {
  const unknown = argv.filter((a) => a !== '--fresh');
  if (unknown.length > 0) throw new Error(`unknown option ${unknown.join(' ')}; the only one is --fresh`);
  return { fresh: argv.includes('--fresh') };
}

type Sandbox = { url: string; defaultWebhookPublicKeyPem: string; stop(): Promise<void> };

/** Everything started so far, so any failure or signal can take all of it down. */
const running: {
  offline?: ChildProcess;
  sandbox?: Sandbox;
  dynamo?: DynamoDbLocal;
  sqs?: LocalSqs;
  pollers?: Poller[];
} = {};
let stopping: Promise<never> | undefined;

const say = (msg: string) => console.log(`[pagos] ${msg}`);

function readConfig(env: NodeJS.ProcessEnv, argv: readonly string[]): Config {
  const httpPort = intEnv(env, 'PORT', 3000);
  const sandboxPort = intEnv(env, 'CONEKTA_SANDBOX_PORT', 4010);
  return {
    httpPort,
    lambdaPort: env.LAMBDA_PORT ? intEnv(env, 'LAMBDA_PORT', 0) : undefined,
    dynamoPort: intEnv(env, 'DYNAMODB_PORT', 8000),
    sqsPort: intEnv(env, 'SQS_PORT', 9324),
    sandboxPort,
    paymentsTable: env.PAYMENTS_TABLE || 'pagos-local-payments',
    region: env.AWS_REGION || 'us-east-1',
    externalConektaUrl: externalConekta(env.CONEKTA_API_URL, sandboxPort),
    data: localData(resolve(ROOT, env.PAGOS_LOCAL_DATA_DIR || '.local')),
    fresh: readArgs(argv).fresh,
  };
}

function intEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65_535)
    throw new Error(`${name} must be a port number`);
  return value;
}

/** CONEKTA_API_URL set to anything but the local sandbox means: use that Conekta, start no sandbox. */
function externalConekta(url: string | undefined, sandboxPort: number): string | undefined {
  if (!url) return undefined;
  const u = new URL(url);
  const local = ['localhost', '127.0.0.1', '[::1]'].includes(u.hostname);
  return local && Number(u.port) === sandboxPort ? undefined : url;
}

async function main(): Promise<void> {
  installSignalHandlers();
  // The AWS SDK's Node-version notice (for createTables here) is noise for a local run.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const config = readConfig(process.env, process.argv.slice(2));
  await assertPortFree(config.httpPort, 'PORT');
  const lambdaPort = await pickLambdaPort(config);
  if (config.fresh) {
    emptyLocalData(config.data);
    say(`--fresh: emptied ${config.data.dir}`);
  }
  mkdirSync(config.data.dir, { recursive: true });
  const dynamo = await startDynamo(config.dynamoPort, config.data.dynamodb);
  await createTables(
    dynamo.endpoint,
    { paymentsTable: config.paymentsTable },
    { log: (m) => say(`table ${m}`) },
  );
  const queues = await startQueues(config);
  const conekta = await startConekta(config);
  const env = offlineEnv(config, lambdaPort, dynamo.endpoint, conekta);
  await startNotificationPipeline(config, dynamo.endpoint, queues, env);
  const offline = startOffline(config.httpPort, lambdaPort, env);
  await Promise.race([
    waitForApi(config.httpPort),
    rejectOnExit(offline, 'serverless offline'),
    rejectOnBuildFailure(offline),
  ]);
  printReady(config, dynamo, queues, conekta.url);
}

type Queues = { endpoint: string; queueUrl: string; deadLetterQueueUrl: string };

async function startQueues(config: Config): Promise<Queues> {
  const t0 = performance.now();
  await assertPortFree(config.sqsPort, 'SQS_PORT');
  const sqs = await startLocalSqs({ port: config.sqsPort, journalPath: config.data.sqsJournal });
  running.sqs = sqs;
  const client = localSqsClient(sqs.endpoint, config.region);
  try {
    const urls = await createQueues(client, notificationQueueNames(localPrefix(config)));
    // Before anything polls: the notifications still pending when the last run stopped.
    const restored = await sqs.restore();
    say(
      `SQS (local-aws-sqs, journaled) at ${sqs.endpoint} in ${seconds(t0)}; ${restored} pending message(s) restored`,
    );
    return {
      endpoint: sqs.endpoint,
      queueUrl: urls.NotificationQueue!,
      deadLetterQueueUrl: urls.NotificationDeadLetterQueue!,
    };
  } finally {
    client.destroy();
  }
}

/** pagos-local-payments -> pagos-local: the queues are named like the deployed stage's. */
const localPrefix = (config: Config) => config.paymentsTable.replace(/-payments$/, '');

/**
 * The deployed handlers, in this process, with the environment serverless.yml gives them under
 * local mode; the pollers call them the way Lambda's event source mappings would.
 */
async function startNotificationPipeline(
  config: Config,
  dynamoEndpoint: string,
  queues: Queues,
  offline: NodeJS.ProcessEnv,
): Promise<void> {
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint,
    AWS_ENDPOINT_URL_SQS: queues.endpoint,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_REGION: config.region,
    PAYMENTS_TABLE: config.paymentsTable,
    PAGOS_LOCAL_MODE: 'true',
    PAGOS_STAGE: offline.PAGOS_STAGE ?? 'local',
    NOTIFICATION_QUEUE_URL: queues.queueUrl,
    NOTIFICATION_DLQ_URL: queues.deadLetterQueueUrl,
  });
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  // Imported only now: each reads its settings once, at load, like a Lambda instance.
  const [{ handler: enqueuer }, { handler: delivery }] = await Promise.all([
    import('../functions/notification-enqueuer.js'),
    import('../functions/notification-delivery.js'),
  ]);
  const dynamo = new DynamoDBClient({ endpoint: dynamoEndpoint, region: config.region });
  const log = (m: string) => say(`notifications: ${m}`);
  running.pollers = [
    await pollTableStream({
      dynamo,
      endpoint: dynamoEndpoint,
      region: config.region,
      tableName: config.paymentsTable,
      handler: enqueuer,
      filters: await readStreamFilters(),
      checkpoint: fileCheckpoint(config.data.streamCheckpoint),
      log,
    }),
    await pollQueue({
      sqs: localSqsClient(queues.endpoint, config.region),
      queueUrl: queues.queueUrl,
      handler: delivery,
      concurrency: 4,
      log,
    }),
  ];
  say(`notifications: table stream -> enqueuer -> ${queues.queueUrl} -> delivery`);
}

async function pickLambdaPort(config: Config): Promise<number> {
  if (config.lambdaPort !== undefined) {
    await assertPortFree(config.lambdaPort, 'LAMBDA_PORT');
    return config.lambdaPort;
  }
  const preferred = config.httpPort + 2; // serverless-offline's usual layout (3000 -> 3002)
  return (await isPortFree(preferred)) ? preferred : freePort();
}

async function startDynamo(port: number, dbPath: string): Promise<DynamoDbLocal> {
  const t0 = performance.now();
  mkdirSync(dbPath, { recursive: true });
  // Own process group: a terminal Ctrl-C reaches only this supervisor, which then stops it in order.
  const dynamo = await startDynamoDbLocal({ port, detached: true, inMemory: false, dbPath });
  running.dynamo = dynamo;
  void dynamo.exited.then(({ code, signal }) => childDied('DynamoDB Local', code ?? signal));
  say(`DynamoDB Local (on disk, ${dbPath}) at ${dynamo.endpoint} in ${seconds(t0)}`);
  return dynamo;
}

type Conekta = { url: string; publicKeys: string };

async function startConekta(config: Config): Promise<Conekta> {
  const existingKeys = process.env.CONEKTA_WEBHOOK_PUBLIC_KEYS ?? '';
  if (config.externalConektaUrl) {
    say(`using Conekta at ${config.externalConektaUrl} (CONEKTA_API_URL); no sandbox started`);
    return { url: config.externalConektaUrl, publicKeys: existingKeys };
  }
  const port = config.sandboxPort || (await freePort());
  // Loaded only when needed, so pointing at the real Conekta does not depend on the sandbox.
  const { startConektaSandbox } = await import('./conekta-sandbox/server.js');
  const sandbox = await startConektaSandbox({
    port,
    publicUrl: `http://localhost:${port}`,
    defaultWebhookUrls: [`http://localhost:${config.httpPort}/webhooks/conekta`],
    // Its companies, keys (as hashes), orders and events, so payments in DynamoDB still match.
    statePath: config.data.sandbox,
    log: (msg: string) => console.log(`[conekta-sandbox] ${msg}`),
  });
  running.sandbox = sandbox;
  say(`Conekta sandbox at ${sandbox.url} (state in ${config.data.sandbox})`);
  // PAGOS_LOCAL_SKIP_SANDBOX_KEY=true trusts only the configured keys: a wrong key then fails every
  // webhook, as it would in AWS (the browser suite's way to show a broken signature check).
  const skipSandboxKey = process.env.PAGOS_LOCAL_SKIP_SANDBOX_KEY === 'true';
  if (skipSandboxKey) say("PAGOS_LOCAL_SKIP_SANDBOX_KEY=true: the sandbox's webhook key is not trusted");
  // PEM blocks delimit themselves, so keys already configured simply come first.
  const sandboxKey = skipSandboxKey ? '' : sandbox.defaultWebhookPublicKeyPem.trim();
  const publicKeys = [existingKeys.trim(), sandboxKey].filter(Boolean).join('\n');
  return { url: sandbox.url, publicKeys };
}

function offlineEnv(
  config: Config,
  lambdaPort: number,
  dynamoEndpoint: string,
  conekta: Conekta,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // Only AWS_* reach handlers from the shell; the rest resolve through ${env:...} in serverless.yml.
    AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_REGION: config.region,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    PAYMENTS_TABLE: config.paymentsTable,
    CONEKTA_API_URL: conekta.url,
    CONEKTA_WEBHOOK_PUBLIC_KEYS: conekta.publicKeys,
    PAGOS_LOCAL_MODE: 'true',
    // Its own build folder, so `npm test` (serverless package) never pulls the bundles from under it.
    PAGOS_ESBUILD_WORK_FOLDER: process.env.PAGOS_ESBUILD_WORK_FOLDER ?? '.esbuild-local',
    PORT: String(config.httpPort),
    LAMBDA_PORT: String(lambdaPort),
  };
  // Real credentials must never be picked up by a local run.
  delete env.AWS_SESSION_TOKEN;
  delete env.AWS_PROFILE;
  return env;
}

function startOffline(httpPort: number, lambdaPort: number, env: NodeJS.ProcessEnv): ChildProcess {
  const bin = join(ROOT, 'node_modules', '.bin', 'serverless');
  // Stage `local`: the only one local mode may run in (local/serverless-local-mode-guard.cjs).
  const args = [
    'offline',
    'start',
    '--stage',
    'local',
    '--httpPort',
    String(httpPort),
    '--lambdaPort',
    String(lambdaPort),
  ];
  // detached: its own process group (node + esbuild + workers), killed as a whole with kill(-pgid).
  // Piped (not inherited) so start-up can spot a failed build; colours kept when we write to a terminal.
  if (process.stdout.isTTY) env.FORCE_COLOR ??= '1';
  const child = spawn(bin, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  child.stdout?.pipe(process.stdout);
  child.stderr?.pipe(process.stderr);
  running.offline = child;
  child.once('exit', (code, signal) => childDied('serverless offline', code ?? signal));
  return child;
}

/** Any HTTP answer from POST /pagos means the route and the handler's worker are up. */
async function waitForApi(port: number): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`http://localhost:${port}/pagos`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
        signal: AbortSignal.timeout(15_000),
      });
      await res.arrayBuffer();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(
    `the API did not answer on http://localhost:${port}/pagos within ${READY_TIMEOUT_MS / 1000} s`,
  );
}

function rejectOnExit(child: ChildProcess, name: string): Promise<never> {
  return new Promise((_, reject) => {
    child.once('exit', (code, signal) =>
      reject(new Error(`${name} exited during start-up (${code ?? signal})`)),
    );
  });
}

/** serverless-esbuild reports a broken handler and then keeps running; fail fast instead of timing out. */
function rejectOnBuildFailure(child: ChildProcess): Promise<never> {
  return new Promise((_, reject) => {
    const onData = (chunk: Buffer) => {
      if (/Build failed with|\[ERROR\]/.test(chunk.toString('utf8'))) {
        reject(new Error('serverless offline could not build the handlers (see the error above)'));
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
  });
}

function printReady(config: Config, dynamo: DynamoDbLocal, queues: Queues, conektaUrl: string): void {
  const api = `http://localhost:${config.httpPort}`;
  // performance.now() counts from this process's start.
  console.log(`Pagos API ready at ${api} (started in ${seconds(0)})`);
  console.log(
    `  try:  curl -sS -X POST ${api}/pagos -H 'content-type: application/json' -d '${JSON.stringify(DEMO_BODY)}'`,
  );
  const sandboxNote = config.externalConektaUrl
    ? ''
    : ` (sandbox; signed webhooks -> ${api}/webhooks/conekta)`;
  console.log(`  Conekta: ${conektaUrl}${sandboxNote}`);
  console.log(`  DynamoDB Local: ${dynamo.endpoint} (table ${config.paymentsTable})`);
  console.log(`  Data: ${config.data.dir} (kept across restarts; npm start -- --fresh starts empty)`);
  console.log(
    `  SQS: ${queues.endpoint} (notifications; dead letters: npm run notifications -- list --dead)`,
  );
  console.log(
    "  Notifications are signed with the merchant's own secret: POST /pagos with action signing_secret shows it.",
  );
  console.log('  Ctrl-C stops everything.');
}

function childDied(name: string, how: number | string | null): void {
  if (stopping) return;
  console.error(`[pagos] ${name} exited unexpectedly (${how}); stopping everything`);
  void shutdown(1);
}

function installSignalHandlers(): void {
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(sig, () => {
      if (stopping) return forceKill(); // a second Ctrl-C: do not wait any longer
      say(`${sig}: stopping`);
      void shutdown(0);
    });
  }
  // Last resort if this process dies some other way: no orphaned process group.
  process.once('exit', forceKill);
}

/** Idempotent: the first caller's exit code wins. */
function shutdown(code: number): Promise<never> {
  stopping ??= stopAll(code);
  return stopping;
}

async function stopAll(code: number): Promise<never> {
  await Promise.all((running.pollers ?? []).map((p) => p.stop().catch(() => {})));
  await stopOffline();
  await running.sqs?.stop().catch((err) => console.error('[pagos] SQS stop:', err));
  await running.sandbox?.stop().catch((err) => console.error('[pagos] sandbox stop:', err));
  await running.dynamo?.stop().catch((err) => console.error('[pagos] DynamoDB Local stop:', err));
  process.exit(code);
}

async function stopOffline(): Promise<void> {
  const child = running.offline;
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  killGroup(child, 'SIGTERM');
  const timer = setTimeout(() => killGroup(child, 'SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
  killGroup(child, 'SIGKILL'); // the leader is gone; take any straggler in its group with it
}

function forceKill(): void {
  if (running.offline) killGroup(running.offline, 'SIGKILL');
}

function killGroup(child: ChildProcess, sig: NodeJS.Signals): void {
  if (!child.pid) return;
  try {
    process.kill(-child.pid, sig);
  } catch {
    // group already empty
  }
}

function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolvePort) => {
    const server = createServer();
    server.once('error', () => resolvePort(false));
    server.listen(port, () => server.close(() => resolvePort(true)));
  });
}

async function assertPortFree(port: number, name: string): Promise<void> {
  if (port !== 0 && !(await isPortFree(port))) {
    throw new Error(`port ${port} is already in use; set ${name} to another port`);
  }
}

function seconds(since: number): string {
  return `${((performance.now() - since) / 1000).toFixed(1)} s`;
}

main().catch((err: unknown) => {
  if (err instanceof JavaRequiredError) console.error(`[pagos] ${err.message}`);
  else console.error('[pagos] start failed:', err instanceof Error ? err.message : err);
  void shutdown(1);
});
