/**
 * `npm run bench` (full, ~2 min) or `npm run bench:quick` (checks it works, ~10 s): what a
 * payment costs in time, bytes and round trips, next to the floor and the usual alternative, as
 * ratios from one run. Prints a table; the full run writes bench/results.json. See bench/README.md.
 */
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { startConektaSandbox } from '../local/conekta-sandbox/server.js';
import { startDynamoDbLocal } from '../local/dynamodb-local.js';
import { createTables } from '../local/tables.js';
import type { CreateSamples } from './children/create.js';
import type { LoadResult } from './children/load.js';
import {
  type BuiltBundle,
  buildBundle,
  functionEntries,
  makeBundleDir,
  measureInit,
  readEsbuildConfig,
} from './lib/bundles.js';
import { type Child, killAllChildren, startChild } from './lib/child.js';
import { type CountContext, countCreates, countWebhooks, maxTotal } from './lib/counts.js';
import { writeUnits } from './lib/item-size.js';
import {
  type FairnessResult,
  fairness,
  notificationThroughput,
  type ThroughputResult,
} from './lib/notifications.js';
import { processCpuMs } from './lib/process-cpu.js';
import { kib, ms, type Row, renderTable, signedMs, times, verdict } from './lib/report.js';
import { dynamoOperation, methodAndPath, startCountingProxy, startStorefront } from './lib/servers.js';
import { addSeries, median, round, type Summary, summarize } from './lib/stats.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const QUICK = process.argv.includes('--quick');
/** Only the webhook-vs-floor levels (section 3's first rows): for working on that one figure. */
const WEBHOOK_ONLY = process.argv.includes('--webhook-only');
const OUT = argValue('--out') ?? (QUICK || WEBHOOK_ONLY ? undefined : join(ROOT, 'bench', 'results.json'));
const TABLE = 'bench-payments';
const LEVELS = [1, 8, 32];

const PLAN = QUICK
  ? {
      counts: 1,
      createN: 5,
      createWarmup: 2,
      initRuns: 2,
      events: 10,
      webhookRounds: 2,
      eventWarmup: 4,
      levelMaxMs: 5_000,
      notifyN: 50,
      backlog: 300,
      healthy: 5,
      healthySpacingMs: 200,
      fairMaxMs: 20_000,
    }
  : {
      counts: 3,
      createN: 300,
      createWarmup: 30,
      initRuns: 20,
      events: 300,
      webhookRounds: 9,
      eventWarmup: 40,
      levelMaxMs: 60_000,
      notifyN: 2_000,
      backlog: 10_000,
      // One a second for 100 s: the silent host's deferred backlog comes back meanwhile (60 s cooldown).
      healthy: 100,
      healthySpacingMs: 1_000,
      fairMaxMs: 180_000,
    };
/** The healthy storefront's retry wait in the fairness run (the schedule shortened, like the tests). */
const FAIR_WAIT_SECONDS = 2;
/** The whole bench, whatever happens: then everything it started is killed. */
const BENCH_LIMIT_MS = QUICK ? 120_000 : 20 * 60_000;

const TARGETS = {
  overheadP50Ms: 2,
  conektaCalls: 1,
  // The claim and the completion, plus the per-key rate-limit counter (every request).
  dynamoCreate: 3,
  // The refused claim answering with the stored item, plus the rate-limit counter.
  dynamoReplay: 2,
  initVsEmptySdk: 1.15,
  webhookVsFloor: 0.7,
  healthyLatenessP99Ms: 5_000,
};

function argValue(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const log = (message: string) => console.error(`[bench] ${message}`);

/** The environment every measured process gets: Lambda-like, local endpoints, production log level. */
function baseEnv(extra: Record<string, string>): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    PAYMENTS_TABLE: TABLE,
    PAGOS_LOCAL_MODE: 'true',
    LOG_LEVEL: 'info',
    // The bench sends thousands of requests with one key a minute; the limit is not what it measures.
    RATE_LIMIT_PER_KEY_PER_MINUTE: '100000000',
    ...extra,
  };
}

