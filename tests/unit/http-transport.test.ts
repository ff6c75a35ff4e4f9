/**
 * lib/providers/http-transport.ts (node:http(s) in fetch's shape) against servers started here on
 * 127.0.0.1: what goes on the wire, how an answer reads (whole, bounded, `ok` for 2xx only), each
 * way an exchange fails (fetch's error names, the socket's code), that the caller's signal is left
 * clean and that connections are kept alive. A raw TCP server sends what node:http would not (a cut
 * body, a hang-up, odd status lines). tests/integration/http-transport.test.ts drives the same
 * transport through the Conekta client; this suite is the one the mutation run uses.
 */
import { getEventListeners } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { type AddressInfo, createServer as createTcpServer, type Socket } from 'node:net';
import tls from 'node:tls';
import { type HttpRequest, MAX_ANSWER_BYTES, nodeHttpTransport } from '../../lib/providers/http-transport.js';
import { freePort } from '../support/local-stack.js';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;
/** What the HTTP servers answer; each test sets its own. */
let handle: Handler = (_req, _body, res) => res.end();
/** What the raw TCP server does once a request's first bytes arrive. */
let onRaw: (socket: Socket) => void = (socket) => socket.destroy();

const answering = (req: IncomingMessage, res: ServerResponse) => {
  const chunks: Buffer[] = [];
  req.on('data', (chunk: Buffer) => chunks.push(chunk));
  req.on('end', () => handle(req, Buffer.concat(chunks).toString('utf8'), res));
};
const plain = createServer(answering);
const rawSockets = new Set<Socket>();
const raw = createTcpServer((socket) => {
  rawSockets.add(socket);
  socket.on('close', () => rawSockets.delete(socket));
  socket.once('data', () => onRaw(socket));
});

const listen = async (server: Server | ReturnType<typeof createTcpServer>, scheme = 'http') => {
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return `${scheme}://127.0.0.1:${(server.address() as AddressInfo).port}`;
};
const close = (server: { close(done: () => void): unknown }) =>
  new Promise<void>((done) => server.close(() => done()));

let plainBase: string;
let rawBase: string;
beforeAll(async () => {
  [plainBase, rawBase] = await Promise.all([listen(plain), listen(raw)]);
});
afterAll(async () => {
  // The transport's keep-alive agent still holds sockets to these servers: cut them server-side.
  plain.closeAllConnections();
  for (const socket of rawSockets) socket.destroy();
  await Promise.all([close(plain), close(raw)]);
});

const request = (over: Partial<HttpRequest> = {}): HttpRequest => ({
  method: 'GET',
  headers: {},
  signal: AbortSignal.timeout(2_000),
  redirect: 'error',
  ...over,
});
const get = (url: string, over: Partial<HttpRequest> = {}) => nodeHttpTransport(new URL(url), request(over));

type Failure = Error & { code?: string; cause?: unknown };
/** The error `promise` rejects with within `ms`: an answer, or a hang, fails the test right there. */
async function rejection(promise: Promise<unknown>, ms = 1_000): Promise<Failure> {
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    promise.then(
      (value) => ({ value }),
      (error: unknown) => ({ error }),
    ),
    new Promise<'pending'>((done) => {
      timer = setTimeout(() => done('pending'), ms);
    }),
  ]);
  clearTimeout(timer);
  if (outcome === 'pending' || !('error' in outcome)) {
    throw new Error(
      `expected a rejection within ${ms} ms, got ${outcome === 'pending' ? 'none' : 'an answer'}`,
    );
  }
  return outcome.error as Failure;
}
/** Whether `promise` settles within `ms`. */
const settlesWithin = (promise: Promise<unknown>, ms: number) =>
  new Promise<boolean>((done) => {
    const timer = setTimeout(() => done(false), ms);
    void promise.finally(() => {
      clearTimeout(timer);
      done(true);
    });
  });

