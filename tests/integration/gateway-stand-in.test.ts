/**
 * The HTTP API stand-in itself (tests/support/gateway): the events it builds, how it maps results,
 * how it runs functions (warm, frozen, timed out, crashed, throttled) and where it answers itself.
 * Functions here are tests/support/gateway/fixtures/probe.ts in real child processes.
 */
import { GatewayAnswers } from '../support/gateway/answers.js';
import { sendRaw } from '../support/gateway/client.js';
import {
  bodyIsText,
  buildEvent,
  clfTime,
  gatherHeaders,
  queryParameters,
} from '../support/gateway/events.js';
import { answerFromResult } from '../support/gateway/results.js';
import { routeTable } from '../support/gateway/routes.js';
import { type Gateway, startGateway } from '../support/gateway/server.js';
import { tokenBucket } from '../support/gateway/throttle.js';

const PROBE = 'tests/support/gateway/fixtures/probe.ts';
const MiB = 1024 * 1024;

describe('the event (payload format 2.0)', () => {
  it.each([
    ['text/plain', true],
    ['text/html; charset=iso-8859-1', true],
    ['application/json', true],
    ['APPLICATION/JSON; charset=utf-8', true],
    ['application/xml', true],
    ['application/javascript', true],
    [undefined, false],
    ['', false],
    ['application/x-www-form-urlencoded', false],
    ['application/octet-stream', false],
    ['application/vnd.api+json', false],
    ['multipart/form-data; boundary=x', false],
    ['application/json,application/json', false],
  ])('a body sent as %p arrives as text: %p', (contentType, text) => {
    expect(bodyIsText(contentType)).toBe(text);
  });

  it('lower-cases names, joins repeated headers with commas and moves every cookie to `cookies`', () => {
    const { headers, cookies } = gatherHeaders([
      'Content-Type',
      'application/json',
      'X-Tag',
      'a',
      'Cookie',
      'session=1; theme=dark',
      'x-tag',
      'b',
      'cookie',
      'late=2',
    ]);
    expect(headers).toEqual({ 'content-type': 'application/json', 'x-tag': 'a,b' });
    expect(cookies).toEqual(['session=1', 'theme=dark', 'late=2']);
  });

  it('joins a repeated query key with commas, decoded; no query, no parameters', () => {
    expect(queryParameters('a=1&a=2&b=x%20y&c=')).toEqual({ a: '1,2', b: 'x y', c: '' });
    expect(queryParameters('')).toBeUndefined();
  });

  it('writes requestContext.time in Common Log Format, UTC', () => {
    expect(clfTime(new Date(Date.UTC(2020, 2, 12, 19, 3, 58)))).toBe('12/Mar/2020:19:03:58 +0000');
  });

  it('has no body and isBase64Encoded false for an empty body, base64 for a binary one', () => {
    const request = (body: Buffer, headers: string[] = []) => ({
      method: 'POST',
      url: '/pagos',
      httpVersion: '1.1',
      rawHeaders: headers,
      body,
      sourceIp: '203.0.113.9',
    });
    const empty = buildEvent(request(Buffer.alloc(0)), { routeKey: 'POST /pagos' }, 'id1');
    expect(empty).not.toHaveProperty('body');
    expect(empty.isBase64Encoded).toBe(false);
    expect(empty).not.toHaveProperty('queryStringParameters');
    expect(empty).not.toHaveProperty('pathParameters');
    const binary = buildEvent(request(Buffer.from('{"a":1}')), { routeKey: 'POST /pagos' }, 'id2');
    expect(binary).toMatchObject({ body: Buffer.from('{"a":1}').toString('base64'), isBase64Encoded: true });
    expect(binary.requestContext).toMatchObject({ stage: '$default', http: { sourceIp: '203.0.113.9' } });
    expect(binary.headers['x-forwarded-for']).toBe('203.0.113.9');
  });
});