type Servers = Awaited<ReturnType<typeof startServers>>;

async function startServers() {
  const ddb = await startDynamoDbLocal({});
  await createTables(ddb.endpoint, { paymentsTable: TABLE });
  const sandbox = await startConektaSandbox({ faults: { latency_ms: 0 }, log: () => {}, env: {} });
  const ddbProxy = await startCountingProxy(ddb.endpoint, dynamoOperation);
  const conektaProxy = await startCountingProxy(sandbox.url, methodAndPath);
  const storefront = await startStorefront();
  const stop = async () => {
    await Promise.allSettled([storefront.stop(), ddbProxy.stop(), conektaProxy.stop(), sandbox.stop()]);
    await ddb.stop();
  };
  return { ddb, sandbox, ddbProxy, conektaProxy, storefront, stop };
}

// ---- 2. bundles and cold start ------------------------------------------------------------------

type Bundles = { functions: BuiltBundle[]; references: BuiltBundle[]; children: Record<string, string> };

async function buildAll(dir: string): Promise<Bundles> {
  const yml = join(ROOT, 'serverless.yml');
  const config = await readEsbuildConfig(yml);
  if (config.ignored.length)
    log(`serverless-esbuild keys with no esbuild meaning, ignored: ${config.ignored}`);
  const build = (name: string, entry: string) => buildBundle(name, entry, dir, config);
  const entries = await functionEntries(yml, ROOT);
  const functions = await Promise.all(Object.entries(entries).map(([name, entry]) => build(name, entry)));
  const refs: [string, string][] = [
    ['empty', 'bench/baselines/empty.ts'],
    ['empty+dynamodb', 'bench/baselines/empty-sdk.ts'],
    ['empty+sqs', 'bench/baselines/empty-sqs.ts'],
    ['empty+powertools', 'bench/baselines/empty-powertools.ts'],
    ['baseline-sdk', 'bench/baselines/create-sdk.ts'],
  ];
  const references = await Promise.all(refs.map(([name, entry]) => build(name, join(ROOT, entry))));
  // The same with @aws-sdk/client-dynamodb inside the bundle instead of the runtime's copy.
  const bundledSdk = { ...config, options: { ...config.options, external: [] } };
  references.push(
    await buildBundle(
      'empty+dynamodb (SDK bundled)',
      join(ROOT, 'bench/baselines/empty-sdk.ts'),
      dir,
      bundledSdk,
    ),
    await buildBundle('webhooks (SDK bundled)', entries.webhooks!, dir, bundledSdk),
  );
  const children: Record<string, string> = {};
  // Profiled children (BENCH_CPU_PROF) keep their names: a profile of minified code says little.
  const childConfig = process.env.BENCH_CPU_PROF
    ? { ...config, options: { ...config.options, minify: false } }
    : config;
  for (const name of ['create', 'webhook', 'update-floor']) {
    const entry = join(ROOT, 'bench', 'children', `${name}.ts`);
    children[name] = (await buildBundle(`child-${name}`, entry, dir, childConfig)).file;
  }
  return { functions, references, children };
}

async function coldStart(bundles: Bundles, dir: string) {
  const all = [...bundles.functions, ...bundles.references];
  const env = baseEnv({
    CONEKTA_API_URL: 'http://127.0.0.1:9',
    AWS_ENDPOINT_URL_DYNAMODB: 'http://127.0.0.1:9',
  });
  const samples = await measureInit(all, dir, PLAN.initRuns, env);
  return all.map((b) => ({
    name: b.name,
    isFunction: bundles.functions.includes(b),
    minBytes: b.minBytes,
    gzBytes: b.gzBytes,
    top: b.top,
    initMs: median(samples[b.name]!.importMs),
    processMs: median(samples[b.name]!.processMs),
    initSamples: samples[b.name]!.importMs.map((x) => round(x, 3)),
  }));
}

// ---- 1. create: counts, then latency ------------------------------------------------------------

