// Conekta's own SDK (npm `conekta` 9.0.0, generated from Conekta's spec) drives the sandbox through
// every call the service and `conekta:check` make. Each call must be accepted, and each answer must
// be a value of the SDK model it is declared to return: at the end, TypeScript itself checks every
// answer, as an object literal, against the SDK's own .d.ts (unknown fields, missing required
// fields and wrong types are errors), so the sandbox cannot drift from what Conekta's SDK expects.
import http from 'node:http';
import {
  ApiKeysApi,
  CompaniesApi,
  Configuration,
  EventsApi,
  OrdersApi,
  WebhookKeysApi,
  WebhooksApi,
} from 'conekta';
import ts from 'typescript';
import {
  parseWebhookPublicKeys,
  verifyConektaDigest,
} from '../../lib/providers/conekta/webhook-signature.js';
import { type RunningSandbox, startConektaSandbox } from '../../local/conekta-sandbox/server.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../local/conekta-sandbox/testing.js';

const logs: string[] = [];
const ALIAS_HOST = 'hooks.pagos.test';
const KEY = `key_sdk_${Date.now()}`;
let sandbox: RunningSandbox;
let receiver: WebhookReceiver;
let api: ReturnType<typeof clients>;
// our own agent: without one the SDK builds an HTTPS agent that skips TLS checks (toolchain §7)
const agent = new http.Agent({ keepAlive: false });

function clients(basePath: string) {
  const configuration = new Configuration({
    accessToken: KEY,
    basePath,
    baseOptions: { httpAgent: agent, timeout: 10_000 },
  });
  return {
    orders: new OrdersApi(configuration),
    companies: new CompaniesApi(configuration),
    apiKeys: new ApiKeysApi(configuration),
    webhookKeys: new WebhookKeysApi(configuration),
    webhooks: new WebhooksApi(configuration),
    events: new EventsApi(configuration),
  };
}

/** Every answer, with the SDK model its method declares; checked by TypeScript at the end. */
const answers: { call: string; model: string; value: unknown }[] = [];
function answered<T>(call: string, model: string, response: { status: number; data: T }): T {
  expect({ call, status: response.status }).toEqual({ call, status: 200 });
  answers.push({ call, model, value: response.data });
  return response.data;
}

beforeAll(async () => {
  receiver = await startWebhookReceiver();
  sandbox = await startConektaSandbox({
    env: {},
    log: (message) => logs.push(message),
    hostAliases: { [ALIAS_HOST]: '127.0.0.1' },
  });
  api = clients(sandbox.url);
});

afterAll(async () => {
  await sandbox.stop();
  await receiver.close();
  agent.destroy();
  expect(logs.filter((line) => /CONTRACT VIOLATION|INTERNAL ERROR/.test(line))).toEqual([]);
});

const buyer = { name: 'Ana López', email: `sdk-${Date.now()}@example.com`, phone: '5512345678' };
const state: Record<string, string> = {};