describe('what it sends and how the answer reads', () => {
  it('sends the method, path, headers and body with its byte length; answers the status and whole text', async () => {
    let seen: {
      method?: string | undefined;
      url?: string | undefined;
      headers?: IncomingMessage['headers'];
      body?: string;
    } = {};
    handle = (req, body, res) => {
      seen = { method: req.method, url: req.url, headers: req.headers, body };
      res.writeHead(201, { 'content-type': 'application/json' }).end('{"id":"ord_1","name":"Añil"}');
    };
    const body = '{"amount":1500,"name":"Muñoz"}'; // ñ is two bytes: the length is in bytes, not chars
    const answer = await get(`${plainBase}/orders?limit=2`, {
      method: 'POST',
      headers: { authorization: 'Bearer key_x', 'content-type': 'application/json' },
      body,
    });
    expect([answer.status, answer.ok, await answer.text()]).toEqual([
      201,
      true,
      '{"id":"ord_1","name":"Añil"}',
    ]);
    expect(seen).toMatchObject({ method: 'POST', url: '/orders?limit=2', body });
    expect(seen.headers).toMatchObject({
      authorization: 'Bearer key_x',
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
    });
  });

  it('frames a body on any method: a DELETE with a body says its content-length', async () => {
    // node frames a POST's body by itself, but sends a DELETE's (or GET's) unframed: the server
    // would read no body at all and take the bytes for a next request.
    let seen: { headers?: IncomingMessage['headers']; body?: string } = {};
    handle = (req, body, res) => {
      seen = { headers: req.headers, body };
      res.end('{}');
    };
    const body = '{"reason":"gone"}';
    const answer = await get(`${plainBase}/webhooks/wh_1`, { method: 'DELETE', body });
    expect(answer.ok).toBe(true);
    expect(seen.body).toBe(body);
    expect(seen.headers?.['content-length']).toBe(String(Buffer.byteLength(body)));
  });

  it.each([
    [200, true],
    [299, true],
    [300, false],
    [302, false],
    [404, false],
    [503, false],
  ])('a %i answer is ok: %s, with its text (a redirect is the answer, not followed)', async (status, ok) => {
    let calls = 0;
    handle = (_req, _body, res) => {
      calls += 1;
      res.writeHead(status, { location: '/elsewhere' }).end(`answer ${status}`);
    };
    const answer = await get(`${plainBase}/status`);
    expect([answer.status, answer.ok, await answer.text()]).toEqual([status, ok, `answer ${status}`]);
    expect(calls).toBe(1);
  });

  it('skips a 1xx (informational): the final answer after it counts', async () => {
    onRaw = (socket) =>
      socket.end(
        'HTTP/1.1 199 Wait\r\n\r\nHTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 4\r\n\r\nDone',
      );
    const answer = await get(rawBase);
    expect([answer.status, answer.ok, await answer.text()]).toEqual([200, true, 'Done']);
  });

  it('calls a final status below 200 (a malformed 099) not ok: only 2xx is', async () => {
    onRaw = (socket) => socket.end('HTTP/1.1 099 Low\r\nConnection: close\r\nContent-Length: 3\r\n\r\nlow');
    const answer = await get(rawBase);
    expect([answer.status, answer.ok, await answer.text()]).toEqual([99, false, 'low']);
  });

  it('reuses one connection for calls one after another (keep-alive)', async () => {
    const sockets = new Set<Socket>();
    handle = (req, _body, res) => {
      sockets.add(req.socket);
      res.end('{}');
    };
    for (let i = 0; i < 3; i++) expect((await get(`${plainBase}/orders/ord_1`)).ok).toBe(true);
    expect(sockets.size).toBe(1);
  });
});

describe('the answer size limit', () => {
  const answerOf = (bytes: number) => {
    handle = (_req, _body, res) => {
      res.writeHead(200, { 'content-length': bytes }).end(Buffer.alloc(bytes, 'a'));
    };
  };
  // Time for 16 MiB on a busy machine (it takes well under 100 ms alone).
  const slowly = () => ({ signal: AbortSignal.timeout(10_000) });

  it('reads a large answer whole (1 MiB, more than a 250-order list page)', async () => {
    answerOf(1024 * 1024);
    const answer = await get(plainBase, slowly());
    expect(await answer.text()).toBe('a'.repeat(1024 * 1024));
  });

  it('accepts an answer of exactly MAX_ANSWER_BYTES', async () => {
    answerOf(MAX_ANSWER_BYTES);
    const answer = await get(plainBase, slowly());
    expect((await answer.text()).length).toBe(MAX_ANSWER_BYTES);
  });

  it('refuses an answer one byte larger with ETOOLARGE', async () => {
    answerOf(MAX_ANSWER_BYTES + 1);
    const error = await rejection(get(plainBase, slowly()), 10_000);
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({
      name: 'TransportError',
      code: 'ETOOLARGE',
      message: `answer larger than ${MAX_ANSWER_BYTES} bytes`,
    });
  });
});

