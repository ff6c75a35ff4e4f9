/**
 * lib/providers/conekta/client.ts, driven through an injected fetch: what goes on the wire, how
 * every answer and failure reads (whether Conekta may have acted), and the one retry an
 * idempotent GET gets. No network but one refused loopback connection (the default transport).
 */
import { jest } from '@jest/globals';
import { ProviderError } from '../../lib/payments/provider-errors.js';
import {
  ConektaClient,
  type ConektaClientConfig,
  type ErrorBodyReader,
} from '../../lib/providers/conekta/client.js';

type Call = { url: URL; init: RequestInit };

/** A fetch that records each call and answers from the queue (a Response, or an error to throw). */
function fakeFetch(...answers: (Response | Error | (() => Response))[]) {
  const calls: Call[] = [];
  const fetch = (async (url: URL | string, init?: RequestInit) => {
    calls.push({ url: new URL(String(url)), init: init ?? {} });
    const next = answers.shift();
    if (next === undefined) throw new Error('no answer queued');
    if (next instanceof Error) throw next;
    return typeof next === 'function' ? next() : next;
  }) as typeof globalThis.fetch;
  return { fetch, calls };
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

const clientWith = (
  fetch: typeof globalThis.fetch,
  readErrorBody?: ErrorBodyReader,
  config: Partial<ConektaClientConfig> = {},
) =>
  new ConektaClient(
    { baseUrl: 'https://api.conekta.test', apiVersion: '2.3.0', timeoutMs: 4_000, fetch, ...config },
    readErrorBody,
  );

const later = (ms = 10_000) => Date.now() + ms;

const failureOf = async (promise: Promise<unknown>): Promise<ProviderError> => {
  const error = await promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (e: unknown) => e,
  );
  if (!(error instanceof ProviderError)) throw error;
  return error;
};

const connectionError = (code: string) => Object.assign(new TypeError('fetch failed'), { cause: { code } });
const named = (name: string) => Object.assign(new Error(name), { name });

