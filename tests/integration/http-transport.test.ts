/**
 * The providers' HTTP transport (node:http instead of fetch) against a real server on loopback:
 * what it sends, what it answers, and each way an exchange can fail, classified like fetch's so
 * the Conekta client tells "never sent" from "maybe processed".
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ProviderError } from '../../lib/payments/provider-errors.js';
import { ConektaClient } from '../../lib/providers/conekta/client.js';
import { MAX_ANSWER_BYTES, nodeHttpTransport } from '../../lib/providers/http-transport.js';
import { freePort } from '../support/local-stack.js';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;
let server: Server;
let base: string;
let handle: Handler = (_req, _body, res) => res.end('{}');

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    handle(req, Buffer.concat(chunks).toString('utf8'), res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

const request = (over: Partial<Parameters<typeof nodeHttpTransport>[1]> = {}) => ({
  method: 'GET',
  headers: {},
  signal: AbortSignal.timeout(5_000),
  redirect: 'error' as const,
  ...over,
});

it('sends the method, headers and body with its length, and answers status and text', async () => {
  let seen: { method?: string; headers?: IncomingMessage['headers']; body?: string } = {};
  handle = (req, body, res) => {
    seen = { method: req.method!, headers: req.headers, body };
    res.writeHead(201, { 'content-type': 'application/json' }).end('{"ok":"sí"}');
  };
  const answer = await nodeHttpTransport(
    new URL(`${base}/orders?x=1`),
    request({
      method: 'POST',
      headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
      body: '{"a":"ñ"}',
    }),
  );
  expect(answer.status).toBe(201);
  expect(answer.ok).toBe(true);
  expect(await answer.text()).toBe('{"ok":"sí"}');
  expect(seen.method).toBe('POST');
  expect(seen.body).toBe('{"a":"ñ"}');
  expect(seen.headers).toMatchObject({
    authorization: 'Bearer k',
    'content-length': String(Buffer.byteLength('{"a":"ñ"}')),
  });
});

it('answers a 4xx/5xx as not ok, and a 3xx as the answer itself (no redirect followed)', async () => {
  let calls = 0;
  handle = (req, _body, res) => {
    calls += 1;
    if (req.url === '/moved') res.writeHead(302, { location: '/elsewhere' }).end();
    else res.writeHead(503).end('down');
  };
  const down = await nodeHttpTransport(new URL(`${base}/x`), request());
  expect([down.status, down.ok, await down.text()]).toEqual([503, false, 'down']);
  const moved = await nodeHttpTransport(new URL(`${base}/moved`), request());
  expect([moved.status, moved.ok]).toEqual([302, false]);
  expect(calls).toBe(2);
});

it('fails a slow answer with a TimeoutError when the signal times out', async () => {
  handle = (_req, _body, res) => setTimeout(() => res.end('{}'), 2_000).unref();
  await expect(
    nodeHttpTransport(new URL(base), request({ signal: AbortSignal.timeout(100) })),
  ).rejects.toMatchObject({
    name: 'TimeoutError',
  });
});

it('fails an already aborted signal without connecting', async () => {
  let calls = 0;
  handle = (_req, _body, res) => {
    calls += 1;
    res.end();
  };
  const controller = new AbortController();
  controller.abort();
  await expect(
    nodeHttpTransport(new URL(base), request({ signal: controller.signal })),
  ).rejects.toMatchObject({
    name: 'AbortError',
  });
  expect(calls).toBe(0);
});

it('names a refused connection ECONNREFUSED, like fetch (a request that was never sent)', async () => {
  const port = await freePort();
  const error = (await nodeHttpTransport(new URL(`http://127.0.0.1:${port}/`), request()).catch(
    (e: unknown) => e,
  )) as {
    code?: string;
    cause: { code?: string };
  };
  expect(error.code).toBe('ECONNREFUSED');
  expect(error.cause.code).toBe('ECONNREFUSED');
});

it('fails an answer cut off mid-body', async () => {
  handle = (_req, _body, res) => {
    res.writeHead(200, { 'content-length': '1000' });
    res.write('{"partial":');
    setTimeout(() => res.socket?.destroy(), 50);
  };
  await expect(nodeHttpTransport(new URL(base), request())).rejects.toThrow();
});

it('refuses an answer larger than the limit', async () => {
  handle = (_req, _body, res) => {
    res.writeHead(200);
    const chunk = Buffer.alloc(1024 * 1024, 97);
    let sent = 0;
    const pump = () => {
      while (sent <= MAX_ANSWER_BYTES && res.write(chunk)) sent += chunk.length;
      if (sent <= MAX_ANSWER_BYTES) res.once('drain', pump);
      else res.end();
    };
    pump();
  };
  await expect(nodeHttpTransport(new URL(base), request())).rejects.toMatchObject({ code: 'ETOOLARGE' });
});

it('refuses a protocol other than http(s)', async () => {
  await expect(nodeHttpTransport(new URL('ftp://127.0.0.1/'), request())).rejects.toMatchObject({
    code: 'EPROTOCOL',
  });
});

describe('the Conekta client on this transport', () => {
  const client = () => new ConektaClient({ baseUrl: base, apiVersion: '2.3.0', timeoutMs: 2_000 });

  it('calls a refused connection not processed, and a reset after sending unknown', async () => {
    const port = await freePort();
    const refused = new ConektaClient({
      baseUrl: `http://127.0.0.1:${port}`,
      apiVersion: '2.3.0',
      timeoutMs: 2_000,
    });
    const a = await refused
      .send<never>('key_x', { method: 'POST', path: '/orders', body: {}, deadline: Date.now() + 5_000 })
      .catch((e: unknown) => e as ProviderError);
    expect(a).toBeInstanceOf(ProviderError);
    expect([a.failure, a.outcome]).toEqual(['unavailable', 'not_processed']);

    handle = (req) => req.socket.destroy(); // read the request, then hang up
    const b = await client()
      .send<never>('key_x', { method: 'POST', path: '/orders', body: {}, deadline: Date.now() + 5_000 })
      .catch((e: unknown) => e as ProviderError);
    expect([b.failure, b.outcome]).toEqual(['unavailable', 'unknown']);
  });

  it('calls a timeout unknown', async () => {
    handle = (_req, _body, res) => setTimeout(() => res.end('{}'), 3_000).unref();
    const e = await new ConektaClient({ baseUrl: base, apiVersion: '2.3.0', timeoutMs: 300 })
      .send<never>('key_x', { method: 'POST', path: '/orders', body: {}, deadline: Date.now() + 5_000 })
      .catch((x: unknown) => x as ProviderError);
    expect([e.failure, e.outcome]).toEqual(['timeout', 'unknown']);
  });

  it('reuses the connection between calls (keep-alive)', async () => {
    const sockets = new Set<unknown>();
    handle = (req, _body, res) => {
      sockets.add(req.socket);
      res.end('{"id":"ord_1"}');
    };
    for (let i = 0; i < 3; i++) {
      await client().send('key_x', { method: 'GET', path: '/orders/ord_1', deadline: Date.now() + 5_000 });
    }
    expect(sockets.size).toBe(1);
  });
});
