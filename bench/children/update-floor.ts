/**
 * Child: runs the webhook's floor on DynamoDB Local: one raw conditional UpdateItem per seeded
 * payment (created -> paid) on the same kind of item, the least any webhook that records a status
 * change can do. Another instance seeds the payments (and signs the webhook child's events), so
 * the two measured processes start equally cold: the seeder's thousands of writes warm neither.
 */
import { createPrivateKey } from 'node:crypto';
import { DynamoDBClient, UpdateItemCommand, type UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import { DynamoPaymentStore } from '../../lib/store/payments.js';
import { table as tableOf } from '../../lib/store/table.js';
import { floorUpdate, type PaymentRef, paidEvent, reference, seedPayment } from '../lib/fixtures.js';
import { runPool, serveCommands } from '../lib/serve.js';
import { runLoad, takeFrom } from './load.js';

const table = process.env.PAYMENTS_TABLE!;
const db = new DynamoDBClient({});
const store = new DynamoPaymentStore(tableOf(db, table));
const prepared: UpdateItemCommandInput[] = [];

async function seed(message: Record<string, unknown>) {
  const { count, prefix, notificationUrl } = message as {
    count: number;
    prefix: string;
    notificationUrl?: string;
  };
  const seeded: PaymentRef[] = [];
  const indexes = Array.from({ length: count }, (_, i) => i);
  await runPool(indexes, 16, Number.POSITIVE_INFINITY, async (i) => {
    const p = await seedPayment(store, 'conekta:bench_floor:test', reference(prefix, i), notificationUrl);
    seeded.push({ merchant: p.merchant, referenceId: p.referenceId });
  });
  return seeded;
}

/** The floor's writes for payments another instance seeded, before any timing starts. */
async function prepare(message: Record<string, unknown>) {
  const { payments } = message as { payments: PaymentRef[] };
  prepared.push(...payments.map((p) => floorUpdate(table, p)));
  return { prepared: prepared.length };
}

async function run(message: Record<string, unknown>) {
  const { concurrency, events, maxMs } = message as { concurrency: number; events: number; maxMs: number };
  return runLoad(takeFrom(prepared, events), concurrency, maxMs, async (input) => {
    await db.send(new UpdateItemCommand(input));
  });
}

/** Payments for the webhook child, with one signed order.paid each. */
async function events(message: Record<string, unknown>) {
  const { count, prefix, notificationUrl } = message as {
    count: number;
    prefix: string;
    notificationUrl?: string;
  };
  const privateKey = createPrivateKey(process.env.BENCH_WEBHOOK_PRIVATE_KEY!);
  const signed: { body: string; digest: string }[] = [];
  const indexes = Array.from({ length: count }, (_, i) => i);
  await runPool(indexes, 16, Number.POSITIVE_INFINITY, async (i) => {
    const p = await seedPayment(store, 'conekta:bench_webhook:test', reference(prefix, i), notificationUrl);
    const { body, digest } = paidEvent(p, privateKey);
    signed.push({ body: body.toString('utf8'), digest });
  });
  return signed;
}

serveCommands({ seed, prepare, run, events });