describe('ConektaClient: the request on the wire', () => {
  it('sends a GET with its query, the API version, Spanish, the key, and no body', async () => {
    const { fetch, calls } = fakeFetch(json(200, { id: 'ord_1' }));
    const answer = await clientWith(fetch).send('key_abc', {
      method: 'GET',
      path: '/orders',
      query: { limit: 250, 'created_at.gte': 1_800_000_000, search: undefined },
      deadline: later(),
    });
    expect(answer).toEqual({ id: 'ord_1' });
    expect(calls).toHaveLength(1);
    const [{ url, init }] = calls as [Call];
    expect(url.origin + url.pathname).toBe('https://api.conekta.test/orders');
    expect([...url.searchParams.entries()]).toEqual([
      ['limit', '250'],
      ['created_at.gte', '1800000000'],
    ]);
    expect(init.method).toBe('GET');
    expect(init.headers).toEqual({
      accept: 'application/vnd.conekta-v2.3.0+json',
      'accept-language': 'es',
      authorization: 'Bearer key_abc',
    });
    expect(init).not.toHaveProperty('body');
    // A redirect is never followed (the key would go with it), and every call is bounded.
    expect(init.redirect).toBe('error');
    expect(init.signal).toBeInstanceOf(AbortSignal);
  });

  it('sends a POST body as JSON, with its idempotency key', async () => {
    const { fetch, calls } = fakeFetch(json(200, { id: 'ord_1' }));
    await clientWith(fetch).send('key_abc', {
      method: 'POST',
      path: '/orders/ord_1/refunds',
      body: { amount: 100, reason: 'requested_by_client' },
      idempotencyKey: 'pagos-rf_1',
      deadline: later(),
    });
    const [{ url, init }] = calls as [Call];
    expect(url.href).toBe('https://api.conekta.test/orders/ord_1/refunds');
    expect(init.method).toBe('POST');
    expect(init.body).toBe('{"amount":100,"reason":"requested_by_client"}');
    expect(init.headers).toMatchObject({
      'content-type': 'application/json',
      'idempotency-key': 'pagos-rf_1',
    });
  });

  it('sends no content type without a body and no idempotency key when none is given', async () => {
    const { fetch, calls } = fakeFetch(json(200, {}));
    await clientWith(fetch).send('key_abc', {
      method: 'POST',
      path: '/orders/ord_1/cancel',
      idempotencyKey: '',
      deadline: later(),
    });
    expect(Object.keys(calls[0]!.init.headers as object).sort()).toEqual([
      'accept',
      'accept-language',
      'authorization',
    ]);
  });

  it('calls nothing when too little time is left before the deadline: a timeout that did nothing', async () => {
    const { fetch, calls } = fakeFetch(json(200, {}));
    const error = await failureOf(
      clientWith(fetch).send('key_abc', { method: 'POST', path: '/orders', deadline: later(200) }),
    );
    expect(error).toMatchObject({ provider: 'conekta', failure: 'timeout', outcome: 'not_processed' });
    expect(calls).toHaveLength(0);
  });

  it('calls when just enough time is left', async () => {
    const { fetch, calls } = fakeFetch(json(200, { ok: true }));
    expect(
      await clientWith(fetch).send('key_abc', { method: 'POST', path: '/orders', deadline: later(1_000) }),
    ).toEqual({ ok: true });
    expect(calls).toHaveLength(1);
  });

  it('uses its node:https transport, not the global fetch, unless one is injected', async () => {
    const original = globalThis.fetch;
    const { fetch, calls } = fakeFetch(json(200, { global: true }));
    globalThis.fetch = fetch;
    try {
      // Loopback port 1: nothing listens, so the default transport's refusal is the answer.
      const client = new ConektaClient({
        baseUrl: 'http://127.0.0.1:1',
        apiVersion: '2.3.0',
        timeoutMs: 4_000,
      });
      const error = await failureOf(
        client.send('key_abc', { method: 'POST', path: '/orders', body: {}, deadline: later() }),
      );
      expect(error).toMatchObject({ failure: 'unavailable', outcome: 'not_processed' });
      expect(error.message).toContain('ECONNREFUSED');
      expect(calls).toHaveLength(0);
    } finally {
      globalThis.fetch = original;
    }
  });
});

