/**
 * Loopback servers the bench puts around the code under test: a counting proxy (in front of
 * DynamoDB Local or the Conekta sandbox, so round trips are counted at the wire, whatever the
 * handler's client does) and a storefront that accepts notifications.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export type WireCall = { key: string; body: string; headers: http.IncomingHttpHeaders };

export type CountingProxy = {
  url: string;
  /** The calls seen since the last take, oldest first; clears the log. */
  take(): WireCall[];
  stop(): Promise<void>;
};

/** Log cap: the proxy is for counting a few requests, never for a load test. */
const MAX_LOGGED = 10_000;

async function listen(server: http.Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function close(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

async function readBody(req: http.IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** `keyOf` names a call: the X-Amz-Target operation for DynamoDB, method and path for Conekta. */
export async function startCountingProxy(
  upstream: string,
  keyOf: (req: http.IncomingMessage) => string,
): Promise<CountingProxy> {
  const target = new URL(upstream);
  const agent = new http.Agent({ keepAlive: true });
  let log: WireCall[] = [];
  const server = http.createServer(async (req, res) => {
    const body = await readBody(req);
    if (log.length < MAX_LOGGED)
      log.push({ key: keyOf(req), body: body.toString('utf8'), headers: req.headers });
    const upstreamReq = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host },
        agent,
      },
      (upstreamRes) => {
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        upstreamRes.pipe(res);
      },
    );
    upstreamReq.on('error', () => res.writeHead(502).end());
    upstreamReq.end(body);
  });
  const url = await listen(server);
  return {
    url,
    take: () => {
      const taken = log;
      log = [];
      return taken;
    },
    stop: async () => {
      await close(server);
      agent.destroy();
    },
  };
}

export const dynamoOperation = (req: http.IncomingMessage): string =>
  String(req.headers['x-amz-target'] ?? 'unknown').replace(/^DynamoDB_\d+\./, '');

export const methodAndPath = (req: http.IncomingMessage): string =>
  `${req.method} ${new URL(req.url ?? '/', 'http://x').pathname}`;

/** Counts of each call name, e.g. { PutItem: 1, UpdateItem: 1 }. */
export function countByKey(calls: readonly WireCall[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const call of calls) counts[call.key] = (counts[call.key] ?? 0) + 1;
  return counts;
}

export type Storefront = { url: string; hits(): number; stop(): Promise<void> };

/** A storefront that answers every notification 200 at once, like a healthy one. */
export async function startStorefront(): Promise<Storefront> {
  let hits = 0;
  const server = http.createServer(async (req, res) => {
    await readBody(req);
    hits += 1;
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  const url = await listen(server);
  return { url: `${url}/pagos/notify`, hits: () => hits, stop: () => close(server) };
}