async function counted(s: Servers, privateKeyPem: string, publicKeyPem: string) {
  // The source handlers, in this process, pointed at the counting proxies.
  Object.assign(process.env, baseEnv({}), {
    LOG_LEVEL: 'error',
    CONEKTA_API_URL: s.conektaProxy.url,
    AWS_ENDPOINT_URL_DYNAMODB: s.ddbProxy.url,
    CONEKTA_WEBHOOK_PUBLIC_KEYS: publicKeyPem,
  });
  const db = new DynamoDBClient({ endpoint: s.ddb.endpoint });
  const c: CountContext = {
    pagos: (await import('../functions/pagos.js')).handler as unknown as CountContext['pagos'],
    webhook: (await import('../functions/webhooks.js')).handler as unknown as CountContext['webhook'],
    ddbProxy: s.ddbProxy,
    conektaProxy: s.conektaProxy,
    storefront: s.storefront,
    db,
    table: TABLE,
    sandboxUrl: s.sandbox.url,
    privateKey: createPrivateKey(privateKeyPem),
  };
  try {
    const create = await countCreates(c, PLAN.counts);
    const webhook = await countWebhooks(c, PLAN.counts);
    return { create, webhook };
  } finally {
    db.destroy();
  }
}

async function createLatency(s: Servers, file: string, capture: unknown): Promise<CreateSamples> {
  const env = baseEnv({
    CONEKTA_API_URL: s.sandbox.url,
    AWS_ENDPOINT_URL_DYNAMODB: s.ddb.endpoint,
    BENCH_NOTIFICATION_URL: s.storefront.url,
  });
  const child = startChild(file, env, 'create child');
  try {
    const iterations = PLAN.createN + PLAN.createWarmup;
    return await child.request<CreateSamples>(
      { cmd: 'run', capture, n: PLAN.createN, warmup: PLAN.createWarmup, offset: 0 },
      30_000 + iterations * 1_000,
    );
  } finally {
    await child.stop();
  }
}

// ---- 3 + 4. webhook throughput and memory -------------------------------------------------------

type Memory = {
  rssAfterImportKiB: number;
  rssNowKiB: number;
  heapUsedKiB: number;
  heapAfterGcKiB: number;
  maxRssKiB: number;
};

/** A load run, with DynamoDB Local's CPU time over it (Linux; undefined elsewhere). */
type WebhookLoad = LoadResult & { dbCpuMs: number | undefined };

/** One concurrency level: PLAN.webhookRounds rounds, each running the floor and the handler once. */
type WebhookLevel = { concurrency: number; floor: WebhookLoad[]; notify: WebhookLoad[] };

type WebhookRun = {
  levels: WebhookLevel[];
  /** Storefront POSTs during the webhook runs: none, the webhook never waits on a storefront. */
  storefrontHits: number;
  /** After seeding, then after each level. */
  memory: Memory[];
};

async function webhookThroughput(
  s: Servers,
  files: Record<string, string>,
  keys: { privateKeyPem: string; publicKeyPem: string },
): Promise<WebhookRun> {
  const env = baseEnv({ CONEKTA_API_URL: s.sandbox.url, AWS_ENDPOINT_URL_DYNAMODB: s.ddb.endpoint });
  // --expose-gc: the memory reading can tell retained heap from garbage not yet collected.
  const handler = startChild(
    files.webhook!,
    { ...env, CONEKTA_WEBHOOK_PUBLIC_KEYS: keys.publicKeyPem },
    'webhook child',
    ['--expose-gc'],
  );
  const floor = startChild(files['update-floor']!, env, 'update-floor child');
  // Seeds and signs for both, in a process of its own: the webhook child's memory is the
  // handler's, and neither measured process is warmed by thousands of seeding writes.
  const seeder = startChild(
    files['update-floor']!,
    { ...env, BENCH_WEBHOOK_PRIVATE_KEY: keys.privateKeyPem },
    'seeder child',
  );
  try {
    return await webhookLevels(s, { handler, floor, seeder });
  } finally {
    await Promise.all([handler.stop(), floor.stop(), seeder.stop()]);
  }
}

