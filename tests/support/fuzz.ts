/**
 * Shared pieces of the input fuzzing suites (tests/integration/fuzz-*.test.ts): hostile values
 * and request shapes, API Gateway v2 events, counters of DynamoDB writes and Conekta calls, and
 * the checks every answer must pass.
 */
import { randomUUID } from 'node:crypto';
import { type AttributeValue, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import fc from 'fast-check';
import { lambdaContext } from './lambda-http.js';

/** Cases per endpoint: 2,000 in `npm test`, more with FUZZ_RUNS (`npm run test:fuzz`). */
export const FUZZ_RUNS = Number(process.env.FUZZ_RUNS) || 2000;
/** Jest timeout for a fuzz test: generous per case, so only a hang fails it. */
export const fuzzTimeoutMs = (perCaseMs: number) => 30_000 + FUZZ_RUNS * perCaseMs;
/** Shrinking is capped: a failure is reported quickly, with a counterexample still small. */
/** Printed with every run's summary, so a failure found after the run can be replayed with FUZZ_SEED. */
export const FUZZ_SEED = Number(process.env.FUZZ_SEED) || Date.now() % 2_147_483_647;
export const fuzzParameters = { numRuns: FUZZ_RUNS, seed: FUZZ_SEED };

// ---------------------------------------------------------------------------------------------
// Values

/** Sensitive values planted in requests: no log line may ever show them. */
export const SENTINELS = {
  email: 'sentinel.fuzz@example.com',
  phone: '5598765432',
  card: '4111 1111 1111 1111',
  name: 'Zyxwvutsrq',
};

const edgeStrings = fc.constantFrom(
  '',
  ' ',
  '\u0000',
  '\ud800',
  'a\udfffb',
  '\ufeff{}',
  '__proto__',
  'constructor',
  'prototype',
  'polluted',
  'toString',
  'hasOwnProperty',
  'key_live_fuzz',
  'tok_test_visa_4242',
  'tok_test_card_declined',
  SENTINELS.card,
  '4242424242424242',
  SENTINELS.email,
  SENTINELS.phone,
  'NaN',
  'Infinity',
  '1e3',
  '-1',
  '0',
  '0.001',
  '1000.50',
  '99999999999',
  'conekta',
  'create',
  'charge',
  'status',
  'refund',
  'cancel',
  'http://169.254.169.254/latest/meta-data',
  'http://127.0.0.1:1/n',
  'https://user:pass@fuzz.invalid/n',
  'javascript:alert(1)',
  '../../etc/passwd',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a Log4Shell probe, literally
  '${jndi:ldap://fuzz.invalid/a}',
  '<script>alert(1)</script>',
  "' OR 1=1 --",
  '{"secret":"key_embedded"}',
);

export const hostileString: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.string({ maxLength: 30 }), weight: 3 },
  { arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }), weight: 2 },
  // Any code point, lone surrogates included.
  { arbitrary: fc.string({ unit: 'binary', maxLength: 30 }), weight: 2 },
  { arbitrary: edgeStrings, weight: 4 },
  { arbitrary: fc.integer({ min: 250, max: 20_000 }).map((n) => 'x'.repeat(n)), weight: 1 },
);

export const hostileKey: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '__proto__',
    'constructor',
    'prototype',
    'polluted',
    'toString',
    'valueOf',
    'number',
    'card',
  ),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
);

const hostileScalar: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.integer(),
  fc.double(), // NaN and the infinities become null in JSON
  fc.constantFrom(0, -0, 1e21, 2 ** 53 + 1, -1, 0.1, 1e-7, 21474836.48, Number.MAX_VALUE),
  fc.boolean(),
  fc.constant(null),
);

/** Any JSON value, with hostile leaves and keys (`__proto__` as an own key included). */
export const hostileJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    hostileScalar,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(hostileKey, tie('value'), { maxKeys: 4 }),
  ),
})).value;

/** JSON text nested `depth` levels deep, as arrays or objects. */
export const deepJson = (depth: number, kind: 'array' | 'object'): string =>
  kind === 'array'
    ? `${'['.repeat(depth)}${']'.repeat(depth)}`
    : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