describe('failures, named like fetch and the socket', () => {
  it('names a refused connection ECONNREFUSED, with the socket error as its cause (never sent)', async () => {
    const error = await rejection(get(`http://127.0.0.1:${await freePort()}/`));
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: 'TransportError', code: 'ECONNREFUSED' });
    expect(error.cause).toMatchObject({ code: 'ECONNREFUSED', message: error.message });
  });

  it('names a connection hung up before any answer ECONNRESET, with the socket error as its cause', async () => {
    onRaw = (socket) => socket.destroy(); // read the request, then hang up
    const error = await rejection(get(rawBase, { method: 'POST', body: '{}' }));
    expect(error).toMatchObject({ name: 'TransportError', code: 'ECONNRESET' });
    expect(error.cause).toMatchObject({ code: 'ECONNRESET', message: error.message });
  });

  it('fails an answer cut off mid-body: ECONNRESET, "answer cut off"', async () => {
    onRaw = (socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n{"partial":');
    const error = await rejection(get(rawBase));
    expect(error).toMatchObject({ name: 'TransportError', code: 'ECONNRESET', message: 'answer cut off' });
  });

  it('refuses a protocol other than http(s) before connecting: EPROTOCOL', async () => {
    const error = await rejection(get('ftp://127.0.0.1/'));
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({
      name: 'TransportError',
      code: 'EPROTOCOL',
      message: 'unsupported protocol ftp:',
    });
  });

  it("leaves no listener on the caller's signal once answered or failed", async () => {
    // A caller may pass one deadline's signal to several calls: a listener left behind by each
    // would pile up (node warns past 10) and keep every finished exchange alive.
    const signal = AbortSignal.timeout(2_000);
    handle = (_req, _body, res) => res.writeHead(503).end('down');
    const answered = get(plainBase, { signal });
    expect(getEventListeners(signal, 'abort')).toHaveLength(1); // while it runs
    await answered;
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);

    onRaw = (socket) => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\ncut');
    await rejection(get(rawBase, { signal }));
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
  });
});