async function webhookLevels(
  s: Servers,
  { handler, floor, seeder }: { handler: Child; floor: Child; seeder: Child },
): Promise<WebhookRun> {
  const count = (PLAN.eventWarmup + PLAN.events * PLAN.webhookRounds) * LEVELS.length;
  const seedMs = 30_000 + count * 50;
  const url = s.storefront.url;
  const payments = await seeder.request({ cmd: 'seed', count, prefix: 'wf', notificationUrl: url }, seedMs);
  await floor.request({ cmd: 'prepare', payments }, seedMs);
  const events = await seeder.request({ cmd: 'events', count, prefix: 'wn', notificationUrl: url }, seedMs);
  await handler.request({ cmd: 'prepare', variant: 'notify', events }, seedMs);
  await seeder.stop();
  const hitsBefore = s.storefront.hits();
  const load = async (child: Child, params: Record<string, string>, concurrency: number, n: number) => {
    const dbBefore = await processCpuMs(s.ddb.pid);
    const run = await child.request<LoadResult>(
      { cmd: 'run', ...params, concurrency, events: n, maxMs: PLAN.levelMaxMs },
      PLAN.levelMaxMs + 30_000,
    );
    const dbAfter = await processCpuMs(s.ddb.pid);
    const dbCpuMs = dbBefore === undefined || dbAfter === undefined ? undefined : dbAfter - dbBefore;
    return { ...run, dbCpuMs };
  };
  const runs = {
    floor: (c: number, n: number) => load(floor, {}, c, n),
    notify: (c: number, n: number) => load(handler, { variant: 'notify' }, c, n),
  };
  const result: WebhookRun = {
    levels: [],
    storefrontHits: 0,
    memory: [await handler.request<Memory>({ cmd: 'memory', gc: true }, 10_000)],
  };
  // Rounds of both kinds, the first kind alternating, so drift on a shared machine (and whichever
  // runs second) hits both alike; each round's ratio pairs two runs made seconds apart.
  for (const c of LEVELS) {
    log(`webhook level c=${c}`);
    // Warm-up at this level's concurrency (JIT, connection pools, what the last level left), not reported.
    const warm: WebhookLoad[] = [];
    for (const run of Object.values(runs)) warm.push(await run(c, PLAN.eventWarmup));
    const warmErrors = warm.reduce((sum, r) => sum + r.errors, 0);
    if (warmErrors)
      throw new Error(`webhook warm-up: ${warmErrors} errors: ${warm.find((r) => r.firstError)?.firstError}`);
    const level: WebhookLevel = { concurrency: c, floor: [], notify: [] };
    for (let round = 0; round < PLAN.webhookRounds; round += 1) {
      const kinds = Object.entries(runs);
      for (const [kind, run] of round % 2 === 0 ? kinds : kinds.reverse())
        level[kind as keyof typeof runs].push(await run(c, PLAN.events));
    }
    result.levels.push(level);
    // Each round's own ratio, for telling a level's spread from its median.
    const ratios = level.notify.map((run, k) => (run.perSecond / level.floor[k]!.perSecond).toFixed(2));
    log(`webhook level c=${c}: round ratios ${ratios.join(' ')}`);
    result.memory.push(await handler.request<Memory>({ cmd: 'memory', gc: c === LEVELS.at(-1) }, 10_000));
  }
  result.storefrontHits = s.storefront.hits() - hitsBefore;
  return result;
}

// ---- the table ----------------------------------------------------------------------------------

type Results = {
  counts: Awaited<ReturnType<typeof counted>>;
  create: CreateSamples;
  cold: Awaited<ReturnType<typeof coldStart>>;
  webhook: WebhookRun;
  notifications: { throughput: ThroughputResult; fairness: FairnessResult };
};

