/**
 * lib/config.ts, lib/providers/conekta/config.ts and lib/providers/registry.ts: the settings read
 * from the environment, their defaults, and what a bad one says.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { awsClientSettings, ConfigError, envInteger, readConfig } from '../../lib/config.js';
import { WebhookConfigError } from '../../lib/payments/ports.js';
import { conektaFromEnv } from '../../lib/providers/conekta/config.js';
import { PROVIDERS, providersFrom } from '../../lib/providers/registry.js';

describe('envInteger', () => {
  it('reads a whole number, the fallback when unset or empty', () => {
    expect(envInteger({ N: '42' }, 'N', 7)).toBe(42);
    expect(envInteger({ N: '0' }, 'N', 7)).toBe(0);
    expect(envInteger({}, 'N', 7)).toBe(7);
    expect(envInteger({ N: '' }, 'N', 7)).toBe(7);
  });

  it.each(['-1', '1.5', 'ten', '1e400'])('refuses %p, naming the setting', (raw) => {
    expect(() => envInteger({ N: raw }, 'N', 7)).toThrow(
      new ConfigError(`N must be a whole number, got "${raw}"`),
    );
    expect(() => envInteger({ N: raw }, 'N', 7)).toThrow(ConfigError);
  });
});

describe('awsClientSettings', () => {
  const settings = (requestTimeout: number, connectionTimeout: number) => ({
    maxAttempts: 3,
    requestHandler: { connectionTimeout, requestTimeout, throwOnRequestTimeout: true },
  });

  it('gives a request a fifth of the function’s time, at most 3 s and at least 0.5 s', () => {
    expect(awsClientSettings(10_000)).toEqual(settings(2_000, 1_000));
    expect(awsClientSettings(25_000)).toEqual(settings(3_000, 1_000));
    expect(awsClientSettings(1_000)).toEqual(settings(500, 500));
    expect(awsClientSettings(4_000)).toEqual(settings(800, 800));
  });
});

describe('ConfigError', () => {
  it('is named for logs and for callers that tell errors apart by name', () => {
    expect(new ConfigError('x').name).toBe('ConfigError');
  });
});

describe('readConfig', () => {
  it('has the documented defaults', () => {
    expect(readConfig({})).toEqual({
      stage: 'local',
      paymentsTable: 'pagos-local-payments',
      logLevel: 'info',
      localMode: false,
      functionTimeoutMs: 25_000,
      deadlineMarginMs: 1_500,
      maxBodyBytes: 16 * 1024,
      pagos: {
        leaseMs: 30_000,
        settleMs: 20_000,
        searchSkewSeconds: 300,
        waitForInFlightMs: 3_000,
        pollIntervalMs: 100,
        maxAttempts: 20,
        refundLockMs: 30_000,
        defaultPhone: '5555555555',
        admission: {
          perCredentialPerMinute: 600,
          unknownPerSourcePerMinute: 20,
          refusalMs: 600_000,
          memoryMs: 900_000,
        },
      },
    });
  });

  it('reads every setting from the environment', () => {
    const config = readConfig({
      PAGOS_STAGE: 'prod',
      PAYMENTS_TABLE: 'pagos-prod-payments',
      LOG_LEVEL: 'debug',
      PAGOS_LOCAL_MODE: 'true',
      FUNCTION_TIMEOUT_MS: '10000',
      DEADLINE_MARGIN_MS: '900',
      RECOVERY_SETTLE_MS: '1',
      RECOVERY_SKEW_SECONDS: '2',
      IN_FLIGHT_WAIT_MS: '3',
      IN_FLIGHT_POLL_MS: '4',
      MAX_ATTEMPTS: '5',
      DEFAULT_CUSTOMER_PHONE: '5512345678',
      RATE_LIMIT_PER_KEY_PER_MINUTE: '6',
      RATE_LIMIT_NEW_KEYS_PER_SOURCE_PER_MINUTE: '7',
      REFUSED_KEY_MS: '8',
      KEY_MEMORY_MS: '9',
    });
    expect(config).toEqual({
      stage: 'prod',
      paymentsTable: 'pagos-prod-payments',
      logLevel: 'debug',
      localMode: true,
      functionTimeoutMs: 10_000,
      deadlineMarginMs: 900,
      maxBodyBytes: 16 * 1024,
      pagos: {
        // The lease outlives the function by 5 s unless set; refunds lock as long.
        leaseMs: 15_000,
        settleMs: 1,
        searchSkewSeconds: 2,
        waitForInFlightMs: 3,
        pollIntervalMs: 4,
        maxAttempts: 5,
        refundLockMs: 15_000,
        defaultPhone: '5512345678',
        admission: { perCredentialPerMinute: 6, unknownPerSourcePerMinute: 7, refusalMs: 8, memoryMs: 9 },
      },
    });
  });

  it('takes a lease set on its own, for refunds too', () => {
    expect(readConfig({ CREATE_LEASE_MS: '45000' }).pagos).toMatchObject({
      leaseMs: 45_000,
      refundLockMs: 45_000,
    });
  });

  it('prefers Powertools’ own log level setting', () => {
    expect(readConfig({ POWERTOOLS_LOG_LEVEL: 'WARN', LOG_LEVEL: 'debug' }).logLevel).toBe('WARN');
    expect(readConfig({ POWERTOOLS_LOG_LEVEL: '', LOG_LEVEL: 'error' }).logLevel).toBe('error');
  });

  it('is in local mode only for exactly "true", and empty settings mean the default', () => {
    expect(readConfig({ PAGOS_LOCAL_MODE: 'TRUE' }).localMode).toBe(false);
    expect(readConfig({ PAGOS_LOCAL_MODE: '1' }).localMode).toBe(false);
    expect(readConfig({ PAGOS_STAGE: '', PAYMENTS_TABLE: '', DEFAULT_CUSTOMER_PHONE: '' })).toMatchObject({
      stage: 'local',
      paymentsTable: 'pagos-local-payments',
      pagos: { defaultPhone: '5555555555' },
    });
  });

  it('refuses a bad number at start, not at the first request', () => {
    expect(() => readConfig({ MAX_ATTEMPTS: 'many' })).toThrow(
      'MAX_ATTEMPTS must be a whole number, got "many"',
    );
  });
});

describe('conektaFromEnv', () => {
  const calls: { url: string; headers: Record<string, string>; body: unknown }[] = [];
  // The transport the provider is given (node:https otherwise): each test may swap it.
  let transport: typeof fetch;
  const fromEnv = (env: NodeJS.ProcessEnv) =>
    conektaFromEnv(env, { fetch: (url, request) => transport(url, request as RequestInit) });
  beforeEach(() => {
    calls.length = 0;
    transport = (async (url: URL | string, init?: RequestInit) => {
      calls.push({
        url: String(url),
        headers: init?.headers as Record<string, string>,
        body: init?.body && JSON.parse(String(init.body)),
      });
      return new Response(
        JSON.stringify({
          id: 'ord_1',
          amount: 100,
          currency: 'MXN',
          created_at: 1,
          metadata: {},
          has_more: false,
          data: [],
        }),
        { status: 200 },
      );
    }) as typeof fetch;
  });

  const order = {
    tag: { merchant: 'conekta:co:test', referenceId: 'pedido-1', attemptId: 'att_1' },
    amountCents: 100,
    currency: 'MXN',
    customer: { name: 'a b', email: 'a@b.co', phone: '5555555555' },
    lineItems: [{ name: 'pedido-1', unitPriceCents: 100, quantity: 1 }],
    metadata: {},
    idempotencyKey: 'k',
    deadline: Date.now() + 60_000,
    returnUrl: 'https://shop.example.com/back',
    expiresAt: 1,
    allowedPaymentMethods: ['card' as const],
    monthlyInstallments: false,
  };

  it('talks to api.conekta.io with API 2.3.0 and the legacy return path by default', async () => {
    const provider = fromEnv({});
    expect(provider.name).toBe('conekta');
    await provider.createHostedCheckout({ secret: 'key_1' }, order);
    expect(calls[0]!.url).toBe('https://api.conekta.io/orders');
    expect(calls[0]!.headers.accept).toBe('application/vnd.conekta-v2.3.0+json');
    expect(calls[0]!.body).toMatchObject({
      checkout: { success_url: 'https://shop.example.com/back/conekta/conekta_order' },
    });
  });

  it('reads the URL, version, return path, timeout and search bound from the environment', async () => {
    const provider = fromEnv({
      CONEKTA_API_URL: 'http://127.0.0.1:9999',
      CONEKTA_API_VERSION: '2.1.0',
      CONEKTA_RETURN_PATH: '/done',
      CONEKTA_TIMEOUT_MS: '8000',
      CONEKTA_SEARCH_MAX_PAGES: '1',
    });
    await provider.createHostedCheckout({ secret: 'key_1' }, order);
    expect(calls[0]!.url).toBe('http://127.0.0.1:9999/orders');
    expect(calls[0]!.headers.accept).toBe('application/vnd.conekta-v2.1.0+json');
    expect(calls[0]!.body).toMatchObject({ checkout: { success_url: 'https://shop.example.com/back/done' } });
  });

  it('reads at most CONEKTA_SEARCH_MAX_PAGES pages in a recovery search', async () => {
    // Every list page says there is more.
    transport = (async (url: URL | string) => {
      calls.push({ url: String(url), headers: {}, body: undefined });
      return new Response(
        JSON.stringify({ has_more: true, data: [{ id: `ord_${calls.length}`, metadata: {} }] }),
        { status: 200 },
      );
    }) as typeof fetch;
    const search = { tag: order.tag, createdFrom: 0, createdTo: 1, deadline: Date.now() + 60_000 };
    expect(
      (await fromEnv({ CONEKTA_SEARCH_MAX_PAGES: '2' }).findAttemptOrders({ secret: 'key_1' }, search))
        .complete,
    ).toBe(false);
    expect(calls).toHaveLength(2);
    calls.length = 0;
    await fromEnv({}).findAttemptOrders({ secret: 'key_1' }, search);
    expect(calls).toHaveLength(8);
  });

  it('treats empty settings as unset', async () => {
    const provider = fromEnv({
      CONEKTA_API_URL: '',
      CONEKTA_API_VERSION: '',
      CONEKTA_RETURN_PATH: '',
    });
    await provider.createHostedCheckout({ secret: 'key_1' }, order);
    expect(calls[0]!.url).toBe('https://api.conekta.io/orders');
    expect(calls[0]!.headers.accept).toBe('application/vnd.conekta-v2.3.0+json');
  });

  it('reads the webhook keys at each verification: a new key needs no restart', () => {
    const env: NodeJS.ProcessEnv = {};
    const provider = fromEnv(env);
    expect(() => provider.webhooks.verify(Buffer.from('{}'), { digest: 'x' })).toThrow(WebhookConfigError);
    env.CONEKTA_WEBHOOK_PUBLIC_KEYS = 'not a key';
    expect(() => provider.webhooks.verify(Buffer.from('{}'), { digest: 'x' })).toThrow(
      'CONEKTA_WEBHOOK_PUBLIC_KEYS',
    );
    // A real key set later verifies with no new provider.
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    env.CONEKTA_WEBHOOK_PUBLIC_KEYS = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const body = Buffer.from('{"type":"webhook_ping"}');
    const digest = sign('sha256', body, privateKey).toString('base64');
    expect(provider.webhooks.verify(body, { digest })).toMatchObject({ ok: true });
  });

  it('refuses a bad timeout at start', () => {
    expect(() => fromEnv({ CONEKTA_TIMEOUT_MS: 'soon' })).toThrow(ConfigError);
  });
});

describe('the provider registry', () => {
  it('registers Conekta by the name storefronts send', () => {
    expect(Object.keys(PROVIDERS)).toEqual(['conekta']);
    expect(providersFrom({}).conekta!.name).toBe('conekta');
  });

  it('builds each registered provider from the environment', () => {
    const seen: NodeJS.ProcessEnv[] = [];
    const env = { X: '1' };
    const built = providersFrom(env, {
      one: (e) => {
        seen.push(e);
        return { name: 'one' } as never;
      },
      two: () => ({ name: 'two' }) as never,
    });
    expect(Object.fromEntries(Object.entries(built).map(([k, p]) => [k, p.name]))).toEqual({
      one: 'one',
      two: 'two',
    });
    expect(seen).toEqual([env]);
  });
});