describe('results (payload format 2.0)', () => {
  const text = (answer: ReturnType<typeof answerFromResult>) => answer?.body.toString('utf8');

  it('a result without statusCode is a 200 application/json whose body is the result', () => {
    const object = answerFromResult({ message: 'hola' });
    expect(object).toMatchObject({ status: 200, headers: [['content-type', 'application/json']] });
    expect(text(object)).toBe('{"message":"hola"}');
    expect(text(answerFromResult('Hello from Lambda!'))).toBe('Hello from Lambda!');
    expect(text(answerFromResult(undefined))).toBe('null');
  });

  it('statusCode, headers, cookies (one set-cookie each) and a base64 body', () => {
    const answer = answerFromResult({
      statusCode: 201,
      headers: { 'X-Id': 7 },
      cookies: ['a=1; Secure', 'b=2'],
      body: Buffer.from('hi').toString('base64'),
      isBase64Encoded: true,
    });
    expect(answer?.status).toBe(201);
    expect(answer?.headers).toEqual([
      ['x-id', '7'],
      ['set-cookie', 'a=1; Secure'],
      ['set-cookie', 'b=2'],
    ]);
    expect(text(answer)).toBe('hi');
  });

  it.each([
    { statusCode: '200' },
    { statusCode: 42 },
    { statusCode: 200, body: { not: 'a string' } },
    { statusCode: 200, headers: { x: { nested: true } } },
    { statusCode: 200, cookies: 'a=1' },
  ])('%p cannot be an answer (the gateway answers 500)', (result) => {
    expect(answerFromResult(result)).toBeUndefined();
  });
});

describe('routes and throttling', () => {
  it('captures {param} segments and a greedy {proxy+}; the most specific route wins', () => {
    const table = routeTable(['POST /pagos', 'POST /pagos/{provider}', 'ANY /files/{path+}', 'GET /files/x']);
    expect(table.match('POST', '/pagos')).toEqual({ routeKey: 'POST /pagos' });
    expect(table.match('POST', '/pagos/conekta')).toEqual({
      routeKey: 'POST /pagos/{provider}',
      pathParameters: { provider: 'conekta' },
    });
    expect(table.match('DELETE', '/files/a/b%20c')).toEqual({
      routeKey: 'ANY /files/{path+}',
      pathParameters: { path: 'a/b c' },
    });
    expect(table.match('GET', '/files/x')).toEqual({ routeKey: 'GET /files/x' });
    expect(table.match('GET', '/pagos')).toBeUndefined();
  });

  it('a token bucket: the burst at once, then the rate per second', () => {
    let now = 0;
    const bucket = tokenBucket({ rateLimit: 2, burstLimit: 3 }, () => now);
    expect([bucket.take(), bucket.take(), bucket.take(), bucket.take()]).toEqual([true, true, true, false]);
    now = 499;
    expect(bucket.take()).toBe(false);
    now = 500;
    expect(bucket.take()).toBe(true);
  });
});