function createRows(r: Results): { rows: Row[]; summaries: Record<string, Summary> } {
  const s = r.create;
  const floor = addSeries(s.floorConekta, s.floorRate, s.floorPut, s.floorUpdate);
  const baselineFloor = addSeries(s.floorConekta, s.floorPut);
  const sum: Record<string, Summary> = {
    inProcess: summarize(s.inProcess),
    http: summarize(s.http),
    replay: summarize(s.replay),
    baseline: summarize(s.baseline),
    floor: summarize(floor),
    baselineFloor: summarize(baselineFloor),
    floorConekta: summarize(s.floorConekta),
    floorPut: summarize(s.floorPut),
    floorUpdate: summarize(s.floorUpdate),
    floorRate: summarize(s.floorRate),
    floorReplayPut: summarize(s.floorReplayPut),
    sdkCost: summarize(
      addSeries(s.floorPut, s.floorUpdate).map((x, i) => x - s.rawPut[i]! - s.rawUpdate[i]!),
    ),
  };
  const section =
    '1. create (POST /pagos) vs the floor (same calls made directly); DynamoDB Local, sandbox at 0 ms';
  const vs = (a: Summary, b: Summary) => ({
    value: `${ms(a.p50)} / ${ms(a.p99)}`,
    reference: `${ms(b.p50)} / ${ms(b.p99)}`,
    ratio: `${signedMs(a.p50 - b.p50)} / ${signedMs(a.p99 - b.p99)}`,
  });
  const c = r.counts.create;
  const conekta = maxTotal(c.conektaCreate);
  const dynamoText = (all: Record<string, number>[]) =>
    `${Object.entries(all[0] ?? {})
      .map(([k, v]) => `${k} ${v}`)
      .join(' + ')} = ${maxTotal(all)}`;
  const rows: Row[] = [
    {
      section,
      metric: 'create in-process, p50 / p99',
      ...vs(sum.inProcess!, sum.floor!),
      target: `p50 <= +${TARGETS.overheadP50Ms} ms over floor`,
      result: verdict(sum.inProcess!.p50 - sum.floor!.p50 <= TARGETS.overheadP50Ms),
    },
    {
      section,
      metric: 'create over HTTP (serveLambdas), p50 / p99',
      ...vs(sum.http!, sum.floor!),
      target: '-',
      result: 'info',
    },
    {
      section,
      metric: 'replay in-process, p50 / p99',
      ...vs(sum.replay!, sum.floorReplayPut!),
      target: '-',
      result: 'info',
    },
    {
      section,
      metric: 'SDK baseline create in-process, p50 / p99',
      ...vs(sum.baseline!, sum.baselineFloor!),
      target: '-',
      result: 'info',
    },
    {
      section,
      metric: 'floor parts p50: Conekta POST / rate UpdateItem / claim PutItem / completion',
      value: '-',
      reference: `${ms(sum.floorConekta!.p50)} / ${ms(sum.floorRate!.p50)} / ${ms(sum.floorPut!.p50)} / ${ms(sum.floorUpdate!.p50)}`,
      ratio: `SDK cost of the 2 writes ${signedMs(sum.sdkCost!.p50)}`,
      target: '-',
      result: 'info',
    },
    {
      section,
      metric: 'Conekta calls per create (proxy; orders at sandbox)',
      value: `${conekta}; ${Math.max(...c.sandboxOrders)}`,
      reference: `replay: ${maxTotal(c.conektaReplay)}`,
      ratio: '-',
      target: `= ${TARGETS.conektaCalls}`,
      result: verdict(
        conekta === 1 &&
          c.sandboxOrders.every((n) => n === 1) &&
          Math.min(...c.conektaCreate.map((x) => x['POST /orders'] ?? 0)) === 1,
      ),
    },
    {
      section,
      metric: 'DynamoDB round trips per first create',
      value: dynamoText(c.dynamoCreate),
      reference: '-',
      ratio: '-',
      target: `<= ${TARGETS.dynamoCreate}`,
      result: verdict(maxTotal(c.dynamoCreate) <= TARGETS.dynamoCreate),
    },
    {
      section,
      metric: 'DynamoDB round trips per replay',
      value: dynamoText(c.dynamoReplay),
      reference: '-',
      ratio: '-',
      target: `<= ${TARGETS.dynamoReplay}`,
      result: verdict(maxTotal(c.dynamoReplay) <= TARGETS.dynamoReplay),
    },
    {
      section,
      metric: 'bytes written per create (claim; final record)',
      value: `${c.claimBytes} B; ${c.itemBytes} B`,
      reference: `${writeUnits(c.claimBytes) + writeUnits(c.itemBytes)} WCU`,
      ratio: '-',
      target: '-',
      result: 'info',
    },
  ];
  return { rows, summaries: sum };
}