describe('aborts', () => {
  it('rejects at once with an AbortError when the signal is already aborted, sending nothing', async () => {
    let calls = 0;
    handle = (_req, _body, res) => {
      calls += 1;
      res.end();
    };
    const controller = new AbortController();
    controller.abort();
    const error = await rejection(get(plainBase, { signal: controller.signal }), 100);
    expect(error.name).toBe('AbortError');
    expect(calls).toBe(0);
  });

  it.each([
    ['a reason that is no Error', 'shutting down', 'AbortError'],
    ['a timeout reason that is no Error', { name: 'TimeoutError' }, 'TimeoutError'],
  ])('makes fetch-like errors of %s: %s', async (_what, reason, name) => {
    const controller = new AbortController();
    controller.abort(reason);
    const error = await rejection(get(plainBase, { signal: controller.signal }), 100);
    expect(error).toBeInstanceOf(Error);
    expect([error.name, error.message]).toEqual([name, 'The operation was aborted.']);
  });

  /** The server holds each request 500 ms before answering; `hungUp` resolves when its socket closes. */
  const holdAnswers = () =>
    new Promise<{ hungUp: Promise<void> }>((arrived) => {
      handle = (req, _body, res) => {
        const hungUp = new Promise<void>((done) => req.socket.once('close', () => done()));
        const late = setTimeout(() => res.end('late'), 500);
        res.once('close', () => clearTimeout(late));
        arrived({ hungUp });
      };
    });
  /** A call with `signal`, once the server holds it (a call failing before that fails the test at once). */
  const heldCall = async (signal: AbortSignal) => {
    const held = holdAnswers();
    const pending = get(plainBase, { signal });
    const answeredEarly = pending.then(() => Promise.reject(new Error('answered while held')));
    const { hungUp } = await Promise.race([held, answeredEarly]);
    return { pending, hungUp };
  };

  it('rejects an abort while waiting for the answer with an AbortError, and hangs up', async () => {
    const controller = new AbortController();
    const { pending, hungUp } = await heldCall(controller.signal);
    controller.abort();
    const error = await rejection(pending, 250);
    expect(error.name).toBe('AbortError');
    // The connection is dropped, not left waiting for an answer nobody reads.
    expect(await settlesWithin(hungUp, 1_000)).toBe(true);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('rejects with the reason itself when it is an Error, like fetch', async () => {
    const controller = new AbortController();
    const { pending } = await heldCall(controller.signal);
    const reason = new Error('shutting down');
    controller.abort(reason);
    expect(await rejection(pending, 250)).toBe(reason);
  });

  it('rejects a signal timing out while waiting with a TimeoutError', async () => {
    void holdAnswers();
    const error = await rejection(get(plainBase, { signal: AbortSignal.timeout(50) }), 400);
    expect(error.name).toBe('TimeoutError');
  });
});

describe('over TLS', () => {
  // A throwaway self-signed certificate for IP 127.0.0.1 (valid 2020-2120), trusted by this file
  // only, while it runs: the transport's own agent takes no CA option.
  const key = [
    '-----BEGIN PRIVATE KEY-----',
    'MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg++HVUXcj06XmW4yK',
    'l+nReWfxbdOh4fkc8QbB01LySZOhRANCAATWn2UXsqrMSKiQxQf1SmdEX3hF9X59',
    'xQQI4wGV5WENa70QtEvjpfur9Kr35SRhF4ZQYktiT3AVu5TdayyC6rKT',
    '-----END PRIVATE KEY-----',
  ].join('\n');
  const cert = [
    '-----BEGIN CERTIFICATE-----',
    'MIIBTzCB9qADAgECAhQY2sbRA8Ffr9eT2JB78H9oLwBFPjAKBggqhkjOPQQDAjAU',
    'MRIwEAYDVQQDDAkxMjcuMC4wLjEwIBcNMjAwMTAxMDAwMDAwWhgPMjEyMDAxMDEw',
    'MDAwMDBaMBQxEjAQBgNVBAMMCTEyNy4wLjAuMTBZMBMGByqGSM49AgEGCCqGSM49',
    'AwEHA0IABNafZReyqsxIqJDFB/VKZ0RfeEX1fn3FBAjjAZXlYQ1rvRC0S+Ol+6v0',
    'qvflJGEXhlBiS2JPcBW7lN1rLILqspOjJDAiMA8GA1UdEQQIMAaHBH8AAAEwDwYD',
    'VR0TAQH/BAUwAwEB/zAKBggqhkjOPQQDAgNIADBFAiEApYtKgsXkIE76qRNKDhFW',
    'vvCIIQyPQIRnT5l0SzwgmWQCIGduU0bSMoqd0F/UBYEJ2p6bCDGgTjarTIbPT3J0',
    'iTl4',
    '-----END CERTIFICATE-----',
  ].join('\n');
  const secure = createHttpsServer({ key, cert }, answering);
  const trusted = tls.getCACertificates('default');
  let secureBase: string;
  beforeAll(async () => {
    tls.setDefaultCACertificates([...trusted, cert]);
    secureBase = await listen(secure, 'https');
  });
  afterAll(async () => {
    tls.setDefaultCACertificates(trusted);
    secure.closeAllConnections();
    await close(secure);
  });

  it('speaks TLS to an https URL, and keeps that connection alive too', async () => {
    const sockets = new Set<Socket>();
    handle = (req, _body, res) => {
      sockets.add(req.socket);
      res.end('{"secure":true}');
    };
    for (let i = 0; i < 3; i++) {
      const answer = await get(`${secureBase}/orders`);
      expect([answer.status, await answer.text()]).toEqual([200, '{"secure":true}']);
    }
    expect(sockets.size).toBe(1);
  });
});
