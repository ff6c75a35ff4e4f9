/**
 * Child: `create` latency, in-process and over HTTP, next to the floor (the same Conekta and
 * DynamoDB calls made directly) and the SDK baseline. Steps rotate each iteration, so no path
 * always runs right after another one warmed a connection or the JIT.
 */
import { createHash } from 'node:crypto';
import { DynamoDBClient, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { handler as pagosHandler } from '../../functions/pagos.js';
import { apiGatewayEvent, lambdaContext, serveLambdas } from '../../tests/support/lambda-http.js';
import { handler as baselineHandler } from '../baselines/create-sdk.js';
import { reference, seedRequest } from '../lib/fixtures.js';
import { asInvoke } from '../lib/invoke.js';
import { serveCommands } from '../lib/serve.js';

/** The calls one create made on the wire, recorded by the counting proxies. */
export type CreateCapture = {
  ref: string;
  conekta: { body: string; headers: Record<string, string> };
  put: string;
  update: string;
  /** How the completion is written: the whole record again (PutItem) or an update. */
  completeOp: 'PutItem' | 'UpdateItem';
  /** The per-key rate-limit counter's UpdateItem (RATE#...), made on every request. */
  rate: string;
};

export type CreateSamples = Record<(typeof SERIES)[number], number[]> & {
  errors: number;
  firstError?: string;
};

const SERIES = [
  'floorConekta',
  'floorPut',
  'floorUpdate',
  'floorRate',
  'floorReplayPut',
  'rawPut',
  'rawUpdate',
  'inProcess',
  'replay',
  'http',
  'baseline',
] as const;

const pagos = asInvoke(pagosHandler);
const baseline = asInvoke(baselineHandler);

const db = new DynamoDBClient({});
const dynamoEndpoint = process.env.AWS_ENDPOINT_URL_DYNAMODB!;
const conektaUrl = process.env.CONEKTA_API_URL!;
const notificationUrl = process.env.BENCH_NOTIFICATION_URL!;

const jsonEvent = (body: string) =>
  apiGatewayEvent('POST', '/pagos', { 'content-type': 'application/json' }, Buffer.from(body));

async function time(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

function expectOk(what: string, status: number | undefined): void {
  if (status !== 200) throw new Error(`${what} answered ${status}`);
}

/** The captured calls for another reference: same sizes, another key. */
function substituted(capture: CreateCapture, ref: string) {
  const swap = (text: string) => text.replaceAll(capture.ref, ref);
  const key = capture.conekta.headers['idempotency-key'] ?? '';
  const headers = { ...capture.conekta.headers };
  if (key) headers['idempotency-key'] = createHash('sha256').update(ref).digest('hex').slice(0, key.length);
  return {
    conektaBody: swap(capture.conekta.body),
    headers,
    put: swap(capture.put),
    update: swap(capture.update),
    rate: capture.rate,
  };
}

/** DynamoDB's JSON protocol without the SDK: the wire cost alone (DynamoDB Local checks no signature). */
async function rawDynamo(operation: string, body: string): Promise<void> {
  const res = await fetch(dynamoEndpoint, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.0',
      'x-amz-target': `DynamoDB_20120810.${operation}`,
      authorization:
        'AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0',
    },
    body,
  });
  await res.text();
  expectOk(`raw ${operation}`, res.status);
}

function floorSteps(capture: CreateCapture, i: number, s: CreateSamples) {
  const floor = substituted(capture, reference('f', i));
  const raw = substituted(capture, reference('r', i));
  return async () => {
    s.floorRate.push(await time(() => db.send(new UpdateItemCommand(JSON.parse(floor.rate)))));
    s.floorPut.push(await time(() => db.send(new PutItemCommand(JSON.parse(floor.put)))));
    s.floorConekta.push(
      await time(async () => {
        const res = await fetch(new URL('/orders', conektaUrl), {
          method: 'POST',
          headers: floor.headers,
          body: floor.conektaBody,
        });
        await res.text();
        expectOk('raw POST /orders', res.status);
      }),
    );
    s.floorUpdate.push(
      await time(() =>
        capture.completeOp === 'PutItem'
          ? db.send(new PutItemCommand(JSON.parse(floor.update)))
          : db.send(new UpdateItemCommand(JSON.parse(floor.update))),
      ),
    );
    // A replay's floor: the same conditional put, refused, returning the stored item.
    s.floorReplayPut.push(
      await time(() =>
        db.send(new PutItemCommand(JSON.parse(floor.put))).then(
          () => {
            throw new Error('floor replay put was not refused');
          },
          (error: Error) => {
            if (error.name !== 'ConditionalCheckFailedException') throw error;
          },
        ),
      ),
    );
    s.rawPut.push(await time(() => rawDynamo('PutItem', raw.put)));
    s.rawUpdate.push(await time(() => rawDynamo(capture.completeOp, raw.update)));
  };
}

function pathSteps(i: number, s: CreateSamples, apiUrl: string) {
  const ctx = lambdaContext();
  const body = (kind: string) => JSON.stringify(seedRequest(reference(kind, i), notificationUrl));
  const inProcess = async () => {
    const created = jsonEvent(body('p'));
    const again = jsonEvent(body('p'));
    s.inProcess.push(await time(async () => expectOk('create', (await pagos(created, ctx)).statusCode)));
    s.replay.push(await time(async () => expectOk('replay', (await pagos(again, ctx)).statusCode)));
  };
  const overHttp = async () => {
    const payload = body('h');
    s.http.push(
      await time(async () => {
        const res = await fetch(`${apiUrl}/pagos`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: payload,
        });
        await res.text();
        expectOk('create over HTTP', res.status);
      }),
    );
  };
  const sdkBaseline = async () => {
    const event = jsonEvent(body('b'));
    s.baseline.push(await time(async () => expectOk('baseline', (await baseline(event, ctx)).statusCode)));
  };
  return [inProcess, overHttp, sdkBaseline];
}

async function run(message: Record<string, unknown>): Promise<CreateSamples> {
  const { capture, n, warmup, offset } = message as {
    capture: CreateCapture;
    n: number;
    warmup: number;
    offset: number;
  };
  // Warm-up iterations write into a scratch set; errors always count.
  const empty = (): CreateSamples =>
    ({ ...Object.fromEntries(SERIES.map((k) => [k, []])), errors: 0 }) as unknown as CreateSamples;
  const samples = empty();
  const api = await serveLambdas({ 'POST /pagos': pagos });
  try {
    for (let i = 0; i < warmup + n; i++) {
      const s = i < warmup ? empty() : samples;
      const steps = [floorSteps(capture, offset + i, s), ...pathSteps(offset + i, s, api.url)];
      for (let k = 0; k < steps.length; k++) {
        try {
          await steps[(i + k) % steps.length]!();
        } catch (error) {
          samples.errors += 1;
          samples.firstError ??= String((error as Error).message);
        }
      }
    }
  } finally {
    await api.stop();
  }
  return samples;
}

serveCommands({ run });
