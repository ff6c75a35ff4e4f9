/**
 * Counted, not timed: the real handlers (source, in the bench process) with DynamoDB and Conekta
 * behind counting proxies. Also records one create's calls, which the floor then replays.
 */
import type { KeyObject } from 'node:crypto';
import { type AttributeValue, type DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { paymentKey } from '../../lib/store/payment-item.js';
import { DynamoPaymentStore } from '../../lib/store/payments.js';
import { table as tableOf } from '../../lib/store/table.js';
import { apiGatewayEvent, lambdaContext } from '../../tests/support/lambda-http.js';
import type { CreateCapture } from '../children/create.js';
import {
  BENCH_MERCHANT,
  MERCHANT_SECRET,
  paidEvent,
  reference,
  type SeededPayment,
  seedPayment,
  seedRequest,
} from './fixtures.js';
import type { Invoke } from './invoke.js';
import { itemSize } from './item-size.js';
import { type CountingProxy, countByKey, type Storefront, type WireCall } from './servers.js';

type Item = Record<string, AttributeValue>;

export type CountContext = {
  pagos: Invoke;
  webhook: Invoke;
  ddbProxy: CountingProxy;
  conektaProxy: CountingProxy;
  storefront: Storefront;
  /** Direct to DynamoDB Local: reads for sizes, seeding; never counted. */
  db: DynamoDBClient;
  table: string;
  sandboxUrl: string;
  privateKey: KeyObject;
};

export type CreateCounts = {
  conektaCreate: Record<string, number>[];
  conektaReplay: Record<string, number>[];
  sandboxOrders: number[];
  dynamoCreate: Record<string, number>[];
  dynamoReplay: Record<string, number>[];
  claimBytes: number;
  itemBytes: number;
  capture: CreateCapture;
};

const KEPT_HEADERS = ['accept', 'accept-language', 'authorization', 'content-type', 'idempotency-key'];

const total = (counts: Record<string, number>): number => Object.values(counts).reduce((a, b) => a + b, 0);
export const maxTotal = (all: Record<string, number>[]): number => Math.max(...all.map(total));

async function getItem(c: CountContext, key: Item): Promise<Item> {
  const out = await c.db.send(new GetItemCommand({ TableName: c.table, Key: key, ConsistentRead: true }));
  if (!out.Item) throw new Error(`no item at ${JSON.stringify(key)}`);
  return out.Item;
}

async function call(handler: Invoke, event: APIGatewayProxyEventV2, what: string): Promise<string> {
  const res = await handler(event, lambdaContext() as Context);
  if (res.statusCode !== 200) throw new Error(`${what} answered ${res.statusCode}: ${res.body}`);
  return String(res.body);
}

/** Orders the sandbox holds for this reference, asked straight (not through the proxy). */
async function sandboxOrders(c: CountContext, referenceId: string): Promise<number> {
  const url = new URL('/orders', c.sandboxUrl);
  url.searchParams.set('search', referenceId);
  url.searchParams.set('limit', '250');
  const res = await fetch(url, {
    headers: { authorization: `Bearer ${MERCHANT_SECRET}`, accept: 'application/vnd.conekta-v2.3.0+json' },
  });
  const list = (await res.json()) as { data?: { metadata?: Record<string, unknown> }[] };
  return (list.data ?? []).filter((o) => o.metadata?.reference_id === referenceId).length;
}

/** The operation and the kind of item it touched: the payment, the rate counter, the credential. */
export function classified(calls: readonly WireCall[]): WireCall[] {
  const kind = (body: string) =>
    body.includes('"RATE#')
      ? ' (rate counter)'
      : body.includes('"KEY#')
        ? ' (credential)'
        : body.includes('"PAY#')
          ? ''
          : ' (other)';
  return calls.map((c) => ({ ...c, key: `${c.key}${kind(c.body)}` }));
}

function captureOf(referenceId: string, ddb: WireCall[], conekta: WireCall[]): CreateCapture {
  const only = (calls: WireCall[], key: string) => {
    const found = calls.filter((x) => x.key === key);
    if (found.length !== 1) throw new Error(`expected one ${key}, saw ${found.length}`);
    return found[0]!;
  };
  const order = only(conekta, 'POST /orders');
  // The payment's own writes, in order: the claim (a conditional PutItem), then the completion.
  const writes = classified(ddb).filter((c) => c.key === 'PutItem' || c.key === 'UpdateItem');
  if (writes.length !== 2 || writes[0]!.key !== 'PutItem')
    throw new Error(`expected a claim and a completion, saw ${writes.map((w) => w.key)}`);
  const [claim, complete] = writes as [WireCall, WireCall];
  const headers = Object.fromEntries(
    KEPT_HEADERS.flatMap((h) => (order.headers[h] ? [[h, String(order.headers[h])]] : [])),
  );
  return {
    ref: referenceId,
    conekta: { body: order.body, headers },
    put: claim.body,
    update: complete.body,
    completeOp: complete.key as 'PutItem' | 'UpdateItem',
    rate: only(classified(ddb), 'UpdateItem (rate counter)').body,
  };
}

export async function countCreates(c: CountContext, times: number): Promise<CreateCounts> {
  const jsonEvent = (body: unknown) =>
    apiGatewayEvent(
      'POST',
      '/pagos',
      { 'content-type': 'application/json' },
      Buffer.from(JSON.stringify(body)),
    );
  const result: Omit<CreateCounts, 'capture' | 'claimBytes' | 'itemBytes'> = {
    conektaCreate: [],
    conektaReplay: [],
    sandboxOrders: [],
    dynamoCreate: [],
    dynamoReplay: [],
  };
  let capture: CreateCapture | undefined;
  let itemBytes = 0;
  // The instance's first request with a key also resolves whose key it is (GET /companies/current,
  // the credential item); later requests remember it. Counted per payment, after that.
  await call(c.pagos, jsonEvent(seedRequest(reference('c-warm', 0), c.storefront.url)), 'warm-up create');
  for (let j = 0; j < times; j++) {
    const ref = reference('c', j);
    c.ddbProxy.take();
    c.conektaProxy.take();
    const answer = JSON.parse(
      await call(c.pagos, jsonEvent(seedRequest(ref, c.storefront.url)), 'create'),
    ) as {
      metadata?: { pagos_merchant?: string };
    };
    const ddb = c.ddbProxy.take();
    const conekta = c.conektaProxy.take();
    await call(c.pagos, jsonEvent(seedRequest(ref, c.storefront.url)), 'replay');
    result.dynamoReplay.push(countByKey(classified(c.ddbProxy.take())));
    result.conektaCreate.push(countByKey(conekta));
    result.conektaReplay.push(countByKey(c.conektaProxy.take()));
    result.dynamoCreate.push(countByKey(classified(ddb)));
    result.sandboxOrders.push(await sandboxOrders(c, ref));
    if (j === 0) {
      capture = captureOf(ref, ddb, conekta);
      const merchant = answer.metadata?.pagos_merchant;
      if (!merchant) throw new Error('the create answer carries no pagos_merchant metadata');
      itemBytes = itemSize(await getItem(c, paymentKey(merchant, ref)));
    }
  }
  const claimBytes = itemSize((JSON.parse(capture!.put) as { Item: Item }).Item);
  return { ...result, capture: capture!, claimBytes, itemBytes };
}

export type WebhookCounts = {
  dynamo: Record<string, number>[];
  storefrontHits: number[];
  paymentBytes: number;
};

/** One order.paid per seeded payment (with a notification_url, as every payment link has). */
export async function countWebhooks(c: CountContext, times: number): Promise<WebhookCounts> {
  const store = new DynamoPaymentStore(tableOf(c.db, c.table));
  const counts: WebhookCounts = { dynamo: [], storefrontHits: [], paymentBytes: 0 };
  for (let j = 0; j < times; j++) {
    const p: SeededPayment = await seedPayment(store, BENCH_MERCHANT, reference('wc', j), c.storefront.url);
    const { body, digest } = paidEvent(p, c.privateKey);
    const event = apiGatewayEvent(
      'POST',
      '/webhooks/conekta',
      { 'content-type': 'application/json', digest },
      body,
    );
    const hits = c.storefront.hits();
    c.ddbProxy.take();
    const answer = await call(c.webhook, event, 'webhook');
    if (!answer.includes('"applied"')) throw new Error(`webhook not applied: ${answer}`);
    counts.dynamo.push(countByKey(classified(c.ddbProxy.take())));
    counts.storefrontHits.push(c.storefront.hits() - hits);
    if (j === 0) counts.paymentBytes = itemSize(await getItem(c, paymentKey(p.merchant, p.referenceId)));
  }
  return counts;
}