/** Text-level changes JSON.stringify cannot make: duplicate keys, exponents, truncation, junk. */
export const textMutation: fc.Arbitrary<(text: string) => string> = fc.oneof(
  fc
    .tuple(
      fc.constantFrom('amount', 'secret', 'action', 'reference_id', '__proto__', 'constructor'),
      hostileJson,
    )
    .map(
      ([key, value]) =>
        (text: string) =>
          `{${JSON.stringify(key)}:${JSON.stringify(value) ?? 'null'},${text.slice(1)}`,
    ),
  fc
    .tuple(
      fc.constantFrom('amount', 'provider', 'email', 'reference_id', '__proto__', 'constructor'),
      hostileJson,
    )
    .map(
      ([key, value]) =>
        (text: string) =>
          `${text.slice(0, -1)},${JSON.stringify(key)}:${JSON.stringify(value) ?? 'null'}}`,
    ),
  fc
    .constantFrom('1e3', '1E400', '-0', '1000.001', '00010', '0x10', '1_000', '.5', 'NaN')
    .map((raw) => (text: string) => text.replace(/"amount":[^,}]*/, `"amount":${raw}`)),
  fc.nat({ max: 400 }).map((at) => (text: string) => text.slice(0, at % Math.max(text.length, 1))),
  fc.constantFrom('\ufeff', ' ', '\n', '[', 'garbage').map((prefix) => (text: string) => `${prefix}${text}`),
  fc.constantFrom(']', '}', ' x', '\u0000').map((suffix) => (text: string) => `${text}${suffix}`),
  fc.tuple(fc.integer({ min: 100, max: 4000 }), fc.constantFrom('array' as const, 'object' as const)).map(
    ([depth, kind]) =>
      (text: string) =>
        `${text.slice(0, -1)},"deep":${deepJson(depth, kind)}}`,
  ),
  fc.constantFrom(
    (text: string) => `{"__proto__":{"polluted":"yes"},${text.slice(1)}`,
    (text: string) => `{"constructor":{"prototype":{"polluted":"yes"}},${text.slice(1)}`,
    (text: string) => `[${text}]`,
  ),
);

/** Object-level changes: a field replaced, removed, or a hostile key added. */
export const objectMutation = (fields: readonly string[]) =>
  fc.oneof(
    fc
      .tuple(fc.constantFrom(...fields), hostileJson)
      .map(([field, value]) => (body: Record<string, unknown>) => ({ ...body, [field]: value })),
    fc.constantFrom(...fields).map((field) => (body: Record<string, unknown>) => {
      const { [field]: _dropped, ...rest } = body;
      return rest;
    }),
    fc.tuple(hostileKey, hostileJson).map(([key, value]) => (body: Record<string, unknown>) => {
      const copy = { ...body };
      Object.defineProperty(copy, key, { value, enumerable: true, configurable: true, writable: true });
      return copy;
    }),
  );

export const contentTypes = fc.oneof(
  { arbitrary: fc.constant('application/json'), weight: 8 },
  {
    arbitrary: fc.constantFrom(
      undefined,
      '',
      'application/json; charset=utf-8',
      'APPLICATION/JSON',
      'application/vnd.api+json',
      'application/json-patch+json',
      'text/plain',
      'text/json',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
      'application/octet-stream',
      'application/jsonx',
    ),
    weight: 2,
  },
);

// ---------------------------------------------------------------------------------------------
// Events and answers

export type RawRequest = {
  contentType: string | undefined;
  body: string | undefined;
  isBase64Encoded: boolean;
  headers?: Record<string, string>;
};

/** Short enough to read in a failure report: fast-check prints this instead of a 300 KiB body. */
export function describable(request: RawRequest): RawRequest {
  const summary = () => {
    const body = request.body ?? '(no body)';
    const shown = body.length > 240 ? `${body.slice(0, 240)}... (${body.length} chars)` : body;
    return JSON.stringify({ ...request, body: shown });
  };
  return Object.defineProperty(request, fc.toStringMethod, { value: summary, enumerable: false });
}