describe('ConektaClient: answers', () => {
  it('reads a 2xx answer that is not JSON as unavailable: Conekta may have acted', async () => {
    const { fetch } = fakeFetch(new Response('<html>ok</html>', { status: 200 }));
    const error = await failureOf(
      clientWith(fetch).send('key_abc', { method: 'POST', path: '/orders', deadline: later() }),
    );
    expect(error).toMatchObject({ failure: 'unavailable', outcome: 'unknown', info: { status: 200 } });
    expect(error.message).toBe('Conekta answered with a body that is not JSON.');
    expect(error.cause).toBeInstanceOf(SyntaxError);
  });

  it.each([
    [400, 'validation', 'not_processed'],
    [401, 'authentication', 'not_processed'],
    [402, 'declined', 'not_processed'],
    [403, 'authentication', 'not_processed'],
    [404, 'not_found', 'not_processed'],
    [409, 'precondition', 'not_processed'],
    [422, 'validation', 'not_processed'],
    [428, 'precondition', 'not_processed'],
    [429, 'rate_limited', 'not_processed'],
    [418, 'unavailable', 'unknown'],
    [500, 'unavailable', 'unknown'],
    [502, 'unavailable', 'unknown'],
    [503, 'unavailable', 'unknown'],
  ] as const)('reads HTTP %i as %s, outcome %s', async (status, failure, outcome) => {
    const body = { type: 'some_error', log_id: 'log_1', details: [{ code: 'x', message: 'y' }] };
    const { fetch } = fakeFetch(json(status, body));
    const error = await failureOf(
      clientWith(fetch).send('key_abc', { method: 'POST', path: '/orders', deadline: later() }),
    );
    expect(error).toMatchObject({
      provider: 'conekta',
      failure,
      outcome,
      message: `Conekta answered ${status} some_error`,
      info: { status, type: 'some_error', logId: 'log_1', details: [{ code: 'x', message: 'y' }] },
    });
  });

  it('reads an error answer that is not JSON by its status alone', async () => {
    const { fetch } = fakeFetch(new Response('<html>Bad gateway</html>', { status: 404 }));
    const error = await failureOf(
      clientWith(fetch).send('key_abc', { method: 'GET', path: '/orders/x', deadline: later() }),
    );
    expect(error.message).toBe('Conekta answered 404');
    expect(error.info).toEqual({ status: 404, details: [] });
  });

  it.each(['null', '42', '"text"', 'true'])(
    'reads an error body %s that is no object as an empty one, and gives the reader an empty one',
    async (text) => {
      // The reader is typed to get an object: a primitive would break `'details' in body` and the like.
      const seen: unknown[] = [];
      const reader: ErrorBodyReader = (_status, body) => {
        seen.push(body);
        return {};
      };
      const { fetch } = fakeFetch(new Response(text, { status: 422 }));
      const error = await failureOf(
        clientWith(fetch, reader).send('key_abc', { method: 'POST', path: '/orders', deadline: later() }),
      );
      expect(error).toMatchObject({
        failure: 'validation',
        message: 'Conekta answered 422',
        info: { status: 422, details: [] },
      });
      expect(seen).toEqual([{}]);
    },
  );

  it('passes a null log id through, and details only when they are a list', async () => {
    const { fetch } = fakeFetch(json(400, { log_id: null, details: 'not a list' }));
    const error = await failureOf(
      clientWith(fetch).send('key_abc', { method: 'POST', path: '/orders', deadline: later() }),
    );
    expect(error.info).toEqual({ status: 400, logId: null, details: [] });
  });

  it('lets the provider read what an error body adds: another failure, an outcome, the order a refusal made', async () => {
    const order = { orderId: 'ord_declined' } as never;
    const seen: unknown[] = [];
    const reader: ErrorBodyReader = (status, body) => {
      seen.push([status, body]);
      return { failure: 'token_used', outcome: 'unknown', order };
    };
    const { fetch } = fakeFetch(json(402, { type: 'processing_error', details: [] }));
    const error = await failureOf(
      clientWith(fetch, reader).send('key_abc', { method: 'POST', path: '/orders', deadline: later() }),
    );
    expect(seen).toEqual([[402, { type: 'processing_error', details: [] }]]);
    expect(error).toMatchObject({ failure: 'token_used', outcome: 'unknown', info: { order } });
  });
});