function coldRows(r: Results): Row[] {
  const section = `2. cold start: bundles as serverless.yml builds them; init = median import() in ${PLAN.initRuns} fresh processes`;
  const by = Object.fromEntries(r.cold.map((b) => [b.name, b]));
  const empty = by.empty!.initMs;
  const sdk = by['empty+dynamodb']!.initMs;
  const baseline = by['baseline-sdk']!.initMs;
  return r.cold.map((b): Row => {
    const bundledSdk = b.name.includes('(SDK bundled)');
    return {
      section,
      metric: `${b.name}: init (whole process); bundle min / gz`,
      value: `${ms(b.initMs)} (${ms(b.processMs)}); ${kib(b.minBytes)} / ${kib(b.gzBytes)}`,
      reference: bundledSdk ? `runtime SDK: ${ms(by[b.name.replace(' (SDK bundled)', '')]!.initMs)}` : '-',
      ratio: `${times(b.initMs / sdk)} empty+ddb; ${times(b.initMs / empty)} empty; ${times(b.initMs / baseline)} baseline`,
      target: b.isFunction ? `<= ${TARGETS.initVsEmptySdk}x empty+ddb` : '-',
      result: b.isFunction ? verdict(b.initMs <= TARGETS.initVsEmptySdk * sdk) : 'info',
    };
  });
}

const mib = (kiB: number): string => (kiB / 1024).toFixed(1);
/** Medians over rounds. */
const perSecond = (runs: readonly LoadResult[]): string =>
  `${median(runs.map((r) => r.perSecond)).toFixed(0)}/s, p99 ${ms(median(runs.map((r) => r.p99)))}`;

/** Median CPU per event over rounds: the measured process, then DynamoDB Local (when readable). */
function cpuPerEvent(runs: readonly WebhookLoad[]): string {
  const own = median(runs.map((r) => r.cpuMs / r.done));
  const db = runs.every((r) => r.dbCpuMs !== undefined)
    ? ` + DynamoDB Local ${median(runs.map((r) => r.dbCpuMs! / r.done)).toFixed(2)} ms`
    : '';
  return `CPU/event ${own.toFixed(2)} ms${db}`;
}

const WEBHOOK_SECTION =
  '3. webhook order.paid (distinct payments, in-process): events/s vs raw conditional UpdateItem; 4. memory';

/** Per level: the handler against the floor, as the median of paired rounds. */
function webhookLevelRows(w: WebhookRun): Row[] {
  const section = WEBHOOK_SECTION;
  return w.levels.map((level): Row => {
    const ratio = median(level.notify.map((run, k) => run.perSecond / level.floor[k]!.perSecond));
    return {
      section,
      metric: `c=${level.concurrency}, payment with notification_url (median of ${level.notify.length} paired rounds)`,
      value: `${perSecond(level.notify)}; ${cpuPerEvent(level.notify)}`,
      reference: `UpdateItem ${perSecond(level.floor)}; ${cpuPerEvent(level.floor)}`,
      ratio: times(ratio),
      target: `>= ${TARGETS.webhookVsFloor}x`,
      result: verdict(ratio >= TARGETS.webhookVsFloor),
    };
  });
}