export function httpEvent(path: string, request: RawRequest): APIGatewayProxyEventV2 {
  const requestId = `fz${randomUUID().replaceAll('-', '').slice(0, 18)}=`;
  return {
    version: '2.0',
    routeKey: `POST ${path}`,
    rawPath: path,
    rawQueryString: '',
    headers: {
      ...(request.contentType !== undefined && { 'content-type': request.contentType }),
      ...request.headers,
    },
    ...(request.body !== undefined && { body: request.body }),
    isBase64Encoded: request.isBase64Encoded,
    requestContext: {
      accountId: 'fuzz',
      apiId: 'fuzz',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: { method: 'POST', path, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'fuzz' },
      requestId,
      routeKey: `POST ${path}`,
      stage: '$default',
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
    },
  };
}

type Handler = (event: APIGatewayProxyEventV2, context: ReturnType<typeof lambdaContext>) => Promise<unknown>;

export type Answer = { status: number; headers: Record<string, string>; json: unknown; requestId: string };

/**
 * Invokes the handler and checks what every answer must be: never a 5xx, JSON, the request id
 * echoed, and for 4xx the error shape `{error: {code, message, details}}`. Returns the answer.
 */
export async function invoke(handler: Handler, path: string, request: RawRequest): Promise<Answer> {
  const event = httpEvent(path, request);
  const result = (await handler(event, lambdaContext())) as {
    statusCode: number;
    headers: Record<string, string>;
    body: string;
  };
  const requestId = event.requestContext.requestId;
  const fail = (why: string) => {
    throw new Error(`${why}: ${result?.statusCode} ${String(result?.body).slice(0, 300)}`);
  };
  if (typeof result?.statusCode !== 'number' || result.statusCode >= 500) fail('5xx or no answer');
  if (!/^application\/json/.test(result.headers?.['content-type'] ?? '')) fail('not JSON');
  if (result.headers?.['X-Request-Id'] !== requestId) fail('X-Request-Id does not echo the request id');
  const json = JSON.parse(result.body) as {
    error?: { code?: unknown; message?: unknown; details?: unknown };
  };
  if (result.statusCode >= 400) {
    const error = json.error;
    if (typeof error?.code !== 'string' || typeof error.message !== 'string' || !Array.isArray(error.details))
      fail('4xx without the error shape');
  }
  return { status: result.statusCode, headers: result.headers, json, requestId };
}

export const errorCode = (answer: Answer): string | undefined =>
  (answer.json as { error?: { code?: string } }).error?.code;

// ---------------------------------------------------------------------------------------------
// Side effects

const WRITES = /^(PutItem|UpdateItem|DeleteItem|TransactWriteItems|BatchWriteItem)Command$/;

/** Writes by what they touch: a payment item, or admission's bookkeeping (rate windows, key cache, merchants). */
export type SideEffects = {
  /** Writes to payment items (`PAY#…`). */
  paymentWrites: number;
  /** Every write, payment items and admission's `RATE#`/`KEY#`/`MERCHANT#` items alike. */
  writes: number;
  /** What each write was, `<Command> <pk prefix>`, to say what a failed case wrote. */
  written: string[];
  reset(): void;
  restore(): void;
};

const keysOf = (input: unknown): string[] => {
  const i = input as {
    Key?: { pk?: { S?: string } };
    Item?: { pk?: { S?: string } };
    TransactItems?: unknown[];
    RequestItems?: Record<string, unknown[]>;
  };
  if (i?.Key?.pk?.S) return [i.Key.pk.S];
  if (i?.Item?.pk?.S) return [i.Item.pk.S];
  // Transactions and batches: every item they name (a write we cannot read counts as a payment's).
  const nested = [
    ...(i?.TransactItems ?? []).flatMap((t) => Object.values(t as object)),
    ...Object.values(i?.RequestItems ?? {}).flatMap((w) =>
      (w as { PutRequest?: unknown; DeleteRequest?: unknown }[]).map((r) => r.PutRequest ?? r.DeleteRequest),
    ),
  ];
  return nested.length > 0 ? nested.flatMap(keysOf) : ['?'];
};

/**
 * Counts DynamoDB writes of every client, from the moment it is installed. Conekta calls are not
 * counted here (the Conekta client speaks node:https, not `fetch`): ask the sandbox's request log
 * (`conektaCallsSince`).
 */