describe('over HTTP, with functions in child processes', () => {
  let gateway: Gateway;
  const call = async (route: string, action: string, init: RequestInit & { query?: string } = {}) => {
    const response = await fetch(`${gateway.url}/${route}/${action}${init.query ?? ''}`, init);
    const text = await response.text();
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {}
    // biome-ignore lint/suspicious/noExplicitAny: probe answers
    return { status: response.status, headers: response.headers, text, json: json as any };
  };
  const probe = (action: string, init?: RequestInit & { query?: string }) => call('probe', action, init);
  const slow = (action: string, init?: RequestInit & { query?: string }) => call('slow', action, init);
  const last = (route = 'ANY /probe/{action}') => gateway.invocations(route).slice(-1)[0]!;

  beforeAll(async () => {
    gateway = await startGateway({
      routes: {
        'ANY /probe/{action}': { module: PROBE, timeoutMs: 600, concurrency: 2, env: { PROBE: 'yes' } },
        // Its timeout is past the gateway's integration timeout.
        'ANY /slow/{action}': { module: PROBE, timeoutMs: 3000, concurrency: 1 },
        'GET /limited': {
          module: PROBE,
          timeoutMs: 1000,
          concurrency: 1,
          throttle: { rateLimit: 0.001, burstLimit: 1 },
        },
      },
      env: { PROBE: 'gateway-wide', SHARED: '1' },
      integrationTimeoutMs: 1000,
    });
  });
  afterAll(() => gateway?.stop());

  it('the function sees the gateway event: joined headers, cookies, query, path parameters, request id', async () => {
    const sent = await sendRaw(
      `${gateway.url}/probe/event?tag=a&tag=b`,
      'POST',
      [
        ['content-type', 'application/json'],
        ['x-tag', '1'],
        ['x-tag', '2'],
        ['cookie', 'a=1; b=2'],
        ['cookie', 'c=3'],
      ],
      '{"hola":true}',
    );
    const answer = { status: sent.status, headers: sent.headers, json: JSON.parse(sent.text) };
    expect(answer.status).toBe(200);
    expect(answer.json).toMatchObject({
      version: '2.0',
      routeKey: 'ANY /probe/{action}',
      rawPath: '/probe/event',
      rawQueryString: 'tag=a&tag=b',
      cookies: ['a=1', 'b=2', 'c=3'],
      headers: { 'content-type': 'application/json', 'x-tag': '1,2', 'x-forwarded-proto': 'https' },
      queryStringParameters: { tag: 'a,b' },
      pathParameters: { action: 'event' },
      requestContext: {
        stage: '$default',
        http: { method: 'POST', path: '/probe/event', protocol: 'HTTP/1.1' },
      },
      body: '{"hola":true}',
      isBase64Encoded: false,
    });
    expect(answer.json.headers).not.toHaveProperty('cookie');
    expect(answer.json.requestContext.time).toMatch(/^\d\d\/[A-Z][a-z]{2}\/\d{4}:\d\d:\d\d:\d\d \+0000$/);
    expect(answer.headers['apigw-requestid']).toBe(answer.json.requestContext.requestId);
  });

  it('a body without a content type arrives base64-encoded', async () => {
    const answer = await probe('event', { method: 'POST', body: new Uint8Array(Buffer.from('{"a":1}')) });
    expect(answer.json).toMatchObject({ body: 'eyJhIjoxfQ==', isBase64Encoded: true });
    expect(answer.json.headers).not.toHaveProperty('content-type');
  });

  it('maps the result: status, cookies as set-cookie headers, a base64 body decoded', async () => {
    const result = { statusCode: 201, cookies: ['a=1', 'b=2'], body: 'aGk=', isBase64Encoded: true };
    const answer = await probe('raw', { method: 'POST', body: JSON.stringify(result) });
    expect(answer.status).toBe(201);
    expect(answer.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(answer.text).toBe('hi');
    const inferred = await probe('raw', { method: 'POST', body: '{"no":"statusCode"}' });
    expect(inferred).toMatchObject({ status: 200, text: '{"no":"statusCode"}' });
    expect(inferred.headers.get('content-type')).toBe('application/json');
  });

  it('keeps an environment warm: the same process, module state kept, one cold start', async () => {
    const first = await probe('state');
    const second = await probe('state');
    expect(second.json.pid).toBe(first.json.pid);
    expect(second.json.startedAt).toBe(first.json.startedAt);
    expect(second.json.invocations).toBe(first.json.invocations + 1);
    expect(last().coldStart).toBe(false);
  });

  it('passes a Lambda context counting down from the timeout, and the function environment', async () => {
    const answer = await probe('context', { query: '?ms=100' });
    expect(answer.json.awsRequestId).toBe(last().awsRequestId);
    expect(answer.json.functionName).toBe('gateway-ANY-probe-action');
    expect(answer.json.remainingMs).toBeLessThanOrEqual(500);
    expect(answer.json.remainingMs).toBeGreaterThan(0);
    expect(answer.json.env).toEqual({ AWS_LAMBDA_FUNCTION_NAME: 'gateway-ANY-probe-action', PROBE: 'yes' });
  });

  it('freezes an environment between invocations: its timers do not run while it waits', async () => {
    await probe('tick', { query: '?ms=50' });
    const before = (await probe('tick', { query: '?ms=50' })).json.ticks;
    await new Promise((r) => setTimeout(r, 600)); // 60 ticks if it were running
    const after = (await probe('tick', { query: '?ms=50' })).json.ticks;
    expect(after - before).toBeLessThan(30);
  });

  it('a thrown error: 500 from the gateway, and the environment stays warm', async () => {
    const { pid } = (await probe('state')).json;
    const answer = await probe('throw');
    expect({ status: answer.status, body: answer.text }).toEqual(GatewayAnswers.internalServerError);
    expect(last()).toMatchObject({
      outcome: 'function_error',
      error: { errorMessage: 'probe failed on purpose' },
    });
    expect((await probe('state')).json.pid).toBe(pid);
  });

  it('past the function timeout: killed, 500 from the gateway, and the next invocation starts cold', async () => {
    const { pid } = (await probe('state')).json;
    const started = Date.now();
    const answer = await probe('sleep', { query: '?ms=5000' });
    expect({ status: answer.status, body: answer.text }).toEqual(GatewayAnswers.internalServerError);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(last().outcome).toBe('timed_out');
    const next = await probe('state');
    expect(next.json.pid).not.toBe(pid);
    expect(last().coldStart).toBe(true);
  });

  it('a process that exits mid-invocation: 500 from the gateway', async () => {
    const answer = await probe('exit');
    expect({ status: answer.status, body: answer.text }).toEqual(GatewayAnswers.internalServerError);
    expect(last().outcome).toBe('crashed');
  });

  it('crash(route): kill -9 at any moment; the request in flight gets the gateway 500', async () => {
    await slow('state'); // warm: the kill lands mid-invocation, not mid-import
    const inFlight = slow('sleep', { query: '?ms=800' });
    await waitUntil(() => last('ANY /slow/{action}').endedAt === undefined);
    await new Promise((r) => setTimeout(r, 100));
    await gateway.crash('ANY /slow/{action}');
    const answer = await inFlight;
    expect({ status: answer.status, body: answer.text }).toEqual(GatewayAnswers.internalServerError);
    expect(last('ANY /slow/{action}').outcome).toBe('crashed');
  });

  it('runs up to the reserved concurrency at once, throttles the next (500), queues none', async () => {
    await Promise.all([probe('state'), probe('state')]); // two warm environments
    const [a, b, c] = await Promise.all([
      probe('sleep', { query: '?ms=300' }),
      probe('sleep', { query: '?ms=300' }),
      (async () => {
        await waitUntil(
          () =>
            gateway.invocations('ANY /probe/{action}').filter((i) => i.endedAt === undefined).length === 2,
        );
        return probe('state');
      })(),
    ]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect(a.json.pid).not.toBe(b.json.pid);
    expect({ status: c!.status, body: c!.text }).toEqual(GatewayAnswers.internalServerError);
    expect(last().outcome).toBe('throttled');
  });

  it('no answer within the integration timeout: 503 Service Unavailable, while the function runs on', async () => {
    const started = Date.now();
    const answer = await slow('sleep', { query: '?ms=1500' });
    expect({ status: answer.status, body: answer.text }).toEqual(GatewayAnswers.serviceUnavailable);
    expect(Date.now() - started).toBeLessThan(1500);
    expect(last('ANY /slow/{action}').endedAt).toBeUndefined();
    await waitUntil(() => last('ANY /slow/{action}').endedAt !== undefined);
    expect(last('ANY /slow/{action}').outcome).toBe('answered');
  });

  it("an event over Lambda's 6 MB: 500 without an invocation; base64 makes a 5 MiB binary body one", async () => {
    const count = gateway.invocations().length;
    const json = await probe('state', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: 'x'.repeat(5 * MiB),
    });
    expect(json.status).toBe(200);
    const binary = await probe('state', { method: 'POST', body: new Uint8Array(5 * MiB) });
    expect({ status: binary.status, body: binary.text }).toEqual(GatewayAnswers.internalServerError);
    expect(gateway.invocations().length).toBe(count + 1);
  });

  it("a result over Lambda's 6 MB response limit: 500", async () => {
    const answer = await probe('big', { query: `?ms=${7 * MiB}` });
    expect(answer.status).toBe(500);
    expect(last().outcome).toBe('response_too_large');
  });

  it('its own answers: 404 for no route, 429 over the route throttle, 413 over 10 MB', async () => {
    const missing = await fetch(`${gateway.url}/nowhere`);
    expect({ status: missing.status, body: await missing.text() }).toEqual(GatewayAnswers.notFound);
    expect(missing.headers.get('content-type')).toBeNull();
    expect(missing.headers.get('apigw-requestid')).toMatch(/^[A-Za-z0-9+/]{15}=$/);
    const statuses = [];
    for (let i = 0; i < 2; i++) statuses.push((await fetch(`${gateway.url}/limited`)).status);
    expect(statuses).toEqual([404, 429]); // the probe answers 404 for an unknown action
    const huge = await fetch(`${gateway.url}/probe/state`, {
      method: 'POST',
      body: new Uint8Array(10 * MiB + 1),
    });
    expect({ status: huge.status, body: await huge.text() }).toEqual(GatewayAnswers.payloadTooLarge);
  });
});

async function waitUntil(check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not true within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}