function webhookRows(r: Results): Row[] {
  const section = WEBHOOK_SECTION;
  const w = r.webhook;
  const rows = webhookLevelRows(w);
  const counts = r.counts.webhook;
  const storefrontPosts = Math.max(...counts.storefrontHits, w.storefrontHits);
  rows.push(
    {
      section,
      metric: 'round trips per event',
      value: `${Object.entries(counts.dynamo[0] ?? {})
        .map(([k, v]) => `${k} ${v}`)
        .join(' + ')} = ${maxTotal(counts.dynamo)}`,
      reference: 'UpdateItem 1',
      ratio: `${maxTotal(counts.dynamo)}x`,
      target: '-',
      result: 'info',
    },
    {
      section,
      metric: 'storefront POSTs on the webhook path (p99 cannot depend on a storefront)',
      value: `${storefrontPosts} (counted per event and over every level)`,
      reference: '-',
      ratio: '-',
      target: '= 0',
      result: verdict(storefrontPosts === 0),
    },
    {
      section,
      metric: 'bytes stored per event',
      value: `payment ${counts.paymentBytes} B (${writeUnits(counts.paymentBytes)} WCU)`,
      reference: '-',
      ratio: '-',
      target: '-',
      result: 'info',
    },
  );
  const last = w.memory[w.memory.length - 1]!;
  rows.push({
    section,
    metric: 'webhook process peak RSS: ready; after c=1, 8, 32',
    value: `${w.memory.map((m) => mib(m.maxRssKiB)).join('; ')} MiB`,
    reference: `import ${mib(last.rssAfterImportKiB)} MiB; heap after GC ${mib(w.memory[0]!.heapAfterGcKiB)} -> ${mib(last.heapAfterGcKiB)} MiB`,
    ratio: '-',
    target: '-',
    result: 'info',
  });
  return rows;
}

function notificationRows(r: Results): Row[] {
  const section = `5. notifications: table stream -> enqueuer -> SQS (local-aws-sqs) -> delivery -> storefront on 127.0.0.1`;
  const t = r.notifications.throughput;
  const f = r.notifications.fairness;
  return [
    {
      section,
      metric: `delivered through the queue (${t.n} payment writes)`,
      value: `${t.perSecond.toFixed(0)}/s (${t.delivered} in ${ms(t.elapsedMs)})`,
      reference: `arrival after start p50 ${ms(t.p50)} / p99 ${ms(t.p99)}`,
      ratio: '-',
      target: '-',
      result: 'info',
    },
    {
      section,
      metric: `healthy storefront, lateness after its scheduled time (backlog ${f.backlog}, silent host)`,
      value: `p50 ${ms(f.lateness.p50)} / p99 ${ms(f.lateness.p99)}`,
      reference: `first attempt p99 ${ms(f.firstLateness.p99)}; retry after ${f.waitSeconds} s p99 ${ms(f.retryLateness.p99)}`,
      ratio: `${f.completed}/${f.healthy} completed`,
      target: `p99 <= scheduled + ${TARGETS.healthyLatenessP99Ms / 1000} s`,
      result: verdict(f.lateness.p99 <= TARGETS.healthyLatenessP99Ms && f.completed === f.healthy),
    },
    {
      section,
      metric: 'silent host: connections made; put off unattempted; first pass of its backlog',
      value: `${f.silentConnections}; ${f.deferred}; ${ms(f.firstPassMs)}`,
      reference: 'breaker: 3 timeouts (5 s), then 60 s cooldown, doubling',
      ratio: '-',
      target: '-',
      result: 'info',
    },
  ];
}

function errorCount(r: Results): { count: number; notes: string[] } {
  const notes: string[] = [];
  let count = r.create.errors;
  if (r.create.firstError) notes.push(`create: ${r.create.firstError}`);
  for (const run of r.webhook.levels.flatMap((level) => [...level.floor, ...level.notify])) {
    count += run.errors + (PLAN.events - run.done);
    if (run.firstError) notes.push(`webhook c=${run.concurrency}: ${run.firstError}`);
    if (run.done < PLAN.events)
      notes.push(`webhook c=${run.concurrency}: only ${run.done} of ${PLAN.events} in time`);
  }
  const lost = r.notifications.throughput.n - r.notifications.throughput.delivered;
  if (lost !== 0) {
    count += lost;
    notes.push(`notifications: ${lost} of ${r.notifications.throughput.n} not delivered in time`);
  }
  return { count, notes };
}

function machine() {
  return {
    date: new Date().toISOString(),
    nproc: os.availableParallelism(),
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memTotalGiB: round(os.totalmem() / 1024 ** 3, 1),
    loadAvgAtStart: os.loadavg().map((x) => round(x, 2)),
    node: process.version,
  };
}

