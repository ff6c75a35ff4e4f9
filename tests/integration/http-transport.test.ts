/**
 * The Conekta client on the providers' real HTTP transport, against a server on loopback: each way
 * an exchange fails is classified so the client tells "never sent" from "maybe processed". The
 * transport's own behaviour (what it sends, answers, limits and aborts) is pinned by
 * tests/unit/http-transport.test.ts, which the mutation run also executes.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ProviderError } from '../../lib/payments/provider-errors.js';
import { ConektaClient } from '../../lib/providers/conekta/client.js';
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