describe('ConektaClient: transport failures', () => {
  it.each(['TimeoutError', 'AbortError'])(
    'reads %s as a timeout after which Conekta may have acted',
    async (name) => {
      const { fetch } = fakeFetch(named(name));
      const error = await failureOf(
        clientWith(fetch).send('key_abc', { method: 'POST', path: '/orders', deadline: later() }),
      );
      expect(error).toMatchObject({
        failure: 'timeout',
        outcome: 'unknown',
        message: 'Conekta did not answer within 4000 ms.',
      });
      expect(error.cause).toMatchObject({ name });
    },
  );

  it('bounds the call by the deadline when it comes before the configured timeout', async () => {
    const { fetch } = fakeFetch(named('TimeoutError'));
    const error = await failureOf(
      clientWith(fetch, undefined, { timeoutMs: 60_000 }).send('key_abc', {
        method: 'POST',
        path: '/orders',
        deadline: later(5_000),
      }),
    );
    const ms = Number(/within (\d+) ms/.exec(error.message)?.[1]);
    expect(ms).toBeLessThanOrEqual(5_000);
    expect(ms).toBeGreaterThan(1_000);
  });

  it.each(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH'])(
    'reads %s as unavailable and never sent',
    async (code) => {
      const { fetch } = fakeFetch(connectionError(code));
      const error = await failureOf(
        clientWith(fetch).send('key_abc', { method: 'POST', path: '/orders', deadline: later() }),
      );
      expect(error).toMatchObject({
        failure: 'unavailable',
        outcome: 'not_processed',
        message: `Could not reach Conekta (${code}).`,
      });
    },
  );

  it.each(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET'])(
    'reads %s as unavailable after Conekta may have acted',
    async (code) => {
      const { fetch } = fakeFetch(connectionError(code));
      const error = await failureOf(
        clientWith(fetch).send('key_abc', { method: 'POST', path: '/orders', deadline: later() }),
      );
      expect(error).toMatchObject({
        failure: 'unavailable',
        outcome: 'unknown',
        message: `Could not reach Conekta (${code}).`,
      });
    },
  );

  it('names an error without a code by its name, and a thrown non-error too', async () => {
    const { fetch } = fakeFetch(new TypeError('bad'));
    const error = await failureOf(
      clientWith(fetch).send('key_abc', { method: 'POST', path: '/orders', deadline: later() }),
    );
    expect(error).toMatchObject({ outcome: 'unknown', message: 'Could not reach Conekta (TypeError).' });
    const thrower = (async () => {
      throw null;
    }) as unknown as typeof globalThis.fetch;
    const nothing = await failureOf(
      clientWith(thrower).send('key_abc', { method: 'POST', path: '/orders', deadline: later() }),
    );
    expect(nothing).toMatchObject({
      failure: 'unavailable',
      outcome: 'unknown',
      message: 'Could not reach Conekta ().',
    });
  });

  it('reads a body that fails while being read like a lost connection', async () => {
    const broken = () =>
      Object.assign(new Response('{}', { status: 200 }), {
        text: async () => {
          throw connectionError('ECONNRESET');
        },
      });
    const { fetch } = fakeFetch(broken);
    const error = await failureOf(
      clientWith(fetch).send('key_abc', { method: 'POST', path: '/orders', deadline: later() }),
    );
    expect(error).toMatchObject({ failure: 'unavailable', outcome: 'unknown' });
  });
});

describe('ConektaClient: one retry, for an idempotent GET only', () => {
  it.each([
    ['a 5xx', () => json(503, {})],
    ['a 429', () => json(429, {})],
    ['a timeout', () => named('TimeoutError')],
    ['a lost connection', () => connectionError('ECONNRESET')],
  ])('retries a GET once after %s', async (_what, failure) => {
    const { fetch, calls } = fakeFetch(failure(), json(200, { id: 'ord_1' }));
    expect(
      await clientWith(fetch).send('key_abc', { method: 'GET', path: '/orders/ord_1', deadline: later() }),
    ).toEqual({ id: 'ord_1' });
    expect(calls).toHaveLength(2);
  });

  it('retries only once', async () => {
    const { fetch, calls } = fakeFetch(json(503, {}), json(503, {}), json(200, {}));
    const error = await failureOf(
      clientWith(fetch).send('key_abc', { method: 'GET', path: '/orders/ord_1', deadline: later() }),
    );
    expect(error.failure).toBe('unavailable');
    expect(calls).toHaveLength(2);
  });

  it('never sends a POST twice: it may have reached Conekta', async () => {
    const { fetch, calls } = fakeFetch(json(503, {}), json(200, {}));
    await failureOf(
      clientWith(fetch).send('key_abc', { method: 'POST', path: '/orders', deadline: later() }),
    );
    expect(calls).toHaveLength(1);
  });

  it.each([
    [404, 'not_found'],
    [401, 'authentication'],
    [400, 'validation'],
  ])('does not retry a GET Conekta refused (%i)', async (status, failure) => {
    const { fetch, calls } = fakeFetch(json(status, {}), json(200, {}));
    expect(
      (await failureOf(clientWith(fetch).send('key_abc', { method: 'GET', path: '/x', deadline: later() })))
        .failure,
    ).toBe(failure);
    expect(calls).toHaveLength(1);
  });

  it('retries a GET whose answer was not JSON (a proxy’s page, say): reading again is safe', async () => {
    const { fetch, calls } = fakeFetch(new Response('nope', { status: 200 }), json(200, { id: 'x' }));
    expect(await clientWith(fetch).send('key_abc', { method: 'GET', path: '/x', deadline: later() })).toEqual(
      { id: 'x' },
    );
    expect(calls).toHaveLength(2);
  });

  it('does not retry when less than half the call timeout is left before the deadline', async () => {
    const { fetch, calls } = fakeFetch(json(503, {}), json(200, {}));
    await failureOf(
      clientWith(fetch, undefined, { timeoutMs: 8_000 }).send('key_abc', {
        method: 'GET',
        path: '/x',
        deadline: later(3_000),
      }),
    );
    expect(calls).toHaveLength(1);
  });

  it('does not retry a failure that is no provider failure', async () => {
    const reader: ErrorBodyReader = () => {
      throw new RangeError('reader broke');
    };
    const { fetch, calls } = fakeFetch(json(503, {}), json(200, {}));
    await expect(
      clientWith(fetch, reader).send('key_abc', { method: 'GET', path: '/x', deadline: later() }),
    ).rejects.toThrow('reader broke');
    expect(calls).toHaveLength(1);
  });
});