// ---- main ---------------------------------------------------------------------------------------

async function main(): Promise<number> {
  const host = machine();
  log(
    `${QUICK ? 'quick' : 'full'} run on ${host.nproc} cores, node ${host.node}, load ${host.loadAvgAtStart}`,
  );
  const dir = await makeBundleDir(ROOT);
  let servers: Servers | undefined;
  try {
    log('building bundles');
    const bundles = await buildAll(dir.dir);
    log('cold start');
    const cold = WEBHOOK_ONLY ? undefined : await coldStart(bundles, dir.dir);
    log('starting DynamoDB Local and the Conekta sandbox');
    servers = await startServers();
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const keys = {
      privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    };
    if (WEBHOOK_ONLY) {
      log('webhook throughput only');
      const webhook = await webhookThroughput(servers, bundles.children, keys);
      console.log(renderTable(webhookLevelRows(webhook)));
      return webhook.levels.flatMap((l) => [...l.floor, ...l.notify]).some((run) => run.errors > 0) ? 1 : 0;
    }
    log('counting round trips');
    const counts = await counted(servers, keys.privateKeyPem, keys.publicKeyPem);
    log('create latency');
    const create = await createLatency(servers, bundles.children.create!, counts.create.capture);
    log('webhook throughput');
    const webhook = await webhookThroughput(servers, bundles.children, keys);
    log('notifications: throughput');
    const throughput = await notificationThroughput(servers.ddb.endpoint, PLAN.notifyN, PLAN.fairMaxMs);
    log(`notifications: a healthy storefront beside a silent one with ${PLAN.backlog} messages`);
    const fair = await fairness(servers.ddb.endpoint, {
      backlog: PLAN.backlog,
      healthy: PLAN.healthy,
      waitSeconds: FAIR_WAIT_SECONDS,
      spacingMs: PLAN.healthySpacingMs,
      maxMs: PLAN.fairMaxMs,
    });
    // Set unless WEBHOOK_ONLY, which returned above.
    const results: Results = {
      counts,
      create,
      cold: cold!,
      webhook,
      notifications: { throughput, fairness: fair },
    };

    const created = createRows(results);
    const errors = errorCount(results);
    const rows: Row[] = [
      ...created.rows,
      ...coldRows(results),
      ...webhookRows(results),
      ...notificationRows(results),
      {
        section: 'errors',
        metric: 'errors (non-200, not applied, notifications not delivered)',
        value: String(errors.count),
        reference: '-',
        ratio: '-',
        target: '0',
        result: verdict(errors.count === 0),
      },
    ];
    console.log(renderTable(rows));
    for (const note of errors.notes) console.log(`! ${note}`);
    const misses = rows.filter((r) => r.result === 'MISS').length;
    console.log(
      `\n${rows.filter((r) => r.result === 'PASS').length} PASS, ${misses} MISS${QUICK ? ' (quick: too few samples to judge timings)' : ''}`,
    );
    if (OUT) {
      const { capture: _capture, ...createCounts } = counts.create;
      const json = {
        mode: QUICK ? 'quick' : 'full',
        machine: host,
        plan: PLAN,
        targets: TARGETS,
        rows,
        create: { summaries: created.summaries, counts: createCounts, errors: create.errors },
        webhookCounts: counts.webhook,
        coldStart: cold,
        webhook,
        notifications: results.notifications,
      };
      await writeFile(OUT, `${JSON.stringify(json, null, 2)}\n`);
      log(`wrote ${OUT}`);
    }
    return errors.count === 0 ? 0 : 1;
  } finally {
    killAllChildren();
    await servers?.stop();
    await dir.remove();
  }
}

const guard = setTimeout(() => {
  console.error(`[bench] over ${BENCH_LIMIT_MS / 1000} s: stopping`);
  killAllChildren();
  process.exit(2);
}, BENCH_LIMIT_MS);
guard.unref();
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAllChildren();
    process.exit(130);
  });
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error('[bench] failed:', error);
    process.exit(1);
  },
);
