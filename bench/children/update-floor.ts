/**
 * Child: seeds payments for the webhook child (and signs its events), and runs the webhook's
 * floors on DynamoDB Local, per seeded payment (created -> paid):
 * `update`, one raw conditional UpdateItem (the floor of the target); `calls`, the webhook's own
 * DynamoDB calls made directly (GetItem, then the store's TransactWriteItems of receipt + payment,
 * for payments without notification_url; no signature check, no parsing), to tell DynamoDB Local's cost of those
 * calls apart from the handler's.
 */
import { createPrivateKey, randomUUID } from 'node:crypto';
import { DynamoDBClient, UpdateItemCommand, type UpdateItemCommandInput } from '@aws-sdk/client-dynamodb';
import { buildNotification, type TransitionWrite } from '../../lib/payments/reconcile.js';
import { paymentKey } from '../../lib/store/payments.js';
import { DynamoReconcileStore } from '../../lib/store/reconcile.js';
import { paidEvent, reference, seedPayment } from '../lib/fixtures.js';
import { runPool, serveCommands } from '../lib/serve.js';
import { runLoad, takeFrom } from './load.js';

const table = process.env.PAYMENTS_TABLE!;
const db = new DynamoDBClient({});
const store = new DynamoReconcileStore(db, table);
const prepared = { update: [] as UpdateItemCommandInput[], calls: [] as TransitionWrite[] };

function paidUpdate(merchant: string, referenceId: string): UpdateItemCommandInput {
  return {
    TableName: table,
    Key: paymentKey(merchant, referenceId),
    UpdateExpression:
      'SET #status = :paid, provider_status = :paid, provider_updated_at = :u, updated_at = :at',
    ConditionExpression: '#status = :created',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: {
      ':paid': { S: 'paid' },
      ':created': { S: 'created' },
      ':u': { N: '1700000100' },
      ':at': { S: new Date().toISOString() },
    },
  };
}

/** What reconcilePayment hands the store for order.paid on a created payment. */
async function paidTransition(merchant: string, referenceId: string): Promise<TransitionWrite> {
  const record = (await store.get(merchant, referenceId))!;
  const at = new Date().toISOString();
  const eventId = randomUUID().replaceAll('-', '').slice(0, 24);
  return {
    tag: { merchant, referenceId },
    from: 'created',
    to: 'paid',
    providerUpdatedAt: 1_700_000_100,
    snapshot: {
      orderId: record.orderId!,
      status: 'paid',
      providerStatus: 'paid',
      updatedAt: 1_700_000_100,
      livemode: false,
      paidAt: 1_700_000_050,
      paymentMethod: 'card_payment',
    },
    change: { status: 'paid', previous: 'created', at, source: `webhook:${eventId}` },
    ...(record.notificationUrl && {
      notification: { payload: buildNotification(record, 'paid', at), url: record.notificationUrl },
    }),
    eventId,
  };
}

async function seed(message: Record<string, unknown>) {
  const { kind, count, prefix, notificationUrl } = message as {
    kind: 'update' | 'calls';
    count: number;
    prefix: string;
    notificationUrl?: string;
  };
  const merchant = 'm_bench_floor';
  const indexes = Array.from({ length: count }, (_, i) => i);
  await runPool(indexes, 16, Number.POSITIVE_INFINITY, async (i) => {
    const p = await seedPayment(store, merchant, reference(prefix, i), notificationUrl);
    if (kind === 'update') prepared.update.push(paidUpdate(p.merchant, p.referenceId));
    else prepared.calls.push(await paidTransition(p.merchant, p.referenceId));
  });
  return { prepared: prepared[kind].length };
}

async function run(message: Record<string, unknown>) {
  const { kind, concurrency, events, maxMs } = message as {
    kind: 'update' | 'calls';
    concurrency: number;
    events: number;
    maxMs: number;
  };
  if (kind === 'update') {
    return runLoad(takeFrom(prepared.update, events), concurrency, maxMs, async (input) => {
      await db.send(new UpdateItemCommand(input));
    });
  }
  return runLoad(takeFrom(prepared.calls, events), concurrency, maxMs, async (write) => {
    await store.get(write.tag.merchant, write.tag.referenceId);
    const result = await store.applyTransition(write);
    if (result !== 'applied' && result !== 'applied_without_notification')
      throw new Error(`transaction ${result}`);
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
    const p = await seedPayment(store, 'm_bench_webhook', reference(prefix, i), notificationUrl);
    const { body, digest } = paidEvent(p, privateKey);
    signed.push({ body: body.toString('utf8'), digest });
  });
  return signed;
}

serveCommands({ seed, run, events });