export function countSideEffects(): SideEffects {
  const proto = DynamoDBClient.prototype as unknown as { send: (...args: unknown[]) => unknown };
  const realSend = proto.send;
  const effects: SideEffects = {
    paymentWrites: 0,
    writes: 0,
    written: [],
    reset() {
      effects.paymentWrites = 0;
      effects.writes = 0;
      effects.written = [];
    },
    restore() {
      proto.send = realSend;
    },
  };
  proto.send = function send(this: unknown, ...args: unknown[]) {
    const command = args[0] as { constructor?: { name?: string }; input?: unknown } | undefined;
    if (WRITES.test(command?.constructor?.name ?? '')) {
      effects.writes += 1;
      const keys = keysOf(command?.input);
      effects.written.push(`${command?.constructor?.name} ${keys.map((k) => k.split('#')[0]).join(',')}`);
      if (keys.some((pk) => !/^(RATE|KEY|MERCHANT)#/.test(pk))) effects.paymentWrites += 1;
    }
    return realSend.apply(this, args);
  };
  return effects;
}

/** The sandbox's own log of the API calls it received: cleared before a case, counted after. */
export function sandboxCalls(sandboxUrl: string) {
  return {
    clear: async () => {
      await (await fetch(`${sandboxUrl}/_sandbox/requests`, { method: 'DELETE' })).arrayBuffer();
    },
    count: async () =>
      ((await (await fetch(`${sandboxUrl}/_sandbox/requests`)).json()) as { data: unknown[] }).data.length,
  };
}

// ---------------------------------------------------------------------------------------------
// Global state

/** The own property names of the built-in prototypes: pollution adds to them. */
export function prototypeSnapshot(): string {
  return JSON.stringify(
    [Object.prototype, Array.prototype, Function.prototype, String.prototype, Number.prototype].map((p) =>
      Object.getOwnPropertyNames(p).sort(),
    ),
  );
}

export function expectNoPollution(before: string): void {
  expect(prototypeSnapshot()).toBe(before);
  const probe = {} as Record<string, unknown>;
  expect(probe.polluted).toBeUndefined();
  expect(Object.getPrototypeOf(probe)).toBe(Object.prototype);
}

/** Collects unhandled rejections while installed. */
export function watchUnhandledRejections(): { reasons: unknown[]; stop(): void } {
  const reasons: unknown[] = [];
  const listener = (reason: unknown) => reasons.push(reason);
  process.on('unhandledRejection', listener);
  return { reasons, stop: () => process.off('unhandledRejection', listener) };
}

/** No planted sensitive value, in any log line. */
export function expectNoSentinels(lines: readonly string[], extra: readonly string[] = []): void {
  const values = [...Object.values(SENTINELS), '4111111111111111', ...extra];
  const leaks = lines
    .filter((line) => values.some((value) => line.includes(value)))
    .map((line) => line.slice(0, 600));
  expect(leaks).toEqual([]);
}

/** Every metric line is EMF in namespace Pagos, with Stage first in every dimension set and no `service`. */
export function expectEmfOnly(lines: readonly string[]): void {
  expect(lines.length).toBeGreaterThan(0);
  for (const line of lines) {
    const [directive] = (
      JSON.parse(line) as { _aws: { CloudWatchMetrics: { Namespace: string; Dimensions: string[][] }[] } }
    )._aws.CloudWatchMetrics;
    expect(directive?.Namespace).toBe('Pagos');
    for (const set of directive?.Dimensions ?? []) {
      expect(set[0]).toBe('Stage');
      expect(set).not.toContain('service');
    }
  }
}

/** Every item's pk, all pages (a long run outgrows one 1 MB scan page). */
export async function scanKeys(client: DynamoDBClient, table: string): Promise<string[]> {
  const keys: string[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({
        TableName: table,
        ProjectionExpression: 'pk',
        ConsistentRead: true,
        ExclusiveStartKey: start,
      }),
    );
    for (const item of page.Items ?? []) keys.push(item.pk?.S ?? '');
    start = page.LastEvaluatedKey;
  } while (start);
  return keys;
}
