/**
 * Pagos behind the HTTP API stand-in: the real handlers (functions/pagos.ts,
 * functions/webhooks.ts) in their own processes, with the environment
 * tests/support/pagos-stack.ts gives them, on DynamoDB Local (optionally through a fault proxy)
 * and the Conekta sandbox, which posts its signed webhooks to the gateway.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { merchantId } from '../../../lib/payments/merchants.js';
import type { PaymentRecord } from '../../../lib/payments/model.js';
import { DynamoPaymentStore } from '../../../lib/store/payments.js';
import { table as tableOf } from '../../../lib/store/table.js';
import {
  type RunningSandbox,
  type SandboxOptions,
  startConektaSandbox,
} from '../../../local/conekta-sandbox/server.js';
import { createTestTable, dynamoEndpoint, testDynamoClient } from '../dynamodb.js';
import { type FaultProxy, startFaultProxy } from '../fault-proxy.js';
import { freePort } from '../local-stack.js';
import { type Gateway, type RouteSettings, startGateway } from './server.js';
import type { ThrottleSettings } from './throttle.js';

export const PAGOS_ROUTE = 'POST /pagos';
export const WEBHOOK_ROUTE = 'POST /webhooks/conekta';

// The functions as serverless.yml sizes them (concurrency kept small: processes are started on demand).
const PAGOS_FUNCTION: RouteSettings = {
  name: 'pagos-test-pagos',
  module: 'functions/pagos.ts',
  timeoutMs: 25_000,
  concurrency: 4,
};
const WEBHOOK_FUNCTION: RouteSettings = {
  name: 'pagos-test-webhooks',
  module: 'functions/webhooks.ts',
  timeoutMs: 10_000,
  concurrency: 2,
};

export type PagosGatewayOptions = {
  /** Over the pagos function's settings (module, timeoutMs, concurrency, env). */
  pagos?: Partial<RouteSettings>;
  /** Over the webhook function's settings. */
  webhook?: Partial<RouteSettings>;
  /** Over the environment every function gets. */
  env?: Record<string, string>;
  integrationTimeoutMs?: number;
  throttle?: ThrottleSettings;
  /** The functions reach DynamoDB Local through a fault proxy (`stack.dynamo`). */
  dynamoProxy?: boolean;
  sandbox?: SandboxOptions;
};

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers
export type Answer = { status: number; headers: Headers; text: string; json: any };

export type PagosGateway = {
  gateway: Gateway;
  sandbox: RunningSandbox;
  table: string;
  store: DynamoPaymentStore;
  /** Between the functions and DynamoDB Local, when asked for. */
  dynamo: FaultProxy | undefined;
  /** POST to the gateway with a raw body and exactly the headers given (fetch adds none but its own). */
  post(path: string, body: string | Buffer | undefined, headers?: Record<string, string>): Promise<Answer>;
  /** POST /pagos with a JSON body, `content-type: application/json`. */
  pagos(body: unknown): Promise<Answer>;
  sandboxFaults(patch: Record<string, unknown>): Promise<void>;
  /** Orders the sandbox holds for this key, made for this reference. */
  sandboxOrders(secret: string, referenceId: string): Promise<Array<Record<string, unknown>>>;
  record(secret: string, referenceId: string): Promise<PaymentRecord | undefined>;
  stop(): Promise<void>;
};

async function answerOf(response: Response): Promise<Answer> {
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

export async function startPagosGateway(name: string, opts: PagosGatewayOptions = {}): Promise<PagosGateway> {
  const port = await freePort();
  const sandbox = await startConektaSandbox({
    log: () => {},
    env: {},
    webhookRetryScheduleMs: [100, 200, 400, 800],
    defaultWebhookUrls: [`http://127.0.0.1:${port}/webhooks/conekta`],
    ...opts.sandbox,
  });
  const table = await createTestTable(name);
  const dynamo = opts.dynamoProxy ? await startFaultProxy(dynamoEndpoint()) : undefined;
  const gateway = await startGateway({
    port,
    routes: {
      [PAGOS_ROUTE]: { ...PAGOS_FUNCTION, ...opts.pagos },
      [WEBHOOK_ROUTE]: { ...WEBHOOK_FUNCTION, ...opts.webhook },
    },
    env: {
      AWS_ENDPOINT_URL_DYNAMODB: dynamo?.url ?? dynamoEndpoint(),
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      NODE_OPTIONS: '--enable-source-maps', // serverless.yml's
      PAYMENTS_TABLE: table,
      CONEKTA_API_URL: sandbox.url,
      CONEKTA_WEBHOOK_PUBLIC_KEYS: sandbox.defaultWebhookPublicKeyPem,
      PAGOS_LOCAL_MODE: 'true',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      ...opts.env,
    },
    ...(opts.integrationTimeoutMs !== undefined && { integrationTimeoutMs: opts.integrationTimeoutMs }),
    ...(opts.throttle && { throttle: opts.throttle }),
    ...(process.env.GATEWAY_ECHO === 'true' && { echo: (chunk: string) => process.stderr.write(chunk) }),
  });
  const client: DynamoDBClient = testDynamoClient();
  const store = new DynamoPaymentStore(tableOf(client, table));
  const merchantOf = async (secret: string) => {
    const response = await fetch(`${sandbox.url}/companies/current`, {
      headers: { authorization: `Bearer ${secret}`, accept: 'application/vnd.conekta-v2.3.0+json' },
    });
    return merchantId('conekta', ((await response.json()) as { id: string }).id, false);
  };

  const post: PagosGateway['post'] = async (path, body, headers = {}) =>
    answerOf(
      await fetch(`${gateway.url}${path}`, {
        method: 'POST',
        headers,
        ...(body !== undefined && { body: typeof body === 'string' ? body : new Uint8Array(body) }),
      }),
    );

  return {
    gateway,
    sandbox,
    table,
    store,
    dynamo,
    post,
    pagos: (body) => post('/pagos', JSON.stringify(body), { 'content-type': 'application/json' }),
    async sandboxFaults(patch) {
      const response = await fetch(`${sandbox.url}/_sandbox/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(patch),
      });
      if (!response.ok) throw new Error(`sandbox faults ${response.status}: ${await response.text()}`);
    },
    async sandboxOrders(secret, referenceId) {
      const url = new URL('/orders', sandbox.url);
      url.searchParams.set('search', referenceId);
      url.searchParams.set('limit', '250');
      const response = await fetch(url, {
        headers: { authorization: `Bearer ${secret}`, accept: 'application/vnd.conekta-v2.3.0+json' },
      });
      const list = (await response.json()) as { data?: Array<Record<string, unknown>> };
      return (list.data ?? []).filter(
        (o) => (o.metadata as Record<string, unknown> | undefined)?.reference_id === referenceId,
      );
    },
    record: async (secret, referenceId) => store.get(await merchantOf(secret), referenceId),
    async stop() {
      await gateway.stop();
      await dynamo?.stop();
      await sandbox.stop();
      client.destroy();
    },
  };
}

/** A create request for a fresh merchant key and reference. */
export function createRequest(secret: string, referenceId: string, extra: Record<string, unknown> = {}) {
  return {
    provider: 'conekta',
    action: 'create',
    secret,
    reference_id: referenceId,
    amount: 1000,
    return_url: 'https://shop.example.com',
    // Nothing listens there; these tests run no notification pipeline, so nothing is sent to it.
    notification_url: 'http://127.0.0.1:9/notify',
    first_name: 'Andrés',
    last_name: 'Jaro',
    email: 'andres@example.com',
    ...extra,
  };
}