describe('the service calls, through the SDK', () => {
  test('webhook keys: create and list', async () => {
    const created = answered(
      'createWebhookKey',
      'WebhookKeyCreateResponse',
      await api.webhookKeys.createWebhookKey('es', { active: true }),
    );
    expect(created.public_key).toContain('BEGIN PUBLIC KEY');
    state.publicKey = created.public_key ?? '';
    const listed = answered(
      'getWebhookKeys',
      'GetWebhookKeysResponse',
      await api.webhookKeys.getWebhookKeys('es'),
    );
    expect(listed.data?.[0]?.id).toBe(created.id);
  });

  test('webhooks: create, get, test (a webhook_ping signed with the new key)', async () => {
    const url = `http://${ALIAS_HOST}:${receiver.port}/conekta`;
    const hook = answered(
      'createWebhook',
      'WebhookResponse',
      await api.webhooks.createWebhook({ url }, 'es'),
    );
    state.webhookId = hook.id ?? '';
    expect(
      answered('getWebhook', 'WebhookResponse', await api.webhooks.getWebhook(state.webhookId, 'es')).url,
    ).toBe(url);
    answered('testWebhook', 'WebhookResponse', await api.webhooks.testWebhook(state.webhookId, 'es'));
    const [ping] = await receiver.waitFor(1, (h) => h.body?.type === 'webhook_ping');
    const check = verifyConektaDigest(
      ping?.raw ?? Buffer.alloc(0),
      ping?.headers.digest as string,
      parseWebhookPublicKeys(state.publicKey),
    );
    expect(check).toEqual({ ok: true, form: 'pkcs1-sha256', encoding: 'base64' });
  });

  test('companies/current and api_keys', async () => {
    const company = answered(
      'getCurrentCompany',
      'CompanyResponse',
      await api.companies.getCurrentCompany('es'),
    );
    expect(company.object).toBe('company');
    const keys = answered(
      'getApiKeys',
      'GetApiKeysResponse',
      await api.apiKeys.getApiKeys('es', undefined, 250),
    );
    expect(keys.data?.map((k) => k.prefix)).toEqual([KEY.slice(0, 6)]);
    expect(keys.data?.[0]?.livemode).toBe(false);
  });

  test('create a hosted-checkout order and a card-charge order; get one back', async () => {
    const hosted = answered(
      'createOrder (hosted checkout)',
      'OrderResponse',
      await api.orders.createOrder(
        {
          currency: 'MXN',
          customer_info: buyer,
          line_items: [{ name: 'Taza', unit_price: 1_000, quantity: 1 }],
          metadata: { pagos_check: 'sdk' },
          checkout: {
            type: 'HostedPayment',
            name: 'Taza',
            allowed_payment_methods: ['card', 'cash'],
            success_url: 'https://shop.example.com/ok',
            failure_url: 'https://shop.example.com/fail',
            expires_at: Math.floor(Date.now() / 1000) + 86_400,
          },
        },
        'es',
      ),
    );
    expect(hosted.checkout?.url).toMatch(/\/checkout\//);
    state.hostedId = hosted.id ?? '';
    const card = answered(
      'createOrder (card charge)',
      'OrderResponse',
      await api.orders.createOrder(
        {
          currency: 'MXN',
          customer_info: buyer,
          line_items: [{ name: 'Plato', unit_price: 2_500, quantity: 2 }],
          metadata: { pagos_check: 'sdk-card' },
          charges: [{ payment_method: { type: 'card', token_id: 'tok_test_visa_4242' } }],
        },
        'es',
      ),
    );
    expect(card.payment_status).toBe('paid');
    state.cardId = card.id ?? '';
    const fetched = answered(
      'getOrderById',
      'OrderResponse',
      await api.orders.getOrderById(state.hostedId, 'es', undefined, 'pagos'),
    );
    expect(fetched).toEqual(hosted);
  });

  test('list orders: created_at window, search by email, limit 1 and the next cursor', async () => {
    const now = Math.floor(Date.now() / 1000);
    const page = (next?: string) =>
      api.orders.getOrders(
        'es',
        undefined,
        1,
        buyer.email,
        next,
        undefined,
        undefined,
        undefined,
        undefined,
        now - 600,
        now + 600,
      );
    const first = answered('getOrders (search, window, limit)', 'GetOrdersResponse', await page());
    expect(first.has_more).toBe(true);
    const cursor = new URL(first.next_page_url ?? '').searchParams.get('next') ?? '';
    const second = answered('getOrders (next)', 'GetOrdersResponse', await page(cursor));
    expect([...first.data, ...second.data].map((o) => o.id)).toEqual([state.cardId, state.hostedId]);
    const paid = answered(
      'getOrders (last_payment_info.status)',
      'GetOrdersResponse',
      await api.orders.getOrders('es', undefined, 250, undefined, undefined, undefined, undefined, 'paid'),
    );
    expect(paid.data.map((o) => o.id)).toEqual([state.cardId]);
  });

  test('refund the card order, cancel the hosted one', async () => {
    const refunded = answered(
      'orderRefund',
      'OrderResponse',
      await api.orders.orderRefund(
        state.cardId ?? '',
        { amount: 5_000, reason: 'requested_by_client' },
        'es',
      ),
    );
    expect(refunded.payment_status).toBe('refunded');
    const canceled = answered(
      'cancelOrder',
      'OrderResponse',
      await api.orders.cancelOrder(state.hostedId ?? '', 'es'),
    );
    expect(canceled.payment_status).toBe('canceled');
  });

  test('events: list, get, resend to the webhook', async () => {
    const list = answered('getEvents', 'GetEventsResponse', await api.events.getEvents('es', undefined, 250));
    const types = (list.data ?? []).map((e) => e.type);
    expect(types).toEqual(
      expect.arrayContaining([
        'webhook_ping',
        'order.created',
        'order.paid',
        'order.refunded',
        'order.canceled',
      ]),
    );
    const refundEvent = (list.data ?? []).find((e) => e.type === 'order.refunded');
    const one = answered('getEvent', 'EventResponse', await api.events.getEvent(refundEvent?.id ?? '', 'es'));
    expect(one.id).toBe(refundEvent?.id);
    answered(
      'resendEvent',
      'EventsResendResponse',
      await api.events.resendEvent(one.id ?? '', { webhooks_ids: [state.webhookId ?? ''] }, 'es'),
    );
    const copies = await receiver.waitFor(2, (h) => h.body?.id === one.id);
    expect(copies[1]?.raw.equals(copies[0]?.raw ?? Buffer.alloc(0))).toBe(true);
  });

  test('a declined card is a 402 whose body is a ModelError', async () => {
    const declined = await api.orders
      .createOrder(
        {
          currency: 'MXN',
          customer_info: buyer,
          line_items: [{ name: 'Taza', unit_price: 1_000, quantity: 1 }],
          charges: [{ payment_method: { type: 'card', token_id: 'tok_test_card_declined' } }],
        },
        'es',
      )
      .then(
        () => undefined,
        (error: { response?: { status: number; data: unknown } }) => error.response,
      );
    expect(declined?.status).toBe(402);
    answers.push({ call: 'createOrder (declined)', model: 'ModelError', value: declined?.data });
  });

  test('no call was refused as "not an operation this sandbox serves"', async () => {
    const log = (await (await fetch(`${sandbox.url}/_sandbox/requests`)).json()) as {
      data: { operation_id: string | null; status: number | null }[];
    };
    expect(log.data.length).toBeGreaterThanOrEqual(answers.length);
    expect(log.data.filter((entry) => entry.operation_id === null)).toEqual([]);
  });
});

/** TypeScript diagnostics for `value` typed as each SDK model, one declaration per answer. */
function sdkTypeErrors(values: { call: string; model: string; value: unknown }[]): string[] {
  const file = `${process.cwd()}/tests/integration/__conekta_sdk_answers__.ts`;
  const source = [
    "import type * as Conekta from 'conekta';",
    ...values.map(
      ({ model, value }, i) => `export const a${i}: Conekta.${model} = ${JSON.stringify(value)};`,
    ),
  ].join('\n');
  const options: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    skipLibCheck: true,
    types: [],
  };
  const host = ts.createCompilerHost(options);
  const readSource = host.getSourceFile.bind(host);
  const exists = host.fileExists.bind(host);
  // the checked file exists only in memory
  host.getSourceFile = (name, language, ...rest) =>
    name === file ? ts.createSourceFile(name, source, language) : readSource(name, language, ...rest);
  host.fileExists = (name) => name === file || exists(name);
  const program = ts.createProgram([file], options, host);
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const line = diagnostic.file?.getLineAndCharacterOfPosition(diagnostic.start ?? 0).line ?? 0;
    const call = values[line - 1]?.call ?? '(setup)';
    return `${call}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ')}`;
  });
}

describe("every answer is a value of its SDK model (checked against conekta's own types)", () => {
  test('the check catches an unknown field, a missing required field and a wrong type', () => {
    const errors = sdkTypeErrors([
      { call: 'extra', model: 'CompanyResponse', value: { ...validCompany, colour: 'red' } },
      { call: 'missing', model: 'GetOrdersResponse', value: { object: 'list', data: [] } },
      { call: 'type', model: 'OrderResponse', value: { id: 'ord_1', amount: '10' } },
      { call: 'fine', model: 'CompanyResponse', value: validCompany },
    ]);
    expect(errors).toEqual([
      expect.stringMatching(/^extra: .*colour.*CompanyResponse/),
      expect.stringMatching(/^missing: .*'has_more'/),
      expect.stringMatching(/^type: .*'string' is not assignable to type 'number'/),
    ]);
  }, 60_000);

  test('all answers of this run', () => {
    expect(answers.length).toBeGreaterThanOrEqual(19);
    expect(sdkTypeErrors(answers)).toEqual([]);
  }, 60_000);
});

const validCompany = {
  id: 'c1',
  name: 'n',
  active: true,
  account_status: 'activated',
  onboarding_status: 'completed',
  documents: [],
  created_at: 1,
  object: 'company',
};
