/**
 * The service as tests drive it over HTTP: the real Lambda handlers served on 127.0.0.1, the
 * Conekta sandbox (posting signed webhooks to our webhook route), and DynamoDB Local.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { merchantId } from '../../lib/payments/merchants.js';
import type { PaymentRecord } from '../../lib/payments/model.js';
import { DynamoPaymentStore } from '../../lib/store/payments.js';
import { table as tableOf } from '../../lib/store/table.js';
import {
  type RunningSandbox,
  type SandboxOptions,
  startConektaSandbox,
} from '../../local/conekta-sandbox/server.js';
import { createTestTable, testDynamoClient } from './dynamodb.js';
import { type LambdaHttpServer, type Routes, serveLambdas } from './lambda-http.js';
import { checkPagosAnswer } from './openapi-check.js';

export type PagosStack = {
  api: LambdaHttpServer;
  sandbox: RunningSandbox;
  table: string;
  client: DynamoDBClient;
  store: DynamoPaymentStore;
  /** POST /pagos with a JSON body (or raw text and headers). */
  pagos(body: unknown, init?: { headers?: Record<string, string>; raw?: string }): Promise<ApiAnswer>;
  /** A sandbox control call, e.g. sandboxControl('POST', '/_sandbox/faults', { fail_next: 1 }). */
  sandboxControl(method: string, path: string, body?: unknown): Promise<ApiAnswer>;
  /** Orders the sandbox holds for this key, made for this reference. */
  sandboxOrders(secret: string, referenceId: string): Promise<Array<Record<string, unknown>>>;
  /** The merchant id Pagos keys this key's payments by (the sandbox account's company, test mode). */
  merchant(secret: string): Promise<string>;
  record(secret: string, referenceId: string): Promise<PaymentRecord | undefined>;
  stop(): Promise<void>;
};

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON answers
export type ApiAnswer = { status: number; headers: Headers; json: any };

const answer = async (response: Response): Promise<ApiAnswer> => {
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: response.status, headers: response.headers, json };
};

export async function startPagosStack(
  name: string,
  opts: { env?: Record<string, string>; sandbox?: SandboxOptions } = {},
): Promise<PagosStack> {
  const routes: Routes = {};
  const api = await serveLambdas(routes);
  const sandbox = await startConektaSandbox({
    log: () => {},
    env: {},
    webhookRetryScheduleMs: [100, 200, 400, 800],
    defaultWebhookUrls: [`${api.url}/webhooks/conekta`],
    ...opts.sandbox,
  });
  const table = await createTestTable(name);
  Object.assign(process.env, {
    PAYMENTS_TABLE: table,
    CONEKTA_API_URL: sandbox.url,
    CONEKTA_WEBHOOK_PUBLIC_KEYS: sandbox.defaultWebhookPublicKeyPem,
    PAGOS_LOCAL_MODE: 'true',
    // Every test uses fresh keys from one address: the per-source limit for unseen keys is the
    // tenancy tests' to turn on.
    RATE_LIMIT_NEW_KEYS_PER_SOURCE_PER_MINUTE: '0',
    RECOVERY_SETTLE_MS: '1000',
    ...opts.env,
  });
  // Handlers read their configuration at import, like a Lambda cold start.
  routes['POST /pagos'] = (await import('../../functions/pagos.js')).handler as never;
  routes['POST /webhooks/conekta'] = (await import('../../functions/webhooks.js')).handler as never;
  const client = testDynamoClient();
  const store = new DynamoPaymentStore(tableOf(client, table));
  const merchant = async (secret: string) => {
    const response = await fetch(`${sandbox.url}/companies/current`, {
      headers: { authorization: `Bearer ${secret}`, accept: 'application/vnd.conekta-v2.3.0+json' },
    });
    const company = (await response.json()) as { id: string };
    return merchantId('conekta', company.id, false);
  };

  return {
    api,
    sandbox,
    table,
    client,
    store,
    async pagos(body, init = {}) {
      const raw = init.raw ?? JSON.stringify(body);
      const response = await fetch(`${api.url}/pagos`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...init.headers },
        body: raw,
      });
      const got = await answer(response);
      // Every answer of every HTTP test is held to docs/openapi.yaml, so the contract cannot rot.
      let request: unknown;
      try {
        request = JSON.parse(raw);
      } catch {
        request = undefined;
      }
      checkPagosAnswer({ request, status: got.status, headers: got.headers, body: got.json });
      return got;
    },
    async sandboxControl(method, path, body) {
      const response = await fetch(`${sandbox.url}${path}`, {
        method,
        headers: body === undefined ? {} : { 'content-type': 'application/json' },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      return answer(response);
    },
    async sandboxOrders(secret, referenceId) {
      // Every order of the account (no `search`: its semantics are a sandbox knob), matched here.
      const url = new URL('/orders', sandbox.url);
      url.searchParams.set('limit', '250');
      const response = await fetch(url, {
        headers: { authorization: `Bearer ${secret}`, accept: 'application/vnd.conekta-v2.3.0+json' },
      });
      const list = (await response.json()) as { data?: Array<Record<string, unknown>> };
      return (list.data ?? []).filter(
        (o) => (o.metadata as Record<string, unknown> | undefined)?.reference_id === referenceId,
      );
    },
    merchant,
    record: async (secret, referenceId) => store.get(await merchant(secret), referenceId),
    async stop() {
      await api.stop();
      await sandbox.stop();
      client.destroy();
    },
  };
}

let tokens = 0;
/** The sandbox's test tokens are single use per account; `<token>_<n>` is a fresh copy. */
export function freshToken(base: string): string {
  tokens += 1;
  return `${base}_${tokens}`;
}

/** Polls until `check` returns a value, or fails with `what` after `ms`. */
export async function eventually<T>(
  what: string,
  check: () => Promise<T | undefined>,
  ms = 5000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
