/**
 * `npm run bench:webhook-parts`: where a webhook's time goes, next to the bench's floor. In one
 * process against DynamoDB Local, interleaved slices of each part at one concurrency:
 * - floor: the bench's raw conditional UpdateItem (bench/lib/fixtures.ts floorUpdate);
 * - write: the handler's one UpdateItem alone (DynamoPaymentStore.advanceAttempt, prebuilt input);
 * - write, 3 SETs: the same condition with only status, position and updated_at set;
 * - handleWebhook: verify, parse, read and the write, without the middlewares;
 * - handler: the deployed function (functions/webhooks.ts), middlewares included.
 * For telling the parts apart, not for the target: that is `npm run bench`'s, on bundled children.
 * The function logs to stdout, as in Lambda; the npm script sends that to /dev/null, like the
 * bench's children, and the table comes on stderr.
 */
import { generateKeyPairSync } from 'node:crypto';
import { parseArgs } from 'node:util';
import { DynamoDBClient, UpdateItemCommand, type UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { startDynamoDbLocal } from '../local/dynamodb-local.js';
import { createTables } from '../local/tables.js';
import { apiGatewayEvent, lambdaContext } from '../tests/support/lambda-http.js';
import { floorUpdate, paidEvent, reference, seedPayment } from './lib/fixtures.js';
import { processCpuMs } from './lib/process-cpu.js';
import { runPool } from './lib/serve.js';
import { median } from './lib/stats.js';

const { values: args } = parseArgs({
  options: {
    concurrency: { type: 'string', default: '1' },
    slice: { type: 'string', default: '150' },
    slices: { type: 'string', default: '12' },
  },
});
const CONCURRENCY = Number(args.concurrency);
const SLICE = Number(args.slice);
const SLICES = Number(args.slices);
const WARMUP = 50;
const TABLE = 'bench-parts-payments';
const MERCHANT = 'conekta:bench_parts:test';
const log = (message: string) => console.error(`[webhook-parts] ${message}`);

const ddb = await startDynamoDbLocal({});
try {
  await createTables(ddb.endpoint, { paymentsTable: TABLE });
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  // Before the function module reads its configuration at import.
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_REGION: 'us-east-1',
    AWS_ENDPOINT_URL_DYNAMODB: ddb.endpoint,
    PAYMENTS_TABLE: TABLE,
    PAGOS_LOCAL_MODE: 'true',
    LOG_LEVEL: 'info',
    CONEKTA_WEBHOOK_PUBLIC_KEYS: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  });
  const { handler } = await import('../functions/webhooks.js');
  const { handleWebhook } = await import('../lib/http/webhook.js');
  const { createLogger } = await import('../lib/http/logger.js');
  const { PagosMetrics } = await import('../lib/http/metrics.js');
  const { readConfig } = await import('../lib/config.js');
  const { ordinaryAdvance } = await import('../lib/payments/events.js');
  const { providersFrom } = await import('../lib/providers/registry.js');
  const { DynamoPaymentStore } = await import('../lib/store/payments.js');
  const { dynamoClient, table } = await import('../lib/store/table.js');

  // The function's own client settings, for every part.
  const client = dynamoClient(readConfig());
  const store = new DynamoPaymentStore(table(client, TABLE));
  const providers = providersFrom(process.env);
  const conekta = providers.conekta!;
  const deps = {
    providers,
    store,
    logger: createLogger('pagos-webhooks', 'info'),
    metrics: new PagosMetrics({ stage: 'local' }),
  };
  const ctx = lambdaContext();

  type Task = {
    floor: UpdateItemCommandInput;
    event: APIGatewayProxyEventV2;
    write: UpdateItemCommandInput;
    threeSets: UpdateItemCommandInput;
  };
  // The write's input as the store builds it, captured by a client that only records.
  let captured: UpdateItemCommandInput | undefined;
  const capture = new DynamoPaymentStore(
    table(
      {
        send: async (command: { input: UpdateItemCommandInput }) => {
          captured = command.input;
          return {};
        },
      } as never,
      TABLE,
    ),
  );
  const threeSetsOf = (input: UpdateItemCommandInput): UpdateItemCommandInput => {
    const values = input.ExpressionAttributeValues!;
    const kept = Object.fromEntries(
      Object.entries(values).filter(
        ([name]) => [':key', ':pos', ':to', ':at'].includes(name) || /^:e\d+$/.test(name),
      ),
    );
    return {
      ...input,
      UpdateExpression: 'SET #st = :to, advance_position = :pos, updated_at = :at',
      ExpressionAttributeValues: kept,
    };
  };

  const answeredApplied = (res: { statusCode?: number; body?: string }) => {
    if (res.statusCode !== 200 || !String(res.body).includes('"applied"'))
      throw new Error(`answered ${res.statusCode} ${res.body}`);
  };
  const parts: Record<string, (task: Task) => Promise<void>> = {
    floor: async (t) => {
      await client.send(new UpdateItemCommand(t.floor));
    },
    write: async (t) => {
      await client.send(new UpdateItemCommand(t.write));
    },
    'write, 3 SETs': async (t) => {
      await client.send(new UpdateItemCommand(t.threeSets));
    },
    handleWebhook: async (t) => answeredApplied(await handleWebhook(deps, t.event)),
    handler: async (t) =>
      answeredApplied((await handler(t.event, ctx)) as { statusCode?: number; body?: string }),
  };
  const names = Object.keys(parts);

  const count = (SLICE * SLICES + WARMUP) * names.length;
  log(`seeding ${count} payments`);
  const seeder = new DynamoPaymentStore(table(new DynamoDBClient({}), TABLE));
  const tasks: Task[] = [];
  await runPool(
    Array.from({ length: count }, (_, i) => i),
    16,
    Number.POSITIVE_INFINITY,
    async (i) => {
      const p = await seedPayment(seeder, MERCHANT, reference('parts', i), 'https://shop.example.com/notify');
      const { body, digest } = paidEvent(p, privateKey);
      const reading = conekta.webhooks.read(JSON.parse(body.toString('utf8')));
      if (reading.kind !== 'order' || !reading.tag) throw new Error(`seed ${i}: not our order event`);
      const advance = ordinaryAdvance(reading.tag, reading.order, {
        source: 'webhook:parts',
        at: new Date().toISOString(),
      });
      if (!advance) throw new Error(`seed ${i}: not an ordinary advance`);
      await capture.advanceAttempt(advance);
      tasks.push({
        floor: floorUpdate(TABLE, p),
        event: apiGatewayEvent(
          'POST',
          '/webhooks/conekta',
          { 'content-type': 'application/json', digest },
          body,
        ),
        write: captured!,
        threeSets: threeSetsOf(captured!),
      });
    },
  );

  for (const name of names)
    await runPool(tasks.splice(0, WARMUP), CONCURRENCY, Number.POSITIVE_INFINITY, parts[name]!);
  // Per part, one figure per slice: wall, our CPU and DynamoDB Local's CPU per event.
  const perSlice = (): Record<string, number[]> => Object.fromEntries(names.map((name) => [name, []]));
  const wall = perSlice();
  const cpu = perSlice();
  const jvm = perSlice();
  log(`${SLICES} slices of ${SLICE} per part at concurrency ${CONCURRENCY}`);
  for (let s = 0; s < SLICES; s += 1) {
    for (const name of s % 2 === 0 ? names : [...names].reverse()) {
      const slice = tasks.splice(0, SLICE);
      const jvmBefore = await processCpuMs(ddb.pid);
      const cpuBefore = process.cpuUsage();
      const started = performance.now();
      await runPool(slice, CONCURRENCY, Number.POSITIVE_INFINITY, parts[name]!);
      const elapsed = performance.now() - started;
      const used = process.cpuUsage(cpuBefore);
      const jvmAfter = await processCpuMs(ddb.pid);
      wall[name]!.push(elapsed / slice.length);
      cpu[name]!.push((used.user + used.system) / 1000 / slice.length);
      if (jvmBefore !== undefined && jvmAfter !== undefined)
        jvm[name]!.push((jvmAfter - jvmBefore) / slice.length);
    }
  }
  const floorWall = median(wall.floor!);
  const fixed = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? 'n/a' : x.toFixed(3));
  console.error(
    `part            | wall per event | our CPU per event | DynamoDB Local CPU per event | throughput vs floor`,
  );
  for (const name of names) {
    const w = median(wall[name]!);
    console.error(
      [
        name.padEnd(15),
        `${fixed(w)} ms`.padEnd(14),
        `${fixed(median(cpu[name]!))} ms`.padEnd(17),
        `${fixed(median(jvm[name]!))} ms`.padEnd(28),
        `${(floorWall / w).toFixed(2)}x`,
      ].join(' | '),
    );
  }
} finally {
  await ddb.stop();
}