describe('ConektaClient: the retry’s time rule and the deadline message', () => {
  it('retries while more than half the call timeout is left', async () => {
    const { fetch, calls } = fakeFetch(json(503, {}), json(200, { id: 'ord_1' }));
    // 7 s left, calls of at most 4 s: half of one (2 s) is left, so the GET is tried again.
    await clientWith(fetch).send('key_abc', { method: 'GET', path: '/orders/ord_1', deadline: later(7_000) });
    expect(calls).toHaveLength(2);
  });

  it('says why it did not call when no time was left', async () => {
    const { fetch } = fakeFetch(json(200, {}));
    const error = await failureOf(
      clientWith(fetch).send('key_abc', { method: 'GET', path: '/x', deadline: later(100) }),
    );
    expect(error.message).toBe('No time was left to call Conekta before this request’s deadline.');
  });
});

describe('ConektaClient: the time boundaries, on a stopped clock', () => {
  // Date.now() is held still so "time left" is exact: the only clock the client reads.
  const now = 1_800_000_000_000;
  beforeEach(() => {
    jest.spyOn(Date, 'now').mockReturnValue(now);
  });
  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('calls with exactly 250 ms left (the time kept for the caller), not with 249', async () => {
    const enough = fakeFetch(json(200, { ok: true }));
    expect(
      await clientWith(enough.fetch).send('key_abc', {
        method: 'POST',
        path: '/orders',
        deadline: now + 250,
      }),
    ).toEqual({ ok: true });
    expect(enough.calls).toHaveLength(1);
    const short = fakeFetch(json(200, { ok: true }));
    const error = await failureOf(
      clientWith(short.fetch).send('key_abc', { method: 'POST', path: '/orders', deadline: now + 249 }),
    );
    expect(error).toMatchObject({ failure: 'timeout', outcome: 'not_processed' });
    expect(short.calls).toHaveLength(0);
  });

  it('calls with a configured call timeout of exactly 250 ms', async () => {
    const { fetch, calls } = fakeFetch(json(200, { ok: true }));
    await clientWith(fetch, undefined, { timeoutMs: 250 }).send('key_abc', {
      method: 'GET',
      path: '/x',
      deadline: now + 10_000,
    });
    expect(calls).toHaveLength(1);
  });

  it('retries a GET only with more than half the call timeout left: exactly half is not enough', async () => {
    // Calls of at most 4 s: 2 001 ms left allows the retry, 2 000 ms does not.
    const more = fakeFetch(json(503, {}), json(200, { id: 'ord_1' }));
    await clientWith(more.fetch).send('key_abc', { method: 'GET', path: '/x', deadline: now + 2_001 });
    expect(more.calls).toHaveLength(2);
    const half = fakeFetch(json(503, {}), json(200, { id: 'ord_1' }));
    const error = await failureOf(
      clientWith(half.fetch).send('key_abc', { method: 'GET', path: '/x', deadline: now + 2_000 }),
    );
    expect(error.failure).toBe('unavailable');
    expect(half.calls).toHaveLength(1);
  });
});
